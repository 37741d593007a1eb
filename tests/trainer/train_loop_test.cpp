// The training loop end to end on tiny models: overfitting one batch, bitwise resume,
// divergence, the run directory and the config's JSON form.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/error.hpp"
#include "trainer/backend.hpp"
#include "trainer/model_layout.hpp"
#include "trainer/rng.hpp"
#include "trainer/train.hpp"

using namespace scalelab::trainer;
using scalelab::Arch;
using scalelab::ModelShape;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("scalelab_train_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  return dir;
}

ModelShape small_shape(Arch arch, int vocab, int seq_len) {
  ModelShape s;
  s.arch = arch;
  s.vocab_size = vocab;
  s.seq_len = seq_len;
  s.n_layer = 2;
  s.d_model = 32;
  s.n_head = 2;
  s.head_dim = 16;
  s.d_ff = arch == Arch::kGpt2 ? 128 : 96;
  s.tied_embeddings = arch == Arch::kGpt2;
  return s;
}

TrainConfig small_config(const fs::path& dir) {
  TrainConfig c;
  c.shape = small_shape(Arch::kLlama, 8, 16);
  c.data.markov = {8, 1, 3, 5};
  c.tokens = 12 * 128;
  c.batch_tokens = 128;  // 8 sequences: two micro-batches of 4
  c.micro_batch = 4;
  c.schedule.peak_lr = 3e-3;
  c.eval_tokens = 128;
  c.eval_every = 3;
  c.checkpoint_every = 4;
  c.threads = 2;
  c.out_dir = dir;
  return c;
}

std::vector<nlohmann::json> read_jsonl(const fs::path& p) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

}  // namespace

TEST_CASE("a single batch overfits to near-zero loss, both families") {
  for (Arch arch : {Arch::kLlama, Arch::kGpt2}) {
    const ModelShape s = small_shape(arch, 16, 16);
    BackendOptions bo;
    bo.device = "cpu";
    bo.max_batch = 4;
    auto backend = make_backend(s, bo);
    backend->import_parameters(initial_parameters(s, 1));
    Rng rng(3);
    std::vector<std::int32_t> tokens(4 * 17);
    for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(16));
    const TokenBatch batch{tokens.data(), 4};
    double first = 0, loss = 0;
    for (int step = 1; step <= 300; ++step) {
      backend->zero_grad();
      loss = backend->forward_backward(batch, 1.0);
      if (step == 1) first = loss;
      const double norm = backend->grad_norm();
      backend->adamw_step(
          {step, 1e-2, norm > 1 ? 1 / norm : 1.0, AdamWOptions{0.9, 0.95, 1e-8, 0.0}});
    }
    CAPTURE(arch_name(arch));
    CHECK(first == doctest::Approx(std::log(16.0)).epsilon(0.05));
    // Near zero against the initial ln 16 = 2.77 (a repeated first token with different
    // successors would leave an irreducible remainder). The end point depends on the
    // kernel build (measured: SCALELAB_KERNEL=generic ends at 0.057 for llama, which failed a
    // bar of 0.05), so the bar is 0.1, 27x below the start, on every build.
    CHECK(loss < 0.1);
    CHECK(backend->eval_loss(batch) < 0.1);
  }
}

TEST_CASE("resume from a checkpoint continues bitwise identically") {
  const fs::path full_dir = fresh_dir("full"), split_dir = fresh_dir("split");
  MemorySink full;
  const TrainResult a = train(small_config(full_dir), full, {});
  REQUIRE(a.status == "done");
  REQUIRE(full.steps.size() == 12);

  MemorySink first;
  int polls = 0;
  TrainHooks stop_at_6;
  stop_at_6.should_stop = [&] { return ++polls == 6; };
  const TrainResult b = train(small_config(split_dir), first, stop_at_6);
  CHECK(b.status == "stopped");
  CHECK(b.steps == 6);

  TrainConfig resume = small_config(split_dir);
  resume.resume = true;
  MemorySink second;
  const TrainResult c = train(resume, second, {});
  CHECK(c.status == "done");
  REQUIRE(second.steps.size() == 6);
  CHECK(second.steps.front().step == 7);
  for (std::size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(second.steps[i].train_loss == full.steps[6 + i].train_loss);  // bitwise
    CHECK(second.steps[i].grad_norm == full.steps[6 + i].grad_norm);
  }
  CHECK(c.final_eval_loss == a.final_eval_loss);
}

TEST_CASE("a cooldown branch of a stable run equals the WSD run trained from scratch, bitwise") {
  // The WSD run: 12 steps, warmup 2, the 1-sqrt cooldown over the last 3 (from step 10).
  auto wsd = [](const fs::path& dir) {
    TrainConfig c = small_config(dir);
    c.schedule.kind = ScheduleKind::kWsd;
    c.schedule.warmup_steps = 2;
    c.schedule.cooldown_fraction = 0.25;
    return c;
  };
  const fs::path alone_dir = fresh_dir("wsd_alone"), stable_dir = fresh_dir("wsd_stable"),
                 branch_dir = fresh_dir("wsd_branch");
  MemorySink alone;
  const TrainResult a = train(wsd(alone_dir), alone, {});
  REQUIRE(a.status == "done");
  REQUIRE(alone.steps.size() == 12);

  // The stable run: twice as long at the constant peak, its checkpoint at step 9 kept.
  TrainConfig stable = wsd(stable_dir);
  stable.schedule.kind = ScheduleKind::kConstant;
  stable.tokens *= 2;
  stable.keep_checkpoints = {9};
  MemorySink stable_sink;
  REQUIRE(train(stable, stable_sink, {}).status == "done");
  const fs::path kept = stable_dir / "checkpoint-step9.bin";
  REQUIRE(fs::exists(kept));

  TrainConfig branch = wsd(branch_dir);
  branch.branch_from = kept;
  MemorySink cooldown;
  const TrainResult b = train(branch, cooldown, {});
  CHECK(b.status == "done");
  REQUIRE(cooldown.steps.size() == 3);
  CHECK(cooldown.steps.front().step == 10);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(cooldown.steps[i].train_loss == alone.steps[9 + i].train_loss);  // bitwise
    CHECK(cooldown.steps[i].lr == alone.steps[9 + i].lr);
  }
  CHECK(b.final_train_loss == a.final_train_loss);
  CHECK(b.final_eval_loss == a.final_eval_loss);

  // Not a prefix: a cosine schedule has left the peak by step 9; another seed; no such file.
  TrainConfig cosine = branch;
  cosine.out_dir = fresh_dir("wsd_branch_cosine");
  cosine.schedule.kind = ScheduleKind::kCosine;
  MemorySink unused;
  CHECK_THROWS_WITH_AS(train(cosine, unused, {}), doctest::Contains("learning rate"), scalelab::InputError);
  TrainConfig seed = branch;
  seed.out_dir = fresh_dir("wsd_branch_seed");
  seed.seed = 99;
  CHECK_THROWS_WITH_AS(train(seed, unused, {}), doctest::Contains("different seed"), scalelab::InputError);
  TrainConfig past = branch;
  past.out_dir = fresh_dir("wsd_branch_past");
  past.tokens = 9 * past.batch_tokens;  // ends at the branch point: nothing to continue
  CHECK_THROWS_WITH_AS(train(past, unused, {}), doctest::Contains("not before"), scalelab::InputError);
  TrainConfig missing = branch;
  missing.out_dir = fresh_dir("wsd_branch_missing");
  missing.branch_from = stable_dir / "checkpoint-step8.bin";
  CHECK_THROWS_AS(train(missing, unused, {}), scalelab::InputError);
}

TEST_CASE("the run directory: config, metrics rows once per step after a resume, summary") {
  const fs::path dir = fresh_dir("rundir");
  TrainConfig c = small_config(dir);
  {
    JsonlMetricsSink jsonl(dir / "metrics.jsonl");
    int polls = 0;
    TrainHooks hooks;
    hooks.should_stop = [&] { return ++polls == 5; };  // checkpoint at step 5
    train(c, jsonl, hooks);
  }
  // Simulate a crash after step 7's rows were written but before its checkpoint.
  {
    std::ofstream out(dir / "metrics.jsonl", std::ios::app);
    out << R"({"kind":"train","step":6,"tokens":1,"train_loss":9})" << '\n'
        << R"({"kind":"train","step":7,"tok)";
  }
  c.resume = true;
  {
    JsonlMetricsSink jsonl(dir / "metrics.jsonl");
    train(c, jsonl, {});
  }
  const auto rows = read_jsonl(dir / "metrics.jsonl");
  std::vector<std::int64_t> train_steps;
  for (const auto& r : rows)
    if (r["kind"] == "train") train_steps.push_back(r["step"].get<std::int64_t>());
  std::vector<std::int64_t> expected(12);
  for (int i = 0; i < 12; ++i) expected[i] = i + 1;
  CHECK(train_steps == expected);
  for (const auto& r : rows)
    if (r["kind"] == "train" && r["step"] == 6) CHECK(r["train_loss"].get<double>() < 5);

  std::ifstream in(dir / "summary.json");
  const auto summary = nlohmann::json::parse(in);
  CHECK(summary["status"] == "done");
  CHECK(summary["steps"] == 12);
  CHECK(summary["tokens"] == 12 * 128);
  CHECK(summary["entropy_rate"].get<double>() > 0);
  CHECK(summary["final_eval_loss"].get<double>() > 0);
  std::ifstream cfg(dir / "config.json");
  TrainConfig back;
  from_json(nlohmann::json::parse(cfg), back);
  CHECK(nlohmann::json(back) == nlohmann::json(c));

  // Without --resume, an existing run is refused and left untouched.
  c.resume = false;
  MemorySink sink;
  CHECK_THROWS_AS(train(c, sink, {}), scalelab::InputError);
}

TEST_CASE("a NaN loss stops the run with status diverged") {
  TrainConfig c = small_config(fresh_dir("diverge"));
  c.schedule.peak_lr = 1e30;
  c.schedule.warmup_steps = 0;
  c.grad_clip = 0;
  MemorySink sink;
  const TrainResult r = train(c, sink, {});
  CHECK(r.status == "diverged");
  CHECK(r.message.find("diverged at step") == 0);
  REQUIRE(sink.end.has_value());
  CHECK(sink.end->status == "diverged");
}

TEST_CASE("config JSON: round trip, unknown keys and wrong types are errors naming the key") {
  TrainConfig c = small_config("/tmp/x");
  c.schedule.kind = ScheduleKind::kWsd;
  const nlohmann::json j = c;
  TrainConfig back;
  from_json(j, back);
  CHECK(nlohmann::json(back) == j);
  auto error_of = [](const nlohmann::json& bad) {
    try {
      TrainConfig t;
      from_json(bad, t);
    } catch (const scalelab::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  nlohmann::json bad = j;
  bad["adamw"]["beta3"] = 1;
  CHECK(error_of(bad).find("adamw.beta3") != std::string::npos);
  bad = j;
  bad["tokens"] = "many";
  CHECK(error_of(bad).find("tokens has the wrong type") != std::string::npos);
}

TEST_CASE("invalid configs are rejected before anything is written") {
  const fs::path dir = fresh_dir("invalid");
  TrainConfig c = small_config(dir);
  c.batch_tokens = 100;  // not a multiple of seq_len 16
  MemorySink sink;
  CHECK_THROWS_AS(train(c, sink, {}), scalelab::InputError);
  c = small_config(dir);
  c.shape.vocab_size = 9;  // the data has 8
  CHECK_THROWS_AS(train(c, sink, {}), scalelab::InputError);
  c = small_config(dir);
  c.device = "tpu";
  CHECK_THROWS_AS(train(c, sink, {}), scalelab::InputError);
  CHECK(!fs::exists(dir));
}
