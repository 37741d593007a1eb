// Embedding lookup and its deterministic scatter-add; CPU reference:
// cpu::embedding_forward / cpu::embedding_backward.
#include <algorithm>

#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/kernel_utils.cuh"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

namespace {

__global__ void embedding_forward_kernel(float* out, const std::int32_t* tokens, const float* wte,
                                         const float* wpe, int T, int d, std::int64_t total) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t n = i / d;
    const int c = static_cast<int>(i % d);
    float v = wte[static_cast<std::int64_t>(tokens[n]) * d + c];
    if (wpe) v += wpe[(n % T) * d + c];
    out[i] = v;
  }
}

// One block per distinct token id; threads over channels; rows summed in ascending order.
__global__ void embedding_backward_wte_kernel(float* dwte, const float* dout,
                                              const std::int32_t* ids, const std::int32_t* offsets,
                                              const std::int32_t* positions, int d) {
  const int k = blockIdx.x;
  const std::int64_t row = ids[k];
  const int begin = offsets[k], end = offsets[k + 1];
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    float s = 0;
    for (int p = begin; p < end; ++p) s += dout[static_cast<std::int64_t>(positions[p]) * d + c];
    dwte[row * d + c] += s;
  }
}

__global__ void embedding_backward_wpe_kernel(float* dwpe, const float* dout, int B, int T, int d) {
  const int t = blockIdx.x;
  for (int c = threadIdx.x; c < d; c += blockDim.x) {
    float s = 0;
    for (int b = 0; b < B; ++b) s += dout[(static_cast<std::int64_t>(b) * T + t) * d + c];
    dwpe[static_cast<std::int64_t>(t) * d + c] += s;
  }
}

}  // namespace

void embedding_forward(float* out, const std::int32_t* tokens, const float* wte, const float* wpe,
                       int B, int T, int d, cudaStream_t stream) {
  const std::int64_t total = static_cast<std::int64_t>(B) * T * d;
  embedding_forward_kernel<<<grid_for(total, 256), 256, 0, stream>>>(out, tokens, wte, wpe, T, d,
                                                                     total);
  SCALELAB_CHECK_LAUNCH("embedding_forward", stream);
}

TokenBuckets bucket_tokens(const std::int32_t* inputs, std::int64_t N) {
  TokenBuckets b;
  b.positions.resize(static_cast<std::size_t>(N));
  for (std::int64_t n = 0; n < N; ++n) b.positions[n] = static_cast<std::int32_t>(n);
  // Stable: rows of one id stay in ascending order.
  std::stable_sort(b.positions.begin(), b.positions.end(),
                   [inputs](std::int32_t x, std::int32_t y) { return inputs[x] < inputs[y]; });
  for (std::int64_t p = 0; p < N; ++p) {
    const std::int32_t id = inputs[b.positions[p]];
    if (b.ids.empty() || b.ids.back() != id) {
      b.ids.push_back(id);
      b.offsets.push_back(static_cast<std::int32_t>(p));
    }
  }
  b.offsets.push_back(static_cast<std::int32_t>(N));
  return b;
}

void embedding_backward_wte(float* dwte, const float* dout, const std::int32_t* ids,
                            const std::int32_t* offsets, const std::int32_t* positions, int n_ids,
                            int d, cudaStream_t stream) {
  if (n_ids == 0) return;
  embedding_backward_wte_kernel<<<n_ids, std::min(d, 256), 0, stream>>>(dwte, dout, ids, offsets,
                                                                        positions, d);
  SCALELAB_CHECK_LAUNCH("embedding_backward_wte", stream);
}

void embedding_backward_wpe(float* dwpe, const float* dout, int B, int T, int d,
                            cudaStream_t stream) {
  embedding_backward_wpe_kernel<<<T, std::min(d, 256), 0, stream>>>(dwpe, dout, B, T, d);
  SCALELAB_CHECK_LAUNCH("embedding_backward_wpe", stream);
}

}  // namespace scalelab::trainer::cuda
