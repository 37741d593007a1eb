// The kill-anywhere soak test (issue 16), in the spirit of SQLite's crash tests: a sweep of
// tiny models is trained again and again while its coordinator's process group is killed with
// SIGKILL at random instants spread over the sweep's life, or at named crash points inside
// ingest transactions and run-state transitions (lib/crash_point.hpp), and while random
// workers are killed; after each kill the sweep is resumed. Every finished round checks:
//   - `sweep resume` ended with exit 0 and every run done;
//   - each run's metric rows are exactly its steps 1..stop, once each, and every stored number
//     but tokens/s is bitwise that of an uninterrupted reference sweep, final losses included;
//   - no orphan: within 5 s of a coordinator's kill no worker of the sweep is alive;
//   - no run trained twice past its checkpoint: after a coordinator kill, the run's next
//     attempt resumes exactly at the step after the checkpoint it left; every attempt resumes
//     at or after the last checkpoint an earlier attempt logged.
//
//   sweeps_soak --scalelab BIN --dir DIR --kills N [--seed S]
// prints one line per kill and "soak: N kills survived, R rounds, every invariant held";
// exits 1 at the first broken invariant, naming it.
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "trainer/checkpoint.hpp"

namespace fs = std::filesystem;
using namespace scalelab;
using Clock = std::chrono::steady_clock;

namespace {

struct Failure {
  std::string what;
};
[[noreturn]] void fail(const std::string& what) { throw Failure{what}; }

std::string g_bin, g_dir;

// Runs `scalelab ARGS` in its own process group with `env` added; returns its pid.
pid_t start(const std::vector<std::string>& args, const std::string& log,
            const std::vector<std::string>& env = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (::chdir(g_dir.c_str()) != 0) ::_exit(126);
    if (FILE* f = std::fopen(log.c_str(), "a")) {
      ::dup2(fileno(f), 1);
      ::dup2(fileno(f), 2);
    }
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv{const_cast<char*>(g_bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  return pid;
}

// Exit code, or -signal.
int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}
std::optional<int> poll_exit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

int run(const std::vector<std::string>& args) { return wait_for(start(args, g_dir + "/cli.log")); }

// Pids of live `scalelab worker` processes training a run under RUNS_DIR.
std::vector<pid_t> live_workers(const std::string& runs_dir) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (dirent* e = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    if (pid <= 0) continue;
    std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.find(std::string("worker\0--run-dir\0", 17) + runs_dir) == std::string::npos) continue;
    // A zombie (dead, not yet reaped) trains nothing.
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string s;
    std::getline(stat, s);
    const std::size_t close = s.rfind(')');
    if (close != std::string::npos && close + 2 < s.size() && s[close + 2] == 'Z') continue;
    out.push_back(pid);
  }
  ::closedir(proc);
  return out;
}

void check_no_orphans(const std::string& runs_dir, const std::string& when) {
  const auto end = Clock::now() + std::chrono::seconds(5);
  while (!live_workers(runs_dir).empty()) {
    if (Clock::now() > end)
      fail(fmt::format("orphan: {} worker(s) still alive 5 s after {} (pid {})",
                       live_workers(runs_dir).size(), when, live_workers(runs_dir)[0]));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One attempt of a run as its worker.log tells it.
struct Attempt {
  std::int64_t resume_step = 1;           // "resuming at step S" (1: from the start)
  std::vector<std::int64_t> checkpoints;  // "checkpoint at step K", in order
};
std::vector<Attempt> attempts_of(const fs::path& run_dir) {
  std::vector<Attempt> out;
  std::istringstream log(read_text(run_dir / "worker.log"));
  std::string line;
  while (std::getline(log, line)) {
    if (line.rfind("scalelab worker: run ", 0) == 0) out.emplace_back();
    if (out.empty()) continue;
    long long n = 0;
    if (std::sscanf(line.c_str(), "resuming at step %lld", &n) == 1) out.back().resume_step = n;
    if (std::sscanf(line.c_str(), "scalelab worker: checkpoint at step %lld", &n) == 1)
      out.back().checkpoints.push_back(n);
  }
  return out;
}

std::optional<std::int64_t> checkpoint_step(const fs::path& run_dir) {
  const auto c = trainer::read_latest_checkpoint(run_dir / "checkpoint.bin", nullptr);
  if (!c) return std::nullopt;
  return c->meta["step"].get<std::int64_t>();
}

// After all of a sweep's processes are dead: where each run's next attempt must resume.
struct Expectation {
  std::size_t attempt;  // index (0-based) of the next attempt in worker.log
  std::int64_t resume_step;
};

class Soak {
 public:
  Soak(int kills, unsigned seed) : kills_(kills), rng_(seed) {}

  int run_all() {
    fs::remove_all(g_dir);
    fs::create_directories(g_dir);
    plan("ref");
    const auto t0 = Clock::now();
    if (run({"sweep", "run", "ref", "--workers", "2", "--threads", "1", "-q"}) != 0)
      fail("the reference sweep failed");
    sweep_seconds_ = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("soak: reference sweep in %.1f s; %d kills to go\n", sweep_seconds_, kills_);
    std::fflush(stdout);
    int round = 0;
    while (survived_ < kills_) soak_round(fmt::format("soak{}", ++round));
    std::printf(
        "soak: %d kills survived (%d coordinator at random instants, %d at crash "
        "points, %d workers), %d rounds, %d runs and %d resumes checked, every invariant "
        "held\n",
        survived_, random_kills_, point_kills_, worker_kills_, round, runs_checked_,
        resumes_checked_);
    return 0;
  }

 private:
  // Three tiny models (100, 199 and 697 steps). The spike ratio is tightened to 1.18: above
  // every healthy step of these runs (at most 1.116 x the best before it) and below what a
  // comparison out of step order sees (up to 1.30), so a resumed run judged against a later
  // step of an earlier attempt (issue 16) breaks the soak; patience 1 judges every step alone.
  void plan(const std::string& name) {
    std::ofstream(g_dir + "/soak.yaml") << "budgets: 1e10\ngrid: 3\nseq_len: 32\nvocab_size: 32\n"
                                           "data: synthetic\ndivergence: {spike_ratio: 1.18, patience: 1}\n";
    if (run({"plan", "--config", "soak.yaml", "--save", name, "--format", "csv"}) != 0)
      fail("plan failed");
  }

  db::Database open() { return db::open_database(g_dir + "/scalelab.db"); }

  // Kill points: named crash points with how many passages to let go by at most.
  const std::vector<std::pair<std::string, int>> kPoints = {
      {"upsert_metrics:mid_transaction", 40},
      {"upsert_metrics:before_commit", 40},
      {"upsert_metrics:after_commit", 40},
      {"ingest:before_upsert", 40},
      {"ingest:after_upsert", 40},
      {"claim_run:before_update", 3},
      {"claim_run:before_commit", 3},
      {"coordinator:after_claim", 3},
      {"coordinator:after_flush", 20},
      {"coordinator:before_finish", 3},
      {"finish_run:before_commit", 3},
      {"coordinator:after_finish", 3},
      {"requeue_run:before_commit", 2},
  };

  void soak_round(const std::string& name) {
    plan(name);
    const std::string runs_dir = g_dir + "/scalelab-runs/" + name + "/";
    std::vector<std::pair<fs::path, Expectation>> expect;
    std::uniform_real_distribution<double> u(0, 1);
    for (int session = 0;; ++session) {
      if (session > 400) fail(fmt::format("{}: not finished after 400 sessions", name));
      std::vector<std::string> env;
      std::string label;
      if (survived_ < kills_ && u(rng_) < 0.35) {
        const auto& [point, most] = kPoints[rng_() % kPoints.size()];
        const int k = 1 + static_cast<int>(rng_() % most);
        env.push_back(fmt::format("SCALELAB_CRASH_AT={}:{}", point, k));
        label = fmt::format("crash point {}:{}", point, k);
      }
      const auto t0 = Clock::now();
      const pid_t c = start({"sweep", "resume", name, "--workers", "2", "--threads", "1",
                             "--retries", "1000", "--poll", "0.05", "-q"},
                            g_dir + "/" + name + ".log", env);
      std::optional<int> code;
      // Random instants over the sweep's whole life: a worker killed (the session goes on)
      // or the coordinator's process group killed (the session ends).
      while (label.empty() && survived_ < kills_ && !code) {
        const double delay = u(rng_) * sweep_seconds_ * 0.6;
        const auto at = Clock::now() + std::chrono::duration<double>(delay);
        while (Clock::now() < at && !(code = poll_exit(c)))
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (code) break;
        const double since = std::chrono::duration<double>(Clock::now() - t0).count();
        const auto workers = live_workers(runs_dir);
        if (u(rng_) < 0.3 && !workers.empty()) {
          const pid_t w = workers[rng_() % workers.size()];
          ::kill(w, SIGKILL);
          ++worker_kills_;
          ++survived_;
          std::printf("kill %d: worker pid %d at %.2f s\n", survived_, w, since);
          std::fflush(stdout);
          continue;
        }
        ::kill(-c, SIGKILL);
        label = fmt::format("coordinator at {:.2f} s", since);
      }
      if (!code) code = wait_for(c);
      if (*code == 0) break;  // finished
      if (*code != -SIGKILL)
        fail(fmt::format("{}: sweep resume exited {} ({}; see {}.log)", name, *code,
                         label.empty() ? "no kill" : label, name));
      if (label.rfind("crash point", 0) == 0)
        ++point_kills_;
      else
        ++random_kills_;
      ++survived_;
      std::printf("kill %d: %s\n", survived_, label.c_str());
      std::fflush(stdout);
      check_no_orphans(runs_dir, fmt::format("kill {} ({})", survived_, label));
      // Everything of the sweep is dead: each run's next attempt must resume right after the
      // checkpoint it has now.
      if (fs::is_directory(runs_dir))
        for (const auto& e : fs::directory_iterator(runs_dir)) {
          if (!e.is_directory()) continue;
          const auto step = checkpoint_step(e.path());
          expect.push_back({e.path(), {attempts_of(e.path()).size(), step ? *step + 1 : 1}});
        }
    }
    check_no_orphans(runs_dir, "the sweep's end");
    check_round(name, expect);
  }

  // Every attempt resumes at or after the last checkpoint an earlier attempt logged.
  static void check_attempts(const fs::path& dir) {
    const std::vector<Attempt> attempts = attempts_of(dir);
    std::int64_t last_checkpoint = 0;
    for (std::size_t i = 0; i < attempts.size(); ++i) {
      const Attempt& a = attempts[i];
      if (i > 0 && a.resume_step - 1 < last_checkpoint)
        fail(
            fmt::format("{}: attempt {} resumed at step {}, before the checkpoint at step {} "
                        "an earlier attempt wrote (trained twice past its checkpoint)",
                        dir.string(), i + 1, a.resume_step, last_checkpoint));
      for (std::int64_t k : a.checkpoints) last_checkpoint = std::max(last_checkpoint, k);
    }
  }

  void check_round(const std::string& name,
                   const std::vector<std::pair<fs::path, Expectation>>& expect) {
    db::Database d = open();
    const auto runs = db::list_runs(d, db::require_sweep(d, name).id);
    const auto refs = db::list_runs(d, db::require_sweep(d, "ref").id);
    if (runs.size() != refs.size()) fail("run counts differ from the reference");
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const db::RunRecord& r = runs[i];
      const db::RunRecord& ref = refs[i];
      const std::string who = fmt::format("{} run {}", name, r.name);
      if (r.status != db::RunStatus::kDone)
        fail(fmt::format("{}: {} ({})", who, db::run_status_name(r.status),
                         r.last_error.value_or("")));
      if (r.final_train_loss != ref.final_train_loss || r.final_eval_loss != ref.final_eval_loss)
        fail(fmt::format("{}: final losses {} / {} differ from the reference's {} / {}", who,
                         r.final_train_loss.value_or(NAN), r.final_eval_loss.value_or(NAN),
                         ref.final_train_loss.value_or(NAN), ref.final_eval_loss.value_or(NAN)));
      const auto a = db::list_metrics(d, r.id), b = db::list_metrics(d, ref.id);
      if (a.size() != b.size())
        fail(fmt::format("{}: {} metric rows, the reference has {}", who, a.size(), b.size()));
      for (std::size_t s = 0; s < a.size(); ++s) {
        if (a[s].step != static_cast<std::int64_t>(s) + 1)
          fail(fmt::format("{}: row {} holds step {}", who, s + 1, a[s].step));
        if (a[s].train_loss != b[s].train_loss || a[s].eval_loss != b[s].eval_loss ||
            a[s].lr != b[s].lr || a[s].grad_norm != b[s].grad_norm || a[s].tokens != b[s].tokens)
          fail(fmt::format("{}: step {} differs from the reference (train loss {} vs {})", who,
                           a[s].step, a[s].train_loss.value_or(NAN),
                           b[s].train_loss.value_or(NAN)));
      }
      check_attempts(*db::load_lifecycle(d, r.id).run_dir);
      ++runs_checked_;
    }
    const int resumes_before = resumes_checked_;
    for (const auto& [dir, e] : expect) {
      const std::vector<Attempt> attempts = attempts_of(dir);
      if (e.attempt >= attempts.size()) continue;  // the run had finished: no next attempt
      if (attempts[e.attempt].resume_step != e.resume_step)
        fail(fmt::format("{}: attempt {} resumed at step {}, its checkpoint said {}", dir.string(),
                         e.attempt + 1, attempts[e.attempt].resume_step, e.resume_step));
      ++resumes_checked_;
    }
    std::printf(
        "soak: %s finished: %zu runs bitwise equal to the reference, %d resumes at the "
        "step after their checkpoint\n",
        name.c_str(), runs.size(), resumes_checked_ - resumes_before);
    std::fflush(stdout);
  }

  int kills_;
  std::mt19937 rng_;
  double sweep_seconds_ = 0;
  int survived_ = 0, random_kills_ = 0, point_kills_ = 0, worker_kills_ = 0, runs_checked_ = 0,
      resumes_checked_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int kills = 10;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--scalelab")
      g_bin = v;
    else if (a == "--dir")
      g_dir = v;
    else if (a == "--kills")
      kills = std::stoi(v);
    else if (a == "--seed")
      seed = static_cast<unsigned>(std::stoul(v));
    else {
      std::fprintf(stderr, "sweeps_soak: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (g_bin.empty() || g_dir.empty()) {
    std::fprintf(stderr, "usage: sweeps_soak --scalelab BIN --dir DIR --kills N [--seed S]\n");
    return 2;
  }
  g_dir = fs::absolute(g_dir).string();
  g_bin = fs::absolute(g_bin).string();
  try {
    return Soak(kills, seed).run_all();
  } catch (const Failure& f) {
    std::printf("soak: INVARIANT BROKEN: %s\n", f.what.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::printf("soak: error: %s\n", e.what());
    return 1;
  }
}
