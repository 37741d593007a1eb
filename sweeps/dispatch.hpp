// Dispatch backends: where and how the runs of a sweep execute.
//
//   local    each run is `scalelab worker --run-dir DIR` in its own process on this machine
//            (one per GPU with CUDA_VISIBLE_DEVICES set, or --workers K on the CPU);
//   command  each run is the user's own trainer, a /bin/sh command built from a template;
//   slurm    one `sbatch` job array per batch of runs, each task `scalelab worker` (see
//            slurm_backend.hpp).
// A backend starts tasks and reports their ends; it never touches SQLite. The coordinator
// (coordinator.hpp) claims runs, writes run.json, ingests metrics and records outcomes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sweeps/process.hpp"
#include "sweeps/run_spec.hpp"

namespace scalelab::sweeps {

// Files of a run directory.
inline constexpr const char* kRunSpecFile = "run.json";        // RunSpec, written at launch
inline constexpr const char* kMetricsFile = "metrics.jsonl";   // see metrics_jsonl.hpp
inline constexpr const char* kSummaryFile = "summary.json";    // written by the trainer at the end
inline constexpr const char* kWorkerLog = "worker.log";        // stdout+stderr of every attempt
inline constexpr const char* kDivergedFile = "diverged.json";  // {"step", "reason"} from a worker
inline constexpr const char* kExitFile = "exit_status";  // Slurm tasks: the worker's exit code
inline constexpr const char* kWorkerLockFile = "worker.lock";  // held by the running worker
// Early-stop mode: the worker's extrapolated final loss {model, final_step, loss, loss_lo,
// loss_hi, ...}.
inline constexpr const char* kExtrapolationFile = "extrapolation.json";

// Exit codes of `scalelab worker` that the coordinator tells apart from a crash.
inline constexpr int kWorkerExitBadInput = 2;  // the run's config is wrong: not retried
inline constexpr int kWorkerExitDiverged = 3;  // the trainer saw a NaN/inf: diverged

struct Task {
  std::int64_t run_id = 0;
  std::string run_dir;
  RunSpec spec;
};

struct TaskEnd {
  std::int64_t run_id = 0;
  ExitStatus status;
  std::string detail;  // what the backend knows beyond the exit status ("TIMEOUT", ...)
};

class DispatchBackend {
 public:
  virtual ~DispatchBackend() = default;
  // "local", "command" or "slurm": recorded with each run, for people to read. What the
  // coordinator does differently per backend asks the capabilities below, never the name.
  virtual std::string name() const = 0;
  // True when each task is `scalelab worker` (local, slurm): its exit status means what
  // worker.hpp says (kWorkerExitDiverged, kWorkerExitBadInput) and its log is the worker's.
  // False for a user's command, whose exit status only says whether it succeeded.
  virtual bool runs_worker() const = 0;
  // True when tasks run on this machine (local, command), so the claim records this host;
  // false when a scheduler places them (slurm: the host is learned later, if at all).
  virtual bool runs_on_this_host() const = 0;
  // Tasks that may run at once (the coordinator launches no more than this).
  virtual int slots() const = 0;
  // Sets spec.device / spec.threads for the task about to launch (a free GPU, a CPU share).
  virtual void assign(RunSpec& spec) = 0;
  // Starts the task (or queues it until flush). Throws scalelab::Error when it cannot.
  virtual void launch(const Task& task) = 0;
  // Submits queued tasks; returns (run id, job identity) for every task launched since the
  // last flush, for the database (a pid identity or a Slurm job id).
  virtual std::vector<std::pair<std::int64_t, std::string>> flush() = 0;
  // Tasks that ended since the last poll.
  virtual std::vector<TaskEnd> poll() = 0;
  // Stops a task (its end is reported by a later poll).
  virtual void cancel(std::int64_t run_id) = 0;
  // Re-attaches to a task started by an earlier coordinator (resume). Returns false when the
  // task is gone, or when this backend cannot re-attach: the run is then requeued and resumed
  // from its checkpoint. A backend that cannot re-attach must make sure the old task no
  // longer runs before returning false.
  virtual bool adopt(const Task& task, const std::string& job) = 0;
  // Cancels every task that is still running (on interrupt).
  virtual void cancel_all() = 0;
};

struct LocalBackendOptions {
  int workers = 0;  // concurrent runs; 0: one per GPU, else 1
  // GPUs to use, e.g. {"0", "1"}; empty: none (CPU). See detect_gpus().
  std::vector<std::string> gpus;
  int threads_per_worker = 0;  // 0: hardware threads / workers (at least 1)
  std::string executable;      // scalelab binary; empty: this process's executable
};

struct CommandBackendOptions {
  std::string command;  // /bin/sh template with {placeholders} (run_spec.hpp)
  int workers = 1;
  int threads_per_worker = 0;  // exported as OMP_NUM_THREADS when > 0
};

// GPUs visible to this process: CUDA_VISIBLE_DEVICES when set (empty or "-1": none), else
// the indices `nvidia-smi -L` lists (none when it is missing or fails).
std::vector<std::string> detect_gpus();

std::unique_ptr<DispatchBackend> make_local_backend(const LocalBackendOptions& options);
std::unique_ptr<DispatchBackend> make_command_backend(const CommandBackendOptions& options);

}  // namespace scalelab::sweeps
