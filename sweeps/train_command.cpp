#include "sweeps/train_command.hpp"

#include <fmt/format.h>

#include <vector>

#include "lib/error.hpp"
#include "sweeps/run_spec.hpp"

namespace scalelab::sweeps {

namespace {

// A word that /bin/sh reads as itself needs no quotes.
std::string word(const std::string& w) {
  for (const char ch : w) {
    const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                       (ch >= '0' && ch <= '9') || std::string_view("_-+./:=,@").find(ch) !=
                                                       std::string_view::npos;
    if (!plain) return shell_quote(w);
  }
  return w.empty() ? shell_quote(w) : w;
}

}  // namespace

std::string train_command(const trainer::TrainConfig& c, const std::string& out_dir) {
  if (c.adamw.eps != trainer::AdamWOptions{}.eps)
    throw InputError(fmt::format("train command: AdamW eps {} is not a `scalelab train` option "
                                 "(it always uses {})",
                                 c.adamw.eps, trainer::AdamWOptions{}.eps));
  // fmt's "{}" of a double is its shortest representation that reads back exactly.
  std::vector<std::pair<std::string, std::string>> flags = {
      {"arch", std::string(arch_name(c.shape.arch))},
      {"n-layer", fmt::format("{}", c.shape.n_layer)},
      {"d-model", fmt::format("{}", c.shape.d_model)},
      {"n-head", fmt::format("{}", c.shape.n_head)},
      {"head-dim", fmt::format("{}", c.shape.head_dim)},
      {"d-ff", fmt::format("{}", c.shape.d_ff)},
      {"seq-len", fmt::format("{}", c.shape.seq_len)},
      {"vocab", fmt::format("{}", c.shape.vocab_size)},
      {"data", c.data.source}};
  if (c.data.source == "synthetic") {
    flags.push_back({"markov-order", fmt::format("{}", c.data.markov.order)});
    flags.push_back({"markov-branching", fmt::format("{}", c.data.markov.branching)});
    flags.push_back({"markov-seed", fmt::format("{}", c.data.markov.seed)});
  }
  flags.insert(flags.end(),
               {{"tokens", fmt::format("{}", c.tokens)},
                {"batch-tokens", fmt::format("{}", c.batch_tokens)},
                {"micro-batch", fmt::format("{}", c.micro_batch)},
                {"schedule", std::string(trainer::schedule_name(c.schedule.kind))},
                {"lr", fmt::format("{}", c.schedule.peak_lr)},
                {"warmup-steps", fmt::format("{}", c.schedule.warmup_steps)},
                {"warmup-fraction", fmt::format("{}", c.warmup_fraction)},
                {"final-lr-fraction", fmt::format("{}", c.schedule.final_lr_fraction)},
                {"cooldown-fraction", fmt::format("{}", c.schedule.cooldown_fraction)},
                {"beta1", fmt::format("{}", c.adamw.beta1)},
                {"beta2", fmt::format("{}", c.adamw.beta2)},
                {"weight-decay", fmt::format("{}", c.adamw.weight_decay)},
                {"grad-clip", fmt::format("{}", c.grad_clip)},
                {"seed", fmt::format("{}", c.seed)},
                {"eval-every", fmt::format("{}", c.eval_every)},
                {"eval-tokens", fmt::format("{}", c.eval_tokens)},
                {"checkpoint-every", fmt::format("{}", c.checkpoint_every)},
                {"stop-fraction", fmt::format("{}", c.stop_fraction)},
                {"device", c.device},
                {"threads", fmt::format("{}", c.threads)},
                {"out", out_dir}});
  std::string out = "scalelab train";
  for (const auto& [name, value] : flags) out += " --" + name + " " + word(value);
  out += c.shape.tied_embeddings ? " --tied" : " --untied";
  return out;
}

}  // namespace scalelab::sweeps
