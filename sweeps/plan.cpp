#include "sweeps/plan.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "lib/compute.hpp"
#include "lib/error.hpp"

namespace scalelab::sweeps {

void PlanOptions::validate() const {
  if (budgets.empty()) throw InputError("--budget: no budget given (e.g. --budget 1e19)");
  if (grid < 1 || grid > 100)
    throw InputError(fmt::format("--grid: {} (accepted: 1 to 100 sizes per budget)", grid));
  if (!(std::isfinite(span) && span >= 1.0))
    throw InputError(fmt::format("--span: {} (accepted: a number >= 1, e.g. 4)", span));
  validate_mfu(mfu);
}

namespace {

PlannedRun point(double params, double tokens, const ShapeChoice& shape, const PlanOptions& o) {
  PlannedRun r;
  r.params = params;
  r.tokens = tokens;
  r.shape = shape;
  // The non-embedding share of the concrete shape, applied to `params`.
  r.non_embedding_params = params * static_cast<double>(shape.counts.non_embedding) /
                           static_cast<double>(shape.counts.total);
  r.flops_6nd = training_flops_6nd(params, tokens);
  r.flops_exact = flops_per_token(shape.shape).chinchilla * tokens;
  r.predicted_loss = o.rule.predicted_loss(params, r.non_embedding_params, tokens);
  r.hours = accelerator_hours(r.flops_exact, o.hardware, o.mfu);
  return r;
}

}  // namespace

Plan make_plan(const PlanOptions& o) {
  o.validate();
  Plan plan;
  plan.options = o;
  for (double c : o.budgets) {
    BudgetPlan b;
    b.compute_flops = c;
    const Allocation opt = o.rule.allocate(c);
    b.optimal = point(opt.params, opt.tokens, choose_shape(opt.params, o.shape), o);
    for (int i = 0; i < o.grid; ++i) {
      // Log-spaced targets from N_opt/span to N_opt·span (N_opt alone when grid == 1).
      const double t = o.grid == 1 ? 0.0 : -1.0 + 2.0 * i / (o.grid - 1);
      double target = opt.params * std::pow(o.span, t);
      if (o.align_grid && o.grid > 1 && o.span > 1) {
        const double step = 2.0 * std::log(o.span) / (o.grid - 1);
        target = std::exp(step * std::round(std::log(target) / step));
      }
      ShapeChoice shape = choose_shape(target, o.shape);
      // Neighbouring targets can round to one shape when shapes are coarse (tiny models): the
      // target steps up to the next larger shape, so that every budget keeps `grid` distinct
      // sizes (an IsoFLOP profile needs its points; its largest may lie beyond N_opt·span).
      for (int k = 0; k < 200 && !b.grid.empty() &&
                      static_cast<double>(shape.counts.total) <= b.grid.back().params;
           ++k) {
        target *= 1.05;
        shape = choose_shape(target, o.shape);
      }
      if (!b.grid.empty() && static_cast<double>(shape.counts.total) <= b.grid.back().params)
        continue;  // no larger shape within reach (max_d_model, max_layers)
      const double n = static_cast<double>(shape.counts.total);
      b.grid.push_back(point(n, tokens_for_budget_6nd(c, n), shape, o));
    }
    plan.budgets.push_back(std::move(b));
  }
  return plan;
}

namespace {

nlohmann::json point_json(const PlannedRun& r) {
  return {{"params", r.params},
          {"non_embedding_params", r.non_embedding_params},
          {"tokens", r.tokens},
          {"tokens_per_param", r.tokens_per_param()},
          {"flops_6nd", r.flops_6nd},
          {"flops_exact", r.flops_exact},
          {"flops_exact_deviation", r.flops_exact / r.flops_6nd - 1.0},
          {"predicted_loss", r.predicted_loss},
          {"hours", r.hours},
          {"shape", r.shape.shape},
          {"shape_params", r.shape.counts.total},
          {"shape_deviation", r.shape.deviation},
          {"shape_in_aspect_band", r.shape.in_aspect_band}};
}

}  // namespace

nlohmann::json plan_options_to_json(const PlanOptions& o) {
  return {{"budgets", o.budgets},
          {"rule", o.rule.name},
          {"tokens_per_param", o.rule.tokens_per_param},
          {"grid", o.grid},
          {"span", o.span},
          {"arch", arch_name(o.shape.arch)},
          {"vocab_size", o.shape.vocab_size},
          {"seq_len", o.shape.seq_len},
          {"min_aspect", o.shape.min_aspect},
          {"max_aspect", o.shape.max_aspect},
          {"min_layers", o.shape.min_layers},
          {"max_layers", o.shape.max_layers},
          {"head_dim", o.shape.head_dim},
          {"hardware", o.hardware.name},
          {"mfu", o.mfu},
          {"data", o.data}};
}

nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json budgets = nlohmann::json::array();
  for (const BudgetPlan& b : plan.budgets) {
    nlohmann::json grid = nlohmann::json::array();
    for (const PlannedRun& r : b.grid) grid.push_back(point_json(r));
    budgets.push_back(
        {{"compute_flops", b.compute_flops}, {"optimal", point_json(b.optimal)}, {"grid", grid}});
  }
  return {{"rule", plan.options.rule.name},
          {"hardware", plan.options.hardware.name},
          {"mfu", plan.options.mfu},
          {"budgets", budgets}};
}

}  // namespace scalelab::sweeps
