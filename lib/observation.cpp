#include "lib/observation.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "lib/compute.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"

namespace scalelab {

namespace {

constexpr const char* kAccepted =
    "N,D,loss[,C,step,unique_tokens,label,run_id] or C,N,D,loss or Epoch's "
    "'Model Size','Training FLOP',loss";

double positive_number(const CsvTable& t, const CsvRow& row, std::size_t col, const char* what) {
  const std::string& text = row.fields[col];
  const auto v = parse_double(text);
  if (!v)
    throw InputError(fmt::format("{}: {} '{}' is not a number", t.where(row.line), what, text));
  if (!std::isfinite(*v) || *v <= 0)
    throw InputError(
        fmt::format("{}: {} must be finite and positive, got '{}'", t.where(row.line), what, text));
  return *v;
}

}  // namespace

void validate_observation(const Observation& o) {
  auto check = [&](double v, const char* what) {
    if (!std::isfinite(v) || v <= 0)
      throw InputError(fmt::format("{}: {} must be finite and positive, got {}", o.where, what, v));
  };
  check(o.params, "N (params)");
  check(o.tokens, "D (tokens)");
  check(o.flops, "C (flops)");
  check(o.loss, "loss");
  if (o.unique_tokens) {
    check(*o.unique_tokens, "unique_tokens");
    if (*o.unique_tokens > o.tokens * (1 + 1e-9))
      throw InputError(
          fmt::format("{}: unique_tokens {} exceeds D {}", o.where, *o.unique_tokens, o.tokens));
  }
  if (o.step && *o.step < 0)
    throw InputError(
        fmt::format("{}: step must be a non-negative integer, got {}", o.where, *o.step));
}

std::string run_key(const Observation& o) {
  if (!o.run_id.empty()) return "run:" + o.run_id;
  if (!o.label.empty()) return "label:" + o.label;
  return "row:" + o.where;
}

std::vector<Observation> read_observations_csv(const std::string& path) {
  return read_observations(read_csv(path));
}

std::vector<Observation> read_observations(const CsvTable& t) {
  const bool epoch = t.column("Model Size").has_value() || t.column("Training FLOP").has_value();
  const std::set<std::string> known =
      epoch ? std::set<std::string>{"Model Size", "Training FLOP", "loss",     "x",
                                    "y",          "color",         "hex_color"}
            : std::set<std::string>{"N",     "D",     "C", "loss", "step", "unique_tokens",
                                    "label", "run_id"};
  for (const auto& name : t.header)
    if (!known.count(name))
      throw InputError(fmt::format("{}: unknown column '{}' (accepted: {})", t.where(t.header_line),
                                   name, kAccepted));
  auto need = [&](const char* name) {
    const auto c = t.column(name);
    if (!c)
      throw InputError(fmt::format("{}: missing column '{}' (accepted: {})", t.where(t.header_line),
                                   name, kAccepted));
    return *c;
  };
  if (t.rows.empty()) throw InputError(fmt::format("{}: no data rows after the header", t.source));

  std::vector<Observation> out;
  out.reserve(t.rows.size());
  if (epoch) {
    const auto n = need("Model Size"), c = need("Training FLOP"), l = need("loss");
    for (const auto& row : t.rows) {
      Observation o;
      o.where = t.where(row.line);
      o.params = positive_number(t, row, n, "Model Size");
      o.flops = positive_number(t, row, c, "Training FLOP");
      o.loss = positive_number(t, row, l, "loss");
      o.tokens = tokens_for_budget_6nd(o.flops, o.params);
      validate_observation(o);
      out.push_back(std::move(o));
    }
    return out;
  }
  const auto n = need("N"), d = need("D"), l = need("loss");
  const auto c = t.column("C"), step = t.column("step"), unique = t.column("unique_tokens"),
             label = t.column("label"), run = t.column("run_id");
  for (const auto& row : t.rows) {
    Observation o;
    o.where = t.where(row.line);
    o.params = positive_number(t, row, n, "N");
    o.tokens = positive_number(t, row, d, "D");
    o.loss = positive_number(t, row, l, "loss");
    o.flops = c ? positive_number(t, row, *c, "C") : training_flops_6nd(o.params, o.tokens);
    if (unique && !row.fields[*unique].empty())
      o.unique_tokens = positive_number(t, row, *unique, "unique_tokens");
    if (step && !row.fields[*step].empty()) {
      const auto v = parse_double(row.fields[*step]);
      if (!v || *v < 0 || *v != std::floor(*v) || *v > 9e18)
        throw InputError(fmt::format("{}: step must be a non-negative integer, got '{}'", o.where,
                                     row.fields[*step]));
      o.step = static_cast<std::int64_t>(*v);
    }
    if (label) o.label = row.fields[*label];
    if (run) o.run_id = row.fields[*run];
    validate_observation(o);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace scalelab
