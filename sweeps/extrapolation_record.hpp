// Early-stop mode: the worker's extrapolated final loss (RUN_DIR/extrapolation.json, see
// dispatch.hpp) as the prediction the database keeps beside the stopped run's observed curve
// (kind "extrapolation"; db::finish_run stores it with the run's outcome).
#pragma once

#include <optional>
#include <string>

#include "db/fit_store.hpp"
#include "db/sweep_store.hpp"

namespace scalelab::sweeps {

struct ExtrapolationRecord {
  std::optional<db::PredictionRecord> prediction;  // none when the file is missing or unusable
  std::string message;  // what the progress view says about it (either way)
};

ExtrapolationRecord read_extrapolation(const db::RunRecord& run, const std::string& run_dir);

}  // namespace scalelab::sweeps
