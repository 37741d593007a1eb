// The `scalelab train` command line that trains a run from scratch, outside any sweep: every
// field of its TrainConfig as an explicit flag (the shape, the data, the resolved schedule
// with its warmup steps, the micro-batch, the seed, the stop fraction, the device and the
// thread count), so that on the CPU the run's losses are bitwise those of the sweep's run.
// `scalelab runs export --format json` gives it for every launched run (sweeps/run_report.hpp).
#pragma once

#include <string>

#include "trainer/train_config.hpp"

namespace scalelab::sweeps {

// "scalelab train --n-layer 2 ... --out OUT_DIR", each word quoted for /bin/sh where needed;
// numbers in their shortest exact decimal form. Throws InputError for a config the command
// line cannot express (an AdamW eps other than the default 1e-8).
std::string train_command(const trainer::TrainConfig& config, const std::string& out_dir);

}  // namespace scalelab::sweeps
