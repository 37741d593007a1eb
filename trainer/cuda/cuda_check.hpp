// Checked CUDA and cuBLAS calls. Every failure becomes a scalelab::Error whose message names
// the call (or the kernel), the source line and the driver's own text, e.g.
//   "CUDA error in attention_forward (trainer/cuda/attention.cu:212): an illegal memory
//    access was encountered"
// Kernel faults are asynchronous: they surface at the next synchronising call, which then
// names itself. Setting SCALELAB_CUDA_SYNC=1 synchronises after every kernel launch so that
// the failing kernel is named exactly (slow; for debugging).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

namespace scalelab::trainer::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t status, const char* what, const char* file,
                                   int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* what, const char* file,
                                     int line);

inline void check_cuda(cudaError_t status, const char* what, const char* file, int line) {
  if (status != cudaSuccess) throw_cuda_error(status, what, file, line);
}
inline void check_cublas(cublasStatus_t status, const char* what, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) throw_cublas_error(status, what, file, line);
}

// After a kernel launch: reports launch errors (bad configuration, too much shared memory)
// naming `kernel`, and with SCALELAB_CUDA_SYNC=1 also faults raised while it ran.
void check_launch(const char* kernel, cudaStream_t stream, const char* file, int line);

}  // namespace scalelab::trainer::cuda

#define SCALELAB_CUDA_CHECK(call) \
  ::scalelab::trainer::cuda::check_cuda((call), #call, __FILE__, __LINE__)
#define SCALELAB_CUBLAS_CHECK(call) \
  ::scalelab::trainer::cuda::check_cublas((call), #call, __FILE__, __LINE__)
#define SCALELAB_CHECK_LAUNCH(kernel, stream) \
  ::scalelab::trainer::cuda::check_launch(kernel, stream, __FILE__, __LINE__)
