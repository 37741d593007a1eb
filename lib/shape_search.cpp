#include "lib/shape_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "lib/error.hpp"

namespace scalelab {
namespace {

int d_model_step(int d) {
  if (d < 128) return 16;
  if (d < 256) return 32;
  if (d < 2048) return 64;
  return 128;
}

}  // namespace

ShapeChoice choose_shape(double target, const ShapeSearchOptions& o) {
  if (!(std::isfinite(target) && target > 0))
    throw InputError(fmt::format("--params: {} (accepted: a positive parameter count)", target));
  if (!(o.min_aspect > 0 && o.min_aspect <= o.max_aspect))
    throw InputError(fmt::format("aspect band [{}, {}] is empty (accepted: 0 < min <= max)",
                                 o.min_aspect, o.max_aspect));
  if (o.vocab_size < 2) throw InputError(fmt::format("--vocab: {} (accepted: >= 2)", o.vocab_size));
  if (o.seq_len < 1) throw InputError(fmt::format("--seq-len: {} (accepted: >= 1)", o.seq_len));
  if (o.min_layers < 1 || o.max_layers < o.min_layers)
    throw InputError(fmt::format("layers [{}, {}]: empty (accepted: 1 <= min_layers <= max_layers)",
                                 o.min_layers, o.max_layers));
  if (o.head_dim < 0 || o.head_dim % 2 != 0)
    throw InputError(
        fmt::format("head_dim: {} (accepted: 0 for the default, or an even width)", o.head_dim));

  const double log_center = 0.5 * (std::log(o.min_aspect) + std::log(o.max_aspect));
  // Best shape inside the aspect band, and best by size error plus the log-distance outside
  // the band; the band wins unless its best misses the target by more than kBandTolerance
  // (tiny models cannot always satisfy both).
  constexpr double kBandTolerance = 0.0953;  // log(1.1): 10% off the target
  struct Candidate {
    ModelShape shape;
    double size_error = std::numeric_limits<double>::infinity();
    double aspect_error = std::numeric_limits<double>::infinity();
    double aspect_excess = 0;  // log-distance outside the band, 0 inside
    bool inside = false;
    bool better_than(const Candidate& b) const {
      // Size errors within 0.1% count as equal so that the aspect ratio decides.
      if (std::fabs(size_error - b.size_error) > 1e-3) return size_error < b.size_error;
      return aspect_error < b.aspect_error;
    }
  };
  Candidate in_band, overall;
  auto combined = [](const Candidate& c) { return c.size_error + c.aspect_excess; };
  const int d_first = o.head_dim > 0 ? 2 * o.head_dim : 16;
  for (int d = d_first; d <= o.max_d_model; d += o.head_dim > 0 ? o.head_dim : d_model_step(d)) {
    Candidate c;
    ModelShape& s = c.shape;
    s.arch = o.arch;
    s.vocab_size = o.vocab_size;
    s.seq_len = o.seq_len;
    s.d_model = d;
    s.head_dim = o.head_dim > 0 ? o.head_dim : default_head_dim(d);
    s.n_head = d / s.head_dim;
    s.d_ff = default_d_ff(o.arch, d);
    s.tied_embeddings = o.tied_embeddings.value_or(o.arch == Arch::kGpt2);
    // Parameters are affine in n_layer: solve for it, then try the neighbours.
    s.n_layer = 1;
    const double one = static_cast<double>(count_params(s).total);
    s.n_layer = 2;
    const double per_layer = static_cast<double>(count_params(s).total) - one;
    const double base = one - per_layer;
    const double ideal = (target - base) / per_layer;
    const int lo_layers = std::max(o.min_layers, static_cast<int>(std::floor(ideal)) - 1);
    for (int L = lo_layers; L <= lo_layers + 3 && L <= o.max_layers; ++L) {
      s.n_layer = L;
      const double aspect = static_cast<double>(d) / L;
      c.size_error = std::fabs(std::log((base + per_layer * L) / target));
      c.aspect_error = std::fabs(std::log(aspect) - log_center);
      c.aspect_excess = std::max(
          {0.0, std::log(o.min_aspect / aspect) - 1e-12, std::log(aspect / o.max_aspect) - 1e-12});
      c.inside = c.aspect_excess == 0;
      if (c.inside && c.better_than(in_band)) in_band = c;
      if (combined(c) < combined(overall)) overall = c;
    }
    // every wider model is too big
    if (base + per_layer * o.min_layers > 4 * target) break;
  }
  ShapeChoice choice;
  const Candidate& chosen = in_band.size_error <= kBandTolerance ? in_band : overall;
  choice.shape = chosen.shape;
  choice.in_aspect_band = chosen.inside;
  choice.counts = count_params(choice.shape);
  choice.target_params = target;
  choice.deviation = (static_cast<double>(choice.counts.total) - target) / target;
  return choice;
}

}  // namespace scalelab
