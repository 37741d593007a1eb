// `scalelab fit`: the part that does not care where the observations came from, so that the
// SWEEP form (runs read from the database) and the --csv form share it.
#pragma once

#include <string>
#include <vector>

#include "fitting/fit_report.hpp"
#include "lib/observation.hpp"
#include "lib/output.hpp"

namespace scalelab::apps {

struct FitCommandOptions {
  fitting::FitRequest request;
  Format format = Format::kTable;
  std::string db_path = "scalelab.db";
  bool save = true;    // store the fit (with its inputs' identity) in db_path
  std::string source;  // CSV path or sweep name, stored with the fit
};

// Fits, stores (unless !save) and prints to stdout. Returns the exit status.
int fit_and_report(const std::vector<Observation>& observations, const FitCommandOptions& options);

}  // namespace scalelab::apps
