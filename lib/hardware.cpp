#include "lib/hardware.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "lib/error.hpp"
#include "lib/units.hpp"

namespace scalelab {

const std::vector<Accelerator>& accelerators() {
  static const std::vector<Accelerator> table = {
      {"H100", 989e12},
      {"H200", 989e12},
      {"A100", 312e12},
      {"B200", 2250e12},
  };
  return table;
}

const Accelerator& find_accelerator(std::string_view name, std::string_view what) {
  auto upper = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
  };
  const std::string key = upper(name);
  std::string accepted;
  for (const auto& acc : accelerators()) {
    if (acc.name == key) return acc;
    accepted += (accepted.empty() ? "" : ", ") + acc.name;
  }
  throw InputError(
      fmt::format("{}: unknown accelerator '{}' (accepted: {})", what, name, accepted));
}

void validate_mfu(double mfu, std::string_view what) {
  if (!(std::isfinite(mfu) && mfu > 0 && mfu <= 1))
    throw InputError(
        fmt::format("{}: {} is not a utilisation (accepted: 0 < mfu <= 1, e.g. 0.4)", what, mfu));
}

double accelerator_hours(double flops, const Accelerator& acc, double mfu) {
  return flops / (acc.peak_bf16_flops * mfu) / kSecondsPerHour;
}

}  // namespace scalelab
