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

// ---- The convention C = 6·N·D -------------------------------------------------------------
// Training a dense transformer costs 6 FLOPs per parameter per token: forward 2·N·D, backward
// 4·N·D (Kaplan et al. 2020 §2.1; Hoffmann et al. 2022). scalelab's N is the TOTAL parameter
// count (Chinchilla's convention): every caller passes total parameters, except Kaplan's own
// law and allocation (lib/scaling_law.hpp), whose N is his non-embedding count and which use
// the same 6·N·D with it. These are the only places the factor 6 is written; the exact
// per-token counts of a concrete shape are flops_per_token() above.

// C = 6·N·D: the training FLOPs of N parameters on D tokens.
inline double training_flops_6nd(double params, double tokens) { return 6.0 * params * tokens; }

// D = C / (6·N): the tokens a budget of C FLOPs trains at N parameters.
inline double tokens_for_budget_6nd(double flops, double params) { return flops / (6.0 * params); }

// N·D = C / 6: the product of parameters and tokens that a budget fixes (constant along an
// IsoFLOP profile).
inline double params_tokens_product_6nd(double flops) { return flops / 6.0; }

// N = sqrt(C / (6·r)): the parameters of the split of C at r = D/N tokens per parameter
// (Chinchilla's rule of thumb r ≈ 20); its D is tokens_for_budget_6nd(C, N) = r·N.
double params_at_tokens_per_param_6nd(double flops, double tokens_per_param);

// Inference (forward pass only) costs 2 FLOPs per parameter per token: 2·N·T for T tokens
// served (Kaplan et al. 2020 §2.1; Sardana et al. 2024 add it to the training cost).
inline double inference_flops_2nt(double params, double inference_tokens) {
  return 2.0 * params * inference_tokens;
}

}  // namespace scalelab
