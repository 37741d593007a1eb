// The reference AdamW update and gradient norm on host memory (the formula is documented at
// AdamWStep in backend.hpp). The CPU backend uses these directly; device backends are tested
// against them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "trainer/backend.hpp"
#include "trainer/cpu/kernel_namespace.hpp"

namespace scalelab::trainer {
// Each SIMD build of the CPU kernels instantiates these under its own name.
inline namespace SCALELAB_CPU_KERNEL_NS {

// Sum of squares in double over fixed-size chunks added in order: the result does not depend
// on the thread count.
template <typename T>
double l2_norm(std::span<const T> x) {
  constexpr std::int64_t kChunk = 1 << 14;
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
  for (std::int64_t k = 0; k < chunks; ++k) {
    double s = 0;
    const std::int64_t end = std::min(n, (k + 1) * kChunk);
    for (std::int64_t i = k * kChunk; i < end; ++i) s += static_cast<double>(x[i]) * x[i];
    partial[k] = s;
  }
  double total = 0;
  for (double p : partial) total += p;
  return std::sqrt(total);
}

// Written so that the compiler vectorises it (no branch per element: the decay mask is read
// as runs of equal flags; sqrt and division vectorise where errno is off, as in the kernel
// builds of trainer/cpu/cpu_kernels.hpp). Elementwise, so the result does not depend on the
// thread count or on the vector width, only on FMA contraction.
template <typename T>
void adamw_update(std::span<T> params, std::span<const T> grads, std::span<T> m, std::span<T> v,
                  std::span<const std::uint8_t> decay_mask, const AdamWStep& s) {
  const AdamWOptions& o = s.options;
  const double bc1 = 1.0 - std::pow(o.beta1, static_cast<double>(s.step));
  const double bc2 = 1.0 - std::pow(o.beta2, static_cast<double>(s.step));
  const T b1 = static_cast<T>(o.beta1), b2 = static_cast<T>(o.beta2);
  const T lr = static_cast<T>(s.lr), eps = static_cast<T>(o.eps);
  const T wd = static_cast<T>(o.weight_decay), scale = static_cast<T>(s.grad_scale);
  const T inv_bc1 = static_cast<T>(1.0 / bc1), inv_bc2 = static_cast<T>(1.0 / bc2);
  const std::int64_t n = static_cast<std::int64_t>(params.size());
  T* const p = params.data();
  const T* const gr = grads.data();
  T* const mm = m.data();
  T* const vv = v.data();
  const std::uint8_t* const mask = decay_mask.data();
  constexpr std::int64_t kChunk = 1 << 12;
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= (1 << 15))
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t end = std::min(n, (c + 1) * kChunk);
    for (std::int64_t i = c * kChunk; i < end;) {
      std::int64_t j = i + 1;
      while (j < end && mask[j] == mask[i]) ++j;
      const bool decay = mask[i] != 0;
      for (std::int64_t k = i; k < j; ++k) {
        const T g = gr[k] * scale;
        mm[k] = b1 * mm[k] + (T(1) - b1) * g;
        vv[k] = b2 * vv[k] + (T(1) - b2) * g * g;
        const T mhat = mm[k] * inv_bc1, vhat = vv[k] * inv_bc2;
        T update = mhat / (std::sqrt(vhat) + eps);
        if (decay) update += wd * p[k];  // loop-invariant: the compiler unswitches it
        p[k] -= lr * update;
      }
      i = j;
    }
  }
}

}  // namespace SCALELAB_CPU_KERNEL_NS
}  // namespace scalelab::trainer
