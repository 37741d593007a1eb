// The CUDA backend: the trainer's Backend (backend.hpp) on one NVIDIA GPU, with bf16 cuBLAS
// matrix products, fp32 master weights and AdamW state, and kernels of our own for the rest
// (kernels.hpp). Built only when CMake finds nvcc (SCALELAB_HAVE_CUDA); this header needs no
// CUDA headers so that plain C++ code (make_backend, benchmarks) can include it.
#pragma once

#include <memory>
#include <string>

#include "trainer/backend.hpp"

namespace scalelab::trainer::cuda {

// Number of CUDA devices this process can use; 0 (never an exception) when there is no
// driver, no device, or CUDA_VISIBLE_DEVICES hides them all.
int visible_device_count();

// The text of cudaGetDeviceCount's failure, or "" when it succeeds (for error messages).
std::string device_count_error();

// `device`: "cuda" (= cuda:0) or "cuda:N". Throws InputError when the string is malformed,
// when no GPU is visible, when N is out of range, when the shape is outside what the kernels
// support (head_dim > 128, micro-batch × n_head > 65535), or when the model and its activations at
// `max_batch` sequences do not fit in the device's free memory (the message names the shape
// and the bytes needed). Throws Error on any other CUDA failure.
std::unique_ptr<Backend> make_cuda_backend(const ModelShape& shape, int max_batch,
                                           const std::string& device);

// Bytes of device memory the backend allocates for `shape` at `max_batch` sequences
// (weights, gradients, AdamW moments, bf16 weight copies, activations and scratch; not
// cuBLAS's or the CUDA context's own). Host-only arithmetic: no GPU needed.
std::int64_t planned_device_bytes(const ModelShape& shape, int max_batch);

}  // namespace scalelab::trainer::cuda
