#include "trainer/cuda/device_buffer.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"
#include "trainer/cuda/cuda_check.hpp"

namespace scalelab::trainer::cuda {

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.2f} {}", bytes, units[u]);
}

void* device_malloc(std::size_t bytes, const std::string& what) {
  void* p = nullptr;
  const cudaError_t status = cudaMalloc(&p, bytes);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    std::size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    throw Error(fmt::format("CUDA out of memory allocating {} ({} bytes = {}); {} of {} free", what,
                            bytes, format_bytes(static_cast<double>(bytes)),
                            format_bytes(static_cast<double>(free)),
                            format_bytes(static_cast<double>(total))));
  }
  check_cuda(status, ("cudaMalloc for " + what).c_str(), __FILE__, __LINE__);
  return p;
}

void* pinned_malloc(std::size_t bytes, const std::string& what) {
  void* p = nullptr;
  check_cuda(cudaMallocHost(&p, bytes), ("cudaMallocHost for " + what).c_str(), __FILE__, __LINE__);
  return p;
}

}  // namespace scalelab::trainer::cuda
