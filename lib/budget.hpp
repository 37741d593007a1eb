// Compute budgets and counts (parameters, tokens) as users write them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scalelab {

struct BudgetOptions {
  // Model-FLOP utilisation used to turn accelerator time into FLOPs ("1000 H100-hours").
  double mfu = 0.4;
  // Named in error messages.
  std::string what = "--budget";
};

// Parses one budget into training FLOPs. Accepted forms (case-insensitive units):
//   "1e21", "1e21 FLOPs" (or FLOP), "3.5 PF-days" (1 PF-day = 8.64e19 FLOPs),
//   "1000 H100-hours" (accelerator name from hardware.hpp; FLOPs = hours·3600·peak·mfu).
// Zero, negative, NaN, infinite and malformed budgets throw InputError.
double parse_budget(std::string_view text, const BudgetOptions& options = {});

// Each item is a budget or a log-spaced range "LO:HI:COUNT" (COUNT >= 2, LO < HI, both
// ends included). Returns every budget in the order given.
std::vector<double> parse_budget_list(const std::vector<std::string>& items,
                                      const BudgetOptions& options = {});

// Parses a positive count such as a parameter or token count: a number ("5e7", "3300000000")
// or one with an SI suffix, case-insensitive: k = 1e3, M = 1e6, B or G = 1e9, T = 1e12
// ("50M", "3.3B", "1.5T", "160m"). Zero, negative, NaN, infinite, malformed values and other
// suffixes throw InputError "what: 'text' ... (accepted: ...)".
double parse_count(std::string_view text, std::string_view what);

}  // namespace scalelab
