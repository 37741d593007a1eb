// One measured training run (or one point of a run's training curve): the input of every fit.
//
// read_observations_csv accepts three layouts, told apart by their header:
//   - scalelab's own:  N,D,loss plus optional C,step,unique_tokens,label,run_id (any order).
//     C defaults to 6·N·D.
//   - the `chinchilla` Python toolkit's: C,N,D,loss (a subset of the above).
//   - Epoch AI's Chinchilla replication (data/svg_extracted_data.csv): `Model Size` (N),
//     `Training FLOP` (C), `loss`; D = C / (6N). Its SVG columns x,y,color,hex_color are ignored.
// Any other column is rejected (a typo must not silently drop data). Every value is checked:
// N, D, C and loss must be finite and positive, unique_tokens positive and at most D, step a
// non-negative integer; each bad value is reported with file and line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/csv.hpp"

namespace scalelab {

struct Observation {
  double params = 0;                    // N, total parameters (as the source counts them)
  double tokens = 0;                    // D, training tokens seen (repeats included)
  double flops = 0;                     // C, training compute; 6·N·D unless the source gives it
  double loss = 0;                      // final (or at `step`) loss, nats per token
  std::optional<double> unique_tokens;  // U_D for runs that repeat data (data-constrained law)
  std::optional<std::int64_t> step;     // optimizer step of a training-curve point
  std::string label;                    // free text from the source
  std::string run_id;                   // groups points of one run; empty: the row is a run
  std::string where;                    // "file:line" or "run 12 step 300", for messages
};

// Reads and validates every row (see the header comment). Throws InputError with file:line
// for the first bad row; an empty table (header only) is an error too.
std::vector<Observation> read_observations_csv(const std::string& path);
// The same from a table already read (read_csv_stream); messages name t.source.
std::vector<Observation> read_observations(const CsvTable& t);

// Checks values the way the reader does, for observations from other sources (the database).
// Throws InputError naming obs.where.
void validate_observation(const Observation& obs);

// The key that groups points of one run: run_id, else label, else `where` (one row, one run).
std::string run_key(const Observation& obs);

}  // namespace scalelab
