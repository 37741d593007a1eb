// MLP activations: GELU (tanh approximation, GPT-2) and SwiGLU (llama), forward and
// backward, plus the fp32 -> bf16 conversion. CPU reference: cpu::gelu_*, cpu::swiglu_*.
#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/kernel_utils.cuh"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

namespace {

constexpr float kGeluK = 0.7978845608028654f;  // sqrt(2/π)
constexpr float kGeluC = 0.044715f;

#define GRID_STRIDE(i, total)                                                             \
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; \
       i < (total); i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

__global__ void float_to_bf16_kernel(bf16* out, const float* in, std::int64_t n) {
  GRID_STRIDE(i, n) out[i] = __float2bfloat16(in[i]);
}

__global__ void bias_gelu_forward_kernel(bf16* g, float* h, const float* bias, std::int64_t n,
                                         int f) {
  GRID_STRIDE(i, n) {
    float x = h[i];
    if (bias) {
      x += bias[i % f];
      h[i] = x;
    }
    g[i] = __float2bfloat16(0.5f * x * (1.0f + tanhf(kGeluK * (x + kGeluC * x * x * x))));
  }
}

__global__ void gelu_backward_kernel(float* dg_to_dh, bf16* dh_bf16, const float* h,
                                     std::int64_t n) {
  GRID_STRIDE(i, n) {
    const float x = h[i];
    const float th = tanhf(kGeluK * (x + kGeluC * x * x * x));
    const float du = kGeluK * (1.0f + 3.0f * kGeluC * x * x);
    const float grad = 0.5f * (1.0f + th) + 0.5f * x * (1.0f - th * th) * du;
    const float d = grad * dg_to_dh[i];
    dg_to_dh[i] = d;
    dh_bf16[i] = __float2bfloat16(d);
  }
}

__global__ void swiglu_forward_kernel(bf16* g, const float* h, std::int64_t n, int f) {
  GRID_STRIDE(i, n) {
    const std::int64_t row = i / f;
    const int c = static_cast<int>(i % f);
    const float h1 = h[row * 2 * f + c], h3 = h[row * 2 * f + f + c];
    g[i] = __float2bfloat16(h1 / (1.0f + expf(-h1)) * h3);
  }
}

__global__ void swiglu_backward_kernel(bf16* dh, const float* h, const float* dg, std::int64_t n,
                                       int f) {
  GRID_STRIDE(i, n) {
    const std::int64_t row = i / f;
    const int c = static_cast<int>(i % f);
    const float h1 = h[row * 2 * f + c], h3 = h[row * 2 * f + f + c];
    const float sig = 1.0f / (1.0f + expf(-h1));
    const float g = dg[i];
    dh[row * 2 * f + c] = __float2bfloat16(g * h3 * sig * (1.0f + h1 * (1.0f - sig)));
    dh[row * 2 * f + f + c] = __float2bfloat16(g * h1 * sig);
  }
}

#undef GRID_STRIDE

}  // namespace

void float_to_bf16(bf16* out, const float* in, std::int64_t n, cudaStream_t stream) {
  float_to_bf16_kernel<<<grid_for(n, 256), 256, 0, stream>>>(out, in, n);
  SCALELAB_CHECK_LAUNCH("float_to_bf16", stream);
}

void bias_gelu_forward(bf16* g, float* h, const float* bias, std::int64_t N, int f,
                       cudaStream_t stream) {
  const std::int64_t n = N * f;
  bias_gelu_forward_kernel<<<grid_for(n, 256), 256, 0, stream>>>(g, h, bias, n, f);
  SCALELAB_CHECK_LAUNCH("bias_gelu_forward", stream);
}

void gelu_backward(float* dg_to_dh, bf16* dh_bf16, const float* h, std::int64_t n,
                   cudaStream_t stream) {
  gelu_backward_kernel<<<grid_for(n, 256), 256, 0, stream>>>(dg_to_dh, dh_bf16, h, n);
  SCALELAB_CHECK_LAUNCH("gelu_backward", stream);
}

void swiglu_forward(bf16* g, const float* h, std::int64_t N, int f, cudaStream_t stream) {
  const std::int64_t n = N * f;
  swiglu_forward_kernel<<<grid_for(n, 256), 256, 0, stream>>>(g, h, n, f);
  SCALELAB_CHECK_LAUNCH("swiglu_forward", stream);
}

void swiglu_backward(bf16* dh_bf16, const float* h, const float* dg, std::int64_t N, int f,
                     cudaStream_t stream) {
  const std::int64_t n = N * f;
  swiglu_backward_kernel<<<grid_for(n, 256), 256, 0, stream>>>(dh_bf16, h, dg, n, f);
  SCALELAB_CHECK_LAUNCH("swiglu_backward", stream);
}

}  // namespace scalelab::trainer::cuda
