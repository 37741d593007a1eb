// Hyperparameters per scale: learning rate, batch size and warmup as functions of a run's
// parameters N or compute C, and the schedule length matched to the run's own D.
//
// Published defaults (each rule is configurable; these are what a sweep gets when it says
// nothing):
//   - Peak learning rate ∝ N^(-1/3), anchored at GPT-3 Small: 6e-4 at N = 125M. GPT-3's
//     Table 2.1 (Brown et al. 2020) goes from 6e-4 at 125M to 0.6e-4 at 175B: a factor 10 over
//     a factor 1400 in N, i.e. an exponent of -log(10)/log(1400) = -0.318 ≈ -1/3.
//     Clamped to [1e-5, 1e-2]: tiny models (N ~ 1e4) would otherwise get rates above what
//     AdamW tolerates without tuning.
//   - Batch size in tokens ∝ C^0.3271: DeepSeek LLM (Bi et al. 2024, eq. 1) fit
//     B_opt = 0.2920 · C^0.3271 tokens. Rounded to whole sequences, at least one.
//   - Warmup: 2% of the run's optimizer steps, at least 1. Not from a paper: a conventional
//     short warmup (nanoGPT uses 0.3%, llm.c's GPT-2 124M 3.7%).
//   - Schedule: cosine decay from the peak to 10% of it over exactly the run's own steps,
//     steps = ceil(D / batch_tokens). Hoffmann et al. 2022 (Chinchilla, §3.1 and Fig. A1) show
//     that a cosine cycle longer than the run overestimates the loss of intermediate runs;
//     matching the cycle to each run's D is what makes IsoFLOP profiles comparable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace scalelab::sweeps {

// value = coefficient · (x / reference)^exponent, clamped to [min_value, max_value], where x is
// the run's parameters N (of = "params") or training compute C = 6ND (of = "flops").
struct PowerRule {
  std::string of = "params";  // "params" or "flops"
  double coefficient = 1.0;
  double reference = 1.0;
  double exponent = 0.0;
  double min_value = 0.0;
  double max_value = 1e300;

  double operator()(double params, double flops) const;
  // Throws InputError naming `what` and the first field out of range.
  void validate(std::string_view what) const;
};

struct HyperparameterRules {
  // Peak learning rate; default lr ∝ N^(-1/3), 6e-4 at 125M params (GPT-3).
  PowerRule lr = {"params", 6e-4, 125e6, -1.0 / 3.0, 1e-5, 1e-2};
  // Batch size in tokens; default B = 0.2920 · C^0.3271 (DeepSeek LLM).
  PowerRule batch_tokens = {"flops", 0.2920, 1.0, 0.3271, 1.0, 1e300};
  double warmup_fraction = 0.02;  // of the run's steps; at least 1 step
  // At least this many optimizer steps per run: the batch is capped at D / min_steps tokens
  // (whole sequences, at least one). 0: no cap. Porian et al. 2024 trace small-scale
  // distortions of compute-optimal fits to runs with too few steps, whose loss measures the
  // step count rather than the model.
  std::int64_t min_steps = 0;
  double min_lr_ratio = 0.1;  // cosine decays to this fraction of the peak (Chinchilla)
  double weight_decay = 0.1;  // AdamW, GPT-3 / nanoGPT
  // AdamW β2. 0.95 is GPT-3's; Porian et al. 2024 find 0.99-0.999 needed at small batches
  // (a few hundred to a few thousand tokens), where 0.95 distorts the fitted optimum.
  double beta2 = 0.95;
  double grad_clip = 1.0;  // global norm clip, GPT-3
  // Evaluate on held-out data this many times over a run (at least every step for tiny runs)
  // and checkpoint this many times, so a crash loses at most 1/checkpoints of a run.
  int evals_per_run = 10;
  int checkpoints_per_run = 10;
  std::int64_t eval_tokens = 65536;  // held-out tokens per evaluation
  std::uint64_t seed = 1234;

  void validate() const;
};

// The resolved hyperparameters of one run.
struct RunHyperparameters {
  double lr = 0;
  double min_lr = 0;
  std::int64_t batch_tokens = 0;  // batch_sequences · seq_len
  int batch_sequences = 0;
  std::int64_t total_steps = 0;  // ceil(D / batch_tokens): the schedule's length
  std::int64_t warmup_steps = 0;
  std::int64_t eval_every = 0;        // steps
  std::int64_t checkpoint_every = 0;  // steps
  double weight_decay = 0;
  double beta2 = 0.95;
  double grad_clip = 0;
  std::int64_t eval_tokens = 65536;
  std::uint64_t seed = 0;
};

// Resolves the rules for a run of `params` parameters trained on `tokens` tokens of
// sequences of `seq_len`.
RunHyperparameters resolve_hyperparameters(const HyperparameterRules& rules, double params,
                                           double tokens, int seq_len);

// JSON with keys lr, batch_tokens (each {of, coefficient, reference, exponent, min, max}),
// warmup_fraction, min_steps, min_lr_ratio, weight_decay, beta2, grad_clip, evals_per_run,
// checkpoints_per_run, eval_tokens, seed. A RunHyperparameters document stored before beta2
// and eval_tokens existed reads with their defaults.
void to_json(nlohmann::json& j, const PowerRule& rule);
void to_json(nlohmann::json& j, const HyperparameterRules& rules);
void to_json(nlohmann::json& j, const RunHyperparameters& h);
void from_json(const nlohmann::json& j, RunHyperparameters& h);

}  // namespace scalelab::sweeps
