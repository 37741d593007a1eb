#include "trainer/cuda/gemm.hpp"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>
#include <vector>

#include "trainer/cuda/cuda_check.hpp"

namespace scalelab::trainer::cuda {

namespace {
constexpr std::int64_t kWorkspaceBytes = 32LL << 20;

int as_int(std::int64_t v, const char* what) {
  if (v > std::numeric_limits<int>::max())
    throw std::invalid_argument(
        fmt::format("GEMM dimension {} = {} exceeds cuBLAS's int", what, v));
  return static_cast<int>(v);
}
}  // namespace

Blas::Blas(cudaStream_t stream) : workspace_(kWorkspaceBytes, "cuBLAS workspace") {
  SCALELAB_CUBLAS_CHECK(cublasCreate(&handle_));
  SCALELAB_CUBLAS_CHECK(cublasSetStream(handle_, stream));
  SCALELAB_CUBLAS_CHECK(cublasSetWorkspace(handle_, workspace_.get(), kWorkspaceBytes));
}

Blas::~Blas() {
  if (handle_) cublasDestroy(handle_);
}

// cuBLAS is column-major: a row-major (r, c) matrix is its column-major transpose (c, r).
void Blas::gemm(cublasOperation_t op_a, cublasOperation_t op_b, int m, int n, int k, const bf16* a,
                int lda, const bf16* b, int ldb, float beta, float* c, int ldc,
                const char* what) const {
  const float alpha = 1.0f;
  check_cublas(
      cublasGemmEx(handle_, op_a, op_b, m, n, k, &alpha, a, CUDA_R_16BF, lda, b, CUDA_R_16BF, ldb,
                   &beta, c, CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
      what, __FILE__, __LINE__);
}

// yᵀ (OC × N) = W (OC × C, i.e. wᵀ column-major, transposed) · xᵀ (C × N).
void Blas::linear_forward(float* y, const bf16* x, const bf16* w, std::int64_t N, int C, int OC,
                          float beta) const {
  gemm(CUBLAS_OP_T, CUBLAS_OP_N, OC, as_int(N, "N"), C, w, C, x, C, beta, y, OC,
       "cublasGemmEx (linear_forward)");
}

// dxᵀ (C × N) = wᵀ (C × OC) · dyᵀ (OC × N).
void Blas::linear_backward_input(float* dx, const bf16* dy, const bf16* w, std::int64_t N, int C,
                                 int OC) const {
  gemm(CUBLAS_OP_N, CUBLAS_OP_N, C, as_int(N, "N"), OC, w, C, dy, OC, 0.0f, dx, C,
       "cublasGemmEx (linear_backward_input)");
}

// dwᵀ (C × OC) += xᵀ (C × N) · dy (N × OC).
void Blas::linear_backward_weight(float* dw, const bf16* dy, const bf16* x, std::int64_t N, int C,
                                  int OC) const {
  gemm(CUBLAS_OP_N, CUBLAS_OP_T, C, OC, as_int(N, "N"), x, C, dy, OC, 1.0f, dw, C,
       "cublasGemmEx (linear_backward_weight)");
}

double measure_bf16_peak_flops(int n, int repeats) {
  const std::int64_t count = static_cast<std::int64_t>(n) * n;
  cudaStream_t stream = nullptr;
  SCALELAB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  double best_seconds = 0;
  {
    DeviceBuffer<float> staging(count, "peak GEMM staging");
    DeviceBuffer<bf16> a(count, "peak GEMM A"), b(count, "peak GEMM B");
    DeviceBuffer<float> c(count, "peak GEMM C");
    // Random operands: all-zero data draws less power and would overstate the peak.
    std::vector<float> host(static_cast<std::size_t>(count));
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;
    for (float& x : host) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      x = static_cast<float>(static_cast<std::int64_t>(state >> 40) - (1 << 23)) / (1 << 23);
    }
    SCALELAB_CUDA_CHECK(
        cudaMemcpy(staging.get(), host.data(), count * sizeof(float), cudaMemcpyHostToDevice));
    float_to_bf16(a.get(), staging.get(), count, stream);
    float_to_bf16(b.get(), staging.get(), count, stream);
    Blas blas(stream);
    cudaEvent_t start = nullptr, stop = nullptr;
    SCALELAB_CUDA_CHECK(cudaEventCreate(&start));
    SCALELAB_CUDA_CHECK(cudaEventCreate(&stop));
    for (int r = 0; r < repeats + 3; ++r) {  // 3 warm-up runs
      SCALELAB_CUDA_CHECK(cudaEventRecord(start, stream));
      blas.linear_forward(c.get(), a.get(), b.get(), n, n, n);
      SCALELAB_CUDA_CHECK(cudaEventRecord(stop, stream));
      SCALELAB_CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      SCALELAB_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      if (r >= 3 && (best_seconds == 0 || ms * 1e-3 < best_seconds)) best_seconds = ms * 1e-3;
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
  cudaStreamDestroy(stream);
  return 2.0 * n * static_cast<double>(n) * n / best_seconds;
}

}  // namespace scalelab::trainer::cuda
