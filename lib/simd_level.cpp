#include "lib/simd_level.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "lib/error.hpp"

namespace scalelab {

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::kGeneric:
      return "generic";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvx512:
      return "avx512";
  }
  return "generic";
}

SimdLevel cpu_simd_level() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool fma = __builtin_cpu_supports("fma");
  if (fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
    return SimdLevel::kAvx512;
  if (fma && __builtin_cpu_supports("avx2")) return SimdLevel::kAvx2;
#endif
  return SimdLevel::kGeneric;
}

namespace {

SimdLevel level_from_environment() {
  const SimdLevel cpu = cpu_simd_level();
  const char* value = std::getenv(kKernelEnvVar);
  if (value == nullptr || *value == '\0') return cpu;
  const std::string v = value;
  SimdLevel asked;
  if (v == "generic")
    asked = SimdLevel::kGeneric;
  else if (v == "avx2")
    asked = SimdLevel::kAvx2;
  else if (v == "avx512")
    asked = SimdLevel::kAvx512;
  else
    throw InputError(
        fmt::format("{}={}: unknown kernel (accepted: generic, avx2, avx512)", kKernelEnvVar, v));
  if (asked > cpu)
    throw InputError(
        fmt::format("{}={}: this CPU runs at most '{}'", kKernelEnvVar, v, simd_level_name(cpu)));
  return asked;
}

}  // namespace

SimdLevel selected_simd_level() {
  static const SimdLevel level = level_from_environment();
  return level;
}

}  // namespace scalelab
