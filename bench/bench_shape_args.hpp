// Shape options shared by the trainer benchmarks and the PyTorch case exporter:
// --arch --vocab --seq-len --n-layer --d-model --n-head --head-dim --d-ff --tied|--untied.
// Unset widths follow lib/model_shape.hpp's defaults. Bench programs only (apps/ has its
// own option parsing, which bench/ must not depend on).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "lib/error.hpp"
#include "lib/model_shape.hpp"

namespace scalelab::bench {

// Parses an int option value; throws InputError naming the option.
inline int parse_int_option(const std::string& name, const std::string& value) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < 0 || v > 1L << 30)
    throw InputError(fmt::format("{} {}: expected a non-negative integer", name, value));
  return static_cast<int>(v);
}

// Parses a positive, finite number option value; throws InputError naming the option.
inline double parse_positive_option(const std::string& name, const std::string& value) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(v > 0) || !std::isfinite(v))
    throw InputError(fmt::format("{} {}: expected a positive number", name, value));
  return v;
}

struct ShapeArgs {
  ModelShape shape;
  bool head_dim_set = false, d_ff_set = false, tied_set = false, n_head_set = false;

  // Consumes argv[i] (and its value) when it is a shape option; returns false otherwise.
  bool consume(int argc, char** argv, int& i) {
    const std::string a = argv[i];
    if (a == "--tied" || a == "--untied") {
      shape.tied_embeddings = a == "--tied";
      tied_set = true;
      return true;
    }
    const char* names[] = {"--arch",    "--vocab",  "--seq-len",  "--n-layer",
                           "--d-model", "--n-head", "--head-dim", "--d-ff"};
    bool known = false;
    for (const char* n : names) known = known || a == n;
    if (!known) return false;
    if (i + 1 >= argc) throw InputError(fmt::format("{}: missing value", a));
    const std::string v = argv[++i];
    if (a == "--arch") {
      shape.arch = parse_arch(v);
      if (!tied_set) shape.tied_embeddings = shape.arch == Arch::kGpt2;
    } else if (a == "--vocab") {
      shape.vocab_size = parse_int_option(a, v);
    } else if (a == "--seq-len") {
      shape.seq_len = parse_int_option(a, v);
    } else if (a == "--n-layer") {
      shape.n_layer = parse_int_option(a, v);
    } else if (a == "--d-model") {
      shape.d_model = parse_int_option(a, v);
    } else if (a == "--n-head") {
      shape.n_head = parse_int_option(a, v);
      n_head_set = true;
    } else if (a == "--head-dim") {
      shape.head_dim = parse_int_option(a, v);
      head_dim_set = true;
    } else {
      shape.d_ff = parse_int_option(a, v);
      d_ff_set = true;
    }
    return true;
  }

  // Fills the defaults of unset widths and validates.
  ModelShape finish() {
    if (!head_dim_set) shape.head_dim = default_head_dim(shape.d_model);
    if (!n_head_set) shape.n_head = std::max(1, shape.d_model / shape.head_dim);
    if (!d_ff_set) shape.d_ff = default_d_ff(shape.arch, shape.d_model);
    shape.validate();
    return shape;
  }
};

}  // namespace scalelab::bench
