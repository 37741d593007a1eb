#include "lib/budget.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "lib/error.hpp"
#include "lib/hardware.hpp"
#include "lib/units.hpp"

namespace scalelab {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

[[noreturn]] void reject(std::string_view text, const BudgetOptions& o, std::string_view why) {
  throw InputError(
      fmt::format("{}: '{}' {} (accepted: a positive number of FLOPs such as 1e21 or '1e21 FLOPs', "
                  "'3.5 PF-days', '1000 H100-hours')",
                  o.what, text, why));
}

}  // namespace

double parse_budget(std::string_view text, const BudgetOptions& o) {
  const std::string_view body = trim(text);
  if (body.empty()) reject(text, o, "is empty");
  // The number is the longest prefix strtod accepts; the rest is the unit.
  const std::string copy(body);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str()) reject(text, o, "does not start with a number");
  if (!std::isfinite(value)) reject(text, o, "is not finite");
  if (value <= 0) reject(text, o, "is not positive");
  const std::string unit = lower(trim(std::string_view(end)));

  if (unit.empty() || unit == "flop" || unit == "flops") return value;
  if (unit == "pf-day" || unit == "pf-days" || unit == "pfday" || unit == "pfdays" ||
      unit == "pf days" || unit == "pf day")
    return value * kFlopsPerPfDay;
  for (const std::string suffix : {"-hours", "-hour", " hours", " hour"}) {
    if (unit.size() > suffix.size() && unit.ends_with(suffix)) {
      const std::string gpu = unit.substr(0, unit.size() - suffix.size());
      const Accelerator& acc = find_accelerator(gpu, o.what);
      validate_mfu(o.mfu);
      return value * kSecondsPerHour * acc.peak_bf16_flops * o.mfu;
    }
  }
  reject(text, o, fmt::format("has an unknown unit '{}'", unit));
}

double parse_count(std::string_view text, std::string_view what) {
  auto reject = [&](std::string_view why) -> double {
    throw InputError(fmt::format(
        "{}: '{}' {} (accepted: a positive number, optionally with k, M, B or T, e.g. 50M, "
        "3.3B, 5e7)",
        what, text, why));
  };
  const std::string body(trim(text));
  if (body.empty()) return reject("is empty");
  char* end = nullptr;
  double value = std::strtod(body.c_str(), &end);
  if (end == body.c_str()) return reject("is not a number");
  const std::string number = body.substr(0, static_cast<std::size_t>(end - body.c_str()));
  const std::string suffix = lower(trim(std::string_view(end)));
  int exponent = 0;
  if (suffix == "k")
    exponent = 3;
  else if (suffix == "m")
    exponent = 6;
  else if (suffix == "b" || suffix == "g")
    exponent = 9;
  else if (suffix == "t")
    exponent = 12;
  else if (!suffix.empty())
    return reject(fmt::format("has an unknown suffix '{}'", suffix));
  if (exponent != 0) {
    // "3.3B" is read as "3.3e9", correctly rounded (3.3 * 1e9 need not be), unless the number
    // has an exponent of its own.
    if (number.find_first_of("eExXnN") == std::string::npos)
      value = std::strtod(fmt::format("{}e{}", number, exponent).c_str(), nullptr);
    else
      value *= std::pow(10.0, exponent);
  }
  if (!std::isfinite(value)) return reject("is not finite");
  if (value <= 0) return reject("is not positive");
  return value;
}

std::vector<double> parse_budget_list(const std::vector<std::string>& items,
                                      const BudgetOptions& o) {
  if (items.empty()) throw InputError(fmt::format("{}: no budget given", o.what));
  std::vector<double> budgets;
  for (const std::string& item : items) {
    const auto first = item.find(':');
    if (first == std::string::npos) {
      budgets.push_back(parse_budget(item, o));
      continue;
    }
    const auto second = item.find(':', first + 1);
    if (second == std::string::npos || item.find(':', second + 1) != std::string::npos)
      throw InputError(
          fmt::format("{}: range '{}' is not LO:HI:COUNT (e.g. 1e17:1e19:5)", o.what, item));
    const double lo = parse_budget(item.substr(0, first), o);
    const double hi = parse_budget(item.substr(first + 1, second - first - 1), o);
    const std::string count_text = item.substr(second + 1);
    char* end = nullptr;
    const long count = std::strtol(count_text.c_str(), &end, 10);
    if (count_text.empty() || *end != '\0' || count < 2 || count > 1000)
      throw InputError(fmt::format("{}: range '{}' has count '{}' (accepted: an integer 2..1000)",
                                   o.what, item, count_text));
    if (!(lo < hi)) throw InputError(fmt::format("{}: range '{}' needs LO < HI", o.what, item));
    const double step = std::log(hi / lo) / static_cast<double>(count - 1);
    for (long i = 0; i < count; ++i)
      budgets.push_back(i == count - 1 ? hi : lo * std::exp(step * static_cast<double>(i)));
  }
  return budgets;
}

}  // namespace scalelab
