// A sweep's run as the embedded trainer takes it: its RunSpec mapped onto a TrainConfig. The
// worker trains with it, curve_source reads a run's planned schedule through it, and `runs
// export` rebuilds the run's `scalelab train` command from it (train_command.hpp).
#pragma once

#include <string>

#include "sweeps/run_spec.hpp"
#include "trainer/train_config.hpp"

namespace scalelab::sweeps {

// The trainer's config for a run: model, data ("kjv" and "synthetic" name the trainer's
// built-in sources; anything else is a prepared token directory), D rounded to whole tokens,
// the run's batch, its schedule (kind, peak lr, warmup, floor, WSD cooldown: from the sweep's
// hyperparameters), evaluation and checkpoint cadence,
// stop_fraction = stop_steps / total_steps (early-stop mode), resume on.
trainer::TrainConfig train_config_for(const RunSpec& spec, const std::string& run_dir);

}  // namespace scalelab::sweeps
