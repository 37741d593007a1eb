// The CPU reference layers: one forward and one backward function per layer, templated on
// the scalar (float for training, double for the gradient check). Activations are row-major
// (N = B·T rows). Every backward function ACCUMULATES (+=) into its gradient outputs; the
// caller zeroes them. Work is split across OpenMP threads so that each output element is
// written by exactly one thread in a fixed order: results depend only on the thread count and
// the SIMD build, never on timing (the bitwise-resume test relies on it).
//
// Speed: sums, exp and tanh go through Eigen's array expressions, which vectorise them (a
// plain loop's sum is not vectorised without -ffast-math, and std::exp is a scalar call);
// Eigen's reductions add in a fixed tree order for a given packet width, so the results stay
// deterministic per SIMD build. Each build lives in its own namespace (kernel_namespace.hpp).
#pragma once

#include <omp.h>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "trainer/cpu/kernel_namespace.hpp"

namespace scalelab::trainer::cpu {
inline namespace SCALELAB_CPU_KERNEL_NS {

// Loops with less work than this (scalar operations) run on one thread: for tiny models the
// cost of waking threads and the barrier exceeds the work. Results are identical either way.
inline constexpr std::int64_t kMinParallelWork = 1 << 15;
// Elementwise loops over flat buffers run in chunks of this many elements (the unit of work
// of a thread; a multiple of every SIMD width).
inline constexpr std::int64_t kElementChunk = 1 << 12;

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
// A (rows, cols) block of a row-major buffer whose rows are `stride` elements apart.
template <typename T>
using StridedMap = Eigen::Map<RowMatrix<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using ConstStridedMap = Eigen::Map<const RowMatrix<T>, 0, Eigen::OuterStride<>>;
// n contiguous elements as an Eigen array (vectorised elementwise maths and reductions).
template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// ---- embedding: out[b,t] = wte[token] (+ wpe[t] for gpt2) ---------------------------------
template <typename T>
void embedding_forward(T* out, const std::int32_t* tokens, const T* wte, const T* wpe, int B,
                       int Tn, int d) {
#pragma omp parallel for schedule(static) if (static_cast <std::int64_t>(B) * Tn * d >= \
                                              kMinParallelWork)
  for (int n = 0; n < B * Tn; ++n) {
    const T* e = wte + static_cast<std::int64_t>(tokens[n]) * d;
    const T* p = wpe ? wpe + static_cast<std::int64_t>(n % Tn) * d : nullptr;
    T* o = out + static_cast<std::int64_t>(n) * d;
    for (int c = 0; c < d; ++c) o[c] = p ? e[c] + p[c] : e[c];
  }
}

// Scatter-add; threads own disjoint channel ranges so no two threads touch one element.
template <typename T>
void embedding_backward(T* dwte, T* dwpe, const T* dout, const std::int32_t* tokens, int B, int Tn,
                        int d) {
  constexpr int kChunk = 16;
  const int chunks = (d + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (static_cast <std::int64_t>(B) * Tn * d >= \
                                              kMinParallelWork)
  for (int k = 0; k < chunks; ++k) {
    const int c0 = k * kChunk, c1 = std::min(d, c0 + kChunk);
    for (int n = 0; n < B * Tn; ++n) {
      const T* g = dout + static_cast<std::int64_t>(n) * d;
      T* e = dwte + static_cast<std::int64_t>(tokens[n]) * d;
      for (int c = c0; c < c1; ++c) e[c] += g[c];
      if (dwpe) {
        T* p = dwpe + static_cast<std::int64_t>(n % Tn) * d;
        for (int c = c0; c < c1; ++c) p[c] += g[c];
      }
    }
  }
}

// Column sums of a (N, C) matrix added to acc[C]; threads own column ranges.
template <typename T>
void column_sums(T* acc, const T* x, std::int64_t N, int C) {
  constexpr int kChunk = 64;
  const int chunks = (C + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (N * C >= kMinParallelWork)
  for (int k = 0; k < chunks; ++k) {
    const int c0 = k * kChunk, c1 = std::min(C, c0 + kChunk);
    for (std::int64_t n = 0; n < N; ++n) {
      const T* row = x + n * C;
      for (int c = c0; c < c1; ++c) acc[c] += row[c];
    }
  }
}

// ---- LayerNorm (gpt2): out = (x - mean) · rstd · w + b, eps 1e-5 as in GPT-2 -------------
template <typename T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* inp, const T* w, const T* b,
                       std::int64_t N, int C) {
  const T eps = T(1e-5);
#pragma omp parallel for schedule(static) if (N * C >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n) {
    const ConstArrayMap<T> x(inp + n * C, C);
    const T m = x.sum() / T(C);
    const T v = (x - m).square().sum() / T(C);
    const T s = T(1) / std::sqrt(v + eps);
    ArrayMap<T>(out + n * C, C) = (x - m) * s * ConstArrayMap<T>(w, C) + ConstArrayMap<T>(b, C);
    mean[n] = m;
    rstd[n] = s;
  }
}

template <typename T>
void layernorm_backward(T* dinp, T* dw, T* db, const T* dout, const T* inp, const T* mean,
                        const T* rstd, const T* w, std::int64_t N, int C) {
#pragma omp parallel for schedule(static) if (N * C >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n) {
    const ConstArrayMap<T> x(inp + n * C, C), g(dout + n * C, C), wa(w, C);
    const T m = mean[n], s = rstd[n];
    const T mean_dn = (g * wa).sum() / T(C);
    const T mean_dn_xhat = (g * wa * ((x - m) * s)).sum() / T(C);
    ArrayMap<T>(dinp + n * C, C) += s * (g * wa - mean_dn - (x - m) * s * mean_dn_xhat);
  }
  constexpr int kChunk = 64;
  const int chunks = (C + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (N * C >= kMinParallelWork)
  for (int k = 0; k < chunks; ++k) {
    const int c0 = k * kChunk, c1 = std::min(C, c0 + kChunk);
    for (std::int64_t n = 0; n < N; ++n) {
      const T* x = inp + n * C;
      const T* g = dout + n * C;
      for (int c = c0; c < c1; ++c) {
        dw[c] += g[c] * (x[c] - mean[n]) * rstd[n];
        db[c] += g[c];
      }
    }
  }
}

// ---- RMSNorm (llama): out = x · rstd · w, rstd = 1/sqrt(mean(x²) + eps), eps 1e-5 --------
template <typename T>
void rmsnorm_forward(T* out, T* rstd, const T* inp, const T* w, std::int64_t N, int C) {
  const T eps = T(1e-5);
#pragma omp parallel for schedule(static) if (N * C >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n) {
    const ConstArrayMap<T> x(inp + n * C, C);
    const T s = T(1) / std::sqrt(x.square().sum() / T(C) + eps);
    ArrayMap<T>(out + n * C, C) = x * s * ConstArrayMap<T>(w, C);
    rstd[n] = s;
  }
}

// d/dx_j of y_i = w_i x_i r with dr/dx_j = -r³ x_j / C gives
// dx_j = r (g_j w_j - x_j r² mean_i(g_i w_i x_i)).
template <typename T>
void rmsnorm_backward(T* dinp, T* dw, const T* dout, const T* inp, const T* rstd, const T* w,
                      std::int64_t N, int C) {
#pragma omp parallel for schedule(static) if (N * C >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n) {
    const ConstArrayMap<T> x(inp + n * C, C), g(dout + n * C, C), wa(w, C);
    const T s = rstd[n];
    const T k = s * s * (g * wa * x).sum() / T(C);
    ArrayMap<T>(dinp + n * C, C) += s * (g * wa - x * k);
  }
  constexpr int kChunk = 64;
  const int chunks = (C + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (N * C >= kMinParallelWork)
  for (int k = 0; k < chunks; ++k) {
    const int c0 = k * kChunk, c1 = std::min(C, c0 + kChunk);
    for (std::int64_t n = 0; n < N; ++n) {
      const T* x = inp + n * C;
      const T* g = dout + n * C;
      for (int c = c0; c < c1; ++c) dw[c] += g[c] * x[c] * rstd[n];
    }
  }
}

// ---- linear: out (N, OC) = inp (N, C) · wᵀ + b, w (OC, C) row-major ----------------------
// Eigen's GEMM splits the output into blocks across the OpenMP threads.
template <typename T>
void matmul_forward(T* out, const T* inp, const T* w, const T* bias, std::int64_t N, int C,
                    int OC) {
  MatrixMap<T> o(out, N, OC);
  o.noalias() = ConstMatrixMap<T>(inp, N, C) * ConstMatrixMap<T>(w, OC, C).transpose();
  if (bias) {
#pragma omp parallel for schedule(static) if (N * OC >= kMinParallelWork)
    for (std::int64_t n = 0; n < N; ++n)
      for (int c = 0; c < OC; ++c) out[n * OC + c] += bias[c];
  }
}

// dinp += dout · w; dw += doutᵀ · inp; dbias += column sums of dout.
template <typename T>
void matmul_backward(T* dinp, T* dw, T* dbias, const T* dout, const T* inp, const T* w,
                     std::int64_t N, int C, int OC) {
  const ConstMatrixMap<T> g(dout, N, OC);
  MatrixMap<T>(dinp, N, C).noalias() += g * ConstMatrixMap<T>(w, OC, C);
  MatrixMap<T>(dw, OC, C).noalias() += g.transpose() * ConstMatrixMap<T>(inp, N, C);
  if (dbias) column_sums(dbias, dout, N, OC);
}

// ---- rotary position embedding (llama), rotate-half convention ---------------------------
// For pair (i, i + hd/2) of each head at position t, angle θ = t · base^(-2i/hd), base 1e4:
// (x1, x2) -> (x1 cos θ - x2 sin θ, x2 cos θ + x1 sin θ). Applied in place to q and k of a
// (N, 3a) q|k|v buffer. cos_sin holds (T, hd/2) pairs of cos θ, sin θ.
template <typename T>
void rope_forward(T* qkv, const T* cos_sin, int B, int Tn, int n_head, int hd) {
  const int a = n_head * hd, half = hd / 2;
#pragma omp parallel for schedule(static) if (static_cast <std::int64_t>(B) * Tn * n_head * hd >= \
                                              kMinParallelWork)
  for (int n = 0; n < B * Tn; ++n) {
    const T* cs = cos_sin + static_cast<std::int64_t>(n % Tn) * hd;
    for (int part = 0; part < 2; ++part)
      for (int h = 0; h < n_head; ++h) {
        T* v = qkv + static_cast<std::int64_t>(n) * 3 * a + part * a + h * hd;
        for (int i = 0; i < half; ++i) {
          const T c = cs[2 * i], s = cs[2 * i + 1], x1 = v[i], x2 = v[i + half];
          v[i] = x1 * c - x2 * s;
          v[i + half] = x2 * c + x1 * s;
        }
      }
  }
}

// The rotation is orthogonal: the gradient rotates back by -θ, in place on dq and dk.
template <typename T>
void rope_backward(T* dqkv, const T* cos_sin, int B, int Tn, int n_head, int hd) {
  const int a = n_head * hd, half = hd / 2;
#pragma omp parallel for schedule(static) if (static_cast <std::int64_t>(B) * Tn * n_head * hd >= \
                                              kMinParallelWork)
  for (int n = 0; n < B * Tn; ++n) {
    const T* cs = cos_sin + static_cast<std::int64_t>(n % Tn) * hd;
    for (int part = 0; part < 2; ++part)
      for (int h = 0; h < n_head; ++h) {
        T* g = dqkv + static_cast<std::int64_t>(n) * 3 * a + part * a + h * hd;
        for (int i = 0; i < half; ++i) {
          const T c = cs[2 * i], s = cs[2 * i + 1], g1 = g[i], g2 = g[i + half];
          g[i] = g1 * c + g2 * s;
          g[i + half] = g2 * c - g1 * s;
        }
      }
  }
}

// ---- causal self-attention ---------------------------------------------------------------
inline constexpr int kAttentionBlock = 64;  // rows per block of the causal products
// qkv (N, 3a) holds q|k|v; head h of each uses columns [h·hd, (h+1)·hd) of its part.
// probs (B, n_head, T, T) keeps softmax(q·kᵀ/sqrt(hd)) with the causal mask (zeros above the
// diagonal) for the backward pass; out (N, a).
template <typename T>
void attention_forward(T* out, T* probs, const T* qkv, int B, int Tn, int n_head, int hd) {
  const int a = n_head * hd;
  const T scale = T(1) / std::sqrt(static_cast<T>(hd));
#pragma omp parallel for schedule( \
    static) if (static_cast <std::int64_t>(B) * n_head * Tn * Tn * hd >= kMinParallelWork)
  for (int bh = 0; bh < B * n_head; ++bh) {
    const int b = bh / n_head, h = bh % n_head;
    const T* base = qkv + static_cast<std::int64_t>(b) * Tn * 3 * a + h * hd;
    const ConstStridedMap<T> q(base, Tn, hd, Eigen::OuterStride<>(3 * a));
    const ConstStridedMap<T> k(base + a, Tn, hd, Eigen::OuterStride<>(3 * a));
    const ConstStridedMap<T> v(base + 2 * a, Tn, hd, Eigen::OuterStride<>(3 * a));
    MatrixMap<T> p(probs + static_cast<std::int64_t>(bh) * Tn * Tn, Tn, Tn);
    // Causal: row block [r0, r1) only needs keys [0, r1); the products skip the upper
    // triangle block by block (about half the work for long sequences).
    for (int r0 = 0; r0 < Tn; r0 += kAttentionBlock) {
      const int rb = std::min(kAttentionBlock, Tn - r0), r1 = r0 + rb;
      p.block(r0, 0, rb, r1).noalias() = q.middleRows(r0, rb) * k.topRows(r1).transpose();
    }
    for (int t = 0; t < Tn; ++t) {
      T* row = p.data() + static_cast<std::int64_t>(t) * Tn;
      ArrayMap<T> r(row, t + 1);
      const T mx = r.maxCoeff() * scale;  // = max of row·scale: scaling by > 0 keeps order
      r = (r * scale - mx).exp();
      r *= T(1) / r.sum();
      std::fill(row + t + 1, row + Tn, T(0));
    }
    StridedMap<T> o(out + static_cast<std::int64_t>(b) * Tn * a + h * hd, Tn, hd,
                    Eigen::OuterStride<>(a));
    for (int r0 = 0; r0 < Tn; r0 += kAttentionBlock) {
      const int rb = std::min(kAttentionBlock, Tn - r0), r1 = r0 + rb;
      o.middleRows(r0, rb).noalias() = p.block(r0, 0, rb, r1) * v.topRows(r1);
    }
  }
}

// With P the probabilities and dO the output gradient: dP = dO·vᵀ, dv += Pᵀ·dO,
// dS = P ∘ (dP - rowsum(dP ∘ P)), dq += dS·k·scale, dk += dSᵀ·q·scale.
// scratch: T×T elements per OpenMP thread (omp_get_max_threads()), or null to allocate them.
template <typename T>
void attention_backward(T* dqkv, const T* dout, const T* qkv, const T* probs, int B, int Tn,
                        int n_head, int hd, T* scratch = nullptr) {
  const int a = n_head * hd;
  const T scale = T(1) / std::sqrt(static_cast<T>(hd));
#pragma omp parallel if (static_cast <std::int64_t>(B) * n_head * Tn * Tn * hd >= kMinParallelWork)
  {
    RowMatrix<T> own;  // only without scratch
    if (!scratch) own.resize(Tn, Tn);
    MatrixMap<T> ds(
        scratch ? scratch + static_cast<std::int64_t>(omp_get_thread_num()) * Tn * Tn : own.data(),
        Tn, Tn);  // per-thread dP, then dS
#pragma omp for schedule(static)
    for (int bh = 0; bh < B * n_head; ++bh) {
      const int b = bh / n_head, h = bh % n_head;
      const std::int64_t off = static_cast<std::int64_t>(b) * Tn * 3 * a + h * hd;
      const Eigen::OuterStride<> s3(3 * a);
      const ConstStridedMap<T> q(qkv + off, Tn, hd, s3), k(qkv + off + a, Tn, hd, s3),
          v(qkv + off + 2 * a, Tn, hd, s3);
      StridedMap<T> dq(dqkv + off, Tn, hd, s3), dk(dqkv + off + a, Tn, hd, s3),
          dv(dqkv + off + 2 * a, Tn, hd, s3);
      const ConstStridedMap<T> g(dout + static_cast<std::int64_t>(b) * Tn * a + h * hd, Tn, hd,
                                 Eigen::OuterStride<>(a));
      const ConstMatrixMap<T> p(probs + static_cast<std::int64_t>(bh) * Tn * Tn, Tn, Tn);
      for (int r0 = 0; r0 < Tn; r0 += kAttentionBlock) {
        const int rb = std::min(kAttentionBlock, Tn - r0), r1 = r0 + rb;
        ds.block(r0, 0, rb, r1).noalias() = g.middleRows(r0, rb) * v.topRows(r1).transpose();
        dv.topRows(r1).noalias() += p.block(r0, 0, rb, r1).transpose() * g.middleRows(r0, rb);
      }
      for (int t = 0; t < Tn; ++t) {
        T* row = ds.data() + static_cast<std::int64_t>(t) * Tn;
        ArrayMap<T> d(row, t + 1);
        const ConstArrayMap<T> pr(p.data() + static_cast<std::int64_t>(t) * Tn, t + 1);
        const T dot = (d * pr).sum();
        d = pr * (d - dot) * scale;
        std::fill(row + t + 1, row + Tn, T(0));
      }
      for (int r0 = 0; r0 < Tn; r0 += kAttentionBlock) {
        const int rb = std::min(kAttentionBlock, Tn - r0), r1 = r0 + rb;
        dq.middleRows(r0, rb).noalias() += ds.block(r0, 0, rb, r1) * k.topRows(r1);
        dk.topRows(r1).noalias() += ds.block(r0, 0, rb, r1).transpose() * q.middleRows(r0, rb);
      }
    }
  }
}

// ---- GELU, tanh approximation (GPT-2) ----------------------------------------------------
template <typename T>
void gelu_forward(T* out, const T* inp, std::int64_t n) {
  const T k = std::sqrt(T(2) / std::numbers::pi_v<T>);
  const std::int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t i = c * kElementChunk, len = std::min(kElementChunk, n - i);
    const ConstArrayMap<T> x(inp + i, len);
    ArrayMap<T>(out + i, len) = T(0.5) * x * (T(1) + (k * (x + T(0.044715) * x.cube())).tanh());
  }
}

template <typename T>
void gelu_backward(T* dinp, const T* inp, const T* dout, std::int64_t n) {
  const T k = std::sqrt(T(2) / std::numbers::pi_v<T>);
  const std::int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t i = c * kElementChunk, len = std::min(kElementChunk, n - i);
    const ConstArrayMap<T> x(inp + i, len);
    // On the stack (at most kElementChunk elements): no allocation in the step.
    const Eigen::Array<T, Eigen::Dynamic, 1, Eigen::ColMajor, kElementChunk, 1> th =
        (k * (x + T(0.044715) * x.cube())).tanh();
    const auto du = k * (T(1) + T(3) * T(0.044715) * x.square());
    ArrayMap<T>(dinp + i, len) += (T(0.5) * (T(1) + th) + T(0.5) * x * (T(1) - th.square()) * du) *
                                  ConstArrayMap<T>(dout + i, len);
  }
}

// ---- SwiGLU (llama): out = silu(h1) ∘ h3, h (N, 2f) holds h1|h3 --------------------------
template <typename T>
void swiglu_forward(T* out, const T* h, std::int64_t N, int f) {
#pragma omp parallel for schedule(static) if (N * f >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n) {
    const ConstArrayMap<T> h1(h + n * 2 * f, f), h3(h + n * 2 * f + f, f);
    ArrayMap<T>(out + n * f, f) = h1 / (T(1) + (-h1).exp()) * h3;
  }
}

// silu'(x) = σ(x)·(1 + x·(1 - σ(x))).
template <typename T>
void swiglu_backward(T* dh, const T* h, const T* dout, std::int64_t N, int f) {
  constexpr int kSegment = 256;  // σ(h1) of this many columns at a time, on the stack
#pragma omp parallel for schedule(static) if (N * f >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n)
    for (int i = 0; i < f; i += kSegment) {
      const int len = std::min(kSegment, f - i);
      const std::int64_t r = n * 2 * f + i;
      const ConstArrayMap<T> h1(h + r, len), h3(h + r + f, len), g(dout + n * f + i, len);
      const Eigen::Array<T, Eigen::Dynamic, 1, Eigen::ColMajor, kSegment, 1> s =
          T(1) / (T(1) + (-h1).exp());
      ArrayMap<T>(dh + r, len) += g * h3 * s * (T(1) + h1 * (T(1) - s));
      ArrayMap<T>(dh + r + f, len) += g * h1 * s;
    }
}

// ---- residual ----------------------------------------------------------------------------
template <typename T>
void residual_forward(T* out, const T* a, const T* b, std::int64_t n) {
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

// ---- softmax + cross-entropy over the vocabulary -----------------------------------------
// Turns logits (N, V) into probabilities in place and writes -log p[target] per row.
template <typename T>
void crossentropy_forward(T* losses, T* logits, const std::int32_t* targets, std::int64_t N,
                          int V) {
#pragma omp parallel for schedule(static) if (N * V >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n) {
    ArrayMap<T> row(logits + n * V, V);
    const T target_logit = row[targets[n]];
    const T mx = row.maxCoeff();
    row = (row - mx).exp();
    const T sum = row.sum();
    row *= T(1) / sum;
    losses[n] = std::log(sum) + mx - target_logit;  // log-sum-exp: finite even if p -> 0
  }
}

// Turns probabilities (N, V) into dlogits = (p - onehot(target)) · dloss in place.
template <typename T>
void crossentropy_backward(T* probs, const std::int32_t* targets, T dloss, std::int64_t N, int V) {
#pragma omp parallel for schedule(static) if (N * V >= kMinParallelWork)
  for (std::int64_t n = 0; n < N; ++n) {
    T* row = probs + n * V;
    row[targets[n]] -= T(1);
    for (int i = 0; i < V; ++i) row[i] *= dloss;
  }
}

}  // namespace SCALELAB_CPU_KERNEL_NS
}  // namespace scalelab::trainer::cpu
