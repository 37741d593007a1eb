// `scalelab import FILE.csv --sweep NAME`: results produced elsewhere become a sweep of done
// runs. The file is read and every row validated first (lib/observation.hpp: scalelab's
// N,D,loss[,C,step,unique_tokens,label,run_id], the chinchilla toolkit's C,N,D,loss, Epoch's
// layout); a file with any bad row imports nothing.
//
// Rows are grouped into runs by run_id, else label, else one run per row. A run's final point
// (its largest step, or its only row) gives N, D, C and the final loss; rows with a step are
// also stored as the run's curve (metrics: step, tokens = D of the row, eval_loss = loss).
// An imported loss is stored as the eval loss (final_eval_loss): published results report
// held-out loss; final_train_loss stays empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/sqlite.hpp"
#include "lib/observation.hpp"

namespace scalelab::sweeps {

struct ImportResult {
  std::int64_t sweep_id = 0;
  std::size_t runs = 0;
  std::size_t metric_rows = 0;
};

// Throws InputError when the sweep name is invalid or taken (nothing written).
ImportResult import_observations(db::Database& db, const std::string& sweep_name,
                                 const std::vector<Observation>& observations,
                                 const std::string& source);

}  // namespace scalelab::sweeps
