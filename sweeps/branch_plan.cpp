#include "sweeps/branch_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "lib/compute.hpp"
#include "lib/error.hpp"

namespace scalelab::sweeps {

BranchPlan plan_branches(const Plan& plan, double f) {
  if (!(f > 0 && f <= 1))
    throw InputError(fmt::format("--cooldown-fraction: {} (accepted: 0 < f <= 1)", f));
  BranchPlan out;
  out.cooldown_fraction = f;
  out.independent_flops.assign(plan.budgets.size(), 0.0);
  out.branched_flops.assign(plan.budgets.size(), 0.0);
  for (std::size_t b = 0; b < plan.budgets.size(); ++b)
    for (std::size_t i = 0; i < plan.budgets[b].grid.size(); ++i) {
      const PlannedRun& r = plan.budgets[b].grid[i];
      auto g = std::find_if(out.groups.begin(), out.groups.end(),
                            [&](const BranchGroup& x) { return x.shape == r.shape.shape; });
      if (g == out.groups.end()) {
        out.groups.push_back({r.shape.shape, r.params, {}, 0, 0});
        g = out.groups.end() - 1;
      }
      g->points.push_back({b, i, r.tokens, (1 - f) * r.tokens, 0});
    }
  std::sort(out.groups.begin(), out.groups.end(),
            [](const BranchGroup& a, const BranchGroup& b) { return a.params < b.params; });
  for (BranchGroup& g : out.groups) {
    std::sort(g.points.begin(), g.points.end(),
              [](const BranchPoint& a, const BranchPoint& b) { return a.tokens < b.tokens; });
    double previous = 0;
    for (BranchPoint& p : g.points) {
      p.flops = training_flops_6nd(g.params, f * p.tokens + (1 - f) * (p.tokens - previous));
      previous = p.tokens;
      const double independent = training_flops_6nd(g.params, p.tokens);
      g.independent_flops += independent;
      g.branched_flops += p.flops;
      out.independent_flops[p.budget] += independent;
      out.branched_flops[p.budget] += p.flops;
    }
    out.total_independent += g.independent_flops;
    out.total_branched += g.branched_flops;
  }
  return out;
}

nlohmann::json branch_plan_to_json(const Plan& plan, const BranchPlan& bp) {
  nlohmann::json budgets = nlohmann::json::array();
  for (std::size_t b = 0; b < plan.budgets.size(); ++b)
    budgets.push_back({{"compute_flops", plan.budgets[b].compute_flops},
                       {"independent_flops", bp.independent_flops[b]},
                       {"branched_flops", bp.branched_flops[b]}});
  nlohmann::json groups = nlohmann::json::array();
  for (const BranchGroup& g : bp.groups) {
    nlohmann::json points = nlohmann::json::array();
    for (const BranchPoint& p : g.points)
      points.push_back({{"budget_flops", plan.budgets[p.budget].compute_flops},
                        {"tokens", p.tokens},
                        {"branch_at", p.branch_at},
                        {"flops", p.flops}});
    groups.push_back({{"params", g.params},
                      {"shape", g.shape},
                      {"stable_tokens", g.points.back().branch_at},
                      {"points", points}});
  }
  return {{"cooldown_fraction", bp.cooldown_fraction},
          {"saving", bp.saving()},
          {"independent_flops", bp.total_independent},
          {"branched_flops", bp.total_branched},
          {"budgets", budgets},
          {"groups", groups}};
}

}  // namespace scalelab::sweeps
