// Gradient-norm reduction and the AdamW update. CPU reference: trainer::l2_norm and
// trainer::adamw_update (adamw.hpp).
#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/kernel_utils.cuh"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

namespace {

constexpr int kSquaresThreads = 256;

// Fixed grid, fixed stride per thread, fixed tree: the sum does not depend on timing.
__global__ void __launch_bounds__(kSquaresThreads)
    sum_squares_partial_kernel(double* partial, const float* x, std::int64_t n) {
  __shared__ double part[kSquaresThreads];
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  double s = 0;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    const double v = x[i];
    s += v * v;
  }
  part[threadIdx.x] = s;
  __syncthreads();
  for (int w = kSquaresThreads / 2; w > 0; w /= 2) {
    if (static_cast<int>(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = part[0];
}

__global__ void sum_partials_kernel(double* out, const double* partial, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += partial[i];
  *out = s;
}

__global__ void adamw_kernel(float* params, bf16* params_bf16, const float* grads, float* m,
                             float* v, const std::uint8_t* decay_mask, std::int64_t n,
                             AdamWParams p) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    // Same operations in the same order as adamw_update<float>.
    const float g = grads[i] * p.grad_scale;
    const float mi = p.beta1 * m[i] + (1.0f - p.beta1) * g;
    const float vi = p.beta2 * v[i] + (1.0f - p.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const float mhat = mi * p.inv_bias_correction1, vhat = vi * p.inv_bias_correction2;
    float update = mhat / (sqrtf(vhat) + p.eps);
    float w = params[i];
    if (decay_mask[i]) update += p.weight_decay * w;
    w -= p.lr * update;
    params[i] = w;
    if (params_bf16) params_bf16[i] = __float2bfloat16(w);
  }
}

}  // namespace

void sum_squares(double* out, double* scratch, const float* x, std::int64_t n,
                 cudaStream_t stream) {
  sum_squares_partial_kernel<<<kSumSquaresBlocks, kSquaresThreads, 0, stream>>>(scratch, x, n);
  SCALELAB_CHECK_LAUNCH("sum_squares (partial)", stream);
  sum_partials_kernel<<<1, 1, 0, stream>>>(out, scratch, kSumSquaresBlocks);
  SCALELAB_CHECK_LAUNCH("sum_squares (total)", stream);
}

void adamw_update(float* params, bf16* params_bf16, const float* grads, float* m, float* v,
                  const std::uint8_t* decay_mask, std::int64_t n, const AdamWParams& p,
                  cudaStream_t stream) {
  adamw_kernel<<<grid_for(n, 256, 1 << 16), 256, 0, stream>>>(params, params_bf16, grads, m, v,
                                                              decay_mask, n, p);
  SCALELAB_CHECK_LAUNCH("adamw_update", stream);
}

}  // namespace scalelab::trainer::cuda
