// Choosing a concrete transformer shape for a target parameter count.
#pragma once

#include <optional>

#include "lib/compute.hpp"
#include "lib/model_shape.hpp"

namespace scalelab {

struct ShapeSearchOptions {
  Arch arch = Arch::kLlama;
  int vocab_size = 256;  // the byte-level tokenizer's vocabulary
  int seq_len = 256;
  // Default: tied for gpt2, untied for llama.
  std::optional<bool> tied_embeddings;
  // Preferred band of the aspect ratio d_model / n_layer. 32 to 128 follows published
  // practice for small models (Kaplan et al. 2020 find loss flat across a wide band;
  // GPT-2 small is 64). Shapes outside the band are chosen only when none inside exists.
  double min_aspect = 32.0;
  double max_aspect = 128.0;
  int min_layers = 1;
  int max_layers = 256;
  int max_d_model = 65536;
  // 0: the head width grows with d_model (default_head_dim: 16 below 128, ...), and d_model
  // steps by it. Otherwise every shape has heads this wide and d_model steps by it: a finer
  // ladder of tiny models (head_dim 8: d_model 16, 24, 32, ...).
  int head_dim = 0;
};

struct ShapeChoice {
  ModelShape shape;
  ParamCounts counts;
  double target_params = 0;
  double deviation = 0;  // (counts.total - target) / target
  bool in_aspect_band = true;
};

// d_model steps: 16 below 128 (head_dim 16), 32 below 256 (head_dim 32), 64 below 2048
// (head_dim 64), 128 from 2048 (head_dim 128), or options.head_dim when set, starting at
// 2 heads' width (16 by default); n_layer within [min_layers, max_layers]; n_head =
// d_model / head_dim; d_ff from
// default_d_ff. Minimises |log(N / target)| among shapes inside the aspect band (ties: the
// aspect ratio nearest the band's geometric centre). When no shape in the band comes within
// 10% of the target (tiny models), minimises |log(N / target)| + the log-distance of the
// aspect ratio outside the band instead, and says so in in_aspect_band.
// Throws InputError for a non-finite or non-positive target, or options out of range.
ShapeChoice choose_shape(double target_params, const ShapeSearchOptions& options = {});

}  // namespace scalelab
