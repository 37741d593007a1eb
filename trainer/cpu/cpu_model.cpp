#include "trainer/cpu/cpu_model.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <new>

namespace scalelab::trainer::cpu {

SimdLevel default_cpu_kernel_level() {
  const std::vector<SimdLevel> built = cpu_kernel_levels();  // <= the CPU's level, ascending
  const SimdLevel wanted = selected_simd_level();
  SimdLevel level = SimdLevel::kGeneric;
  for (SimdLevel l : built)
    if (l <= wanted) level = l;
  return level;
}

namespace {

// Hands out 64-byte aligned pieces of one allocation: first counts (base == nullptr), then
// carves.
template <typename T>
class Carver {
 public:
  explicit Carver(T* base) : base_(base) {}
  T* take(std::int64_t n) {
    T* p = base_ ? base_ + used_ : nullptr;
    constexpr std::int64_t kAlign = 64 / static_cast<std::int64_t>(sizeof(T));
    used_ += (n + kAlign - 1) / kAlign * kAlign;
    return p;
  }
  std::int64_t used() const { return used_; }

 private:
  T* base_;
  std::int64_t used_ = 0;
};

}  // namespace

template <typename T>
CpuModel<T>::CpuModel(const ModelShape& shape, int max_batch, SimdLevel level)
    : shape_(shape),
      layout_(model_layout(shape)),
      max_batch_(max_batch),
      kernels_(&cpu_kernels<T>(level)) {
  shape_.validate();
  const std::int64_t N = static_cast<std::int64_t>(max_batch) * shape.seq_len;
  const std::int64_t d = shape.d_model, a = shape.d_attn(), f = shape.d_ff, Tn = shape.seq_len,
                     V = shape.vocab_size;
  const bool llama = shape.arch == Arch::kLlama;
  const int hd = shape.head_dim;
  params_.assign(layout_.total, T(0));
  grads_.assign(layout_.total, T(0));
  inputs_.resize(N);
  targets_.resize(N);
  resid_.resize(shape.n_layer + 1);
  layers_.resize(shape.n_layer);

  ModelView<T>& v = view_;
  // Two rounds: the first counts the arena's size, the second carves it.
  for (int round = 0; round < 2; ++round) {
    Carver<T> c(round == 0 ? nullptr : arena_.get());
    for (T*& r : resid_) r = c.take(N * d);
    for (LayerActivations<T>& l : layers_) {
      l.norm1 = c.take(N * d);
      l.mean1 = c.take(N);
      l.rstd1 = c.take(N);
      l.qkv = c.take(N * 3 * a);
      l.probs = c.take(static_cast<std::int64_t>(max_batch) * shape.n_head * Tn * Tn);
      l.att = c.take(N * a);
      l.resid_mid = c.take(N * d);
      l.norm2 = c.take(N * d);
      l.mean2 = c.take(N);
      l.rstd2 = c.take(N);
      l.h = c.take(N * (llama ? 2 * f : f));
      l.g = c.take(N * f);
    }
    v.normf = c.take(N * d);
    v.meanf = c.take(N);
    v.rstdf = c.take(N);
    v.logits = c.take(N * V);
    v.losses = c.take(N);
    v.dresid = c.take(N * d);
    v.dnorm = c.take(N * d);
    v.dqkv = c.take(N * 3 * a);
    v.datt = c.take(N * a);
    v.dh = c.take(N * (llama ? 2 * f : f));
    v.dg = c.take(N * f);
    v.attention_scratch_threads = omp_get_max_threads();
    v.attention_scratch = c.take(static_cast<std::int64_t>(v.attention_scratch_threads) * Tn * Tn);
    T* rope = c.take(llama ? Tn * hd : 0);
    if (round == 0) {
      const auto bytes = static_cast<std::size_t>(c.used()) * sizeof(T);
      arena_.reset(static_cast<T*>(std::aligned_alloc(64, std::max<std::size_t>(bytes, 64))));
      if (!arena_) throw std::bad_alloc();
      std::fill(arena_.get(), arena_.get() + c.used(), T(0));
      continue;
    }
    v.rope = rope;
    if (llama) {
      const int half = hd / 2;
      for (int t = 0; t < Tn; ++t)
        for (int i = 0; i < half; ++i) {
          // Angles in double so float and double models see the same rotation.
          const double theta = t * std::pow(10000.0, -2.0 * i / hd);
          rope[t * hd + 2 * i] = static_cast<T>(std::cos(theta));
          rope[t * hd + 2 * i + 1] = static_cast<T>(std::sin(theta));
        }
    }
  }
  v.llama = llama;
  v.n_layer = shape.n_layer;
  v.seq_len = shape.seq_len;
  v.d_model = shape.d_model;
  v.n_head = shape.n_head;
  v.head_dim = shape.head_dim;
  v.d_ff = shape.d_ff;
  v.vocab = shape.vocab_size;
  v.max_batch = max_batch;
  v.offsets = layout_.layers.data();
  v.wte = layout_.wte;
  v.wpe = layout_.wpe;
  v.final_norm_w = layout_.final_norm_w;
  v.final_norm_b = layout_.final_norm_b;
  v.head = layout_.head;
  v.params = params_.data();
  v.grads = grads_.data();
  v.inputs = inputs_.data();
  v.targets = targets_.data();
  v.resid = resid_.data();
  v.layers = layers_.data();
}

template <typename T>
void CpuModel<T>::zero_grads() {
  std::fill(grads_.begin(), grads_.end(), T(0));
}

template <typename T>
double CpuModel<T>::forward(const std::int32_t* tokens, int batch) {
  batch_ = batch;
  view_.params = params_.data();  // in case a caller replaced the vectors
  view_.grads = grads_.data();
  return kernels_->forward(view_, tokens, batch);
}

template <typename T>
void CpuModel<T>::backward(T scale) {
  view_.params = params_.data();
  view_.grads = grads_.data();
  kernels_->backward(view_, batch_, scale);
}

template class CpuModel<float>;
template class CpuModel<double>;

}  // namespace scalelab::trainer::cpu
