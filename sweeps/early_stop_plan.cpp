#include "sweeps/early_stop_plan.hpp"

#include <algorithm>
#include <map>

namespace scalelab::sweeps {

std::set<std::int64_t> reference_run_ids(const std::vector<db::RunRecord>& runs, int per_budget) {
  std::map<double, std::vector<const db::RunRecord*>> by_budget;
  for (const db::RunRecord& r : runs) by_budget[r.budget_flops.value_or(0.0)].push_back(&r);
  std::set<std::int64_t> out;
  for (auto& [budget, list] : by_budget) {
    std::stable_sort(list.begin(), list.end(), [](const db::RunRecord* a, const db::RunRecord* b) {
      return a->params < b->params;
    });
    for (std::size_t i = 0; i < list.size() && static_cast<int>(i) < per_budget; ++i)
      out.insert(list[i]->id);
  }
  return out;
}

void launch_references_first(std::deque<std::int64_t>& pending,
                             const std::set<std::int64_t>& references) {
  std::stable_partition(pending.begin(), pending.end(),
                        [&](std::int64_t id) { return references.count(id) > 0; });
}

}  // namespace scalelab::sweeps
