// Helpers for the GPU tests: device arrays filled from host vectors, bf16 rounding on the
// host (round to nearest even, as __float2bfloat16), random data and comparisons.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/device_buffer.hpp"
#include "trainer/cuda/kernels.hpp"
#include "trainer/rng.hpp"

namespace scalelab::trainer::cuda::test {

inline float round_bf16(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  u += 0x7FFFu + ((u >> 16) & 1u);
  u &= 0xFFFF0000u;
  std::memcpy(&x, &u, 4);
  return x;
}
inline std::vector<float> round_bf16(std::vector<float> v) {
  for (float& x : v) x = round_bf16(x);
  return v;
}

template <typename T>
DeviceBuffer<T> to_device(const std::vector<T>& host) {
  DeviceBuffer<T> d(static_cast<std::int64_t>(host.size()), "test array");
  SCALELAB_CUDA_CHECK(
      cudaMemcpy(d.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}
// bf16 device copy of host floats (rounded to nearest even).
inline DeviceBuffer<bf16> to_device_bf16(const std::vector<float>& host) {
  std::vector<std::uint16_t> bits(host.size());
  for (std::size_t i = 0; i < host.size(); ++i) {
    const float r = round_bf16(host[i]);
    std::uint32_t u;
    std::memcpy(&u, &r, 4);
    bits[i] = static_cast<std::uint16_t>(u >> 16);
  }
  DeviceBuffer<bf16> d(static_cast<std::int64_t>(host.size()), "test array (bf16)");
  SCALELAB_CUDA_CHECK(cudaMemcpy(d.get(), bits.data(), bits.size() * 2, cudaMemcpyHostToDevice));
  return d;
}
template <typename T>
std::vector<T> to_host(const DeviceBuffer<T>& d) {
  SCALELAB_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<T> host(static_cast<std::size_t>(d.size()));
  SCALELAB_CUDA_CHECK(
      cudaMemcpy(host.data(), d.get(), host.size() * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}
inline std::vector<float> to_host_float(const DeviceBuffer<bf16>& d) {
  SCALELAB_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<std::uint16_t> bits(static_cast<std::size_t>(d.size()));
  SCALELAB_CUDA_CHECK(cudaMemcpy(bits.data(), d.get(), bits.size() * 2, cudaMemcpyDeviceToHost));
  std::vector<float> out(bits.size());
  for (std::size_t i = 0; i < bits.size(); ++i) {
    const std::uint32_t u = static_cast<std::uint32_t>(bits[i]) << 16;
    std::memcpy(&out[i], &u, 4);
  }
  return out;
}

inline std::vector<float> random_vector(std::size_t n, std::uint64_t seed, double stddev = 1.0,
                                        double mean = 0.0) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(mean + stddev * rng.normal());
  return v;
}

inline double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

// Every element within atol + rtol·|expected|; reports the worst element.
inline void check_close(const std::vector<float>& actual, const std::vector<float>& expected,
                        double rtol, double atol, const std::string& what) {
  REQUIRE(actual.size() == expected.size());
  double worst = 0;
  std::size_t worst_i = 0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double excess = std::fabs(static_cast<double>(actual[i]) - expected[i]) -
                          (atol + rtol * std::fabs(static_cast<double>(expected[i])));
    if (!(excess <= worst)) {  // NaN counts as a failure
      worst = std::isnan(excess) ? INFINITY : excess;
      worst_i = i;
    }
  }
  INFO(what << ": worst element " << worst_i << " got " << actual[worst_i] << ", expected "
            << expected[worst_i] << " (rtol " << rtol << ", atol " << atol << ")");
  CHECK(worst <= 0.0);
}

}  // namespace scalelab::trainer::cuda::test
