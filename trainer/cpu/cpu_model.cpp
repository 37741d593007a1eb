#include "trainer/cpu/cpu_model.hpp"

#include <algorithm>
#include <cmath>

#include "trainer/cpu/layers.hpp"

namespace scalelab::trainer::cpu {

namespace {
template <typename T>
void zero(std::vector<T>& v) {
  std::fill(v.begin(), v.end(), T(0));
}
}  // namespace

template <typename T>
CpuModel<T>::CpuModel(const ModelShape& shape, int max_batch)
    : shape_(shape), layout_(model_layout(shape)), max_batch_(max_batch) {
  shape_.validate();
  const std::int64_t N = static_cast<std::int64_t>(max_batch) * shape.seq_len;
  const std::int64_t d = shape.d_model, a = shape.d_attn(), f = shape.d_ff, Tn = shape.seq_len,
                     V = shape.vocab_size;
  const bool llama = shape.arch == Arch::kLlama;
  params_.assign(layout_.total, T(0));
  grads_.assign(layout_.total, T(0));
  inputs_.resize(N);
  targets_.resize(N);
  resid_.assign(shape.n_layer + 1, std::vector<T>(N * d));
  acts_.resize(shape.n_layer);
  for (LayerActs& l : acts_) {
    l.norm1.resize(N * d);
    l.mean1.resize(N);
    l.rstd1.resize(N);
    l.qkv.resize(N * 3 * a);
    l.probs.resize(static_cast<std::int64_t>(max_batch) * shape.n_head * Tn * Tn);
    l.att.resize(N * a);
    l.resid_mid.resize(N * d);
    l.norm2.resize(N * d);
    l.mean2.resize(N);
    l.rstd2.resize(N);
    l.h.resize(N * (llama ? 2 * f : f));
    l.g.resize(N * f);
  }
  normf_.resize(N * d);
  meanf_.resize(N);
  rstdf_.resize(N);
  logits_.resize(N * V);
  losses_.resize(N);
  dresid_.resize(N * d);
  dnorm_.resize(N * d);
  dqkv_.resize(N * 3 * a);
  datt_.resize(N * a);
  dh_.resize(N * (llama ? 2 * f : f));
  dg_.resize(N * f);
  if (llama) {
    const int hd = shape.head_dim, half = hd / 2;
    rope_.resize(Tn * hd);
    for (int t = 0; t < Tn; ++t)
      for (int i = 0; i < half; ++i) {
        // Angles in double so float and double models see the same rotation.
        const double theta = t * std::pow(10000.0, -2.0 * i / hd);
        rope_[t * hd + 2 * i] = static_cast<T>(std::cos(theta));
        rope_[t * hd + 2 * i + 1] = static_cast<T>(std::sin(theta));
      }
  }
}

template <typename T>
void CpuModel<T>::zero_grads() {
  zero(grads_);
}

template <typename T>
double CpuModel<T>::forward(const std::int32_t* tokens, int batch) {
  const ModelShape& s = shape_;
  const int Tn = s.seq_len, d = s.d_model, a = s.d_attn(), f = s.d_ff, V = s.vocab_size;
  const std::int64_t N = static_cast<std::int64_t>(batch) * Tn;
  const bool llama = s.arch == Arch::kLlama;
  batch_ = batch;
  for (int b = 0; b < batch; ++b)
    for (int t = 0; t < Tn; ++t) {
      inputs_[b * Tn + t] = tokens[b * (Tn + 1) + t];
      targets_[b * Tn + t] = tokens[b * (Tn + 1) + t + 1];
    }
  const T* P = params_.data();
  auto at = [P](std::int64_t off) { return off < 0 ? nullptr : P + off; };

  embedding_forward(resid_[0].data(), inputs_.data(), P + layout_.wte, at(layout_.wpe), batch, Tn,
                    d);
  for (int l = 0; l < s.n_layer; ++l) {
    const LayerOffsets& o = layout_.layers[l];
    LayerActs& x = acts_[l];
    const T* in = resid_[l].data();
    if (llama)
      rmsnorm_forward(x.norm1.data(), x.rstd1.data(), in, P + o.norm1_w, N, d);
    else
      layernorm_forward(x.norm1.data(), x.mean1.data(), x.rstd1.data(), in, P + o.norm1_w,
                        P + o.norm1_b, N, d);
    matmul_forward(x.qkv.data(), x.norm1.data(), P + o.qkv_w, at(o.qkv_b), N, d, 3 * a);
    if (llama) rope_forward(x.qkv.data(), rope_.data(), batch, Tn, s.n_head, s.head_dim);
    attention_forward(x.att.data(), x.probs.data(), x.qkv.data(), batch, Tn, s.n_head, s.head_dim);
    // resid_mid temporarily holds the projection, then the sum.
    matmul_forward(x.resid_mid.data(), x.att.data(), P + o.proj_w, at(o.proj_b), N, a, d);
    residual_forward(x.resid_mid.data(), in, x.resid_mid.data(), N * d);
    if (llama) {
      rmsnorm_forward(x.norm2.data(), x.rstd2.data(), x.resid_mid.data(), P + o.norm2_w, N, d);
      matmul_forward(x.h.data(), x.norm2.data(), P + o.fc_w, static_cast<const T*>(nullptr), N, d,
                     2 * f);
      swiglu_forward(x.g.data(), x.h.data(), N, f);
    } else {
      layernorm_forward(x.norm2.data(), x.mean2.data(), x.rstd2.data(), x.resid_mid.data(),
                        P + o.norm2_w, P + o.norm2_b, N, d);
      matmul_forward(x.h.data(), x.norm2.data(), P + o.fc_w, P + o.fc_b, N, d, f);
      gelu_forward(x.g.data(), x.h.data(), N * f);
    }
    T* out = resid_[l + 1].data();
    matmul_forward(out, x.g.data(), P + o.fc_proj_w, at(o.fc_proj_b), N, f, d);
    residual_forward(out, x.resid_mid.data(), out, N * d);
  }
  const T* last = resid_[s.n_layer].data();
  if (llama)
    rmsnorm_forward(normf_.data(), rstdf_.data(), last, P + layout_.final_norm_w, N, d);
  else
    layernorm_forward(normf_.data(), meanf_.data(), rstdf_.data(), last, P + layout_.final_norm_w,
                      P + layout_.final_norm_b, N, d);
  matmul_forward(logits_.data(), normf_.data(), P + layout_.head, static_cast<const T*>(nullptr), N,
                 d, V);
  crossentropy_forward(losses_.data(), logits_.data(), targets_.data(), N, V);
  double sum = 0;  // fixed order, in double: the reported loss is reproducible
  for (std::int64_t n = 0; n < N; ++n) sum += static_cast<double>(losses_[n]);
  return sum / static_cast<double>(N);
}

template <typename T>
void CpuModel<T>::backward(T scale) {
  const ModelShape& s = shape_;
  const int batch = batch_, Tn = s.seq_len, d = s.d_model, a = s.d_attn(), f = s.d_ff,
            V = s.vocab_size;
  const std::int64_t N = static_cast<std::int64_t>(batch) * Tn;
  const bool llama = s.arch == Arch::kLlama;
  const T* P = params_.data();
  T* G = grads_.data();
  auto at = [G](std::int64_t off) { return off < 0 ? nullptr : G + off; };
  auto pat = [P](std::int64_t off) { return off < 0 ? nullptr : P + off; };
  auto clear = [N](std::vector<T>& v, std::int64_t width) {
    std::fill(v.begin(), v.begin() + N * width, T(0));
  };

  crossentropy_backward(logits_.data(), targets_.data(), scale / static_cast<T>(N), N, V);
  clear(dnorm_, d);
  matmul_backward(dnorm_.data(), G + layout_.head, static_cast<T*>(nullptr), logits_.data(),
                  normf_.data(), P + layout_.head, N, d, V);
  clear(dresid_, d);
  const T* last = resid_[s.n_layer].data();
  if (llama)
    rmsnorm_backward(dresid_.data(), G + layout_.final_norm_w, dnorm_.data(), last, rstdf_.data(),
                     P + layout_.final_norm_w, N, d);
  else
    layernorm_backward(dresid_.data(), G + layout_.final_norm_w, G + layout_.final_norm_b,
                       dnorm_.data(), last, meanf_.data(), rstdf_.data(), P + layout_.final_norm_w,
                       N, d);

  for (int l = s.n_layer - 1; l >= 0; --l) {
    const LayerOffsets& o = layout_.layers[l];
    LayerActs& x = acts_[l];
    // dresid_ holds d(block output); the residual passes it straight to resid_mid.
    clear(dg_, f);
    clear(dh_, llama ? 2 * f : f);
    clear(dnorm_, d);
    matmul_backward(dg_.data(), G + o.fc_proj_w, at(o.fc_proj_b), dresid_.data(), x.g.data(),
                    P + o.fc_proj_w, N, f, d);
    if (llama) {
      swiglu_backward(dh_.data(), x.h.data(), dg_.data(), N, f);
      matmul_backward(dnorm_.data(), G + o.fc_w, static_cast<T*>(nullptr), dh_.data(),
                      x.norm2.data(), P + o.fc_w, N, d, 2 * f);
      rmsnorm_backward(dresid_.data(), G + o.norm2_w, dnorm_.data(), x.resid_mid.data(),
                       x.rstd2.data(), P + o.norm2_w, N, d);
    } else {
      gelu_backward(dh_.data(), x.h.data(), dg_.data(), N * f);
      matmul_backward(dnorm_.data(), G + o.fc_w, G + o.fc_b, dh_.data(), x.norm2.data(), P + o.fc_w,
                      N, d, f);
      layernorm_backward(dresid_.data(), G + o.norm2_w, G + o.norm2_b, dnorm_.data(),
                         x.resid_mid.data(), x.mean2.data(), x.rstd2.data(), P + o.norm2_w, N, d);
    }
    // dresid_ now holds d(resid_mid); the residual passes it to the block input.
    clear(datt_, a);
    clear(dqkv_, 3 * a);
    clear(dnorm_, d);
    matmul_backward(datt_.data(), G + o.proj_w, at(o.proj_b), dresid_.data(), x.att.data(),
                    P + o.proj_w, N, a, d);
    attention_backward(dqkv_.data(), datt_.data(), x.qkv.data(), x.probs.data(), batch, Tn,
                       s.n_head, s.head_dim);
    if (llama) rope_backward(dqkv_.data(), rope_.data(), batch, Tn, s.n_head, s.head_dim);
    matmul_backward(dnorm_.data(), G + o.qkv_w, at(o.qkv_b), dqkv_.data(), x.norm1.data(),
                    P + o.qkv_w, N, d, 3 * a);
    const T* in = resid_[l].data();
    if (llama)
      rmsnorm_backward(dresid_.data(), G + o.norm1_w, dnorm_.data(), in, x.rstd1.data(),
                       P + o.norm1_w, N, d);
    else
      layernorm_backward(dresid_.data(), G + o.norm1_w, G + o.norm1_b, dnorm_.data(), in,
                         x.mean1.data(), x.rstd1.data(), pat(o.norm1_w), N, d);
  }
  embedding_backward(G + layout_.wte, at(layout_.wpe), dresid_.data(), inputs_.data(), batch, Tn,
                     d);
}

template class CpuModel<float>;
template class CpuModel<double>;

}  // namespace scalelab::trainer::cpu
