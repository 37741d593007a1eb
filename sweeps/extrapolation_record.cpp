#include "sweeps/extrapolation_record.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sweeps/dispatch.hpp"

namespace scalelab::sweeps {

ExtrapolationRecord read_extrapolation(const db::RunRecord& r, const std::string& run_dir) {
  const std::filesystem::path path = std::filesystem::path(run_dir) / kExtrapolationFile;
  std::ifstream in(path);
  if (!in)
    return {std::nullopt, fmt::format("run {}: stopped early without an extrapolation (see {})",
                                      r.name, kWorkerLog)};
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("loss") || !doc["loss"].is_number())
    return {std::nullopt,
            fmt::format("run {}: {} holds no extrapolated loss", r.name, path.string())};
  auto number = [&](const char* key) -> std::optional<double> {
    return doc.contains(key) && doc[key].is_number() ? std::optional(doc[key].get<double>())
                                                     : std::nullopt;
  };
  db::PredictionRecord p;
  p.run_id = r.id;
  p.kind = "extrapolation";
  p.params = r.params;
  p.tokens = r.tokens;
  p.flops = r.flops;
  p.loss = number("loss");
  p.loss_lo = number("loss_lo");
  p.loss_hi = number("loss_hi");
  p.result_json = doc.dump();
  const std::int64_t final_step =
      doc.contains("final_step") && doc["final_step"].is_number_integer()
          ? doc["final_step"].get<std::int64_t>()
          : 0;
  std::string message =
      fmt::format("run {}: extrapolated final loss {:.4f} [{}, {}] at step {}", r.name, *p.loss,
                  p.loss_lo ? fmt::format("{:.4f}", *p.loss_lo) : "?",
                  p.loss_hi ? fmt::format("{:.4f}", *p.loss_hi) : "?", final_step);
  return {std::move(p), std::move(message)};
}

}  // namespace scalelab::sweeps
