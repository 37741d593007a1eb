#include "apps/shape_options.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"

namespace scalelab::apps {

void add_shape_search_options(OptionParser& p, int default_vocab, int default_seq_len) {
  p.add()("arch", po::value<std::string>()->default_value("llama"),
          "model family: llama (RMSNorm, RoPE, SwiGLU, untied) or gpt2 (LayerNorm, learned "
          "positions, GELU, tied)")(
      "vocab", po::value<int>()->default_value(default_vocab),
      "vocabulary size (256: the built-in corpus with the byte-level tokenizer)")(
      "seq-len", po::value<int>()->default_value(default_seq_len), "context length T")(
      "tied", "tie the output head to the token embedding (default for gpt2)")(
      "untied", "separate output head (default for llama)")(
      "min-aspect", po::value<double>()->default_value(32.0),
      "smallest preferred d_model / n_layer")("max-aspect",
                                              po::value<double>()->default_value(128.0),
                                              "largest preferred d_model / n_layer");
}

namespace {

std::optional<bool> tied_option(const OptionParser& p) {
  if (p.has("tied") && p.has("untied")) throw InputError("--tied and --untied: give at most one");
  if (p.has("tied")) return true;
  if (p.has("untied")) return false;
  return std::nullopt;
}

}  // namespace

ShapeSearchOptions shape_search_options(const OptionParser& p) {
  ShapeSearchOptions o;
  o.arch = parse_arch(p.get<std::string>("arch"));
  o.vocab_size = p.get<int>("vocab");
  o.seq_len = p.get<int>("seq-len");
  o.tied_embeddings = tied_option(p);
  o.min_aspect = p.get<double>("min-aspect");
  o.max_aspect = p.get<double>("max-aspect");
  if (o.vocab_size < 2 || o.vocab_size > 1 << 24)
    throw InputError(fmt::format("--vocab: {} (accepted: 2 to 16777216)", o.vocab_size));
  if (o.seq_len < 1 || o.seq_len > 1 << 20)
    throw InputError(fmt::format("--seq-len: {} (accepted: 1 to 1048576)", o.seq_len));
  return o;
}

void add_explicit_shape_options(OptionParser& p) {
  p.add()("n-layer", po::value<int>(), "number of transformer blocks")(
      "d-model", po::value<int>(), "residual stream width")("n-head", po::value<int>(),
                                                            "attention heads")(
      "head-dim", po::value<int>(), "width of one head (default d_model / n_head)")(
      "d-ff", po::value<int>(),
      "MLP hidden width (default 4·d for gpt2, 8/3·d rounded up for llama)");
}

bool has_explicit_shape(const OptionParser& p) {
  return p.has("n-layer") || p.has("d-model") || p.has("n-head");
}

ModelShape explicit_shape(const OptionParser& p) {
  for (const char* name : {"n-layer", "d-model", "n-head"})
    if (!p.has(name))
      throw InputError(
          fmt::format("--{}: missing (a full shape needs --n-layer, --d-model and "
                      "--n-head)",
                      name));
  const ShapeSearchOptions o = shape_search_options(p);
  ModelShape s;
  s.arch = o.arch;
  s.vocab_size = o.vocab_size;
  s.seq_len = o.seq_len;
  s.n_layer = p.get<int>("n-layer");
  s.d_model = p.get<int>("d-model");
  s.n_head = p.get<int>("n-head");
  if (s.n_head < 1) throw InputError(fmt::format("--n-head: {} (accepted: >= 1)", s.n_head));
  if (p.has("head-dim")) {
    s.head_dim = p.get<int>("head-dim");
  } else {
    if (s.d_model % s.n_head != 0)
      throw InputError(fmt::format("--n-head: {} does not divide --d-model {} (or give --head-dim)",
                                   s.n_head, s.d_model));
    s.head_dim = s.d_model / s.n_head;
  }
  s.d_ff = p.has("d-ff") ? p.get<int>("d-ff") : default_d_ff(s.arch, s.d_model);
  s.tied_embeddings = o.tied_embeddings.value_or(s.arch == Arch::kGpt2);
  s.validate();
  return s;
}

}  // namespace scalelab::apps
