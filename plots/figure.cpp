#include "plots/figure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace scalelab::plots {

std::string escape_enhanced(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~' ||
        c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

std::string sci_enhanced(double value, int digits) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  const double a = std::fabs(value);
  if (a == 0 || (a >= 0.01 && a < 1e4)) return fmt::format("{:.{}g}", value, digits);
  int exponent = static_cast<int>(std::floor(std::log10(a)));
  double mantissa = value / std::pow(10.0, exponent);
  // Rounding may carry the mantissa to 10 (9.96 -> "10.0"): move it to the exponent.
  if (std::fabs(std::stod(fmt::format("{:.{}f}", mantissa, digits - 1))) >= 10.0) {
    mantissa /= 10.0;
    ++exponent;
  }
  return fmt::format("{:.{}f}×10^{{{}}}", mantissa, digits - 1, exponent);
}

namespace {

void check_column(const Figure& f, const Series& s, const std::vector<double>& column,
                  const char* name, std::size_t n, bool positive) {
  if (column.size() != n)
    throw std::logic_error(fmt::format("figure {}: series '{}' has {} x values but {} {} values",
                                       f.name, s.title, n, column.size(), name));
  for (double v : column) {
    if (!std::isfinite(v))
      throw std::logic_error(
          fmt::format("figure {}: series '{}' has a non-finite {} value", f.name, s.title, name));
    if (positive && !(v > 0))
      throw std::logic_error(fmt::format("figure {}: series '{}' has {} value {} on a log axis",
                                         f.name, s.title, name, v));
  }
}

bool drawable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

}  // namespace

std::vector<std::string> clip_model_series(Figure& f) {
  using K = Series::Kind;
  // The y range of the observed series (error bars included) or, in a figure of fitted
  // values only, of its fitted points (IsoFLOP minima, say); on a log y axis only.
  double y_min = std::numeric_limits<double>::infinity(), y_max = 0;
  auto widen = [&](double v) {
    if (!drawable(v, true)) return;
    y_min = std::min(y_min, v);
    y_max = std::max(y_max, v);
  };
  auto is_line = [](const Series& s) {
    return s.kind == K::kLine || s.kind == K::kDashedLine || s.kind == K::kBand;
  };
  if (f.y.log) {
    for (const Series& s : f.series) {
      if (s.model) continue;
      for (double v : s.y) widen(v);
      if (s.kind == K::kBand || s.kind == K::kErrorBars)
        for (const auto* column : {&s.lo, &s.hi})
          for (double v : *column) widen(v);
    }
    if (!(y_max > 0))
      for (const Series& s : f.series)
        if (!is_line(s))
          for (double v : s.y) widen(v);
  }
  const bool bounded = y_max > 0;
  const double factor = std::pow(10.0, kModelDecadesBeyondData);
  auto y_ok = [&](double v) {
    return drawable(v, f.y.log) && (!bounded || (v >= y_min / factor && v <= y_max * factor));
  };

  std::vector<std::string> notes;
  std::vector<Series> kept;
  for (Series& s : f.series) {
    if (!s.model) {
      kept.push_back(std::move(s));
      continue;
    }
    const std::size_t n = s.x.size();
    std::vector<std::size_t> keep;
    for (std::size_t i = 0; i < n; ++i) {
      bool ok = drawable(s.x[i], f.x.log);
      if (s.kind != K::kBand && i < s.y.size()) ok = ok && y_ok(s.y[i]);
      if (s.kind == K::kBand || s.kind == K::kErrorBars)
        ok = ok && i < s.lo.size() && i < s.hi.size() && y_ok(s.lo[i]) && y_ok(s.hi[i]);
      if (s.kind == K::kXErrorBars)
        ok = ok && i < s.lo.size() && i < s.hi.size() && drawable(s.lo[i], f.x.log) &&
             drawable(s.hi[i], f.x.log);
      if (ok) keep.push_back(i);
    }
    if (keep.size() < n) {
      const std::string what = s.title.empty() ? std::string("a fitted band") : s.title;
      notes.push_back(keep.empty() ? fmt::format("{}: not drawn (no value within the axes)", what)
                                   : fmt::format("{}: {} of {} points outside the axes not drawn",
                                                 what, n - keep.size(), n));
      for (auto* column : {&s.x, &s.y, &s.lo, &s.hi, &s.value}) {
        if (column->size() != n) continue;
        std::vector<double> c;
        for (std::size_t i : keep) c.push_back((*column)[i]);
        *column = std::move(c);
      }
    }
    if (!s.x.empty()) kept.push_back(std::move(s));
  }
  f.series = std::move(kept);
  return notes;
}

void check_figure(const Figure& f) {
  if (f.name.empty()) throw std::logic_error("figure without a name");
  if (f.series.empty()) throw std::logic_error(fmt::format("figure {}: no series", f.name));
  for (const Series& s : f.series) {
    const std::size_t n = s.x.size();
    if (n == 0)
      throw std::logic_error(fmt::format("figure {}: series '{}' is empty", f.name, s.title));
    check_column(f, s, s.x, "x", n, f.x.log);
    using K = Series::Kind;
    if (s.kind != K::kBand) check_column(f, s, s.y, "y", n, f.y.log);
    if (s.kind == K::kBand || s.kind == K::kErrorBars) {
      check_column(f, s, s.lo, "lo", n, f.y.log);
      check_column(f, s, s.hi, "hi", n, f.y.log);
    }
    if (s.kind == K::kXErrorBars) {
      check_column(f, s, s.lo, "lo", n, f.x.log);
      check_column(f, s, s.hi, "hi", n, f.x.log);
    }
    if (s.kind == K::kColoredPoints) {
      if (!f.colorbar)
        throw std::logic_error(
            fmt::format("figure {}: coloured points without a colour bar", f.name));
      check_column(f, s, s.value, "value", n, f.colorbar->log);
    }
  }
}

}  // namespace scalelab::plots
