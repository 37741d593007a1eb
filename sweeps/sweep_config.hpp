// A sweep written as a YAML file: `scalelab plan --config sweep.yaml --save NAME`. The saved
// sweep keeps the file's text, and `scalelab sweep run` reads its hyperparameter rules and
// backend from it (command-line options override). Every key is optional; unknown keys and
// values of the wrong type are errors naming the file, the key and its line.
//
//   budgets: [1e17, 1e18]        # or "1e17:1e19:5", or one budget; strings as in --budget
//   rule: ratio                  # ratio, hoffmann2022, epoch2024, kaplan2020
//   tokens_per_param: 20
//   grid: 5
//   span: 4
//   arch: llama                  # llama or gpt2
//   vocab_size: 256
//   seq_len: 256
//   tied_embeddings: false
//   min_aspect: 32
//   max_aspect: 128
//   min_layers: 1                # n_layer within [min_layers, max_layers]
//   max_layers: 256
//   head_dim: 0                  # 0: grows with d_model; else fixed (d_model steps by it)
//   hardware: H100
//   mfu: 0.4
//   data: kjv                    # kjv, synthetic, or a prepared token directory
//   hyperparameters:
//     lr:           {of: params, coefficient: 6.0e-4, reference: 1.25e8, exponent: -0.3333,
//                    min: 1.0e-5, max: 1.0e-2}
//     batch_tokens: {of: flops, coefficient: 0.292, reference: 1, exponent: 0.3271}
//     warmup_fraction: 0.02
//     min_steps: 0                # batch capped so that every run takes at least this many
//     schedule: cosine            # cosine, wsd or constant (trainer/schedule.hpp)
//     final_lr_fraction: 0.1      # cosine and wsd floor / peak (older name: min_lr_ratio)
//     cooldown_fraction: 0.2      # wsd: the last fraction of the steps that cools down
//     weight_decay: 0.1
//     beta2: 0.95
//     grad_clip: 1.0
//     evals_per_run: 10
//     checkpoints_per_run: 10
//     eval_tokens: 65536
//     seed: 1234
//   divergence: {spike_ratio: 2.0, min_steps: 10, patience: 3}
//   backend:
//     kind: local                # local, command or slurm
//     workers: 2
//     threads: 0
//     retries: 2
//     train_fraction: 1.0
//     runs_dir: /shared/runs
//     command: "python train.py --lr {lr} --steps {steps} --out {run_dir}"
//     slurm: {partition: gpu, time_limit: "04:00:00", gpus_per_task: 1, cpus_per_task: 8,
//             max_concurrent: 16, mem: 32G, extra_args: ["--account=lm"]}
// (Defaults: sweeps/plan.hpp, hyperparams.hpp, divergence.hpp, slurm_backend.hpp.)
#pragma once

#include <optional>
#include <string>

#include "db/sweep_store.hpp"
#include "sweeps/divergence.hpp"
#include "sweeps/hyperparams.hpp"
#include "sweeps/plan.hpp"
#include "sweeps/slurm_backend.hpp"

namespace scalelab::sweeps {

struct BackendConfig {
  std::string kind = "local";           // local, command, slurm
  int workers = 0;                      // 0: one per GPU, else 1 (command: 1)
  int threads = 0;                      // CPU threads per worker; 0: cores / workers
  int retries = 2;                      // crashed attempts retried per run
  double train_fraction = 1;            // early-stop mode
  std::optional<std::string> runs_dir;  // default: scalelab-runs beside the database
  std::string command;                  // the command backend's template
  SlurmOptions slurm;
};

struct SweepConfig {
  PlanOptions plan;
  HyperparameterRules hyperparameters;
  DivergenceOptions divergence;
  BackendConfig backend;
};

// Parses YAML text; `source` names it in messages ("sweep.yaml"). Throws InputError
// "source:LINE: key 'x': ..." for the first problem.
SweepConfig parse_sweep_config(const std::string& text, const std::string& source);
// Reads and parses a file; returns the config and fills `text` with the file's content.
SweepConfig load_sweep_config(const std::string& path, std::string& text);
// The config a saved sweep was made from: its YAML when it came from one, else the defaults
// (a command-line plan stores no rules or backend).
SweepConfig saved_sweep_config(const db::SweepRecord& sweep);
// The saved YAML text of a sweep, if it was made from a file.
std::optional<std::string> saved_config_text(const db::SweepRecord& sweep);

}  // namespace scalelab::sweeps

namespace scalelab::sweeps {

// The YAML a saved sweep is reproduced from: its file's text as it was when it came from
// one, else the equivalent config of the command-line plan (keys as above) that
// `scalelab plan --config` accepts.
std::string sweep_config_yaml(const db::SweepRecord& sweep);

}  // namespace scalelab::sweeps
