#include "sweeps/train_config_for.hpp"

#include <algorithm>
#include <cmath>

namespace scalelab::sweeps {

trainer::TrainConfig train_config_for(const RunSpec& s, const std::string& run_dir) {
  trainer::TrainConfig c;
  c.shape = s.shape;
  c.data.source = s.data;
  if (s.data == "synthetic") c.data.markov.vocab_size = s.shape.vocab_size;
  c.tokens = std::max<std::int64_t>(1, std::llround(s.tokens));
  c.batch_tokens = s.hp.batch_tokens;
  // The largest micro-batch of at most 16 sequences that divides the step's sequences.
  int micro = std::min(16, s.hp.batch_sequences);
  while (micro > 1 && s.hp.batch_sequences % micro != 0) --micro;
  c.micro_batch = std::max(1, micro);
  c.schedule.kind = s.hp.schedule;
  c.schedule.peak_lr = s.hp.lr;
  c.schedule.warmup_steps = s.hp.warmup_steps;
  c.schedule.final_lr_fraction = s.hp.final_lr_fraction;
  c.schedule.cooldown_fraction = s.hp.cooldown_fraction;
  c.adamw.weight_decay = s.hp.weight_decay;
  c.adamw.beta2 = s.hp.beta2;
  c.eval_tokens = s.hp.eval_tokens;
  c.grad_clip = s.hp.grad_clip;
  c.seed = s.hp.seed;
  c.eval_every = s.hp.eval_every;
  c.checkpoint_every = s.hp.checkpoint_every;
  c.stop_fraction = s.hp.total_steps > 0
                        ? static_cast<double>(s.stop_steps) / static_cast<double>(s.hp.total_steps)
                        : 1.0;
  c.device = s.device;
  c.threads = s.threads;
  c.out_dir = run_dir;
  c.resume = true;
  return c;
}

}  // namespace scalelab::sweeps
