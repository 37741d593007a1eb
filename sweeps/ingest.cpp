#include "sweeps/ingest.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lib/crash_point.hpp"
#include "lib/error.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/metrics_jsonl.hpp"

namespace scalelab::sweeps {

IngestResult ingest_metrics_file(db::Database& db, std::int64_t run_id,
                                 const std::string& metrics_path, const IngestOptions& options) {
  IngestResult result;
  const db::IngestCursor cursor = db::load_ingest_cursor(db, run_id, metrics_path);
  NewLines fresh = read_new_lines(metrics_path, cursor);
  result.restarted = fresh.restarted;
  if (fresh.lines.empty() && fresh.cursor.byte_offset == cursor.byte_offset && !fresh.restarted)
    return result;
  std::vector<db::MetricRow> rows;
  rows.reserve(fresh.lines.size());
  for (std::size_t i = 0; i < fresh.lines.size(); ++i) {
    const auto& [line_no, text] = fresh.lines[i];
    const std::string where = fmt::format("{}:{}", metrics_path, line_no);
    try {
      rows.push_back(parse_metrics_line(text, where));
      continue;
    } catch (const InputError& e) {
      if (auto row = parse_metrics_line_salvaging(text, where)) {
        result.warnings.push_back(
            fmt::format("{}: a torn line (a crash mid-write) before a whole row: kept the row of "
                        "step {}",
                        where, row->step));
        rows.push_back(*row);
        continue;
      }
      if (i + 1 < fresh.lines.size()) throw;
      if (!options.writer_ended) {
        fresh.cursor = fresh.before_last;  // read it again next time
        break;
      }
      result.warnings.push_back(fmt::format("skipped a damaged last line: {}", e.what()));
    }
  }
  if (rows.empty() && fresh.cursor.byte_offset == cursor.byte_offset && !fresh.restarted)
    return result;
  crash_point("ingest:before_upsert");
  db::upsert_metrics(db, run_id, rows, &fresh.cursor);
  crash_point("ingest:after_upsert");
  for (const db::MetricRow& r : rows) {
    if (options.detector) options.detector->feed(r);
    if (result.latest && r.step == result.latest->step) {
      // A step's train and eval lines: merge, as the upsert does.
      db::MetricRow& l = *result.latest;
      for (auto member :
           {&db::MetricRow::tokens, &db::MetricRow::train_loss, &db::MetricRow::eval_loss,
            &db::MetricRow::lr, &db::MetricRow::grad_norm, &db::MetricRow::tokens_per_s})
        if (r.*member) l.*member = r.*member;
    } else if (!result.latest || r.step > result.latest->step) {
      result.latest = r;
    }
  }
  result.rows = rows.size();
  return result;
}

std::optional<SummaryLosses> read_summary(const std::string& run_dir) {
  std::ifstream in(std::filesystem::path(run_dir) / kSummaryFile);
  if (!in) return std::nullopt;
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  SummaryLosses s;
  auto number = [&](const char* key) -> std::optional<double> {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
  };
  s.train_loss = number("final_train_loss");
  s.eval_loss = number("final_eval_loss");
  return s;
}

}  // namespace scalelab::sweeps
