#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "db/fit_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"

using nlohmann::json;
using scalelab::testing::fresh_dir;
using scalelab::testing::run_cli;

namespace {

void check_point_schema(const json& p) {
  for (const char* key : {"params", "non_embedding_params", "tokens", "tokens_per_param",
                          "flops_6nd", "flops_exact", "predicted_loss", "hours", "shape"})
    CHECK_MESSAGE(p.contains(key), key);
  for (const char* key : {"arch", "vocab_size", "seq_len", "n_layer", "d_model", "n_head",
                          "head_dim", "d_ff", "tied_embeddings"})
    CHECK_MESSAGE(p["shape"].contains(key), key);
}

}  // namespace

TEST_CASE("plan --format json: schema and the ratio rule's exact budget") {
  const auto r = run_cli("plan --budget 1e21 --format json");
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  REQUIRE(doc["budgets"].size() == 1);
  const json& b = doc["budgets"][0];
  CHECK(b["compute_flops"] == 1e21);
  const json& opt = b["optimal"];
  check_point_schema(opt);
  const double n = opt["params"], d = opt["tokens"];
  CHECK(std::fabs(6 * n * d / 1e21 - 1) < 1e-9);
  CHECK(std::fabs(n / std::sqrt(1e21 / 120) - 1) < 1e-12);
  REQUIRE(b["grid"].size() == 5);
  double previous = 0;
  for (const json& g : b["grid"]) {
    check_point_schema(g);
    CHECK(std::fabs(6.0 * g["params"].get<double>() * g["tokens"].get<double>() / 1e21 - 1) < 1e-9);
    CHECK(g["params"].get<double>() > previous);
    previous = g["params"];
  }
}

TEST_CASE("plan with epoch2024, ranges and the other formats") {
  auto r = run_cli("plan --budget 1e21 --rule epoch2024 --format json");
  REQUIRE(r.exit_code == 0);
  const double tpp = json::parse(r.out)["budgets"][0]["optimal"]["tokens_per_param"];
  CHECK(tpp == doctest::Approx(21.6).epsilon(0.01));
  r = run_cli("plan --budget 1e17:1e19:3 --grid 3 --format json");
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["budgets"].size() == 3);
  r = run_cli("plan --budget '3.5 PF-days' --format csv");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("compute_flops,kind,params", 0) == 0);
  r = run_cli("plan --budget '100 H100-hours' --mfu 0.5");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("tokens/param") != std::string::npos);
}

TEST_CASE("plan --save stores pending runs; bad input writes nothing") {
  const std::string dir = fresh_dir("plan_save");
  auto r = run_cli("plan --budget -5 --save s1", dir);
  CHECK(r.exit_code == 2);
  r = run_cli("plan --budget abc --save s1", dir);
  CHECK(r.exit_code == 2);
  r = run_cli("plan --budget 1e15 --save 'bad name'", dir);
  CHECK(r.exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(dir + "/scalelab.db"));

  r = run_cli("plan --budget 1e11:1e12:3 --grid 3 --save s1", dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("saved sweep 's1'") != std::string::npos);
  auto db = scalelab::db::open_database(dir + "/scalelab.db");
  const auto sweep = scalelab::db::require_sweep(db, "s1");
  const auto runs = scalelab::db::list_runs(db, sweep.id);
  CHECK(runs.size() >= 3);
  CHECK(runs.size() <= 9);
  for (const auto& run : runs) {
    CHECK(run.status == scalelab::db::RunStatus::kPending);
    CHECK(std::fabs(6 * run.params * run.tokens / *run.budget_flops - 1) < 1e-9);
    CHECK(json::parse(run.config_json).contains("shape"));
  }
  r = run_cli("plan --budget 1e12 --save s1", dir);  // name taken
  CHECK(r.exit_code == 2);
  CHECK(scalelab::db::list_runs(db, sweep.id).size() == runs.size());
}

TEST_CASE("plan --rule fit:ID allocates from a stored Chinchilla fit") {
  const std::string dir = fresh_dir("plan_fit");
  auto r = run_cli("plan --budget 1e21 --rule fit:1", dir);
  CHECK(r.exit_code == 2);  // no database yet: nothing created
  CHECK_FALSE(std::filesystem::exists(dir + "/scalelab.db"));
  {
    auto db = scalelab::db::open_database(dir + "/scalelab.db");
    scalelab::db::FitRecord fit;
    fit.law = "chinchilla";
    fit.source = "test";
    fit.input_hash = "x";
    // Epoch AI's law: the plan must match --rule epoch2024.
    fit.result_json =
        R"({"law":"chinchilla","params":{"E":1.8172,"A":482.01,"B":2085.43,"alpha":0.3478,"beta":0.3658}})";
    scalelab::db::insert_fit(db, fit);
    fit.law = "isoflop";
    fit.result_json = R"({"law":"isoflop","params":{"a":0.5}})";
    scalelab::db::insert_fit(db, fit);
  }
  r = run_cli("plan --budget 1e21 --rule fit:1 --format json", dir);
  REQUIRE(r.exit_code == 0);
  const auto fitted = json::parse(r.out)["budgets"][0]["optimal"];
  const auto published = json::parse(
      run_cli("plan --budget 1e21 --rule epoch2024 --format json").out)["budgets"][0]["optimal"];
  CHECK(fitted["params"].get<double>() == doctest::Approx(published["params"].get<double>()));
  CHECK(json::parse(r.out)["rule"] == "fit:1");
  for (const char* bad : {"fit:2", "fit:3", "fit:x", "fit:"}) {
    CAPTURE(bad);
    r = run_cli(std::string("plan --budget 1e21 --rule ") + bad, dir);
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("plan --branches: aligned grids, one stable run per shape, the compute it saves") {
  const auto r = run_cli("plan --budget 1e11:1e12:3 --grid 3 --seq-len 64 --branches --format json");
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  const json& b = doc["branches"];
  CHECK(b["cooldown_fraction"] == 0.2);
  // Each stable run trains to (1 − f)·D_max of its shape, each branch f·D: per shape the cost is
  // 6·N·((1 − f)·D_max + f·ΣD), against 6·N·ΣD independently.
  double independent = 0, branched = 0;
  std::size_t runs = 0;
  for (const json& g : b["groups"]) {
    const double n = g["params"];
    double sum = 0, largest = 0, flops = 0;
    for (const json& p : g["points"]) {
      sum += p["tokens"].get<double>();
      largest = std::max(largest, p["tokens"].get<double>());
      flops += p["flops"].get<double>();
      ++runs;
    }
    CHECK(g["stable_tokens"].get<double>() == doctest::Approx(0.8 * largest));
    CHECK(flops == doctest::Approx(6 * n * (0.8 * largest + 0.2 * sum)));
    independent += 6 * n * sum;
    branched += flops;
  }
  CHECK(runs == 9);
  CHECK(b["groups"].size() < runs);  // the aligned grids share shapes across budgets
  CHECK(b["independent_flops"].get<double>() == doctest::Approx(independent));
  CHECK(b["branched_flops"].get<double>() == doctest::Approx(branched));
  CHECK(branched <= 0.85 * independent);  // issue 13's acceptance bound
  double per_budget = 0;
  for (const json& x : b["budgets"]) per_budget += x["branched_flops"].get<double>();
  CHECK(per_budget == doctest::Approx(branched));
  // The table says it too; bad combinations are refused before anything is written.
  const auto table = run_cli("plan --budget 1e11:1e12:3 --grid 3 --seq-len 64 --branches");
  CHECK(table.out.find("cooldown branches (20% of each D in its cooldown)") != std::string::npos);
  const std::string dir = fresh_dir("plan_branches");
  const auto save = run_cli("plan --budget 1e11 --branches --save b", dir);
  CHECK(save.exit_code == 2);
  CHECK(save.err.find("cannot be saved yet") != std::string::npos);
  CHECK(!std::filesystem::exists(dir + "/scalelab.db"));
  CHECK(run_cli("plan --budget 1e11 --cooldown-fraction 0.3").exit_code == 2);
  CHECK(run_cli("plan --budget 1e11 --branches --cooldown-fraction 1.5").exit_code == 2);
}
