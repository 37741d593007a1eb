#include "fitting/degeneracy.hpp"

#include <fmt/format.h>

#include <cmath>

#include "fitting/bootstrap.hpp"
#include "fitting/parametric_fit.hpp"
#include "lib/output.hpp"

namespace scalelab::fitting {

namespace {

std::string number(double v) { return format_general(v, 4); }

// "[0, 3]"; "at most 5.185e+21" when only one end exists.
std::string plausible_range(const ParamSpec& spec) {
  if (spec.lower && spec.upper)
    return fmt::format("[{}, {}]", number(*spec.lower), number(*spec.upper));
  if (spec.upper) return fmt::format("at most {}", number(*spec.upper));
  if (spec.lower) return fmt::format("at least {}", number(*spec.lower));
  return "unbounded";
}

}  // namespace

std::vector<std::string> point_degeneracy(const LawSpec& law, const FitResult& fit,
                                          const DegeneracyOptions& o) {
  std::vector<std::string> findings;
  for (std::size_t i = 0; i < law.params.size() && i < fit.values.size(); ++i) {
    const ParamSpec& spec = law.params[i];
    const double v = fit.values[i];
    const bool fixed = i < fit.fixed.size() && fit.fixed[i];
    if (!std::isfinite(v)) {
      // A log-scale parameter whose log is finite overflowed exp(): say by how much.
      const bool overflow = spec.log_scale && i < fit.x.size() && std::isfinite(fit.x[i]);
      findings.push_back(overflow ? fmt::format("{} = e^{} is not finite (it overflows a double)",
                                                spec.name, number(fit.x[i]))
                                  : fmt::format("{} is not finite", spec.name));
      continue;
    }
    if (fixed) continue;
    if (spec.exponent) {
      if (v < o.exponent_min || v > o.exponent_max)
        findings.push_back(fmt::format("{} = {} lies outside the sane exponent range [{}, {}]",
                                       spec.name, number(v), number(o.exponent_min),
                                       number(o.exponent_max)));
    } else if (i < fit.at_bound.size() && fit.at_bound[i]) {
      findings.push_back(fmt::format("{} = {} is at or beyond its plausible range ({})", spec.name,
                                     number(v), plausible_range(spec)));
    }
  }
  if (!std::isfinite(fit.objective)) findings.push_back("the objective is not finite");
  if (o.ties_are_degenerate && fit.n_starts_disagreeing > 0)
    findings.push_back(
        fmt::format("{} of {} starts tie the best objective at different parameters (the "
                    "optimum is not identified)",
                    fit.n_starts_disagreeing, fit.n_starts));
  return findings;
}

std::vector<std::string> bootstrap_degeneracy(const LawSpec& law, const FitResult& fit,
                                              const BootstrapResult& boot) {
  std::vector<std::string> findings;
  if (boot.resamples <= 0) return findings;
  if (boot.samples.empty()) {
    findings.push_back(fmt::format("none of the {} bootstrap refits converged", boot.resamples));
    return findings;
  }
  const std::string level = format_general(100 * boot.level, 3) + "%";
  for (std::size_t i = 0; i < law.params.size(); ++i) {
    if (i < fit.fixed.size() && fit.fixed[i]) continue;
    const std::string& name = law.params[i].name;
    const Interval* interval = i < boot.intervals.size() ? &boot.intervals[i] : nullptr;
    if (interval && (std::isnan(interval->lo) || std::isnan(interval->hi))) {
      findings.push_back(fmt::format("the {} bootstrap interval of {} is undefined", level, name));
    } else if (interval && !(std::isfinite(interval->lo) && std::isfinite(interval->hi))) {
      findings.push_back(fmt::format("the {} bootstrap interval of {} is unbounded", level, name));
    } else if (i < boot.at_bound.size() && boot.at_bound[i]) {
      findings.push_back(fmt::format(
          "more than 2.5% of the bootstrap refits put {} at or beyond its plausible range ({})",
          name, plausible_range(law.params[i])));
    }
  }
  return findings;
}

std::string degeneracy_reason(const std::vector<std::string>& findings) {
  std::string out;
  for (const auto& f : findings) out += (out.empty() ? "" : "; ") + f;
  return out;
}

DegenerateFitError::DegenerateFitError(const std::string& fit, const std::string& reason)
    : InputError(
          fmt::format("{} is degenerate and is not used to predict or allocate: {}", fit, reason)),
      fit_(fit),
      reason_(reason) {}

}  // namespace scalelab::fitting
