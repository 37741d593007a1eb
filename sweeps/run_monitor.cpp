#include "sweeps/run_monitor.hpp"

#include <filesystem>

#include "lib/error.hpp"
#include "sweeps/ingest.hpp"

namespace scalelab::sweeps {

RunMonitor::RunMonitor(db::Database& db, Task task, const DivergenceOptions& options)
    : task_(std::move(task)), detector_(options) {
  for (const db::MetricRow& row : db::list_metrics(db, task_.run_id)) {
    detector_.feed(row);
    latest_ = row;
  }
}

std::vector<std::string> RunMonitor::ingest(db::Database& db, bool ended) {
  std::vector<std::string> warnings;
  try {
    IngestOptions options;
    options.detector = &detector_;
    options.writer_ended = ended;
    IngestResult got = ingest_metrics_file(
        db, task_.run_id, (std::filesystem::path(task_.run_dir) / kMetricsFile).string(), options);
    warnings = std::move(got.warnings);
    if (got.latest) {
      // A step's train and eval rows may come in separate rounds: keep what the other had.
      if (latest_ && got.latest->step == latest_->step) {
        if (!got.latest->train_loss) got.latest->train_loss = latest_->train_loss;
        if (!got.latest->tokens_per_s) got.latest->tokens_per_s = latest_->tokens_per_s;
      }
      // After a rewrite (a resumed attempt) the new attempt's rows are the run's progress.
      if (got.restarted || !latest_ || got.latest->step >= latest_->step) latest_ = got.latest;
    }
  } catch (const InputError& e) {
    decide(db::RunOutcome{db::RunStatus::kFailed, {}, {}, e.what(), {}});
  }
  if (const auto& d = detector_.divergence())
    decide(db::RunOutcome{db::RunStatus::kDiverged, {}, {}, d->reason, d->step});
  return warnings;
}

}  // namespace scalelab::sweeps
