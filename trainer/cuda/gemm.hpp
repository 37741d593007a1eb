// The backend's matrix products: cuBLAS GEMMs with bf16 operands, fp32 accumulation
// (CUBLAS_COMPUTE_32F) and fp32 results, in the row-major (out, in) weight layout of
// model_layout.hpp (y = x · wᵀ, as torch.nn.Linear). CPU reference: cpu::matmul_forward /
// cpu::matmul_backward.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "trainer/cuda/device_buffer.hpp"
#include "trainer/cuda/kernels.hpp"

namespace scalelab::trainer::cuda {

class Blas {
 public:
  // The handle runs on `stream` with a workspace of its own (so that results do not depend
  // on cuBLAS's shared pool: bitwise reproducible).
  explicit Blas(cudaStream_t stream);
  ~Blas();
  Blas(const Blas&) = delete;
  Blas& operator=(const Blas&) = delete;

  // y (N, OC) = x (N, C) · wᵀ + beta · y. beta = 1 adds to y (the residual stream).
  void linear_forward(float* y, const bf16* x, const bf16* w, std::int64_t N, int C, int OC,
                      float beta = 0.0f) const;
  // dx (N, C) = dy (N, OC) · w (overwrites).
  void linear_backward_input(float* dx, const bf16* dy, const bf16* w, std::int64_t N, int C,
                             int OC) const;
  // dw (OC, C) += dyᵀ · x (accumulates into the fp32 gradient).
  void linear_backward_weight(float* dw, const bf16* dy, const bf16* x, std::int64_t N, int C,
                              int OC) const;

  cublasHandle_t handle() const { return handle_; }

 private:
  void gemm(cublasOperation_t op_a, cublasOperation_t op_b, int m, int n, int k, const bf16* a,
            int lda, const bf16* b, int ldb, float beta, float* c, int ldc, const char* what) const;

  cublasHandle_t handle_ = nullptr;
  DeviceBuffer<std::uint8_t> workspace_;
};

// Dense bf16 peak of the current device in FLOP/s, measured: the best of several timed
// cuBLAS GEMMs (n × n × n, bf16 in, fp32 accumulate) on random data. For MFU.
double measure_bf16_peak_flops(int n = 8192, int repeats = 20);

}  // namespace scalelab::trainer::cuda
