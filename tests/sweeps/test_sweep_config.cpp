#include <doctest/doctest.h>

#include "lib/error.hpp"
#include "sweeps/sweep_config.hpp"

using namespace scalelab;
using sweeps::parse_sweep_config;

namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_sweep_config(yaml, "sweep.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a full sweep config is read with every section") {
  const std::string yaml = R"(# a small sweep
budgets: "1e11:1e12:3"
grid: 3
span: 3
arch: gpt2
seq_len: 64
data: synthetic
hyperparameters:
  lr: {of: params, coefficient: 1.0e-3, reference: 1.0e5, exponent: -0.5, max: 0.05}
  batch_tokens: {of: flops, coefficient: 0.3, exponent: 0.3}
  warmup_fraction: 0.05
  schedule: wsd
  final_lr_fraction: 0.02
  cooldown_fraction: 0.25
  seed: 7
divergence: {spike_ratio: 3, min_steps: 5, patience: 2}
backend:
  kind: slurm
  retries: 4
  train_fraction: 0.5
  runs_dir: /shared/runs
  slurm:
    partition: gpu
    time_limit: "01:00:00"
    gpus_per_task: 1
    max_concurrent: 8
    extra_args: ["--account=lm"]
)";
  const sweeps::SweepConfig c = parse_sweep_config(yaml, "sweep.yaml");
  REQUIRE(c.plan.budgets.size() == 3);
  CHECK(c.plan.budgets[0] == doctest::Approx(1e11));
  CHECK(c.plan.budgets[2] == doctest::Approx(1e12));
  CHECK(c.plan.grid == 3);
  CHECK(c.plan.span == 3);
  CHECK(c.plan.shape.arch == Arch::kGpt2);
  CHECK(c.plan.shape.seq_len == 64);
  CHECK(c.plan.data == "synthetic");
  CHECK(c.hyperparameters.lr.coefficient == 1e-3);
  CHECK(c.hyperparameters.lr.exponent == -0.5);
  CHECK(c.hyperparameters.lr.max_value == 0.05);
  CHECK(c.hyperparameters.batch_tokens.of == "flops");
  CHECK(c.hyperparameters.warmup_fraction == 0.05);
  CHECK(c.hyperparameters.seed == 7);
  CHECK(c.hyperparameters.schedule == trainer::ScheduleKind::kWsd);
  CHECK(c.hyperparameters.final_lr_fraction == 0.02);
  CHECK(c.hyperparameters.cooldown_fraction == 0.25);
  CHECK(c.divergence.spike_ratio == 3);
  CHECK(c.divergence.patience == 2);
  CHECK(c.backend.kind == "slurm");
  CHECK(c.backend.retries == 4);
  CHECK(c.backend.train_fraction == 0.5);
  CHECK(*c.backend.runs_dir == "/shared/runs");
  CHECK(c.backend.slurm.partition == "gpu");
  CHECK(c.backend.slurm.gpus_per_task == 1);
  CHECK(c.backend.slurm.max_concurrent == 8);
  REQUIRE(c.backend.slurm.extra_args.size() == 1);
  // Defaults where the file says nothing.
  CHECK(parse_sweep_config("budgets: 1e15\n", "x").hyperparameters.schedule ==
        trainer::ScheduleKind::kCosine);
  // min_lr_ratio, final_lr_fraction's older name, still loads (saved sweeps keep their YAML).
  CHECK(parse_sweep_config("hyperparameters: {min_lr_ratio: 0.03}\n", "x")
            .hyperparameters.final_lr_fraction == 0.03);
  CHECK(parse_sweep_config("budgets: 1e15\n", "x").hyperparameters.lr.exponent ==
        doctest::Approx(-1.0 / 3.0));
}

TEST_CASE("unknown keys and wrong types name the file, the line and the key") {
  CHECK(error_of("budgets: 1e15\ngird: 3\n") ==
        "sweep.yaml:2: unknown key 'gird' (known: arch, backend, budgets, data, divergence, "
        "grid, hardware, head_dim, hyperparameters, max_aspect, max_layers, mfu, min_aspect, "
        "min_layers, rule, seq_len, span, "
        "tied_embeddings, tokens_per_param, vocab_size)");
  CHECK(error_of("budgets: 1e15\ngrid: three\n") ==
        "sweep.yaml:2: key 'grid': expected an integer, got 'three'");
  CHECK(error_of("budgets: 1e15\nhyperparameters:\n  lr:\n    exponant: -0.3\n")
            .find("sweep.yaml:4: unknown key 'hyperparameters.lr.exponant'") == 0);
  CHECK(error_of("backend:\n  kind: local\n  workers: [1, 2]\n") ==
        "sweep.yaml:3: key 'backend.workers': expected an integer");
  CHECK(error_of("backend:\n  kind: kubernetes\n").find("sweep.yaml:2: key 'backend.kind'") == 0);
  CHECK(error_of("divergence:\n  patience: 0\n").find("sweep.yaml:2: key 'divergence.patience'") == 0);
  CHECK(error_of("budgets: [1e15, lots]\n").find("sweep.yaml:1: key 'budgets'") == 0);
  CHECK(error_of("grid: 3\n  span: 4\n").find("sweep.yaml:") == 0);  // malformed YAML
  CHECK(error_of("backend: {kind: command}\n").find("backend.command") != std::string::npos);
  CHECK(error_of("hyperparameters: {lr: {of: tokens}}\n").find("hyperparameters.lr") !=
        std::string::npos);
  CHECK(error_of("budgets: 1e15\nhyperparameters:\n  schedule: sawtooth\n") ==
        "sweep.yaml:3: key 'hyperparameters.schedule': hyperparameters.schedule: unknown "
        "schedule 'sawtooth' (accepted: cosine, wsd, constant, linear)");
  CHECK(error_of("hyperparameters:\n  final_lr_fraction: 0.1\n  min_lr_ratio: 0.1\n")
            .find("sweep.yaml:3: key 'hyperparameters.min_lr_ratio': give final_lr_fraction "
                  "only") == 0);
  CHECK(error_of("hyperparameters: {cooldown_fraction: 2}\n")
            .find("hyperparameters.cooldown_fraction: 2 (accepted: 0 to 1)") != std::string::npos);
}
