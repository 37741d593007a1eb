// The CPU reference model: parameters, gradients and activations of one transformer, with a
// forward pass (mean cross-entropy) and a backward pass built from the per-layer functions
// of layers.hpp. Templated on the scalar: float trains, double checks gradients.
// Instantiated for float and double in cpu_model.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/model_shape.hpp"
#include "trainer/model_layout.hpp"

namespace scalelab::trainer::cpu {

template <typename T>
class CpuModel {
 public:
  // Activations are allocated for up to `max_batch` sequences of shape.seq_len tokens.
  CpuModel(const ModelShape& shape, int max_batch);

  const ModelShape& shape() const { return shape_; }
  const ModelLayout& layout() const { return layout_; }
  int max_batch() const { return max_batch_; }

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
  struct LayerActs {
    std::vector<T> norm1, mean1, rstd1, qkv, probs, att, resid_mid, norm2, mean2, rstd2, h, g;
  };
  ModelShape shape_;
  ModelLayout layout_;
  int max_batch_;
  int batch_ = 0;
  std::vector<T> params_, grads_;
  std::vector<T> rope_;  // (T, hd/2) pairs of cos, sin
  std::vector<std::int32_t> inputs_, targets_;
  std::vector<std::vector<T>> resid_;  // n_layer + 1 residual streams (N, d)
  std::vector<LayerActs> acts_;
  std::vector<T> normf_, meanf_, rstdf_, logits_, losses_;
  // Backward scratch, reused by every layer.
  std::vector<T> dresid_, dnorm_, dqkv_, datt_, dh_, dg_;
};

extern template class CpuModel<float>;
extern template class CpuModel<double>;

}  // namespace scalelab::trainer::cpu
