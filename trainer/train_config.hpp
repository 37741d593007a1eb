// Everything that defines a training run, as a plain struct with a JSON form (a documented
// interface: the sweep stores it per run and RUN_DIR/config.json holds it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lib/model_shape.hpp"
#include "trainer/backend.hpp"
#include "trainer/markov_source.hpp"
#include "trainer/schedule.hpp"

namespace scalelab::trainer {

struct DataConfig {
  // "synthetic": the Markov source below; "kjv": the built-in King James Bible corpus
  // (byte tokenizer, prepared once into the cache, see corpus.hpp); anything else: a
  // directory holding train.bin and val.bin (`scalelab data prepare` writes one).
  std::string source = "synthetic";
  MarkovOptions markov;  // used only by "synthetic"
};

struct TrainConfig {
  ModelShape shape;  // shape.vocab_size must equal the data's vocabulary
  DataConfig data;
  std::int64_t tokens = 0;           // training tokens D (required, > 0)
  std::int64_t batch_tokens = 4096;  // tokens per optimizer step; a multiple of seq_len
  // Sequences per forward/backward pass; a step of batch_tokens / seq_len sequences is split
  // into micro-batches of this size and their gradients accumulated (must divide evenly).
  int micro_batch = 16;
  // Cosine from peak_lr 1e-3 to 10% of it; warmup_steps -1: warmup_fraction of the steps.
  ScheduleOptions schedule{ScheduleKind::kCosine, 1e-3, -1, 0.1, 0.2};
  // Used when schedule.warmup_steps < 0: warmup over this fraction of the steps (at least 1).
  double warmup_fraction = 0.05;
  AdamWOptions adamw;                 // β1 0.9, β2 0.95, eps 1e-8, weight decay 0.1
  double grad_clip = 1.0;             // clip the global gradient norm to this; 0 turns clipping off
  std::uint64_t seed = 1;             // initial weights and training batches
  std::int64_t eval_every = 0;        // steps between evaluations; 0: about 10 per run
  std::int64_t eval_tokens = 65536;   // held-out tokens per evaluation (rounded up to batches)
  std::int64_t checkpoint_every = 0;  // steps between checkpoints; 0: about 10 per run
  // Train only the first fraction of the planned steps; the schedule stays planned for all
  // of them (the sweeps' early-stop mode). 1 trains the whole run.
  double stop_fraction = 1.0;
  std::string device = "auto";    // see BackendOptions
  int threads = 0;                // CPU threads; 0 = OMP_NUM_THREADS or all
  std::filesystem::path out_dir;  // RUN_DIR (required)
  bool resume = false;            // continue from RUN_DIR/checkpoint.bin when it exists
  // Cooldown branches (WSD sweeps): steps at which a copy of the checkpoint is kept as
  // RUN_DIR/checkpoint-step<K>.bin (a stable run keeps one per branch point; it does not
  // change the run). Each in [1, total steps].
  std::vector<std::int64_t> keep_checkpoints;
  // Start from this kept checkpoint of another run instead of from initial weights (a branch
  // of a stable run): its model, data and optimisation settings must be this run's, and its
  // learning rate must equal this run's at every step up to the checkpoint's; the run then
  // continues from the checkpoint's step, bitwise as if it had trained those steps itself
  // (train.cpp). Empty: none. RUN_DIR's own checkpoint, when resuming, comes first.
  std::filesystem::path branch_from;

  // Derived values (validate() must have passed).
  std::int64_t total_steps() const { return (tokens + batch_tokens - 1) / batch_tokens; }
  std::int64_t stop_step() const;
  int micro_batches_per_step() const;
  std::int64_t warmup_steps() const;
  ScheduleOptions resolved_schedule() const;  // with warmup_steps resolved

  // Throws InputError naming the first field (as its command-line option) that is invalid.
  void validate() const;
};

// JSON keys: shape (lib's ModelShape JSON), data {source, markov {vocab_size, order,
// branching, seed}}, tokens, batch_tokens, micro_batch, schedule {kind, peak_lr,
// warmup_steps, final_lr_fraction, cooldown_fraction}, warmup_fraction, adamw {beta1, beta2,
// eps, weight_decay}, grad_clip, seed, eval_every, eval_tokens, checkpoint_every,
// stop_fraction, device, threads, out_dir, resume, and, when set, keep_checkpoints (a list of
// steps) and branch_from (a path). from_json fills missing keys with the
// defaults above and throws InputError naming an unknown key or a value of the wrong type.
void to_json(nlohmann::json& j, const TrainConfig& config);
void from_json(const nlohmann::json& j, TrainConfig& config);

}  // namespace scalelab::trainer
