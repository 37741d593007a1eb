// The Slurm backend: pending runs go out as one `sbatch` job array per launch round, one
// task per run, at most `max_concurrent` at once (sbatch --array=0-N%K). Each task runs
// `scalelab worker --run-dir DIR` for its run and writes only to DIR on the shared
// filesystem (and DIR/exit_status with the worker's exit code when it ends); SQLite is never
// opened on a compute node. The coordinator polls `squeue` for the tasks still queued or
// running; a task that has left the queue has ended, and its exit_status file (or, without
// one, `sacct`'s state where accounting is enabled) says how.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sweeps/dispatch.hpp"

namespace scalelab::sweeps {

struct SlurmOptions {
  std::string partition;                // -p; empty: the cluster's default partition
  std::string time_limit;               // -t, e.g. "04:00:00"; empty: the partition's default
  int gpus_per_task = 0;                // --gpus-per-task (and the worker trains on "cuda"); 0: CPU
  int cpus_per_task = 1;                // -c; the worker's CPU threads
  int max_concurrent = 0;               // the %K of --array; 0: no cap
  std::string mem;                      // --mem, e.g. "8G"; empty: the partition's default
  std::vector<std::string> extra_args;  // passed to sbatch as they are (e.g. "--account=x")
  std::string executable;               // scalelab on the compute nodes; empty: this executable
  std::string sbatch = "sbatch", squeue = "squeue", sacct = "sacct", scancel = "scancel";
  // Runs submitted at once: the coordinator fills this many slots per round.
  int max_submit = 1000;
};

std::unique_ptr<DispatchBackend> make_slurm_backend(const SlurmOptions& options);

}  // namespace scalelab::sweeps
