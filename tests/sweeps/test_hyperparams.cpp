#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "lib/error.hpp"
#include "sweeps/hyperparams.hpp"
#include "sweeps/plan.hpp"
#include "sweeps/run_spec.hpp"

using namespace scalelab;
using sweeps::resolve_hyperparameters;

TEST_CASE("published defaults: lr ~ N^-1/3 anchored at GPT-3 Small, batch = 0.292 C^0.3271") {
  const sweeps::HyperparameterRules rules;
  // GPT-3 Small: 125M params, lr 6e-4 (Brown et al. 2020, Table 2.1).
  auto h = resolve_hyperparameters(rules, 125e6, 2.5e9, 2048);
  CHECK(h.lr == doctest::Approx(6e-4).epsilon(1e-12));
  // GPT-3 13B: the N^-1/3 rule gives 6e-4 * 104^-1/3 = 1.27e-4 (the paper used 1.0e-4).
  h = resolve_hyperparameters(rules, 13e9, 2.6e11, 2048);
  CHECK(h.lr == doctest::Approx(6e-4 * std::pow(13e9 / 125e6, -1.0 / 3.0)));
  CHECK(h.lr > 1.0e-4);
  CHECK(h.lr < 1.5e-4);
  // DeepSeek LLM's batch rule at C = 1e21: 0.292 * 1e21^0.3271 tokens, in whole sequences.
  h = resolve_hyperparameters(rules, 1e9, 1e21 / 6e9, 2048);
  const double batch = 0.2920 * std::pow(1e21, 0.3271);
  CHECK(std::abs(h.batch_tokens - batch) <= 1024);
  CHECK(h.batch_tokens % 2048 == 0);
  // Tiny models: the lr is clamped to the rule's maximum.
  h = resolve_hyperparameters(rules, 1e3, 2e4, 32);
  CHECK(h.lr == 1e-2);
  CHECK(h.min_lr == doctest::Approx(1e-3));
}

TEST_CASE("the schedule covers exactly the run's own D") {
  const sweeps::HyperparameterRules rules;
  for (double tokens : {1e4, 123456.7, 1.44e6, 5.6e6}) {
    for (double params : {1e4, 3e4, 3.6e5}) {
      const auto h = resolve_hyperparameters(rules, params, tokens, 256);
      const double whole = std::llround(tokens);
      CHECK(h.total_steps * h.batch_tokens >= whole);
      CHECK((h.total_steps - 1) * h.batch_tokens < whole);
      CHECK(h.warmup_steps >= 1);
      CHECK(h.warmup_steps <= h.total_steps);
      CHECK(h.eval_every >= 1);
      CHECK(h.checkpoint_every >= 1);
    }
  }
  // Two runs of one budget get schedules of their own lengths.
  const auto small = resolve_hyperparameters(rules, 1e4, 1e7, 256);
  const auto big = resolve_hyperparameters(rules, 1e5, 1e6, 256);
  CHECK(small.total_steps > 5 * big.total_steps);
}

TEST_CASE("rules are validated and round-trip through JSON") {
  sweeps::HyperparameterRules rules;
  rules.lr.of = "tokens";
  CHECK_THROWS_WITH_AS(rules.validate(), doctest::Contains("hyperparameters.lr.of"), InputError);
  rules = {};
  rules.warmup_fraction = 1.5;
  CHECK_THROWS_AS(rules.validate(), InputError);
  const auto h = resolve_hyperparameters(sweeps::HyperparameterRules{}, 3e4, 5e5, 256);
  const auto back = nlohmann::json(h).get<sweeps::RunHyperparameters>();
  CHECK(back.lr == h.lr);
  CHECK(back.total_steps == h.total_steps);
  CHECK(back.seed == h.seed);
}

TEST_CASE("command templates: placeholders, literal braces, unknown names") {
  sweeps::RunSpec spec;
  spec.name = "c1e+11-n3e+04";
  spec.params = 3e4;
  spec.tokens = 5e5;
  spec.hp = resolve_hyperparameters(sweeps::HyperparameterRules{}, 3e4, 5e5, 256);
  const auto values = sweeps::placeholders(spec, "/runs/x");
  CHECK(sweeps::expand_template("t --n {params} --steps {steps} --out {run_dir} {{x}}", values) ==
        "t --n 30000 --steps " + std::to_string(spec.hp.total_steps) + " --out /runs/x {x}");
  CHECK_THROWS_WITH_AS(sweeps::expand_template("t --x {nope}", values),
                       doctest::Contains("unknown placeholder {nope}"), InputError);
  CHECK_THROWS_WITH_AS(sweeps::expand_template("t --x {lr", values), doctest::Contains("unclosed"),
                       InputError);
  CHECK(sweeps::shell_quote("it's") == "'it'\\''s'");
}

TEST_CASE("min_steps caps the batch; beta2 and eval_tokens reach the run") {
  sweeps::HyperparameterRules rules;
  rules.batch_tokens = {"params", 4096, 1, 0, 1, 1e300};  // 64 sequences of 64 tokens
  rules.min_steps = 500;
  rules.beta2 = 0.99;
  rules.eval_tokens = 32768;
  const auto h = resolve_hyperparameters(rules, 8e4, 1.5e5, 64);
  CHECK(h.batch_sequences == 4);  // floor(150,000 / 500 / 64)
  CHECK(h.total_steps >= 500);
  CHECK(h.beta2 == 0.99);
  CHECK(h.eval_tokens == 32768);
  // A run too short for even one sequence per step still gets one.
  CHECK(resolve_hyperparameters(rules, 8e4, 1e4, 64).batch_sequences == 1);
  rules.beta2 = 1.0;
  CHECK_THROWS_AS(resolve_hyperparameters(rules, 8e4, 1.5e5, 64), InputError);
  // Stored hyperparameters from before beta2 existed read with its default.
  nlohmann::json j = h;
  j.erase("beta2");
  j.erase("eval_tokens");
  const auto back = j.get<sweeps::RunHyperparameters>();
  CHECK(back.beta2 == 0.95);
  CHECK(back.eval_tokens == 65536);
}

TEST_CASE("a plan keeps its grid's sizes distinct where tiny shapes are coarse") {
  sweeps::PlanOptions o;
  o.budgets = {7e10};
  o.rule = make_allocation_rule("ratio", 32, "rule");
  o.grid = 5;
  o.span = 2.6;
  o.shape.seq_len = 64;
  o.shape.min_layers = o.shape.max_layers = 2;
  o.shape.head_dim = 8;
  const sweeps::Plan plan = sweeps::make_plan(o);
  const auto& grid = plan.budgets.front().grid;
  // N_opt/2.6 = 7.3k rounds to the smallest shape (d 16, 14.9k), as does the next target: it
  // steps up instead of being dropped.
  REQUIRE(grid.size() == 5);
  for (std::size_t i = 1; i < grid.size(); ++i) CHECK(grid[i].params > grid[i - 1].params);
  CHECK(grid.front().shape.shape.d_model == 16);
  for (const auto& r : grid) CHECK(r.flops_6nd == doctest::Approx(7e10));
}
