#include "lib/model_shape.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "lib/error.hpp"

namespace scalelab {

std::string_view arch_name(Arch arch) { return arch == Arch::kGpt2 ? "gpt2" : "llama"; }

Arch parse_arch(std::string_view text, std::string_view what) {
  if (text == "llama") return Arch::kLlama;
  if (text == "gpt2") return Arch::kGpt2;
  throw InputError(
      fmt::format("{}: unknown architecture '{}' (accepted: llama, gpt2)", what, text));
}

void ModelShape::validate() const {
  auto require = [](bool ok, std::string_view field, long value, std::string_view accepted) {
    if (!ok) throw InputError(fmt::format("model shape: {} = {} ({})", field, value, accepted));
  };
  require(vocab_size >= 2, "vocab_size", vocab_size, "at least 2");
  require(seq_len >= 1, "seq_len", seq_len, "at least 1");
  require(n_layer >= 1, "n_layer", n_layer, "at least 1");
  require(d_model >= 1, "d_model", d_model, "at least 1");
  require(n_head >= 1, "n_head", n_head, "at least 1");
  require(head_dim >= 2 && head_dim % 2 == 0, "head_dim", head_dim, "an even number >= 2");
  require(d_ff >= 1, "d_ff", d_ff, "at least 1");
}

std::string ModelShape::summary() const {
  return fmt::format("{} L{} d{} h{}x{} ff{} V{} T{} {}", arch_name(arch), n_layer, d_model, n_head,
                     head_dim, d_ff, vocab_size, seq_len, tied_embeddings ? "tied" : "untied");
}

int default_d_ff(Arch arch, int d_model) {
  if (arch == Arch::kGpt2) return 4 * d_model;
  const int multiple = d_model < 256 ? 16 : 64;
  const int raw = (8 * d_model + 2) / 3;  // ceil(8/3 d)
  return (raw + multiple - 1) / multiple * multiple;
}

int default_head_dim(int d_model) {
  if (d_model < 128) return 16;
  if (d_model < 256) return 32;
  if (d_model < 2048) return 64;
  return 128;
}

void to_json(nlohmann::json& j, const ModelShape& s) {
  j = nlohmann::json{{"arch", arch_name(s.arch)},
                     {"vocab_size", s.vocab_size},
                     {"seq_len", s.seq_len},
                     {"n_layer", s.n_layer},
                     {"d_model", s.d_model},
                     {"n_head", s.n_head},
                     {"head_dim", s.head_dim},
                     {"d_ff", s.d_ff},
                     {"tied_embeddings", s.tied_embeddings}};
}

void from_json(const nlohmann::json& j, ModelShape& s) {
  s.arch = parse_arch(j.at("arch").get<std::string>(), "shape.arch");
  s.vocab_size = j.at("vocab_size").get<int>();
  s.seq_len = j.at("seq_len").get<int>();
  s.n_layer = j.at("n_layer").get<int>();
  s.d_model = j.at("d_model").get<int>();
  s.n_head = j.at("n_head").get<int>();
  s.head_dim = j.at("head_dim").get<int>();
  s.d_ff = j.at("d_ff").get<int>();
  s.tied_embeddings = j.at("tied_embeddings").get<bool>();
}

}  // namespace scalelab
