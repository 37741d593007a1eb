// Where a learning curve comes from: a run directory as `scalelab train` or a sweep's worker
// writes it, a sweep's run in the database (its ingested metrics and the schedule it was
// launched with), or a curve file of any trainer (sweeps/curve_file.hpp). What
// `scalelab extrapolate` fits, what it takes as --reference, and what the sweep's early-stop
// mode reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "db/sqlite.hpp"
#include "db/sweep_store.hpp"
#include "sweeps/curve_file.hpp"
#include "sweeps/run_curve.hpp"

namespace scalelab::sweeps {

struct CurveSource {
  RunCurve curve;
  std::string name;                    // the directory's or file's name, or SWEEP/RUN
  std::string where;                   // for messages: the metrics file, curve file or run
  std::optional<std::string> run_dir;  // where its files are, if known
  std::optional<std::int64_t> run_id;  // the database's run, if it is one

  // Every planned step ran: the curve (train or eval) reaches total_steps.
  bool finished(const std::string& loss) const;
  const std::vector<fitting::CurvePoint>& points(const std::string& loss) const {
    return loss == "eval" ? curve.eval : curve.train;
  }
};

// RUN_DIR/config.json and RUN_DIR/metrics.jsonl. Throws InputError naming the file.
CurveSource load_run_dir(const std::filesystem::path& dir);
// A sweep's run: its launch config ("launch", through the worker's train_config_for) and
// its ingested metrics. Throws InputError for a run never launched by `sweep run`.
CurveSource load_sweep_run(db::Database& db, const db::SweepRecord& sweep,
                           const db::RunRecord& run);
// The same by sweep name and the run's id or name.
CurveSource load_sweep_run(db::Database& db, const std::string& sweep_name,
                           const std::string& run_text);
CurveSource load_curve_file(const std::filesystem::path& path, const CurveFileOptions& options);
// A reference as given on the command line: a run directory, a curve file (its schedule from
// the file), or SWEEP/RUN in the database at `db_path`.
CurveSource load_reference(const std::string& text, const std::string& db_path);

}  // namespace scalelab::sweeps
