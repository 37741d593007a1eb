#include "fitting/fit_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstring>
#include <ostream>

#include "lib/error.hpp"

namespace scalelab::fitting {

std::vector<std::string> fit_kinds() {
  auto names = law_names();
  names.push_back("isoflop");
  names.push_back("envelope");
  return names;
}

ParametricOutcome fit_parametric(const std::vector<Observation>& observations,
                                 const FitRequest& request) {
  const LawSpec& law = find_law(request.law);
  ParametricOutcome out;
  out.point = fit_law(law, observations, request.fit);
  out.bootstrap.level = request.bootstrap.level;
  if (request.bootstrap.resamples > 0)
    out.bootstrap = bootstrap(law, out.point, request.fit, request.bootstrap);
  else if (!(request.bootstrap.level > 0 && request.bootstrap.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", request.bootstrap.level));
  return out;
}

namespace {

nlohmann::json interval_json(const Interval& i) {
  if (!std::isfinite(i.lo) || !std::isfinite(i.hi)) return nullptr;
  return nlohmann::json::array({i.lo, i.hi});
}

void add_power_laws(nlohmann::json& doc, const PowerLawFit& n, const PowerLawFit& d) {
  doc["params"] = {
      {"a", n.exponent}, {"b", d.exponent}, {"k_n", n.coefficient}, {"k_d", d.coefficient}};
  nlohmann::json intervals = nlohmann::json::object();
  if (std::isfinite(n.exponent_interval.lo)) {
    intervals["a"] = interval_json(n.exponent_interval);
    intervals["b"] = interval_json(d.exponent_interval);
    intervals["k_n"] = interval_json(n.coefficient_interval);
    intervals["k_d"] = interval_json(d.coefficient_interval);
  }
  doc["intervals"] = intervals;
}

nlohmann::json isoflop_json(const std::vector<Observation>& obs, const FitRequest& req) {
  const IsoflopResult r = fit_isoflop(obs, req.isoflop);
  nlohmann::json doc;
  doc["law"] = "isoflop";
  doc["formula"] =
      "per budget: loss = c0 + c1 log N + c2 (log N)^2; N_opt = k_n C^a, D_opt = k_d C^b";
  add_power_laws(doc, r.params_opt, r.tokens_opt);
  double rss = 0;
  for (const auto& p : r.profiles) {
    const double e = std::log(p.params_opt.value) - std::log(r.params_opt.at(p.flops));
    rss += e * e;
  }
  doc["objective"] = rss;
  doc["n_points"] = r.n_points;
  doc["converged"] = true;
  doc["termination"] = "closed form (least squares)";
  doc["level"] = req.isoflop.level;
  doc["grouping"] = req.isoflop.grouping == IsoflopOptions::Grouping::kExact ? "exact" : "log-bins";
  nlohmann::json profiles = nlohmann::json::array();
  for (const auto& p : r.profiles) {
    nlohmann::json j = {{"flops", p.flops},
                        {"n_runs", p.n_runs},
                        {"params_opt", p.params_opt.value},
                        {"tokens_opt", p.tokens_opt},
                        {"min_loss", p.min_loss},
                        {"c0", p.c0},
                        {"c1", p.c1},
                        {"c2", p.c2},
                        {"extrapolated", p.extrapolated}};
    j["params_opt_interval"] =
        p.params_opt.interval ? interval_json(*p.params_opt.interval) : nlohmann::json(nullptr);
    profiles.push_back(j);
  }
  doc["profiles"] = profiles;
  doc["skipped"] = r.skipped;
  return doc;
}

nlohmann::json envelope_json(const std::vector<Observation>& obs, const FitRequest& req) {
  const EnvelopeResult r = fit_envelope(obs, req.envelope);
  nlohmann::json doc;
  doc["law"] = "envelope";
  doc["formula"] = "lowest loss per log-spaced compute bin; N_opt = k_n C^a, D_opt = k_d C^b";
  add_power_laws(doc, r.params_opt, r.tokens_opt);
  double rss = 0;
  for (const auto& p : r.points) {
    const double e = std::log(p.params) - std::log(r.params_opt.at(p.flops));
    rss += e * e;
  }
  doc["objective"] = rss;
  doc["n_points"] = r.n_points;
  doc["converged"] = true;
  doc["termination"] = "closed form (least squares)";
  doc["level"] = req.envelope.level;
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : r.points)
    points.push_back({{"flops", p.flops},
                      {"loss", p.loss},
                      {"params", p.params},
                      {"tokens", p.tokens},
                      {"where", p.where}});
  doc["envelope"] = points;
  return doc;
}

}  // namespace

nlohmann::json to_json(const ParametricOutcome& o, const FitRequest& req) {
  const LawSpec& law = find_law(req.law);
  const FitResult& f = o.point;
  nlohmann::json doc;
  doc["law"] = f.law;
  doc["formula"] = law.formula;
  nlohmann::json params = nlohmann::json::object(), intervals = nlohmann::json::object();
  nlohmann::json at_bound = nlohmann::json::array();
  for (std::size_t i = 0; i < f.names.size(); ++i) {
    params[f.names[i]] = f.values[i];
    if (!o.bootstrap.samples.empty())
      intervals[f.names[i]] = interval_json(o.bootstrap.intervals[i]);
    const bool boot_bound = !o.bootstrap.at_bound.empty() && o.bootstrap.at_bound[i];
    if (f.at_bound[i] || boot_bound) at_bound.push_back(f.names[i]);
  }
  doc["params"] = params;
  doc["intervals"] = intervals;
  doc["level"] = o.bootstrap.level;
  doc["objective"] = f.objective;
  doc["n_points"] = f.n_points;
  doc["n_dropped"] = f.n_dropped;
  doc["converged"] = f.converged;
  doc["termination"] = f.termination;
  doc["iterations"] = f.iterations;
  doc["starts"] = {{"total", f.n_starts},
                   {"converged", f.n_starts_converged},
                   {"at_best", f.n_starts_at_best},
                   {"disagreeing", f.n_starts_disagreeing}};
  nlohmann::json fixed = nlohmann::json::array();
  for (std::size_t i = 0; i < f.names.size(); ++i)
    if (f.fixed[i]) fixed.push_back(f.names[i]);
  doc["fixed"] = fixed;
  doc["flags"] = {{"at_bound", at_bound}, {"starts_disagree", f.n_starts_disagreeing > 0}};
  doc["bootstrap"] = {{"resamples", o.bootstrap.resamples},
                      {"failed", o.bootstrap.failed},
                      {"seed", req.bootstrap.seed},
                      {"grid_starts", req.bootstrap.grid_starts}};
  double sq = 0, max_abs = 0;
  for (double r : f.residuals) {
    sq += r * r;
    max_abs = std::max(max_abs, std::fabs(r));
  }
  doc["residuals"] = {{"rms", f.residuals.empty() ? 0.0 : std::sqrt(sq / f.residuals.size())},
                      {"max_abs", max_abs}};
  return doc;
}

nlohmann::json fit_observations(const std::vector<Observation>& obs, const FitRequest& req) {
  if (req.law == "isoflop") return isoflop_json(obs, req);
  if (req.law == "envelope") return envelope_json(obs, req);
  for (const auto& name : law_names())
    if (name == req.law) return to_json(fit_parametric(obs, req), req);
  std::string names;
  for (const auto& n : fit_kinds()) names += (names.empty() ? "" : ", ") + n;
  throw InputError(fmt::format("--law: unknown law '{}' (accepted: {})", req.law, names));
}

std::string observations_hash(const std::vector<Observation>& obs) {
  std::uint64_t h = 1469598103934665603ULL;
  auto add = [&](double v) {
    unsigned char bytes[sizeof v];
    std::memcpy(bytes, &v, sizeof v);
    for (unsigned char b : bytes) h = (h ^ b) * 1099511628211ULL;
  };
  for (const auto& o : obs) {
    add(o.params);
    add(o.tokens);
    add(o.flops);
    add(o.loss);
    add(o.unique_tokens.value_or(0.0));
  }
  return fmt::format("{:016x}", h);
}

nlohmann::json to_stored_json(const ParametricOutcome& o, const FitRequest& req) {
  nlohmann::json doc = to_json(o, req);
  const LawSpec& law = find_law(req.law);
  doc["param_order"] = o.point.names;
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& s : o.bootstrap.samples) samples.push_back(law.reported(s));
  doc["bootstrap_samples"] = samples;
  return doc;
}

StoredFit parse_stored_fit(const nlohmann::json& doc) {
  const std::string name = doc.value("law", std::string());
  bool parametric = false;
  for (const auto& n : law_names()) parametric = parametric || n == name;
  if (!parametric || !doc.contains("params"))
    throw InputError(
        fmt::format("a '{}' fit has no parametric law to predict from (use a fit "
                    "of {})",
                    name, fmt::join(law_names(), ", ")));
  StoredFit f;
  f.law = &find_law(name);
  f.level = doc.value("level", 0.95);
  for (std::size_t i = 0; i < f.law->params.size(); ++i) {
    const auto& v = doc["params"].at(f.law->params[i].name);
    f.x.push_back(f.law->fitted_value(i, v.get<double>()));
  }
  if (doc.contains("bootstrap_samples"))
    for (const auto& s : doc["bootstrap_samples"]) {
      std::vector<double> x;
      for (std::size_t i = 0; i < f.law->params.size(); ++i)
        x.push_back(f.law->fitted_value(i, s.at(i).get<double>()));
      f.samples.push_back(std::move(x));
    }
  return f;
}

void print_fit(std::ostream& out, const nlohmann::json& doc, Format format) {
  if (format == Format::kJson) {
    print_json(out, doc);
    return;
  }
  Table table({"parameter", "value", "lo", "hi"});
  const auto& intervals = doc.at("intervals");
  for (const auto& [name, value] : doc.at("params").items()) {
    const double v = value.get<double>();
    if (intervals.contains(name) && intervals[name].is_array()) {
      table.add_row({Cell::text(name), Cell::si(v), Cell::si(intervals[name][0].get<double>()),
                     Cell::si(intervals[name][1].get<double>())});
    } else {
      table.add_row({Cell::text(name), Cell::si(v), Cell::text(""), Cell::text("")});
    }
  }
  if (format == Format::kCsv) {
    table.print_csv(out);
    return;
  }
  out << fmt::format("law {}: {}\n", doc.at("law").get<std::string>(),
                     doc.value("formula", std::string()));
  table.print_table(out);
  out << fmt::format("objective {:.6g}  n_points {}  converged {}\n",
                     doc.at("objective").get<double>(), doc.at("n_points").get<std::size_t>(),
                     doc.at("converged").get<bool>() ? "yes" : "NO");
  out << "termination: " << doc.at("termination").get<std::string>() << '\n';
  if (doc.contains("starts")) {
    const auto& s = doc["starts"];
    out << fmt::format(
        "starts: {} total, {} converged, {} at the best optimum, {} tie it elsewhere\n",
        s["total"].get<std::size_t>(), s["converged"].get<std::size_t>(),
        s["at_best"].get<std::size_t>(), s["disagreeing"].get<std::size_t>());
  }
  if (doc.contains("bootstrap") && doc["bootstrap"]["resamples"].get<int>() > 0)
    out << fmt::format("intervals: {:g}% bootstrap percentiles over {} resamples ({} failed)\n",
                       100 * doc["level"].get<double>(), doc["bootstrap"]["resamples"].get<int>(),
                       doc["bootstrap"]["failed"].get<int>());
  if (doc.contains("residuals"))
    out << fmt::format("residuals (log loss): rms {:.3g}, max |r| {:.3g}\n",
                       doc["residuals"]["rms"].get<double>(),
                       doc["residuals"]["max_abs"].get<double>());
  if (doc.contains("flags")) {
    for (const auto& name : doc["flags"]["at_bound"])
      out << "warning: " << name.get<std::string>() << " is at or beyond its plausible range\n";
    if (doc["flags"]["starts_disagree"].get<bool>())
      out << "warning: starts tie the best objective at different parameters (not identified)\n";
  }
  if (!doc.at("converged").get<bool>()) out << "warning: the fit did not converge\n";
}

}  // namespace scalelab::fitting
