// The full, resolved config of one run as it is launched: what `scalelab worker` reads from
// RUN_DIR/run.json and what the command backend substitutes into the user's command.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lib/model_shape.hpp"
#include "sweeps/hyperparams.hpp"

namespace scalelab::sweeps {

struct RunSpec {
  std::int64_t run_id = 0;
  std::string sweep;
  std::string name;
  ModelShape shape;
  double params = 0;        // N (total)
  double tokens = 0;        // D the schedule is planned for
  double budget_flops = 0;  // the IsoFLOP budget the run belongs to (0: none)
  std::string data = "kjv";
  RunHyperparameters hp;
  // Early-stop mode: train to this many steps (≤ hp.total_steps) while the schedule still
  // spans hp.total_steps. Equal to hp.total_steps for a full run.
  std::int64_t stop_steps = 0;
  // Early-stop mode: the run directories of the runs trained to the end as references
  // (sweeps/early_stop_plan.hpp); the worker fits them jointly with this run's curve when
  // they have finished by the time it stops (else it extrapolates without them).
  std::vector<std::string> reference_dirs;
  std::string device = "cpu";  // for the worker: "cpu", "cuda", "cuda:N"
  int threads = 0;             // CPU threads for the worker (0: the trainer's default)

  double train_fraction() const {
    return hp.total_steps ? static_cast<double>(stop_steps) / hp.total_steps : 1.0;
  }
};

// Documented keys: run_id, sweep, name, shape {...}, params, tokens, budget_flops, data,
// hyperparameters {...}, stop_steps, reference_dirs (optional: absent means none), device,
// threads.
void to_json(nlohmann::json& j, const RunSpec& spec);
void from_json(const nlohmann::json& j, RunSpec& spec);

// The values a command template may use, by placeholder name (without braces): params,
// tokens, flops, budget_flops, n_layer, d_model, n_head, head_dim, d_ff, vocab_size, seq_len,
// arch, lr, min_lr (lr · final_lr_fraction), schedule (cosine, wsd or constant),
// final_lr_fraction, cooldown_fraction, batch_tokens, batch_size (sequences), steps (schedule
// length), stop_steps, warmup_steps, eval_every, checkpoint_every, weight_decay, grad_clip, seed,
// data, run_dir, run_id, run_name, sweep, device, threads.
std::map<std::string, std::string> placeholders(const RunSpec& spec, const std::string& run_dir);

// Replaces every {name} of `text` with its value. Throws InputError naming the first unknown
// placeholder (and listing the known ones) or an unclosed brace. "{{" and "}}" stand for
// literal braces.
std::string expand_template(const std::string& text,
                            const std::map<std::string, std::string>& values,
                            const std::string& what = "backend.command");

// Quotes `value` for /bin/sh (single quotes).
std::string shell_quote(const std::string& value);

}  // namespace scalelab::sweeps
