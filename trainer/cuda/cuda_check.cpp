#include "trainer/cuda/cuda_check.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "lib/error.hpp"

namespace scalelab::trainer::cuda {

namespace {
bool sync_after_each_launch() {
  static const bool enabled = [] {
    const char* v = std::getenv("SCALELAB_CUDA_SYNC");
    return v != nullptr && std::strcmp(v, "0") != 0 && *v != '\0';
  }();
  return enabled;
}
}  // namespace

void throw_cuda_error(cudaError_t status, const char* what, const char* file, int line) {
  cudaGetLastError();  // clear a non-sticky error so that later calls are not blamed for it
  throw Error(fmt::format("CUDA error in {} ({}:{}): {} ({})", what, file, line,
                          cudaGetErrorString(status), cudaGetErrorName(status)));
}

void throw_cublas_error(cublasStatus_t status, const char* what, const char* file, int line) {
  throw Error(fmt::format("cuBLAS error in {} ({}:{}): {} ({})", what, file, line,
                          cublasGetStatusString(status), cublasGetStatusName(status)));
}

void check_launch(const char* kernel, cudaStream_t stream, const char* file, int line) {
  cudaError_t status = cudaGetLastError();
  if (status == cudaSuccess && sync_after_each_launch()) status = cudaStreamSynchronize(stream);
  if (status != cudaSuccess)
    throw Error(fmt::format("CUDA error in kernel {} ({}:{}): {} ({})", kernel, file, line,
                            cudaGetErrorString(status), cudaGetErrorName(status)));
}

}  // namespace scalelab::trainer::cuda
