#include "sweeps/slurm_backend.hpp"

#include <sys/wait.h>

#include <fmt/format.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "lib/error.hpp"

namespace scalelab::sweeps {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct CommandOutput {
  int status = -1;
  std::string out;
};

// Runs a shell command line and captures stdout and stderr together.
CommandOutput capture(const std::string& command) {
  CommandOutput r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

struct SlurmTask {
  std::string job;  // "JOBID_INDEX"
  std::string run_dir;
  int missing_polls = 0;  // polls since the task left the queue without an exit_status file
};

class SlurmBackend final : public DispatchBackend {
 public:
  explicit SlurmBackend(const SlurmOptions& o) : o_(o) {
    executable_ = o.executable.empty() ? self_executable() : o.executable;
  }

  std::string name() const override { return "slurm"; }
  bool runs_worker() const override { return true; }
  bool runs_on_this_host() const override { return false; }
  int slots() const override { return o_.max_submit; }

  void assign(RunSpec& spec) override {
    spec.device = o_.gpus_per_task > 0 ? "cuda" : "cpu";
    spec.threads = o_.cpus_per_task;
  }

  void launch(const Task& task) override {
    // A stale exit status from an earlier attempt must not be mistaken for this one's.
    std::error_code ec;
    fs::remove(fs::path(task.run_dir) / kExitFile, ec);
    queued_.push_back(task);
  }

  std::vector<std::pair<std::int64_t, std::string>> flush() override {
    std::vector<std::pair<std::int64_t, std::string>> jobs;
    if (queued_.empty()) return jobs;
    const std::vector<Task> batch = std::exchange(queued_, {});
    try {
      const std::string job_id = submit(batch);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const std::string job = fmt::format("{}_{}", job_id, i);
        tasks_[batch[i].run_id] = SlurmTask{job, batch[i].run_dir, 0};
        jobs.emplace_back(batch[i].run_id, job);
      }
    } catch (const Error& e) {
      for (const Task& t : batch) failed_.push_back({t.run_id, ExitStatus{1, 0}, e.what()});
    }
    return jobs;
  }

  std::vector<TaskEnd> poll() override {
    std::vector<TaskEnd> ended = std::exchange(failed_, {});
    if (tasks_.empty()) return ended;
    // squeue is a query to the controller: at most every poll interval.
    const auto now = Clock::now();
    if (polled_ && now - last_poll_ < std::chrono::milliseconds(500)) return ended;
    polled_ = true;
    last_poll_ = now;
    const auto queued = queued_tasks();
    if (!queued) return ended;  // the controller did not answer: decide nothing now
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      SlurmTask& t = it->second;
      if (queued->count(t.job)) {
        t.missing_polls = 0;
        ++it;
        continue;
      }
      if (auto code = read_exit_status(t.run_dir)) {
        ended.push_back({it->first, ExitStatus{*code, 0}, "slurm task " + t.job});
        it = tasks_.erase(it);
        continue;
      }
      // Out of the queue and no exit status: give a shared filesystem one more poll to show
      // the file, then ask the accounting (when there is any) what happened.
      if (++t.missing_polls < 3) {
        ++it;
        continue;
      }
      ended.push_back({it->first, ExitStatus{-1, 0},
                       fmt::format("slurm task {} left the queue without an exit status ({})",
                                   t.job, accounting_state(t.job))});
      it = tasks_.erase(it);
    }
    return ended;
  }

  void cancel(std::int64_t run_id) override {
    if (auto it = tasks_.find(run_id); it != tasks_.end())
      capture(fmt::format("{} {}", o_.scancel, shell_quote(it->second.job)));
  }

  void cancel_all() override {
    for (const auto& [id, t] : tasks_)
      capture(fmt::format("{} {}", o_.scancel, shell_quote(t.job)));
  }

  bool adopt(const Task& task, const std::string& job) override {
    if (job.find('_') == std::string::npos) return false;
    const auto queued = queued_tasks(job);
    const bool alive = queued && queued->count(job);
    if (alive || read_exit_status(task.run_dir)) {
      tasks_[task.run_id] = SlurmTask{job, task.run_dir, 0};
      return true;
    }
    if (!queued) {
      // The controller did not answer: cancel the task rather than risk two attempts.
      capture(fmt::format("{} {}", o_.scancel, shell_quote(job)));
    }
    return false;
  }

 private:
  std::string submit(const std::vector<Task>& batch) {
    const fs::path dir = fs::path(batch.front().run_dir).parent_path() / ".slurm";
    fs::create_directories(dir);
    const std::string stamp =
        fmt::format("{}", std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
    const fs::path list = dir / ("tasks-" + stamp + ".txt");
    const fs::path script = dir / ("array-" + stamp + ".sh");
    {
      std::ofstream out(list);
      for (const Task& t : batch) out << t.run_dir << '\n';
    }
    {
      std::ofstream out(script);
      out << "#!/bin/sh\n"
             "# One task of a scalelab sweep: the worker for the run on line TASK_ID+1 of the\n"
             "# list. Writes only to the run's directory.\n"
          << "dir=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" " << shell_quote(list.string())
          << ")\n"
             "export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n"
             "export SCALELAB_RUN_DIR=\"$dir\"\n"
             "rm -f \"$dir/exit_status\"\n"
          << shell_quote(executable_)
          << " worker --run-dir \"$dir\" >> \"$dir/worker.log\" 2>&1\n"
             "code=$?\n"
             "echo \"$code\" > \"$dir/exit_status.tmp\" && mv \"$dir/exit_status.tmp\" "
             "\"$dir/exit_status\"\n"
             "exit \"$code\"\n";
    }
    fs::permissions(script, fs::perms::owner_all, fs::perm_options::add);
    std::string cmd =
        fmt::format("{} --parsable --array=0-{}{} -J {} -o {} -D {}", o_.sbatch, batch.size() - 1,
                    o_.max_concurrent > 0 ? fmt::format("%{}", o_.max_concurrent) : std::string(),
                    shell_quote("scalelab-" + batch.front().spec.sweep),
                    shell_quote((dir / "slurm-%A_%a.out").string()), shell_quote(dir.string()));
    if (!o_.partition.empty()) cmd += fmt::format(" -p {}", shell_quote(o_.partition));
    if (!o_.time_limit.empty()) cmd += fmt::format(" -t {}", shell_quote(o_.time_limit));
    if (o_.gpus_per_task > 0) cmd += fmt::format(" --gpus-per-task={}", o_.gpus_per_task);
    cmd += fmt::format(" -c {}", o_.cpus_per_task);
    if (!o_.mem.empty()) cmd += fmt::format(" --mem={}", shell_quote(o_.mem));
    for (const auto& a : o_.extra_args) cmd += fmt::format(" {}", shell_quote(a));
    cmd += fmt::format(" {}", shell_quote(script.string()));
    const CommandOutput r = capture(cmd);
    const std::string out = trim(r.out);
    const std::string id = out.substr(0, out.find(';'));
    if (r.status != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
      throw Error(fmt::format("sbatch failed (exit status {}): {}", r.status,
                              out.empty() ? "no output" : out));
    return id;
  }

  // "JOBID_INDEX" of every task of ours still pending or running; nullopt when squeue fails.
  // `extra`: one more task to ask about (adopt), beside the tracked ones.
  std::optional<std::set<std::string>> queued_tasks(const std::string& extra = "") {
    std::set<std::string> jobs;
    for (const auto& [id, t] : tasks_) jobs.insert(t.job.substr(0, t.job.find('_')));
    if (!extra.empty()) jobs.insert(extra.substr(0, extra.find('_')));
    if (jobs.empty()) return std::set<std::string>{};
    std::string list;
    for (const auto& j : jobs) list += (list.empty() ? "" : ",") + j;
    const CommandOutput r = capture(fmt::format("{} -h -r -o %i -j {}", o_.squeue, list));
    // squeue exits 1 with "Invalid job id" once every job of the list has left the queue.
    if (r.status != 0 && r.out.find("Invalid job id") == std::string::npos) return std::nullopt;
    std::set<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
      line = trim(line);
      if (!line.empty() && line.find('_') != std::string::npos) out.insert(line);
    }
    return out;
  }

  static std::optional<int> read_exit_status(const std::string& run_dir) {
    std::ifstream in(fs::path(run_dir) / kExitFile);
    int code = 0;
    if (in >> code) return code;
    return std::nullopt;
  }

  std::string accounting_state(const std::string& job) {
    const CommandOutput r =
        capture(fmt::format("{} -n -P -X -j {} -o State,ExitCode", o_.sacct, shell_quote(job)));
    const std::string out = trim(r.out);
    if (r.status != 0 || out.empty()) return "no accounting record";
    return "sacct: " + out.substr(0, out.find('\n'));
  }

  SlurmOptions o_;
  std::string executable_;
  std::vector<Task> queued_;
  std::map<std::int64_t, SlurmTask> tasks_;
  std::vector<TaskEnd> failed_;
  bool polled_ = false;
  Clock::time_point last_poll_;
};

}  // namespace

std::unique_ptr<DispatchBackend> make_slurm_backend(const SlurmOptions& options) {
  return std::make_unique<SlurmBackend>(options);
}

}  // namespace scalelab::sweeps
