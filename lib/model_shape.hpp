// The concrete shape of a decoder-only transformer, shared by the planner, the trainer and
// the compute accounting, so that all three agree on every parameter.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace scalelab {

enum class Arch {
  kLlama,  // pre-norm RMSNorm, RoPE, SwiGLU MLP, no biases, untied head by default
  kGpt2,   // pre-norm LayerNorm with biases, learned positions, GELU MLP, tied embeddings
};

std::string_view arch_name(Arch arch);
// Accepts "llama" and "gpt2"; throws InputError naming `what` otherwise.
Arch parse_arch(std::string_view text, std::string_view what = "--arch");

struct ModelShape {
  Arch arch = Arch::kLlama;
  int vocab_size = 256;  // the byte-level tokenizer's vocabulary
  int seq_len = 256;     // context length T
  int n_layer = 2;
  int d_model = 64;
  int n_head = 4;
  int head_dim = 16;             // attention width d_attn = n_head * head_dim
  int d_ff = 192;                // hidden width of the MLP (SwiGLU: each of w1, w3)
  bool tied_embeddings = false;  // output head shares the token embedding

  int d_attn() const { return n_head * head_dim; }
  // Throws InputError naming the first field that is out of range.
  void validate() const;
  // "llama L4 d128 h8x16 ff384 V256 T256 untied"
  std::string summary() const;
  bool operator==(const ModelShape&) const = default;
};

// Default d_ff for an architecture: 4·d (gpt2) or 8/3·d rounded up to a multiple of 64
// (llama, SwiGLU; of 16 below d_model 256 so that tiny models stay tiny).
int default_d_ff(Arch arch, int d_model);
// Default head width: 16 below d_model 128, 32 below 256, 64 up to 2048, 128 from 2048.
int default_head_dim(int d_model);

// JSON with keys arch, vocab_size, seq_len, n_layer, d_model, n_head, head_dim, d_ff,
// tied_embeddings (a documented interface).
void to_json(nlohmann::json& j, const ModelShape& shape);
void from_json(const nlohmann::json& j, ModelShape& shape);

}  // namespace scalelab
