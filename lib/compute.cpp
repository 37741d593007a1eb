#include "lib/compute.hpp"

#include <cmath>

namespace scalelab {

ParamCounts count_params(const ModelShape& s) {
  const std::int64_t V = s.vocab_size, T = s.seq_len, d = s.d_model, a = s.d_attn(), f = s.d_ff,
                     L = s.n_layer;
  ParamCounts c;
  std::int64_t per_layer = 0, final_norm = 0;
  if (s.arch == Arch::kGpt2) {
    c.embedding = V * d + T * d;
    per_layer = 2 * d + (d * 3 * a + 3 * a) + (a * d + d) + 2 * d + (d * f + f) + (f * d + d);
    final_norm = 2 * d;
  } else {
    c.embedding = V * d;
    per_layer = d + 3 * d * a + a * d + d + 3 * d * f;
    final_norm = d;
  }
  if (!s.tied_embeddings) c.embedding += V * d;
  c.non_embedding = L * per_layer + final_norm;
  c.total = c.embedding + c.non_embedding;
  return c;
}

double chinchilla_forward_flops_per_token(const ModelShape& s) {
  const double V = s.vocab_size, T = s.seq_len, d = s.d_model, a = s.d_attn(), f = s.d_ff,
               h = s.n_head, L = s.n_layer;
  const double embeddings = 2.0 * V * d;
  const double qkv = 2.0 * 3.0 * d * a;
  const double logits_qk = 2.0 * T * a;
  const double softmax = 3.0 * h * T;
  const double softmax_v = 2.0 * T * a;
  const double out_proj = 2.0 * a * d;
  const double mlp_matrices = s.arch == Arch::kLlama ? 3.0 : 2.0;
  const double dense = 2.0 * mlp_matrices * d * f;
  const double head = 2.0 * d * V;
  return embeddings + L * (qkv + logits_qk + softmax + softmax_v + out_proj + dense) + head;
}

FlopsPerToken flops_per_token(const ModelShape& s) {
  const ParamCounts p = count_params(s);
  FlopsPerToken f;
  f.six_n = training_flops_6nd(static_cast<double>(p.total), 1.0);
  f.kaplan = 6.0 * static_cast<double>(p.non_embedding) +
             6.0 * s.n_layer * static_cast<double>(s.seq_len) * s.d_attn();
  f.chinchilla = 3.0 * chinchilla_forward_flops_per_token(s);
  return f;
}

double params_at_tokens_per_param_6nd(double flops, double tokens_per_param) {
  return std::sqrt(flops / (6.0 * tokens_per_param));
}

}  // namespace scalelab
