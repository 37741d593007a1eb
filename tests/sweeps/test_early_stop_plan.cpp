// Early-stop mode's plan (sweeps/early_stop_plan.hpp): the smallest runs of each budget are the
// references, and they launch first.
#include <doctest/doctest.h>

#include "sweeps/early_stop_plan.hpp"

using namespace scalelab;

namespace {
db::RunRecord run(std::int64_t id, double params, std::optional<double> budget) {
  db::RunRecord r;
  r.id = id;
  r.params = params;
  r.budget_flops = budget;
  return r;
}
}  // namespace

TEST_CASE("reference_run_ids: the K smallest runs of each budget") {
  const std::vector<db::RunRecord> runs = {run(1, 3e5, 1e12), run(2, 1e5, 1e12),
                                           run(3, 2e5, 1e12), run(4, 4e5, 1e13),
                                           run(5, 2e5, 1e13), run(6, 9e4, std::nullopt)};
  CHECK(sweeps::reference_run_ids(runs, 1) == std::set<std::int64_t>{2, 5, 6});
  CHECK(sweeps::reference_run_ids(runs, 2) == std::set<std::int64_t>{2, 3, 4, 5, 6});
  CHECK(sweeps::reference_run_ids(runs, 0).empty());
}

TEST_CASE("launch_references_first: references first, the rest in their order") {
  std::deque<std::int64_t> pending = {1, 2, 3, 4, 5};
  sweeps::launch_references_first(pending, {4, 2});
  CHECK(pending == std::deque<std::int64_t>{2, 4, 1, 3, 5});
}
