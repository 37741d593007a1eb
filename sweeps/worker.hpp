// `scalelab worker --run-dir DIR`: trains the one run described by DIR/run.json (a RunSpec,
// written by the coordinator) with the embedded trainer, in its own process. It writes only
// to DIR (metrics.jsonl, summary.json, checkpoint.bin, config.json; its stdout/stderr go to
// worker.log) and never opens SQLite, so it runs the same on a Slurm compute node. An
// existing checkpoint is always resumed from (a retried or interrupted run continues; a
// damaged one falls back to the one before it, trainer/checkpoint.hpp). One worker per run
// directory at a time: a second one waits for DIR/worker.lock (up to 60 s, then exit 1).
//
// Exit status: 0 trained (summary.json written); 2 the run's config or data was rejected (not
// retried); 3 diverged (DIR/diverged.json holds {"step", "reason"}); 1 any other failure.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "sweeps/run_spec.hpp"
#include "sweeps/train_config_for.hpp"

namespace scalelab::sweeps {

// Runs the worker; returns its exit status (see above). Messages go to stderr.
int run_worker(const std::string& run_dir);

}  // namespace scalelab::sweeps
