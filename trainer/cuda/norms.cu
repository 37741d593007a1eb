// LayerNorm (gpt2) and RMSNorm (llama), forward and backward, plus the deterministic column
// reductions used for norm weights and biases. CPU reference: cpu::layernorm_*,
// cpu::rmsnorm_*, cpu::column_sums. eps = 1e-5 as there.
#include <algorithm>

#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/kernel_utils.cuh"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

namespace {

constexpr float kNormEps = 1e-5f;
constexpr int kNormWarps = 8;  // rows per block: one warp per row
// Column reductions split the rows into this many slices, reduced in slice order.
constexpr int kColumnSlices = 64;
constexpr int kColumnThreads = 128;

// One warp per row; two passes as the CPU (mean, then centred variance).
__global__ void layernorm_forward_kernel(bf16* out, float* mean, float* rstd, const float* inp,
                                         const float* w, const float* b, std::int64_t N, int C) {
  const std::int64_t n = static_cast<std::int64_t>(blockIdx.x) * kNormWarps + threadIdx.y;
  if (n >= N) return;
  const int lane = threadIdx.x;
  const float* x = inp + n * C;
  float s = 0;
  for (int c = lane; c < C; c += kWarp) s += x[c];
  const float m = warp_sum(s) / C;
  float v = 0;
  for (int c = lane; c < C; c += kWarp) v += (x[c] - m) * (x[c] - m);
  const float r = rsqrtf(warp_sum(v) / C + kNormEps);
  bf16* o = out + n * C;
  for (int c = lane; c < C; c += kWarp) o[c] = __float2bfloat16((x[c] - m) * r * w[c] + b[c]);
  if (lane == 0) {
    mean[n] = m;
    rstd[n] = r;
  }
}

__global__ void rmsnorm_forward_kernel(bf16* out, float* rstd, const float* inp, const float* w,
                                       std::int64_t N, int C) {
  const std::int64_t n = static_cast<std::int64_t>(blockIdx.x) * kNormWarps + threadIdx.y;
  if (n >= N) return;
  const int lane = threadIdx.x;
  const float* x = inp + n * C;
  float ss = 0;
  for (int c = lane; c < C; c += kWarp) ss += x[c] * x[c];
  const float r = rsqrtf(warp_sum(ss) / C + kNormEps);
  bf16* o = out + n * C;
  for (int c = lane; c < C; c += kWarp) o[c] = __float2bfloat16(x[c] * r * w[c]);
  if (lane == 0) rstd[n] = r;
}

// dx for one row; mean == nullptr selects RMSNorm. See layers.hpp for the formulas.
__global__ void norm_backward_input_kernel(float* dinp, bf16* dinp_bf16, const float* dout,
                                           const float* inp, const float* mean, const float* rstd,
                                           const float* w, std::int64_t N, int C, bool accumulate) {
  const std::int64_t n = static_cast<std::int64_t>(blockIdx.x) * kNormWarps + threadIdx.y;
  if (n >= N) return;
  const int lane = threadIdx.x;
  const float* x = inp + n * C;
  const float* g = dout + n * C;
  const float r = rstd[n];
  float* dx = dinp + n * C;
  bf16* dxb = dinp_bf16 ? dinp_bf16 + n * C : nullptr;
  if (mean) {
    const float m = mean[n];
    float a = 0, bsum = 0;
    for (int c = lane; c < C; c += kWarp) {
      const float dn = g[c] * w[c];
      a += dn;
      bsum += dn * (x[c] - m) * r;
    }
    const float mean_dn = warp_sum(a) / C, mean_dn_xhat = warp_sum(bsum) / C;
    for (int c = lane; c < C; c += kWarp) {
      const float xhat = (x[c] - m) * r;
      float v = r * (g[c] * w[c] - mean_dn - xhat * mean_dn_xhat);
      if (accumulate) v += dx[c];
      dx[c] = v;
      if (dxb) dxb[c] = __float2bfloat16(v);
    }
  } else {
    float dot = 0;
    for (int c = lane; c < C; c += kWarp) dot += g[c] * w[c] * x[c];
    const float k = r * r * warp_sum(dot) / C;
    for (int c = lane; c < C; c += kWarp) {
      float v = r * (g[c] * w[c] - x[c] * k);
      if (accumulate) v += dx[c];
      dx[c] = v;
      if (dxb) dxb[c] = __float2bfloat16(v);
    }
  }
}

// Partial column sums over one slice of rows: pa[s, c] = Σ g·xhat (or Σ g when x is null),
// pb[s, c] = Σ g (when pb is not null). xhat = (x - mean)·rstd, mean null: x·rstd.
__global__ void column_partials_kernel(float* pa, float* pb, const float* g, const float* x,
                                       const float* mean, const float* rstd, std::int64_t N, int C,
                                       std::int64_t rows_per_slice) {
  const int c = blockIdx.x * kColumnThreads + threadIdx.x;
  const int s = blockIdx.y;
  if (c >= C) return;
  const std::int64_t n0 = s * rows_per_slice;
  const std::int64_t n1 = min(N, n0 + rows_per_slice);
  float a = 0, b = 0;
  for (std::int64_t n = n0; n < n1; ++n) {
    const float gv = g[n * C + c];
    if (x) {
      const float xv = mean ? x[n * C + c] - mean[n] : x[n * C + c];
      a += gv * xv * rstd[n];
    } else {
      a += gv;
    }
    b += gv;
  }
  pa[static_cast<std::int64_t>(s) * C + c] = a;
  if (pb) pb[static_cast<std::int64_t>(s) * C + c] = b;
}

__global__ void column_finish_kernel(float* acc, const float* partial, int C, int slices) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  float s = 0;
  for (int k = 0; k < slices; ++k) s += partial[static_cast<std::int64_t>(k) * C + c];
  acc[c] += s;
}

void column_reduce(float* acc_a, float* acc_b, float* scratch, const float* g, const float* x,
                   const float* mean, const float* rstd, std::int64_t N, int C,
                   cudaStream_t stream) {
  const std::int64_t rows_per_slice = (N + kColumnSlices - 1) / kColumnSlices;
  const int slices = static_cast<int>((N + rows_per_slice - 1) / rows_per_slice);
  float* pa = scratch;
  float* pb = acc_b ? scratch + static_cast<std::int64_t>(kColumnSlices) * C : nullptr;
  const dim3 grid((C + kColumnThreads - 1) / kColumnThreads, slices);
  column_partials_kernel<<<grid, kColumnThreads, 0, stream>>>(pa, pb, g, x, mean, rstd, N, C,
                                                              rows_per_slice);
  SCALELAB_CHECK_LAUNCH("column_partials", stream);
  const unsigned blocks = (C + 255) / 256;
  column_finish_kernel<<<blocks, 256, 0, stream>>>(acc_a, pa, C, slices);
  SCALELAB_CHECK_LAUNCH("column_finish", stream);
  if (acc_b) {
    column_finish_kernel<<<blocks, 256, 0, stream>>>(acc_b, pb, C, slices);
    SCALELAB_CHECK_LAUNCH("column_finish", stream);
  }
}

__global__ void add_bias_kernel(float* out, const float* base, const float* bias,
                                std::int64_t total, int C) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    out[i] = bias ? base[i] + bias[i % C] : base[i];
}

dim3 norm_grid(std::int64_t N) {
  return dim3(static_cast<unsigned>((N + kNormWarps - 1) / kNormWarps));
}

}  // namespace

void layernorm_forward(bf16* out, float* mean, float* rstd, const float* inp, const float* w,
                       const float* b, std::int64_t N, int C, cudaStream_t stream) {
  layernorm_forward_kernel<<<norm_grid(N), dim3(kWarp, kNormWarps), 0, stream>>>(out, mean, rstd,
                                                                                 inp, w, b, N, C);
  SCALELAB_CHECK_LAUNCH("layernorm_forward", stream);
}

void rmsnorm_forward(bf16* out, float* rstd, const float* inp, const float* w, std::int64_t N,
                     int C, cudaStream_t stream) {
  rmsnorm_forward_kernel<<<norm_grid(N), dim3(kWarp, kNormWarps), 0, stream>>>(out, rstd, inp, w, N,
                                                                               C);
  SCALELAB_CHECK_LAUNCH("rmsnorm_forward", stream);
}

std::int64_t column_scratch_floats(int C) { return 2LL * kColumnSlices * C; }

void norm_backward(float* dinp, bf16* dinp_bf16, float* dw, float* db, float* scratch,
                   const float* dout, const float* inp, const float* mean, const float* rstd,
                   const float* w, std::int64_t N, int C, bool accumulate, cudaStream_t stream) {
  norm_backward_input_kernel<<<norm_grid(N), dim3(kWarp, kNormWarps), 0, stream>>>(
      dinp, dinp_bf16, dout, inp, mean, rstd, w, N, C, accumulate);
  SCALELAB_CHECK_LAUNCH(mean ? "layernorm_backward" : "rmsnorm_backward", stream);
  column_reduce(dw, mean ? db : nullptr, scratch, dout, inp, mean, rstd, N, C, stream);
}

void column_sums(float* acc, float* scratch, const float* x, std::int64_t N, int C,
                 cudaStream_t stream) {
  column_reduce(acc, nullptr, scratch, x, nullptr, nullptr, nullptr, N, C, stream);
}

void add_bias(float* out, const float* base, const float* bias, std::int64_t N, int C,
              cudaStream_t stream) {
  const std::int64_t total = N * C;
  add_bias_kernel<<<grid_for(total, 256), 256, 0, stream>>>(out, base, bias, total, C);
  SCALELAB_CHECK_LAUNCH("add_bias", stream);
}

}  // namespace scalelab::trainer::cuda
