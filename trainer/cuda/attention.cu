// Causal multi-head attention, flash-style: the T×T score matrix is never stored. The
// forward pass keeps a running max and sum per query row (online softmax) over tiles of 32
// keys and saves each row's log-sum-exp; the backward pass recomputes the probabilities
// from it. CPU reference: cpu::attention_forward / cpu::attention_backward (scale
// 1/sqrt(hd), mask j <= i).
//
// Work split: a block handles kRows query (or key) rows of one (batch, head); each warp owns
// kRowsPerWarp of them; the 32 lanes of a warp take the 32 keys (queries) of the current
// tile for the dot products, then each lane owns the output channels lane, lane + 32, ...
// (hd <= 128, so at most 4 per lane) for the weighted sums. fp32 on CUDA cores: correct and
// fused, not yet tensor-core fast (see the notes in cuda_backend.cpp). Backward is two
// kernels, dq over query rows and dk|dv over key rows, so every output has one writer and
// no atomics are needed: deterministic.
#include <cmath>

#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/kernel_utils.cuh"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

namespace {

constexpr int kTile = kWarp;  // keys (queries) per tile: one per lane
constexpr int kWarps = 4;
constexpr int kRowsPerWarp = 4;
constexpr int kRows = kWarps * kRowsPerWarp;  // rows per block
constexpr int kPerLane = kMaxHeadDim / kWarp;
constexpr unsigned kFull = 0xffffffffu;

struct Geometry {
  int T, H, hd, a;
  std::int64_t stride;  // 3a: row stride of qkv
};

__device__ __forceinline__ int local_row(int i, int warp) { return i * kWarps + warp; }

__global__ void __launch_bounds__(kWarps* kWarp)
    attention_forward_kernel(bf16* out, float* lse, const float* qkv, Geometry g, float scale) {
  extern __shared__ float smem[];
  const int hd = g.hd, hdp = hd + 1, a = g.a;
  float* q_s = smem;               // kRows × hd, pre-scaled
  float* k_s = q_s + kRows * hd;   // kTile × hdp (padded: lanes read different rows)
  float* v_s = k_s + kTile * hdp;  // kTile × hd
  const int bh = blockIdx.y, b = bh / g.H, h = bh % g.H;
  const float* base = qkv + static_cast<std::int64_t>(b) * g.T * g.stride + h * hd;
  const int row0 = blockIdx.x * kRows;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;

  for (int i = threadIdx.x; i < kRows * hd; i += blockDim.x) {
    const int t = row0 + i / hd;
    q_s[i] = t < g.T ? base[t * g.stride + i % hd] * scale : 0.0f;
  }
  float m[kRowsPerWarp], l[kRowsPerWarp], acc[kRowsPerWarp][kPerLane];
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    m[i] = -INFINITY;
    l[i] = 0;
#pragma unroll
    for (int c = 0; c < kPerLane; ++c) acc[i][c] = 0;
  }
  const int last_row = min(g.T - 1, row0 + kRows - 1);
  for (int key0 = 0; key0 <= last_row; key0 += kTile) {
    __syncthreads();
    for (int i = threadIdx.x; i < kTile * hd; i += blockDim.x) {
      const int r = i / hd, c = i % hd, t = key0 + r;
      const bool ok = t < g.T;
      k_s[r * hdp + c] = ok ? base[t * g.stride + a + c] : 0.0f;
      v_s[r * hd + c] = ok ? base[t * g.stride + 2 * a + c] : 0.0f;
    }
    __syncthreads();
    float s[kRowsPerWarp] = {};
    const float* krow = k_s + lane * hdp;
    for (int c = 0; c < hd; ++c) {
      const float kv = krow[c];
#pragma unroll
      for (int i = 0; i < kRowsPerWarp; ++i) s[i] += q_s[local_row(i, warp) * hd + c] * kv;
    }
    const int key = key0 + lane;
#pragma unroll
    for (int i = 0; i < kRowsPerWarp; ++i) {
      const int t = row0 + local_row(i, warp);  // the same for the whole warp
      if (t >= g.T || key0 > t) continue;
      const float si = key <= t ? s[i] : -INFINITY;
      const float m_new = fmaxf(m[i], warp_max(si));  // finite: key0 <= t
      const float p = key <= t ? expf(si - m_new) : 0.0f;
      const float corr = expf(m[i] - m_new);  // 0 on the first tile (m = -inf)
      l[i] = l[i] * corr + warp_sum(p);
#pragma unroll
      for (int c = 0; c < kPerLane; ++c) acc[i][c] *= corr;
      const int n_keys = min(kTile, t - key0 + 1);
      for (int j = 0; j < n_keys; ++j) {
        const float pj = __shfl_sync(kFull, p, j);
#pragma unroll
        for (int c = 0; c < kPerLane; ++c)
          if (lane + kWarp * c < hd) acc[i][c] += pj * v_s[j * hd + lane + kWarp * c];
      }
      m[i] = m_new;
    }
  }
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int t = row0 + local_row(i, warp);
    if (t >= g.T) continue;
    const float inv = 1.0f / l[i];
    bf16* o = out + (static_cast<std::int64_t>(b) * g.T + t) * a + h * hd;
#pragma unroll
    for (int c = 0; c < kPerLane; ++c)
      if (lane + kWarp * c < hd) o[lane + kWarp * c] = __float2bfloat16(acc[i][c] * inv);
    if (lane == 0) lse[static_cast<std::int64_t>(bh) * g.T + t] = m[i] + logf(l[i]);
  }
}

// delta[bh, t] = Σ_c dout[t, c] · out[t, c] over the head's channels = rowsum(dP ∘ P).
__global__ void attention_delta_kernel(float* delta, const float* dout, const bf16* out, int B,
                                       Geometry g) {
  const std::int64_t w = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) /
                         kWarp;  // one warp per (row, head)
  const int lane = threadIdx.x % kWarp;
  if (w >= static_cast<std::int64_t>(B) * g.T * g.H) return;
  const std::int64_t n = w / g.H;
  const int h = static_cast<int>(w % g.H);
  const std::int64_t off = n * g.a + h * g.hd;
  float s = 0;
  for (int c = lane; c < g.hd; c += kWarp) s += dout[off + c] * __bfloat162float(out[off + c]);
  s = warp_sum(s);
  const std::int64_t b = n / g.T, t = n % g.T;
  if (lane == 0) delta[(b * g.H + h) * g.T + t] = s;
}

// dq for kRows query rows: dS = P ∘ (dP - delta), dq = scale · Σ_j dS_j k_j.
__global__ void __launch_bounds__(kWarps* kWarp)
    attention_backward_dq_kernel(float* dqkv, const float* delta, const float* dout,
                                 const float* qkv, const float* lse, Geometry g, float scale) {
  extern __shared__ float smem[];
  const int hd = g.hd, hdp = hd + 1, a = g.a;
  float* q_s = smem;               // kRows × hd, pre-scaled
  float* do_s = q_s + kRows * hd;  // kRows × hd
  float* k_s = do_s + kRows * hd;  // kTile × hdp
  float* v_s = k_s + kTile * hdp;  // kTile × hdp
  const int bh = blockIdx.y, b = bh / g.H, h = bh % g.H;
  const std::int64_t row_base = static_cast<std::int64_t>(b) * g.T;
  const float* base = qkv + row_base * g.stride + h * hd;
  const float* gbase = dout + row_base * a + h * hd;
  const int row0 = blockIdx.x * kRows;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;

  for (int i = threadIdx.x; i < kRows * hd; i += blockDim.x) {
    const int t = row0 + i / hd, c = i % hd;
    q_s[i] = t < g.T ? base[t * g.stride + c] * scale : 0.0f;
    do_s[i] = t < g.T ? gbase[static_cast<std::int64_t>(t) * a + c] : 0.0f;
  }
  float row_lse[kRowsPerWarp], row_delta[kRowsPerWarp], acc[kRowsPerWarp][kPerLane];
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int t = row0 + local_row(i, warp);
    row_lse[i] = t < g.T ? lse[static_cast<std::int64_t>(bh) * g.T + t] : 0.0f;
    row_delta[i] = t < g.T ? delta[static_cast<std::int64_t>(bh) * g.T + t] : 0.0f;
#pragma unroll
    for (int c = 0; c < kPerLane; ++c) acc[i][c] = 0;
  }
  const int last_row = min(g.T - 1, row0 + kRows - 1);
  for (int key0 = 0; key0 <= last_row; key0 += kTile) {
    __syncthreads();
    for (int i = threadIdx.x; i < kTile * hd; i += blockDim.x) {
      const int r = i / hd, c = i % hd, t = key0 + r;
      const bool ok = t < g.T;
      k_s[r * hdp + c] = ok ? base[t * g.stride + a + c] : 0.0f;
      v_s[r * hdp + c] = ok ? base[t * g.stride + 2 * a + c] : 0.0f;
    }
    __syncthreads();
    float s[kRowsPerWarp] = {}, dp[kRowsPerWarp] = {};
    for (int c = 0; c < hd; ++c) {
      const float kv = k_s[lane * hdp + c], vv = v_s[lane * hdp + c];
#pragma unroll
      for (int i = 0; i < kRowsPerWarp; ++i) {
        s[i] += q_s[local_row(i, warp) * hd + c] * kv;
        dp[i] += do_s[local_row(i, warp) * hd + c] * vv;
      }
    }
    const int key = key0 + lane;
#pragma unroll
    for (int i = 0; i < kRowsPerWarp; ++i) {
      const int t = row0 + local_row(i, warp);
      if (t >= g.T || key0 > t) continue;
      const float p = key <= t ? expf(s[i] - row_lse[i]) : 0.0f;
      const float ds = p * (dp[i] - row_delta[i]);
      const int n_keys = min(kTile, t - key0 + 1);
      for (int j = 0; j < n_keys; ++j) {
        const float dsj = __shfl_sync(kFull, ds, j);
#pragma unroll
        for (int c = 0; c < kPerLane; ++c)
          if (lane + kWarp * c < hd) acc[i][c] += dsj * k_s[j * hdp + lane + kWarp * c];
      }
    }
  }
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int t = row0 + local_row(i, warp);
    if (t >= g.T) continue;
    float* dq = dqkv + (row_base + t) * g.stride + h * hd;
#pragma unroll
    for (int c = 0; c < kPerLane; ++c)
      if (lane + kWarp * c < hd) dq[lane + kWarp * c] = acc[i][c] * scale;
  }
}

// dk and dv for kRows key rows j: dv = Σ_{i>=j} P_ij dO_i, dk = Σ_{i>=j} dS_ij · scale · q_i.
__global__ void __launch_bounds__(kWarps* kWarp)
    attention_backward_dkv_kernel(float* dqkv, const float* delta, const float* dout,
                                  const float* qkv, const float* lse, Geometry g, float scale) {
  extern __shared__ float smem[];
  const int hd = g.hd, hdp = hd + 1, a = g.a;
  float* k_s = smem;                  // kRows × hd (this block's keys)
  float* v_s = k_s + kRows * hd;      // kRows × hd
  float* q_s = v_s + kRows * hd;      // kTile × hdp, pre-scaled
  float* do_s = q_s + kTile * hdp;    // kTile × hdp
  float* lse_s = do_s + kTile * hdp;  // kTile
  float* delta_s = lse_s + kTile;     // kTile
  const int bh = blockIdx.y, b = bh / g.H, h = bh % g.H;
  const std::int64_t row_base = static_cast<std::int64_t>(b) * g.T;
  const float* base = qkv + row_base * g.stride + h * hd;
  const float* gbase = dout + row_base * a + h * hd;
  const int row0 = blockIdx.x * kRows;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;

  for (int i = threadIdx.x; i < kRows * hd; i += blockDim.x) {
    const int t = row0 + i / hd, c = i % hd;
    k_s[i] = t < g.T ? base[t * g.stride + a + c] : 0.0f;
    v_s[i] = t < g.T ? base[t * g.stride + 2 * a + c] : 0.0f;
  }
  float dk[kRowsPerWarp][kPerLane], dv[kRowsPerWarp][kPerLane];
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i)
#pragma unroll
    for (int c = 0; c < kPerLane; ++c) dk[i][c] = dv[i][c] = 0;

  for (int query0 = (row0 / kTile) * kTile; query0 < g.T; query0 += kTile) {
    __syncthreads();
    for (int i = threadIdx.x; i < kTile * hd; i += blockDim.x) {
      const int r = i / hd, c = i % hd, t = query0 + r;
      const bool ok = t < g.T;
      q_s[r * hdp + c] = ok ? base[t * g.stride + c] * scale : 0.0f;
      do_s[r * hdp + c] = ok ? gbase[static_cast<std::int64_t>(t) * a + c] : 0.0f;
    }
    if (threadIdx.x < kTile) {
      const int t = query0 + threadIdx.x;
      lse_s[threadIdx.x] = t < g.T ? lse[static_cast<std::int64_t>(bh) * g.T + t] : 0.0f;
      delta_s[threadIdx.x] = t < g.T ? delta[static_cast<std::int64_t>(bh) * g.T + t] : 0.0f;
    }
    __syncthreads();
    float s[kRowsPerWarp] = {}, dp[kRowsPerWarp] = {};
    for (int c = 0; c < hd; ++c) {
      const float qv = q_s[lane * hdp + c], gv = do_s[lane * hdp + c];
#pragma unroll
      for (int i = 0; i < kRowsPerWarp; ++i) {
        s[i] += qv * k_s[local_row(i, warp) * hd + c];
        dp[i] += gv * v_s[local_row(i, warp) * hd + c];
      }
    }
    const int query = query0 + lane;
    const int last_query = min(kTile, g.T - query0);  // queries in this tile
#pragma unroll
    for (int i = 0; i < kRowsPerWarp; ++i) {
      const int j = row0 + local_row(i, warp);
      if (j >= g.T || query0 + kTile <= j) continue;
      const bool valid = query >= j && query < g.T;
      const float p = valid ? expf(s[i] - lse_s[lane]) : 0.0f;
      const float ds = p * (dp[i] - delta_s[lane]);
      for (int q = max(0, j - query0); q < last_query; ++q) {
        const float pq = __shfl_sync(kFull, p, q), dsq = __shfl_sync(kFull, ds, q);
#pragma unroll
        for (int c = 0; c < kPerLane; ++c)
          if (lane + kWarp * c < hd) {
            dv[i][c] += pq * do_s[q * hdp + lane + kWarp * c];
            dk[i][c] += dsq * q_s[q * hdp + lane + kWarp * c];
          }
      }
    }
  }
#pragma unroll
  for (int i = 0; i < kRowsPerWarp; ++i) {
    const int j = row0 + local_row(i, warp);
    if (j >= g.T) continue;
    float* row = dqkv + (row_base + j) * g.stride + h * hd;
#pragma unroll
    for (int c = 0; c < kPerLane; ++c)
      if (lane + kWarp * c < hd) {
        row[a + lane + kWarp * c] = dk[i][c];  // q was pre-scaled: this is scale · Σ dS q
        row[2 * a + lane + kWarp * c] = dv[i][c];
      }
  }
}

Geometry geometry(int T, int n_head, int hd) {
  return {T, n_head, hd, n_head * hd, 3LL * n_head * hd};
}

dim3 attention_grid(int B, int T, int n_head) {
  return dim3(static_cast<unsigned>((T + kRows - 1) / kRows), static_cast<unsigned>(B * n_head));
}

// Dynamic shared memory may exceed the 48 KiB default for hd = 128: opt in.
template <typename Kernel>
void allow_shared(Kernel kernel, std::size_t bytes, const char* name) {
  check_cuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(bytes)),
             name, __FILE__, __LINE__);
}

}  // namespace

void attention_forward(bf16* out, float* lse, const float* qkv, int B, int T, int n_head, int hd,
                       cudaStream_t stream) {
  const std::size_t smem = sizeof(float) * (kRows * hd + kTile * (hd + 1) + kTile * hd);
  allow_shared(attention_forward_kernel, smem, "cudaFuncSetAttribute(attention_forward_kernel)");
  attention_forward_kernel<<<attention_grid(B, T, n_head), kWarps * kWarp, smem, stream>>>(
      out, lse, qkv, geometry(T, n_head, hd), 1.0f / std::sqrt(static_cast<float>(hd)));
  SCALELAB_CHECK_LAUNCH("attention_forward", stream);
}

void attention_backward(float* dqkv, float* delta, const float* dout, const bf16* out,
                        const float* qkv, const float* lse, int B, int T, int n_head, int hd,
                        cudaStream_t stream) {
  const Geometry g = geometry(T, n_head, hd);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const std::int64_t warps = static_cast<std::int64_t>(B) * T * n_head;
  attention_delta_kernel<<<grid_for(warps * kWarp, 256, 1LL << 30), 256, 0, stream>>>(delta, dout,
                                                                                      out, B, g);
  SCALELAB_CHECK_LAUNCH("attention_backward (delta)", stream);

  const std::size_t smem_dq = sizeof(float) * (2 * kRows * hd + 2 * kTile * (hd + 1));
  allow_shared(attention_backward_dq_kernel, smem_dq,
               "cudaFuncSetAttribute(attention_backward_dq_kernel)");
  attention_backward_dq_kernel<<<attention_grid(B, T, n_head), kWarps * kWarp, smem_dq, stream>>>(
      dqkv, delta, dout, qkv, lse, g, scale);
  SCALELAB_CHECK_LAUNCH("attention_backward (dq)", stream);

  const std::size_t smem_dkv = sizeof(float) * (2 * kRows * hd + 2 * kTile * (hd + 1) + 2 * kTile);
  allow_shared(attention_backward_dkv_kernel, smem_dkv,
               "cudaFuncSetAttribute(attention_backward_dkv_kernel)");
  attention_backward_dkv_kernel<<<attention_grid(B, T, n_head), kWarps * kWarp, smem_dkv, stream>>>(
      dqkv, delta, dout, qkv, lse, g, scale);
  SCALELAB_CHECK_LAUNCH("attention_backward (dk, dv)", stream);
}

}  // namespace scalelab::trainer::cuda
