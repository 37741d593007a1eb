#include "sweeps/launch_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lib/error.hpp"
#include "sweeps/dispatch.hpp"

namespace scalelab::sweeps {

RunSpec launch_spec(const db::RunRecord& r, const std::string& sweep,
                    const std::filesystem::path& dir, const LaunchSpecOptions& o) {
  using nlohmann::json;
  if (std::ifstream in(dir / kRunSpecFile); in) {
    const json doc = json::parse(in, nullptr, false);
    if (!doc.is_discarded()) {
      try {
        return doc.get<RunSpec>();
      } catch (const json::exception&) {
        // A damaged run.json: resolve again below.
      }
    }
  }
  const json config = json::parse(r.config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object() || !config.contains("shape"))
    throw InputError(
        fmt::format("run '{}' of sweep '{}' has no model shape in its config "
                    "(imported runs cannot be trained)",
                    r.name, sweep));
  RunSpec s;
  s.run_id = r.id;
  s.sweep = sweep;
  s.name = r.name;
  s.shape = config.at("shape").get<ModelShape>();
  s.params = r.params;
  s.tokens = r.tokens;
  s.budget_flops = r.budget_flops.value_or(0.0);
  s.data = config.value("data", std::string("kjv"));
  s.hp = resolve_hyperparameters(o.rules, r.params, r.tokens, s.shape.seq_len);
  s.stop_steps = s.hp.total_steps;
  if (o.train_fraction < 1.0)
    s.stop_steps = std::clamp<std::int64_t>(
        static_cast<std::int64_t>(std::ceil(o.train_fraction * s.hp.total_steps)), 1,
        s.hp.total_steps);
  return s;
}

}  // namespace scalelab::sweeps
