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
  judge_degeneracy(out, request.fit.degeneracy);
  return out;
}

void judge_degeneracy(ParametricOutcome& o, const DegeneracyOptions& options) {
  const LawSpec& law = find_law(o.point.law);
  auto findings = point_degeneracy(law, o.point, options);
  for (auto& f : bootstrap_degeneracy(law, o.point, o.bootstrap)) findings.push_back(f);
  o.degenerate_reason = degeneracy_reason(findings);
  o.degenerate = !o.degenerate_reason.empty();
}

FittedLaw ParametricOutcome::fitted_law(std::string name) const {
  FittedLaw f;
  f.law = &find_law(point.law);
  f.x = point.x;
  f.samples = bootstrap.samples;
  f.level = bootstrap.level;
  f.name = std::move(name);
  f.degenerate = degenerate;
  f.degenerate_reason = degenerate_reason;
  return f;
}

namespace {

// A number of a document, NaN for null (how to_json writes a non-finite value) or a missing key.
double number_or_nan(const nlohmann::json& doc, const char* key) {
  if (!doc.is_object() || !doc.contains(key) || !doc[key].is_number()) return std::nan("");
  return doc[key].get<double>();
}
double number_or_nan(const nlohmann::json& value) {
  return value.is_number() ? value.get<double>() : std::nan("");
}

// [lo, hi]; an end that is not finite is null (lib/output.hpp): [152, null] is an interval
// unbounded above; [null, null] one without any finite draw.
nlohmann::json interval_json(const Interval& i) {
  auto end = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  return nlohmann::json::array({end(i.lo), end(i.hi)});
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
  doc["degenerate"] = o.degenerate;
  doc["reason"] = o.degenerate ? nlohmann::json(o.degenerate_reason) : nlohmann::json(nullptr);
  doc["kernel"] = f.kernel.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.kernel);
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

FittedLaw parse_stored_fit(const nlohmann::json& doc, const std::string& name) {
  const std::string law_name = doc.is_object() && doc.contains("law") && doc["law"].is_string()
                                   ? doc["law"].get<std::string>()
                                   : std::string();
  bool parametric = false;
  for (const auto& n : law_names()) parametric = parametric || n == law_name;
  if (!parametric || !doc.contains("params") || !doc["params"].is_object())
    throw InputError(
        fmt::format("{}: a '{}' fit has no parametric law to predict from (use a fit "
                    "of {})",
                    name, law_name, fmt::join(law_names(), ", ")));
  FittedLaw f;
  f.law = &find_law(law_name);
  f.name = name;
  const double level = number_or_nan(doc, "level");
  f.level = std::isfinite(level) ? level : 0.95;
  const auto& params = doc["params"];
  // On the fitted scale; NaN for a value stored as null (non-finite) or not positive.
  auto fitted = [&](std::size_t i, double v) {
    if (!f.law->params[i].log_scale) return v;
    return v > 0 ? std::log(v) : std::nan("");
  };
  FitResult point;  // what the rule needs, for documents stored before the verdict was
  point.law = law_name;
  for (std::size_t i = 0; i < f.law->params.size(); ++i) {
    const std::string& p = f.law->params[i].name;
    if (!params.contains(p))
      throw InputError(
          fmt::format("{}: the stored '{}' fit has no parameter {}", name, law_name, p));
    const double v = number_or_nan(params[p]);
    point.names.push_back(p);
    point.values.push_back(v);
    point.x.push_back(fitted(i, v));
    auto listed = [&](const char* key) {
      const nlohmann::json* list = &doc;
      if (std::string(key) == "at_bound") {
        if (!doc.contains("flags") || !doc["flags"].is_object()) return false;
        list = &doc["flags"];
      }
      if (!list->contains(key) || !(*list)[key].is_array()) return false;
      for (const auto& n : (*list)[key])
        if (n.is_string() && n.get<std::string>() == p) return true;
      return false;
    };
    point.fixed.push_back(listed("fixed"));
    point.at_bound.push_back(listed("at_bound"));
  }
  f.x = point.x;
  if (doc.contains("bootstrap_samples") && doc["bootstrap_samples"].is_array())
    for (const auto& s : doc["bootstrap_samples"]) {
      if (!s.is_array() || s.size() != f.law->params.size()) continue;
      std::vector<double> x;
      for (std::size_t i = 0; i < f.law->params.size(); ++i)
        x.push_back(fitted(i, number_or_nan(s[i])));
      bool finite = true;
      for (double v : x) finite = finite && std::isfinite(v);
      if (finite) f.samples.push_back(std::move(x));
    }

  if (doc.contains("degenerate") && doc["degenerate"].is_boolean()) {
    f.degenerate = doc["degenerate"].get<bool>();
    if (f.degenerate)
      f.degenerate_reason = doc.contains("reason") && doc["reason"].is_string()
                                ? doc["reason"].get<std::string>()
                                : std::string("stored as degenerate");
  } else {
    // A null objective was stored non-finite; a missing one (a hand-made document) is not
    // judged.
    point.objective = doc.contains("objective") ? number_or_nan(doc, "objective") : 0.0;
    if (doc.contains("starts") && doc["starts"].is_object()) {
      const double total = number_or_nan(doc["starts"], "total");
      const double disagreeing = number_or_nan(doc["starts"], "disagreeing");
      point.n_starts = std::isfinite(total) ? static_cast<std::size_t>(total) : 0;
      point.n_starts_disagreeing =
          std::isfinite(disagreeing) ? static_cast<std::size_t>(disagreeing) : 0;
    }
    BootstrapResult boot;
    if (doc.contains("bootstrap") && doc["bootstrap"].is_object()) {
      const double resamples = number_or_nan(doc["bootstrap"], "resamples");
      boot.resamples = std::isfinite(resamples) ? static_cast<int>(resamples) : 0;
    }
    boot.level = f.level;
    boot.samples = f.samples;
    const nlohmann::json intervals = doc.contains("intervals") && doc["intervals"].is_object()
                                         ? doc["intervals"]
                                         : nlohmann::json::object();
    for (const auto& p : point.names) {
      // A null interval was written for a non-finite end: unbounded.
      const auto it = intervals.find(p);
      if (it != intervals.end() && it->is_array() && it->size() == 2)
        boot.intervals.push_back({(*it)[0].is_number() ? (*it)[0].get<double>() : -HUGE_VAL,
                                  (*it)[1].is_number() ? (*it)[1].get<double>() : HUGE_VAL});
      else
        boot.intervals.push_back({-HUGE_VAL, HUGE_VAL});
    }
    auto findings = point_degeneracy(*f.law, point);
    for (auto& finding : bootstrap_degeneracy(*f.law, point, boot)) findings.push_back(finding);
    f.degenerate_reason = degeneracy_reason(findings);
    f.degenerate = !f.degenerate_reason.empty();
  }
  // Whatever the document says, a parameter without a finite value cannot be predicted from.
  if (!f.degenerate)
    for (std::size_t i = 0; i < f.x.size(); ++i)
      if (!std::isfinite(f.x[i])) {
        f.degenerate = true;
        f.degenerate_reason = fmt::format("{} is not finite", f.law->params[i].name);
        break;
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
    const double v = number_or_nan(value);
    if (intervals.contains(name) && intervals[name].is_array() && intervals[name].size() == 2) {
      const auto& i = intervals[name];
      // A null end is an unbounded one (interval_json).
      const double lo = i[0].is_number() ? i[0].get<double>() : -HUGE_VAL;
      const double hi = i[1].is_number() ? i[1].get<double>() : HUGE_VAL;
      table.add_row({Cell::text(name), Cell::si(v), Cell::si(lo), Cell::si(hi)});
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
  out << fmt::format("objective {}  n_points {}  converged {}\n",
                     format_general(number_or_nan(doc, "objective"), 6),
                     doc.at("n_points").get<std::size_t>(),
                     doc.at("converged").get<bool>() ? "yes" : "NO");
  out << "termination: " << doc.at("termination").get<std::string>() << '\n';
  if (doc.contains("kernel") && doc["kernel"].is_string())
    out << "kernel: " << doc["kernel"].get<std::string>() << '\n';
  if (doc.contains("starts")) {
    const auto& s = doc["starts"];
    out << fmt::format(
        "starts: {} total, {} converged, {} at the best optimum, {} tie it elsewhere\n",
        s["total"].get<std::size_t>(), s["converged"].get<std::size_t>(),
        s["at_best"].get<std::size_t>(), s["disagreeing"].get<std::size_t>());
  }
  if (doc.contains("bootstrap") && doc["bootstrap"]["resamples"].get<int>() > 0)
    out << fmt::format("intervals: {}% bootstrap percentiles over {} resamples ({} failed)\n",
                       format_general(100 * number_or_nan(doc, "level"), 6),
                       doc["bootstrap"]["resamples"].get<int>(),
                       doc["bootstrap"]["failed"].get<int>());
  if (doc.contains("residuals"))
    out << fmt::format("residuals (log loss): rms {}, max |r| {}\n",
                       format_general(number_or_nan(doc["residuals"], "rms"), 3),
                       format_general(number_or_nan(doc["residuals"], "max_abs"), 3));
  if (doc.contains("degenerate") && doc["degenerate"].is_boolean()) {
    // The verdict covers the at-bound and tie warnings (fitting/degeneracy.hpp).
    if (doc["degenerate"].get<bool>())
      out << "DEGENERATE: " << doc.value("reason", std::string("(no reason stored)"))
          << ".\nThis law is not used: predict --fit ID and plan --rule fit:ID refuse it.\n";
    else
      out << "degenerate: no\n";
  } else if (doc.contains("flags")) {
    for (const auto& name : doc["flags"]["at_bound"])
      out << "warning: " << name.get<std::string>() << " is at or beyond its plausible range\n";
    if (doc["flags"]["starts_disagree"].get<bool>())
      out << "warning: starts tie the best objective at different parameters (not identified)\n";
  }
  if (!doc.at("converged").get<bool>()) out << "warning: the fit did not converge\n";
}

}  // namespace scalelab::fitting
