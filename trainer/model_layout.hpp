// The flat parameter vector every backend uses: which tensor lives where, its shape, whether
// AdamW decays it, and the deterministic GPT-2-style initialisation.
//
// All parameters live in one contiguous float vector, tensor after tensor, in the order
// lib/compute.hpp documents (so count_params(shape).total == layout.total, tested):
//   gpt2:  wte (V,d), wpe (T,d); per layer ln1.w (d), ln1.b (d), qkv.w (3a,d), qkv.b (3a),
//          proj.w (d,a), proj.b (d), ln2.w, ln2.b, fc.w (f,d), fc.b (f), fc_proj.w (d,f),
//          fc_proj.b (d); lnf.w, lnf.b; head (V,d) only when untied.
//   llama: wte (V,d); per layer attn_norm.w (d), wq (a,d), wk (a,d), wv (a,d), wo (d,a),
//          ffn_norm.w (d), w1 (f,d), w3 (f,d), w2 (d,f); norm_f.w (d); head (V,d) unless tied.
// Matrices are row-major (out, in), as torch.nn.Linear stores them: y = x · Wᵀ + b.
// Because wq, wk, wv are adjacent they form one (3a, d) matrix whose product gives q|k|v,
// and w1, w3 form one (2f, d) matrix giving h1|h3; backends may use them that way.
// Exported gradients, AdamW moments and checkpoints use this same layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/model_shape.hpp"

namespace scalelab::trainer {

struct TensorInfo {
  std::string name;         // e.g. "layers.3.wq", "wte"
  std::int64_t offset = 0;  // first element in the flat vector
  std::int64_t rows = 1;    // 1 for vectors
  std::int64_t cols = 0;
  bool weight_decay = false;  // AdamW decays matrices and embeddings, not norms or biases
  double init_std = 0;        // > 0: N(0, init_std²); 0: every element is init_value
  double init_value = 0;
  std::int64_t size() const { return rows * cols; }
};

// Offsets of one block's tensors; -1 where the family has no such tensor.
struct LayerOffsets {
  std::int64_t norm1_w = -1, norm1_b = -1;
  std::int64_t qkv_w = -1, qkv_b = -1;    // (3a, d): gpt2 qkv.w, llama wq|wk|wv
  std::int64_t proj_w = -1, proj_b = -1;  // (d, a): gpt2 proj.w, llama wo
  std::int64_t norm2_w = -1, norm2_b = -1;
  std::int64_t fc_w = -1, fc_b = -1;            // gpt2 fc.w (f, d); llama w1|w3 (2f, d)
  std::int64_t fc_proj_w = -1, fc_proj_b = -1;  // (d, f): gpt2 fc_proj.w, llama w2
};

struct ModelLayout {
  std::vector<TensorInfo> tensors;
  std::int64_t total = 0;
  std::int64_t wte = 0, wpe = -1;
  std::vector<LayerOffsets> layers;
  std::int64_t final_norm_w = -1, final_norm_b = -1;
  std::int64_t head = 0;  // == wte when tied
};

ModelLayout model_layout(const ModelShape& shape);

// GPT-2 initialisation (Radford et al. 2019; nanoGPT): weights N(0, 0.02²), the two
// residual projections of each block (proj/wo, fc_proj/w2) N(0, (0.02/sqrt(2·n_layer))²),
// biases 0, norm weights 1. Drawn tensor by tensor in layout order from Rng(seed), so every
// backend starts from bitwise the same weights.
std::vector<float> initial_parameters(const ModelShape& shape, std::uint64_t seed);

// 1 for tensors AdamW decays, 0 otherwise, per element of the flat vector.
std::vector<std::uint8_t> weight_decay_mask(const ModelLayout& layout);

}  // namespace scalelab::trainer
