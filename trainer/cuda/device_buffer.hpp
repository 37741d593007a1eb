// Owning device allocations. Out-of-memory is not a bare cudaErrorMemoryAllocation: the
// allocator is told what the memory is for, and the backend checks its whole plan against
// the free memory before allocating (cuda_backend.cpp), so the user sees which shape needed
// how many bytes.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace scalelab::trainer::cuda {

// cudaMalloc that throws scalelab::Error naming `what`, the bytes asked for and the free
// memory on failure.
void* device_malloc(std::size_t bytes, const std::string& what);

// "1.50 GiB"
std::string format_bytes(double bytes);

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(std::int64_t count, const std::string& what)
      : data_(static_cast<T*>(device_malloc(bytes_for(count), what))), count_(count) {}
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (data_) cudaFree(data_);
      data_ = std::exchange(o.data_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return data_; }
  std::int64_t size() const { return count_; }
  static std::size_t bytes_for(std::int64_t count) {
    return static_cast<std::size_t>(count > 0 ? count : 1) * sizeof(T);
  }

 private:
  T* data_ = nullptr;
  std::int64_t count_ = 0;
};

// Page-locked host memory for asynchronous copies.
template <typename T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(std::int64_t count);
  ~PinnedBuffer() {
    if (data_) cudaFreeHost(data_);
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  PinnedBuffer(PinnedBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept {
    if (this != &o) {
      if (data_) cudaFreeHost(data_);
      data_ = std::exchange(o.data_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  T* get() const { return data_; }
  std::int64_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  std::int64_t count_ = 0;
};

void* pinned_malloc(std::size_t bytes, const std::string& what);

template <typename T>
PinnedBuffer<T>::PinnedBuffer(std::int64_t count)
    : data_(static_cast<T*>(pinned_malloc(
          static_cast<std::size_t>(count > 0 ? count : 1) * sizeof(T), "pinned staging buffer"))),
      count_(count) {}

}  // namespace scalelab::trainer::cuda
