// Exact parameter and FLOP counts for a ModelShape.
//
// Parameter layout (what the trainer allocates, tensor for tensor):
//   gpt2:  wte V·d, wpe T·d; per layer ln1 (2d), qkv d·3a + 3a, proj a·d + d, ln2 (2d),
//          fc d·f + f, fc_proj f·d + d; final LayerNorm 2d; head V·d only when untied.
//   llama: tok_emb V·d; per layer attn_norm d, wq/wk/wv d·a each, wo a·d, ffn_norm d,
//          w1 and w3 d·f each, w2 f·d; final RMSNorm d; head V·d unless tied.
// (a = n_head·head_dim, f = d_ff.) GPT-2 small comes out at 124,439,808.
#pragma once

#include <cstdint>

#include "lib/model_shape.hpp"

namespace scalelab {

struct ParamCounts {
  std::int64_t total = 0;
  // Token and position embeddings plus an untied output head.
  std::int64_t embedding = 0;
  // total - embedding: Kaplan et al.'s N (norms and biases included).
  std::int64_t non_embedding = 0;
};

ParamCounts count_params(const ModelShape& shape);

// Training FLOPs per token under three conventions (forward + backward).
struct FlopsPerToken {
  // 6·N with N the total parameter count: the C = 6ND of Chinchilla.
  double six_n = 0;
  // Kaplan et al. 2020, Table 1: 6·N_non-embedding + 6·n_layer·n_ctx·d_attn.
  double kaplan = 0;
  // Hoffmann et al. 2022, Appendix F: embeddings, attention (QKV, QK^T logits, softmax,
  // softmax·V, output projection), dense block and logits counted for the forward pass,
  // backward = 2 × forward. Attention is counted over the full T×T matrix, as there.
  // SwiGLU's three matrices count as 3 instead of 2 in the dense block.
  double chinchilla = 0;
};

FlopsPerToken flops_per_token(const ModelShape& shape);

// Forward-pass FLOPs per token of the Appendix F count (chinchilla / 3).
double chinchilla_forward_flops_per_token(const ModelShape& shape);

// C = 6·N·D with N = total parameters.
inline double training_flops_6nd(double params, double tokens) { return 6.0 * params * tokens; }

}  // namespace scalelab
