// scalelab shape: choose a shape for N parameters, or count a given shape.
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli.hpp"
#include "apps/shape_options.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/shape_search.hpp"

namespace scalelab::apps {

int run_shape(const Args& args) {
  OptionParser p(
      "scalelab shape (--params N | --n-layer L --d-model D --n-head H) [options]",
      "With --params, chooses a concrete shape for about N parameters (d_model on a grid of\n"
      "multiples of 16/32/64/128, aspect ratio d_model/n_layer inside the band) and reports its\n"
      "exact count and the deviation from N. With a full shape, reports its counts.\n"
      "Both print parameters (total, non-embedding = Kaplan's N, embedding) and training FLOPs\n"
      "per token by three conventions: 6N, Kaplan (6N_ne + 6·n_layer·T·d_attn) and Chinchilla\n"
      "Appendix F (forward + 2x backward, with attention and logits).");
  p.add()("params", po::value<double>(), "target parameter count (e.g. 1.2e8)");
  add_shape_search_options(p, 256, 256);
  add_explicit_shape_options(p);
  p.add_format_option();
  if (!p.parse(args)) return 0;
  const Format format = p.format();

  ShapeChoice choice;
  const bool searched = p.has("params");
  if (searched == has_explicit_shape(p))
    throw InputError("give either --params N or a full shape (--n-layer, --d-model, --n-head)");
  if (searched) {
    choice = choose_shape(p.get<double>("params"), shape_search_options(p));
  } else {
    choice.shape = explicit_shape(p);
    choice.counts = count_params(choice.shape);
  }
  const ModelShape& s = choice.shape;
  const ParamCounts& c = choice.counts;
  const FlopsPerToken f = flops_per_token(s);

  if (format == Format::kJson) {
    nlohmann::json doc = {
        {"params", c.total},
        {"non_embedding_params", c.non_embedding},
        {"embedding_params", c.embedding},
        {"flops_per_token", {{"6n", f.six_n}, {"kaplan", f.kaplan}, {"chinchilla", f.chinchilla}}},
        {"shape", s}};
    if (searched) {
      doc["target_params"] = choice.target_params;
      doc["deviation"] = choice.deviation;
      doc["in_aspect_band"] = choice.in_aspect_band;
    }
    print_json(std::cout, doc);
    return 0;
  }
  Table t({"arch", "n_layer", "d_model", "n_head", "head_dim", "d_ff", "vocab_size", "seq_len",
           "tied", "params", "non_embedding_params", "embedding_params", "flops_per_token_6n",
           "flops_per_token_kaplan", "flops_per_token_chinchilla", "target_params", "deviation"});
  t.add_row({Cell::text(std::string(arch_name(s.arch))), Cell::integer(s.n_layer),
             Cell::integer(s.d_model), Cell::integer(s.n_head), Cell::integer(s.head_dim),
             Cell::integer(s.d_ff), Cell::integer(s.vocab_size), Cell::integer(s.seq_len),
             Cell::text(s.tied_embeddings ? "yes" : "no"), Cell::integer(c.total),
             Cell::integer(c.non_embedding), Cell::integer(c.embedding), Cell::si(f.six_n),
             Cell::si(f.kaplan), Cell::si(f.chinchilla),
             searched ? Cell::si(choice.target_params) : Cell::text(""),
             searched ? Cell::fixed(choice.deviation, 4) : Cell::text("")});
  t.print(std::cout, format);
  return 0;
}

}  // namespace scalelab::apps
