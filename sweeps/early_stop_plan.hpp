// Early-stop mode (`sweep run --train-fraction f`), the plan: which runs train to the end to
// serve as references for the learning-curve extrapolation of the others
// (sweeps/early_stop.hpp), and that they launch first.
//
// Per compute budget, the `per_budget` runs with the fewest parameters (`--reference-runs K`,
// default 1): the cheapest runs of a budget to finish, each a smaller model than the budget's
// other runs; their schedules are the budget's longest in steps when the batch is set per
// budget. Runs without a budget (imported) count as one budget.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <vector>

#include "db/sweep_store.hpp"

namespace scalelab::sweeps {

inline constexpr int kDefaultReferenceRuns = 1;

// The ids of the reference runs among `runs`.
std::set<std::int64_t> reference_run_ids(const std::vector<db::RunRecord>& runs, int per_budget);

// `pending` reordered so that the references come first (otherwise in the given order).
void launch_references_first(std::deque<std::int64_t>& pending,
                             const std::set<std::int64_t>& references);

}  // namespace scalelab::sweeps
