#include "study/target.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "fitting/law.hpp"
#include "fitting/prediction.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"

namespace scalelab::study {

namespace {

double counted(const ShapeChoice& c, ParamCount count) {
  return static_cast<double>(count == ParamCount::kTotal ? c.counts.total : c.counts.non_embedding);
}

// The concrete shape whose count (total or non-embedding) is nearest `n`: choose_shape matches
// totals, so for non-embedding counts the total target is scanned upwards from n.
ShapeChoice shape_near(double n, const ShapeSearchOptions& shapes, ParamCount count) {
  if (count == ParamCount::kTotal) return choose_shape(n, shapes);
  ShapeChoice best;
  double best_error = std::numeric_limits<double>::infinity();
  for (int k = 0; k <= 40; ++k) {
    const ShapeChoice c = choose_shape(n * std::pow(2.0, k / 10.0), shapes);
    const double error = std::fabs(std::log(counted(c, count) / n));
    if (error < best_error) {
      best = c;
      best_error = error;
    }
  }
  return best;
}

TargetChoice finish(const Study& s, std::string method, double flops, double n_opt,
                    const ShapeChoice& shape) {
  TargetChoice t;
  t.method = std::move(method);
  t.flops = flops;
  t.n_opt = n_opt;
  t.shape = shape;
  t.params = static_cast<double>(shape.counts.total);
  t.tokens = tokens_for_budget_6nd(flops, counted(shape, s.param_count));
  return t;
}

bool finite_positive(double v) { return std::isfinite(v) && v > 0; }

}  // namespace

TargetChoice choose_target(const Study& s, double flops, const ShapeSearchOptions& shapes,
                           double fallback_tokens_per_param) {
  if (!finite_positive(flops))
    throw InputError(fmt::format("target budget {} (accepted: a positive number)", flops));
  std::string why = approach3_problem(s);
  if (why.empty()) {
    // Of the shapes near N_opt·2^(k/2), the one with the lowest predicted loss at D = C/(6N):
    // rounding N_opt to the nearest shape can land on the steep side of a fit.
    const auto& law = fitting::find_law("chinchilla");
    const double n_opt = s.target->params.value;
    ShapeChoice best;
    double best_loss = std::numeric_limits<double>::infinity();
    for (int k = -2; k <= 2; ++k) {
      const ShapeChoice c = shape_near(n_opt * std::pow(2.0, k / 2.0), shapes, s.param_count);
      const double n = counted(c, s.param_count);
      const double loss = fitting::predict_loss(law, s.chinchilla->point.x, {}, s.options.level, n,
                                                tokens_for_budget_6nd(flops, n))
                              .loss.value;
      if (std::isfinite(loss) && loss < best_loss) {
        best = c;
        best_loss = loss;
      }
    }
    if (std::isfinite(best_loss)) return finish(s, "Approach 3", flops, n_opt, best);
    why = "Approach 3 predicts no finite loss near its N_opt";
  }
  std::string fallback = why;
  if (s.isoflop) {
    std::size_t inside = 0;
    for (const auto& p : s.isoflop->profiles) inside += p.extrapolated ? 0 : 1;
    const double n_opt = s.isoflop->params_opt.at(flops);
    if (inside >= 2 && finite_positive(n_opt)) {
      TargetChoice t =
          finish(s, "Approach 2", flops, n_opt, shape_near(n_opt, shapes, s.param_count));
      t.fallback = fallback;
      return t;
    }
    fallback +=
        fmt::format("; Approach 2 has {} IsoFLOP minima inside their grids (needs 2)", inside);
  } else {
    fallback += "; no Approach-2 fit";
  }
  const double n_opt = params_at_tokens_per_param_6nd(flops, fallback_tokens_per_param);
  TargetChoice t =
      finish(s, fmt::format("ratio rule ({:g} tokens per parameter)", fallback_tokens_per_param),
             flops, n_opt, shape_near(n_opt, shapes, s.param_count));
  t.fallback = fallback;
  return t;
}

}  // namespace scalelab::study
