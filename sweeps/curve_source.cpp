#include "sweeps/curve_source.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/run_spec.hpp"
#include "sweeps/worker.hpp"
#include "trainer/train_config.hpp"

namespace scalelab::sweeps {

namespace fs = std::filesystem;

namespace {

nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot read (is it a run directory?)", path.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
}

}  // namespace

bool CurveSource::finished(const std::string& loss) const {
  const auto& p = points(loss);
  return !p.empty() && p.back().step >= curve.total_steps;
}

CurveSource load_run_dir(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw InputError(fmt::format("{}: no such directory", dir.string()));
  trainer::TrainConfig config;
  try {
    from_json(read_json_file(dir / "config.json"), config);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: {}", (dir / "config.json").string(), e.what()));
  }
  CurveSource s;
  s.curve = read_run_curve(dir, config);
  s.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  s.where = (dir / kMetricsFile).string();
  s.run_dir = dir.string();
  return s;
}

CurveSource load_sweep_run(db::Database& db, const db::SweepRecord& sweep,
                           const db::RunRecord& run) {
  const std::string where = fmt::format("run {} ({}) of sweep '{}'", run.id, run.name, sweep.name);
  const nlohmann::json config = nlohmann::json::parse(run.config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object() || !config.contains("launch"))
    throw InputError(fmt::format(
        "{}: never launched by `scalelab sweep run` (no planned schedule in its config)", where));
  RunSpec spec;
  try {
    spec = config.at("launch").get<RunSpec>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: its launch config: {}", where, e.what()));
  }
  const db::RunLifecycle life = db::load_lifecycle(db, run.id);
  CurveSource s;
  s.curve = run_curve(db::list_metrics(db, run.id),
                      train_config_for(spec, life.run_dir.value_or("")), where);
  s.name = fmt::format("{}/{}", sweep.name, run.name);
  s.where = where;
  s.run_dir = life.run_dir;
  s.run_id = run.id;
  return s;
}

CurveSource load_sweep_run(db::Database& db, const std::string& sweep_name,
                           const std::string& run_text) {
  const db::SweepRecord sweep = db::require_sweep(db, sweep_name);
  const auto id = parse_double(run_text);
  for (const db::RunRecord& r : db::list_runs(db, sweep.id))
    if (r.name == run_text || (id && static_cast<double>(r.id) == *id))
      return load_sweep_run(db, sweep, r);
  throw InputError(
      fmt::format("sweep '{}' has no run '{}' (give its run_id or name: `scalelab runs export {}`)",
                  sweep_name, run_text, sweep_name));
}

CurveSource load_curve_file(const fs::path& path, const CurveFileOptions& options) {
  CurveSource s;
  s.curve = read_curve_file(path, options);
  s.name = path.filename().string();
  s.where = path.string();
  return s;
}

CurveSource load_reference(const std::string& text, const std::string& db_path) {
  if (fs::is_directory(text)) return load_run_dir(text);
  if (fs::is_regular_file(text)) return load_curve_file(text, {});
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size())
    throw InputError(
        fmt::format("--reference '{}': not a run directory, a curve file, nor SWEEP/RUN", text));
  db::Database db = db::open_existing_database(db_path);
  try {
    return load_sweep_run(db, text.substr(0, slash), text.substr(slash + 1));
  } catch (const InputError& e) {
    throw InputError(fmt::format("--reference '{}': {}", text, e.what()));
  }
}

}  // namespace scalelab::sweeps
