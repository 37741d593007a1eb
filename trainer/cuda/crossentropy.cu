// Fused softmax cross-entropy of the output layer: loss and dlogits in one pass over each
// row of logits, so the probabilities are never stored. CPU reference:
// cpu::crossentropy_forward / cpu::crossentropy_backward.
#include <cmath>

#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/kernel_utils.cuh"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

namespace {

constexpr int kCeThreads = 256;
constexpr int kSumThreads = 1024;

// Block-wide reduction; `red` holds one float per warp. Ends synchronised so that `red` may
// be reused.
template <bool kMax>
__device__ float block_reduce(float v, float* red) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  v = kMax ? warp_max(v) : warp_sum(v);
  if (lane == 0) red[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / kWarp;
  float r = lane < warps ? red[lane] : (kMax ? -INFINITY : 0.0f);
  r = kMax ? warp_max(r) : warp_sum(r);
  __syncthreads();
  return r;
}

__global__ void __launch_bounds__(kCeThreads)
    crossentropy_kernel(float* losses, bf16* dlogits, const float* logits,
                        const std::int32_t* targets, std::int64_t rows, int V, float dloss) {
  __shared__ float red[kCeThreads / kWarp];
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* x = logits + r * V;
    float mx = -INFINITY;
    for (int i = threadIdx.x; i < V; i += blockDim.x) mx = fmaxf(mx, x[i]);
    mx = block_reduce<true>(mx, red);
    float s = 0;
    for (int i = threadIdx.x; i < V; i += blockDim.x) s += expf(x[i] - mx);
    s = block_reduce<false>(s, red);
    const int target = targets[r];
    if (threadIdx.x == 0) losses[r] = logf(s) + mx - x[target];  // log-sum-exp, as the CPU
    if (dlogits) {
      const float inv = 1.0f / s;
      bf16* d = dlogits + r * V;
      for (int i = threadIdx.x; i < V; i += blockDim.x) {
        float p = expf(x[i] - mx) * inv;
        if (i == target) p -= 1.0f;
        d[i] = __float2bfloat16(p * dloss);
      }
    }
  }
}

// One block; each thread sums a fixed stride of the input in double, then a fixed tree.
__global__ void __launch_bounds__(kSumThreads)
    sum_losses_kernel(double* out, const float* x, std::int64_t n) {
  __shared__ double part[kSumThreads];
  double s = 0;
  for (std::int64_t i = threadIdx.x; i < n; i += blockDim.x) s += static_cast<double>(x[i]);
  part[threadIdx.x] = s;
  __syncthreads();
  for (int w = kSumThreads / 2; w > 0; w /= 2) {
    if (static_cast<int>(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = part[0];
}

}  // namespace

void crossentropy_forward_backward(float* losses, bf16* dlogits, const float* logits,
                                   const std::int32_t* targets, std::int64_t rows, int V,
                                   float dloss, cudaStream_t stream) {
  crossentropy_kernel<<<grid_for(rows, 1, 1 << 20), kCeThreads, 0, stream>>>(
      losses, dlogits, logits, targets, rows, V, dloss);
  SCALELAB_CHECK_LAUNCH("crossentropy_forward_backward", stream);
}

void sum_losses(double* out, const float* losses, std::int64_t N, cudaStream_t stream) {
  sum_losses_kernel<<<1, kSumThreads, 0, stream>>>(out, losses, N);
  SCALELAB_CHECK_LAUNCH("sum_losses", stream);
}

}  // namespace scalelab::trainer::cuda
