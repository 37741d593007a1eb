// Saving a plan as a sweep whose runs are pending.
#pragma once

#include <cstdint>
#include <string>

#include "db/sqlite.hpp"
#include "sweeps/plan.hpp"

namespace scalelab::sweeps {

// Stores the plan's grid runs (not the optimal points) as sweep `name`, status pending, in
// one transaction. `source` is "plan" or "config"; `config_text` is what the user wrote (the
// YAML file) or empty for command-line plans. Returns the sweep id. Throws InputError when the
// name is invalid or taken; nothing is written then.
std::int64_t save_plan(db::Database& db, const std::string& name, const Plan& plan,
                       const std::string& source = "plan", const std::string& config_text = "");

// A run's stable name inside its sweep: "c1e+17-n2.34e+05" (budget, params).
std::string run_name(double budget_flops, double params);

}  // namespace scalelab::sweeps
