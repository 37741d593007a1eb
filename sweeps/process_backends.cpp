// The local and command backends: one child process per run on this machine.
#include <signal.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "lib/error.hpp"
#include "sweeps/dispatch.hpp"

namespace scalelab::sweeps {
namespace {

// What both backends share: children by run id, their ends, and cancellation.
class ProcessBackend : public DispatchBackend {
 public:
  int slots() const override { return workers_; }

  std::vector<std::pair<std::int64_t, std::string>> flush() override {
    return std::exchange(launched_, {});
  }

  std::vector<TaskEnd> poll() override {
    std::vector<TaskEnd> ended;
    for (auto it = children_.begin(); it != children_.end();) {
      if (auto status = try_wait(it->second.pid)) {
        // Whatever the run started in its group must not outlive it.
        signal_group(it->second.pid, SIGKILL);
        release(it->first);
        ended.push_back({it->first, *status, ""});
        it = children_.erase(it);
      } else {
        ++it;
      }
    }
    return ended;
  }

  void cancel(std::int64_t run_id) override {
    if (auto it = children_.find(run_id); it != children_.end())
      signal_group(it->second.pid, SIGKILL);
  }

  void cancel_all() override {
    for (const auto& [id, child] : children_) signal_group(child.pid, SIGKILL);
  }

  bool adopt(const Task&, const std::string& job) override {
    // Children die with their coordinator (PR_SET_PDEATHSIG), but a command's grandchildren
    // may not: stop whatever is left of the old attempt so that two attempts never write one
    // run directory, and let the run resume from its checkpoint.
    kill_identity(job);
    return false;
  }

 protected:
  struct Child {
    pid_t pid = 0;
  };

  void start(const Task& task, SpawnOptions options) {
    options.cwd = task.run_dir;
    options.log_path = (std::filesystem::path(task.run_dir) / kWorkerLog).string();
    options.env.emplace_back("SCALELAB_RUN_DIR", task.run_dir);
    if (task.spec.threads > 0)
      options.env.emplace_back("OMP_NUM_THREADS", std::to_string(task.spec.threads));
    const pid_t pid = spawn_process(options);
    children_[task.run_id] = Child{pid};
    launched_.emplace_back(task.run_id, process_identity(pid));
  }

  virtual void release(std::int64_t /*run_id*/) {}

  int workers_ = 1;
  std::map<std::int64_t, Child> children_;
  std::vector<std::pair<std::int64_t, std::string>> launched_;
};

int default_threads(int workers) {
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, hw / std::max(1, workers));
}

class LocalBackend final : public ProcessBackend {
 public:
  explicit LocalBackend(const LocalBackendOptions& o) : options_(o) {
    workers_ = o.workers > 0 ? o.workers : std::max<int>(1, static_cast<int>(o.gpus.size()));
    if (!o.gpus.empty() && workers_ > static_cast<int>(o.gpus.size()))
      throw InputError(
          fmt::format("--workers {}: more workers than GPUs ({}); each GPU runs "
                      "one run at a time",
                      workers_, o.gpus.size()));
    threads_ = o.threads_per_worker > 0 ? o.threads_per_worker : default_threads(workers_);
    // /proc/self/exe itself, not the path it points to: a rebuilt or reinstalled binary must
    // not change (or break) the workers of a sweep that is running.
    executable_ = o.executable.empty() ? std::string("/proc/self/exe") : o.executable;
    free_gpus_ = o.gpus;
  }

  std::string name() const override { return "local"; }
  bool runs_worker() const override { return true; }
  bool runs_on_this_host() const override { return true; }

  void assign(RunSpec& spec) override {
    spec.threads = threads_;
    if (options_.gpus.empty()) {
      spec.device = "cpu";
      return;
    }
    if (free_gpus_.empty()) throw Error("local backend: no free GPU (coordinator bug)");
    next_gpu_ = free_gpus_.front();
    // The worker sees exactly one GPU (CUDA_VISIBLE_DEVICES), as device 0.
    spec.device = "cuda";
  }

  void launch(const Task& task) override {
    SpawnOptions o;
    o.argv = {executable_, "worker", "--run-dir", task.run_dir};
    if (task.spec.device != "cpu" && !options_.gpus.empty()) {
      o.env.emplace_back("CUDA_VISIBLE_DEVICES", next_gpu_);
      std::erase(free_gpus_, next_gpu_);
      gpu_of_[task.run_id] = next_gpu_;
    }
    start(task, std::move(o));
  }

 private:
  void release(std::int64_t run_id) override {
    if (auto it = gpu_of_.find(run_id); it != gpu_of_.end()) {
      free_gpus_.push_back(it->second);
      gpu_of_.erase(it);
    }
  }

  LocalBackendOptions options_;
  int threads_ = 1;
  std::string executable_;
  std::vector<std::string> free_gpus_;
  std::string next_gpu_;
  std::map<std::int64_t, std::string> gpu_of_;
};

class CommandBackend final : public ProcessBackend {
 public:
  explicit CommandBackend(const CommandBackendOptions& o) : options_(o) {
    if (o.command.find_first_not_of(" \t\n") == std::string::npos)
      throw InputError(
          "backend.command: empty (a /bin/sh command template is required, e.g. "
          "'python train.py --out {run_dir} --steps {steps}')");
    if (o.workers < 1) throw InputError(fmt::format("--workers {}: at least 1", o.workers));
    // Unknown placeholders are reported before anything runs.
    RunSpec probe;
    expand_template(o.command, placeholders(probe, "."));
    workers_ = o.workers;
  }

  std::string name() const override { return "command"; }
  bool runs_worker() const override { return false; }
  bool runs_on_this_host() const override { return true; }

  void assign(RunSpec& spec) override {
    spec.device = "cpu";
    spec.threads = options_.threads_per_worker;
  }

  void launch(const Task& task) override {
    SpawnOptions o;
    o.argv = {"/bin/sh", "-c",
              expand_template(options_.command, placeholders(task.spec, task.run_dir))};
    start(task, std::move(o));
  }

 private:
  CommandBackendOptions options_;
};

}  // namespace

std::vector<std::string> detect_gpus() {
  std::vector<std::string> gpus;
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    const std::string list(visible);
    if (list.empty() || list == "-1") return gpus;
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t comma = std::min(list.find(',', start), list.size());
      if (comma > start) gpus.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
    return gpus;
  }
  FILE* pipe = ::popen("nvidia-smi -L 2>/dev/null", "r");
  if (!pipe) return gpus;
  char line[512];
  while (std::fgets(line, sizeof line, pipe))
    if (std::string_view(line).starts_with("GPU ")) gpus.push_back(std::to_string(gpus.size()));
  if (::pclose(pipe) != 0) gpus.clear();
  return gpus;
}

std::unique_ptr<DispatchBackend> make_local_backend(const LocalBackendOptions& options) {
  return std::make_unique<LocalBackend>(options);
}

std::unique_ptr<DispatchBackend> make_command_backend(const CommandBackendOptions& options) {
  return std::make_unique<CommandBackend>(options);
}

}  // namespace scalelab::sweeps
