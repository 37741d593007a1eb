#include "sweeps/hyperparams.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "lib/compute.hpp"
#include "lib/error.hpp"

namespace scalelab::sweeps {

double PowerRule::operator()(double params, double flops) const {
  const double x = of == "flops" ? flops : params;
  return std::clamp(coefficient * std::pow(x / reference, exponent), min_value, max_value);
}

void PowerRule::validate(std::string_view what) const {
  if (of != "params" && of != "flops")
    throw InputError(fmt::format("{}.of: '{}' (accepted: params, flops)", what, of));
  auto positive = [&](double v, const char* field) {
    if (!(std::isfinite(v) && v > 0))
      throw InputError(fmt::format("{}.{}: {} (accepted: a finite number > 0)", what, field, v));
  };
  positive(coefficient, "coefficient");
  positive(reference, "reference");
  if (!std::isfinite(exponent))
    throw InputError(fmt::format("{}.exponent: {} (accepted: a finite number)", what, exponent));
  if (!(min_value >= 0 && max_value >= min_value))
    throw InputError(fmt::format("{}: min {} and max {} (accepted: 0 <= min <= max)", what,
                                 min_value, max_value));
}

void HyperparameterRules::validate() const {
  lr.validate("hyperparameters.lr");
  batch_tokens.validate("hyperparameters.batch_tokens");
  if (!(warmup_fraction >= 0 && warmup_fraction < 1))
    throw InputError(fmt::format(
        "hyperparameters.warmup_fraction: {} (accepted: 0 <= fraction < 1)", warmup_fraction));
  if (!(min_lr_ratio >= 0 && min_lr_ratio <= 1))
    throw InputError(
        fmt::format("hyperparameters.min_lr_ratio: {} (accepted: 0 to 1)", min_lr_ratio));
  if (!(weight_decay >= 0 && std::isfinite(weight_decay)))
    throw InputError(
        fmt::format("hyperparameters.weight_decay: {} (accepted: >= 0)", weight_decay));
  if (min_steps < 0)
    throw InputError(fmt::format("hyperparameters.min_steps: {} (accepted: >= 0)", min_steps));
  if (!(beta2 > 0 && beta2 < 1))
    throw InputError(fmt::format("hyperparameters.beta2: {} (accepted: 0 < beta2 < 1)", beta2));
  if (eval_tokens < 1)
    throw InputError(fmt::format("hyperparameters.eval_tokens: {} (accepted: >= 1)", eval_tokens));
  if (!(grad_clip > 0 && std::isfinite(grad_clip)))
    throw InputError(fmt::format("hyperparameters.grad_clip: {} (accepted: > 0)", grad_clip));
  if (evals_per_run < 1 || checkpoints_per_run < 1)
    throw InputError(
        fmt::format("hyperparameters.evals_per_run {} / checkpoints_per_run {} (accepted: >= 1)",
                    evals_per_run, checkpoints_per_run));
}

RunHyperparameters resolve_hyperparameters(const HyperparameterRules& rules, double params,
                                           double tokens, int seq_len) {
  rules.validate();
  if (!(params > 0 && tokens > 0 && seq_len > 0))
    throw InputError(fmt::format("run with N = {}, D = {}, seq_len {}: all must be > 0", params,
                                 tokens, seq_len));
  const double flops = training_flops_6nd(params, tokens);
  RunHyperparameters h;
  h.lr = rules.lr(params, flops);
  h.min_lr = h.lr * rules.min_lr_ratio;
  double batch = rules.batch_tokens(params, flops);
  int sequences = static_cast<int>(std::max(1.0, std::round(batch / seq_len)));
  if (rules.min_steps > 0) {
    const double cap = std::floor(tokens / static_cast<double>(rules.min_steps) / seq_len);
    sequences = std::max(1, std::min(sequences, static_cast<int>(cap)));
  }
  h.batch_sequences = sequences;
  h.batch_tokens = static_cast<std::int64_t>(h.batch_sequences) * seq_len;
  // The schedule covers the run's own D: the last step may be the one that crosses D.
  // D is trained as a whole number of tokens (llround), as the trainer counts it.
  const std::int64_t whole_tokens = std::max<std::int64_t>(1, std::llround(tokens));
  h.total_steps = std::max<std::int64_t>(1, (whole_tokens + h.batch_tokens - 1) / h.batch_tokens);
  h.warmup_steps = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::round(rules.warmup_fraction * h.total_steps)));
  h.warmup_steps = std::min(h.warmup_steps, h.total_steps);
  h.eval_every = std::max<std::int64_t>(1, h.total_steps / rules.evals_per_run);
  h.checkpoint_every = std::max<std::int64_t>(1, h.total_steps / rules.checkpoints_per_run);
  h.weight_decay = rules.weight_decay;
  h.beta2 = rules.beta2;
  h.grad_clip = rules.grad_clip;
  h.eval_tokens = rules.eval_tokens;
  h.seed = rules.seed;
  return h;
}

void to_json(nlohmann::json& j, const PowerRule& r) {
  j = {{"of", r.of},
       {"coefficient", r.coefficient},
       {"reference", r.reference},
       {"exponent", r.exponent},
       {"min", r.min_value},
       {"max", r.max_value}};
}

void to_json(nlohmann::json& j, const HyperparameterRules& r) {
  j = {{"lr", r.lr},
       {"batch_tokens", r.batch_tokens},
       {"warmup_fraction", r.warmup_fraction},
       {"min_steps", r.min_steps},
       {"min_lr_ratio", r.min_lr_ratio},
       {"weight_decay", r.weight_decay},
       {"beta2", r.beta2},
       {"grad_clip", r.grad_clip},
       {"evals_per_run", r.evals_per_run},
       {"checkpoints_per_run", r.checkpoints_per_run},
       {"eval_tokens", r.eval_tokens},
       {"seed", r.seed}};
}

void to_json(nlohmann::json& j, const RunHyperparameters& h) {
  j = {{"lr", h.lr},
       {"min_lr", h.min_lr},
       {"batch_tokens", h.batch_tokens},
       {"batch_sequences", h.batch_sequences},
       {"total_steps", h.total_steps},
       {"warmup_steps", h.warmup_steps},
       {"eval_every", h.eval_every},
       {"checkpoint_every", h.checkpoint_every},
       {"weight_decay", h.weight_decay},
       {"beta2", h.beta2},
       {"grad_clip", h.grad_clip},
       {"eval_tokens", h.eval_tokens},
       {"seed", h.seed}};
}

void from_json(const nlohmann::json& j, RunHyperparameters& h) {
  h.lr = j.at("lr").get<double>();
  h.min_lr = j.at("min_lr").get<double>();
  h.batch_tokens = j.at("batch_tokens").get<std::int64_t>();
  h.batch_sequences = j.at("batch_sequences").get<int>();
  h.total_steps = j.at("total_steps").get<std::int64_t>();
  h.warmup_steps = j.at("warmup_steps").get<std::int64_t>();
  h.eval_every = j.at("eval_every").get<std::int64_t>();
  h.checkpoint_every = j.at("checkpoint_every").get<std::int64_t>();
  h.weight_decay = j.at("weight_decay").get<double>();
  h.beta2 = j.value("beta2", 0.95);
  h.grad_clip = j.at("grad_clip").get<double>();
  h.eval_tokens = j.value("eval_tokens", std::int64_t{65536});
  h.seed = j.at("seed").get<std::uint64_t>();
}

}  // namespace scalelab::sweeps
