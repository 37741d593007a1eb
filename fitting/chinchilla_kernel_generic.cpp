#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "fitting/chinchilla_kernel.hpp"
#include "lib/error.hpp"

namespace scalelab::fitting {

#define SCALELAB_KERNEL_NAME chinchilla_kernel_generic
#include "fitting/chinchilla_kernel.inc"
#undef SCALELAB_KERNEL_NAME

namespace {

using NamedKernel = std::pair<const char*, ChinchillaKernel>;

// The build of `level` in this binary; none when its compiler lacked the flags.
std::optional<NamedKernel> built_kernel(SimdLevel level) {
  switch (level) {
    case SimdLevel::kGeneric:
      return NamedKernel{"generic", chinchilla_kernel_generic};
    case SimdLevel::kAvx2:
#ifdef SCALELAB_AVX2_KERNEL
      return NamedKernel{"avx2", chinchilla_kernel_avx2};
#else
      return std::nullopt;
#endif
    case SimdLevel::kAvx512:
#ifdef SCALELAB_AVX512_KERNEL
      return NamedKernel{"avx512", chinchilla_kernel_avx512};
#else
      return std::nullopt;
#endif
  }
  return std::nullopt;
}

constexpr SimdLevel kLevels[] = {SimdLevel::kGeneric, SimdLevel::kAvx2, SimdLevel::kAvx512};

}  // namespace

std::vector<std::pair<const char*, ChinchillaKernel>> chinchilla_kernels() {
  // What the CPU runs comes from lib/simd_level (the one CPU probe).
  std::vector<NamedKernel> out;
  for (SimdLevel level : kLevels)
    if (level <= cpu_simd_level())
      if (auto k = built_kernel(level)) out.push_back(*k);
  return out;
}

std::pair<const char*, ChinchillaKernel> chinchilla_kernel_for(SimdLevel level) {
  if (auto k = built_kernel(level)) return *k;
  std::string names;
  for (SimdLevel l : kLevels)
    if (auto k = built_kernel(l)) names += (names.empty() ? "" : ", ") + std::string(k->first);
  throw InputError(
      fmt::format("{}={}: this build of scalelab has no {} fit kernel (configured without "
                  "SCALELAB_SIMD_BUILDS, or its compiler lacked the flags; built here: {})",
                  kKernelEnvVar, simd_level_name(level), simd_level_name(level), names));
}

namespace {

// selected_simd_level() (SCALELAB_KERNEL, else the CPU's level). A forced level this binary
// has no build of is refused; the CPU's own level falls back to the highest build below it.
NamedKernel selected_kernel() {
  static const NamedKernel kernel = [] {
    const SimdLevel level = selected_simd_level();  // throws for a bad SCALELAB_KERNEL
    const char* forced = std::getenv(kKernelEnvVar);
    if (forced != nullptr && *forced != '\0') return chinchilla_kernel_for(level);
    return chinchilla_kernels().back();
  }();
  return kernel;
}

}  // namespace

ChinchillaKernel best_chinchilla_kernel() { return selected_kernel().second; }

const char* selected_chinchilla_kernel_name() { return selected_kernel().first; }

}  // namespace scalelab::fitting
