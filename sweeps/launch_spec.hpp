// The spec a run of a sweep is launched with (RUN_DIR/run.json): the one it was first
// launched with when its run directory holds one (a resumed run must keep its schedule), else
// resolved now from the run's planned shape, N and D and the sweep's hyperparameter rules.
#pragma once

#include <filesystem>
#include <string>

#include "db/sweep_store.hpp"
#include "sweeps/hyperparams.hpp"
#include "sweeps/run_spec.hpp"

namespace scalelab::sweeps {

struct LaunchSpecOptions {
  HyperparameterRules rules;  // for runs launched the first time
  // Early-stop mode: train to this fraction of each run's steps (ceil, at least 1 step).
  double train_fraction = 1;
};

// Throws InputError naming the run when its config has no model shape (an imported run).
// A damaged run.json is resolved again from the rules.
RunSpec launch_spec(const db::RunRecord& run, const std::string& sweep,
                    const std::filesystem::path& run_dir, const LaunchSpecOptions& options);

}  // namespace scalelab::sweeps
