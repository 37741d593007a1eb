// Rotary position embedding, rotate-half convention, in place on the q and k parts of a
// (N, 3a) q|k|v buffer. CPU reference: cpu::rope_forward / cpu::rope_backward.
#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/kernel_utils.cuh"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

namespace {

// One thread per (row, part, head, pair). sign = +1 rotates by θ, -1 by -θ (the backward).
__global__ void rope_kernel(float* qkv, const float* cos_sin, int T, int n_head, int hd,
                            std::int64_t total, float sign) {
  const int half = hd / 2, a = n_head * hd;
  for (std::int64_t idx = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
       idx < total; idx += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const int i = static_cast<int>(idx % half);
    std::int64_t rest = idx / half;
    const int h = static_cast<int>(rest % n_head);
    rest /= n_head;
    const int part = static_cast<int>(rest % 2);
    const std::int64_t n = rest / 2;
    const float* cs = cos_sin + (n % T) * hd;
    const float c = cs[2 * i], s = sign * cs[2 * i + 1];
    float* v = qkv + n * 3 * a + part * a + h * hd;
    const float x1 = v[i], x2 = v[i + half];
    v[i] = x1 * c - x2 * s;
    v[i + half] = x2 * c + x1 * s;
  }
}

void launch_rope(float* qkv, const float* cos_sin, int B, int T, int n_head, int hd, float sign,
                 cudaStream_t stream) {
  const std::int64_t total = static_cast<std::int64_t>(B) * T * 2 * n_head * (hd / 2);
  rope_kernel<<<grid_for(total, 256), 256, 0, stream>>>(qkv, cos_sin, T, n_head, hd, total, sign);
}

}  // namespace

void rope_forward(float* qkv, const float* cos_sin, int B, int T, int n_head, int hd,
                  cudaStream_t stream) {
  launch_rope(qkv, cos_sin, B, T, n_head, hd, 1.0f, stream);
  SCALELAB_CHECK_LAUNCH("rope_forward", stream);
}

void rope_backward(float* dqkv, const float* cos_sin, int B, int T, int n_head, int hd,
                   cudaStream_t stream) {
  launch_rope(dqkv, cos_sin, B, T, n_head, hd, -1.0f, stream);
  SCALELAB_CHECK_LAUNCH("rope_backward", stream);
}

}  // namespace scalelab::trainer::cuda
