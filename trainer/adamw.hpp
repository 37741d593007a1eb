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

namespace scalelab::trainer {

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
#pragma omp parallel for schedule(static) if (n >= (1 << 15))
  for (std::int64_t i = 0; i < n; ++i) {
    const T g = grads[i] * scale;
    m[i] = b1 * m[i] + (T(1) - b1) * g;
    v[i] = b2 * v[i] + (T(1) - b2) * g * g;
    const T mhat = m[i] * inv_bc1, vhat = v[i] * inv_bc2;
    T update = mhat / (std::sqrt(vhat) + eps);
    if (decay_mask[i]) update += wd * params[i];
    params[i] -= lr * update;
  }
}

}  // namespace scalelab::trainer
