// The CPU reference model: parameters, gradients and activations of one transformer, with a
// forward pass (mean cross-entropy) and a backward pass built from the per-layer functions
// of layers.hpp. Templated on the scalar: float trains, double checks gradients.
// Instantiated for float and double in cpu_model.cpp. The passes run in one SIMD build of
// cpu_kernels.hpp, chosen when the model is made.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "lib/model_shape.hpp"
#include "lib/simd_level.hpp"
#include "trainer/cpu/cpu_kernels.hpp"
#include "trainer/model_layout.hpp"

namespace scalelab::trainer::cpu {

// The kernel level a model uses unless told otherwise: selected_simd_level() (the CPU's, or
// SCALELAB_KERNEL's), lowered to the highest level this binary was built with.
SimdLevel default_cpu_kernel_level();

template <typename T>
class CpuModel {
 public:
  // Activations are allocated for up to `max_batch` sequences of shape.seq_len tokens, once:
  // the passes allocate nothing. `level` picks the SIMD build of the passes (cpu_kernels()
  // throws InputError when this CPU or binary lacks it).
  CpuModel(const ModelShape& shape, int max_batch, SimdLevel level = default_cpu_kernel_level());

  const ModelShape& shape() const { return shape_; }
  const ModelLayout& layout() const { return layout_; }
  int max_batch() const { return max_batch_; }
  SimdLevel kernel_level() const { return kernels_->level; }
  const CpuKernels<T>& kernels() const { return *kernels_; }

  // Flat vectors in the layout of model_layout.hpp.
  std::vector<T>& params() { return params_; }
  const std::vector<T>& params() const { return params_; }
  std::vector<T>& grads() { return grads_; }
  const std::vector<T>& grads() const { return grads_; }

  // tokens: `batch` rows of seq_len + 1 ids (inputs are columns 0..T-1, targets 1..T);
  // batch <= max_batch; ids must be < vocab_size (the caller validates). Returns the mean
  // loss over the batch·T targets and keeps the activations for backward().
  double forward(const std::int32_t* tokens, int batch);
  // Adds d(scale · mean loss)/dθ of the last forward() to grads().
  void backward(T scale);
  void zero_grads();

 private:
  struct FreeDeleter {
    void operator()(T* p) const { std::free(p); }
  };
  ModelShape shape_;
  ModelLayout layout_;
  int max_batch_;
  int batch_ = 0;
  const CpuKernels<T>* kernels_;
  std::vector<T> params_, grads_;
  // Every activation and scratch buffer, 64-byte aligned, carved by the constructor.
  std::unique_ptr<T[], FreeDeleter> arena_;
  std::vector<std::int32_t> inputs_, targets_;
  std::vector<T*> resid_;
  std::vector<LayerActivations<T>> layers_;
  ModelView<T> view_;
};

extern template class CpuModel<float>;
extern template class CpuModel<double>;

}  // namespace scalelab::trainer::cpu
