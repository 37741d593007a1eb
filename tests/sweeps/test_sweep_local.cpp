// Whole sweeps with the local backend: `scalelab worker` processes training tiny models of
// the synthetic source with the embedded CPU trainer.
#include <doctest/doctest.h>
#include <signal.h>

#include <cmath>
#include <filesystem>

#include "sweep_cli_util.hpp"

using namespace scalelab;
using namespace scalelab::testing;
namespace fs = std::filesystem;

namespace {

// Tiny models: vocabulary 32, context 32 (a run of the 3e8 budget trains in well under a
// second on one core).
void plan_tiny(const std::string& dir, const std::string& name, const std::string& budget,
               int grid) {
  cli(dir, "plan --budget " + budget + " --grid " + std::to_string(grid) +
               " --seq-len 32 --vocab 32 --data synthetic --save " + name + " --format csv");
}

std::int64_t planned_steps(const db::RunRecord& r) {
  return nlohmann::json::parse(r.config_json)["launch"]["stop_steps"].get<std::int64_t>();
}

}  // namespace

TEST_CASE("local backend: a tiny sweep trains end to end with every step stored") {
  const std::string dir = temp_dir("local_e2e");
  plan_tiny(dir, "t", "3e8", 2);
  const auto r = cli(dir, "sweep run t --workers 2 --threads 1");
  CHECK(r.out.find("sweep t: 2 done, 0 failed") != std::string::npos);
  db::Database d = db::open_database(dir + "/scalelab.db");
  for (const auto& run : db::list_runs(d, db::require_sweep(d, "t").id)) {
    CHECK(run.status == db::RunStatus::kDone);
    REQUIRE(run.final_train_loss);
    REQUIRE(run.final_eval_loss);
    CHECK(std::isfinite(*run.final_train_loss));
    // Below the uniform loss ln(32) = 3.47: it learned something.
    CHECK(*run.final_train_loss < std::log(32.0));
    CHECK(db::count_metrics(d, run.id) == planned_steps(run));
    CHECK(*db::last_losses(d, run.id).train_loss == *run.final_train_loss);
    CHECK(run.device->find("cpu") == 0);
    // The schedule's length is the run's own D.
    const auto launch = nlohmann::json::parse(run.config_json)["launch"];
    const std::int64_t steps = launch["hyperparameters"]["total_steps"];
    const std::int64_t batch = launch["hyperparameters"]["batch_tokens"];
    CHECK(steps * batch >= std::llround(run.tokens));
    CHECK((steps - 1) * batch < std::llround(run.tokens));
  }
  const auto csv = cli(dir, "runs export t --format csv").out;
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);
}

TEST_CASE("runs export: each run's train_command retrains it bitwise; trained_flops") {
  const std::string dir = temp_dir("local_train_command");
  plan_tiny(dir, "tc", "3e8", 2);
  // Not launched yet: no command (the hyperparameters are resolved at launch), nothing trained.
  for (const auto& row : nlohmann::json::parse(cli(dir, "runs export tc --format json").out)) {
    CHECK(row["train_command"].is_null());
    CHECK(row["trained_flops"].get<double>() == 0.0);
  }
  cli(dir, "sweep run tc --workers 2 --threads 1");
  const auto doc = nlohmann::json::parse(cli(dir, "runs export tc --format json").out);
  REQUIRE(doc.size() == 2);
  for (const auto& row : doc) {
    const std::string command = row["train_command"].get<std::string>();
    const std::string name = row["name"].get<std::string>();
    REQUIRE(command.rfind("scalelab train ", 0) == 0);
    CHECK(command.find("--out replay/" + name) != std::string::npos);
    // The FLOPs of the steps it trained: 6·N·(steps x batch tokens), at or just above 6ND.
    const auto launch = row["config"]["launch"]["hyperparameters"];
    const double trained_tokens = launch["total_steps"].get<double>() *
                                  launch["batch_tokens"].get<double>();
    CHECK(row["trained_flops"].get<double>() ==
          doctest::Approx(6 * row["params"].get<double>() * trained_tokens).epsilon(1e-12));
    CHECK(row["trained_flops"].get<double>() >= row["flops"].get<double>());
    // Run as a user would paste it, in the database's directory: the same losses, bitwise.
    cli(dir, command.substr(std::string("scalelab ").size()));
    const auto summary = nlohmann::json::parse(read_text(dir + "/replay/" + name + "/summary.json"));
    CHECK(summary["status"] == "done");
    CHECK(summary["final_train_loss"].get<double>() == row["final_train_loss"].get<double>());
    CHECK(summary["final_eval_loss"].get<double>() == row["final_eval_loss"].get<double>());
  }
}

TEST_CASE("local backend: kill -9 of a worker, retried from its checkpoint") {
  const std::string dir = temp_dir("local_worker_kill");
  plan_tiny(dir, "w", "2e10", 1);
  plan_tiny(dir, "ref", "2e10", 1);
  cli(dir, "sweep run ref --workers 1 --threads 1");
  const pid_t coordinator = start_process({SCALELAB_BINARY, "sweep", "run", "w", "--workers", "1",
                                           "--threads", "1", "--retries", "1", "--poll", "0.05"},
                                          dir, dir + "/coordinator.log");
  // Kill the worker as soon as its first checkpoint exists.
  std::string job;
  const bool started = wait_until(
      [&] {
        db::Database d = db::open_database(dir + "/scalelab.db");
        const auto runs = db::list_runs(d, db::require_sweep(d, "w").id);
        const auto life = db::load_lifecycle(d, runs[0].id);
        if (!life.backend_job || !life.run_dir) return false;
        job = *life.backend_job;
        return fs::exists(*life.run_dir + "/checkpoint.bin");
      },
      60);
  REQUIRE(started);
  const pid_t worker = std::stoi(job.substr(0, job.find(':')));
  CHECK(::kill(worker, SIGKILL) == 0);
  CHECK(wait_process(coordinator) == 0);

  db::Database d = db::open_database(dir + "/scalelab.db");
  const auto run = db::list_runs(d, db::require_sweep(d, "w").id)[0];
  const auto ref = db::list_runs(d, db::require_sweep(d, "ref").id)[0];
  CHECK(run.status == db::RunStatus::kDone);
  CHECK(run.attempts == 2);
  CHECK(db::load_lifecycle(d, run.id).failures == 1);
  CHECK(db::count_metrics(d, run.id) == planned_steps(run));
  const std::string log = read_text(*db::load_lifecycle(d, run.id).run_dir + "/worker.log");
  CHECK(log.find("resuming at step") != std::string::npos);
  CHECK(read_text(dir + "/coordinator.log").find("killed by signal 9") != std::string::npos);
  // Resumed from the checkpoint, the run ends exactly as an uninterrupted one.
  CHECK(*run.final_train_loss == *ref.final_train_loss);
  CHECK(*run.final_eval_loss == *ref.final_eval_loss);
  const auto a = db::list_metrics(d, run.id), b = db::list_metrics(d, ref.id);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].train_loss == b[i].train_loss);
}

TEST_CASE("local backend: kill -9 of the coordinator, then resume: exact rows, same losses") {
  const std::string dir = temp_dir("local_coord_kill");
  plan_tiny(dir, "k", "1e10", 2);
  plan_tiny(dir, "ref", "1e10", 2);
  cli(dir, "sweep run ref --workers 2 --threads 1");
  const pid_t coordinator = start_process(
      {SCALELAB_BINARY, "sweep", "run", "k", "--workers", "2", "--threads", "1", "--poll", "0.05"},
      dir, dir + "/coordinator.log");
  const bool reached = wait_until(
      [&] {
        db::Database d = db::open_database(dir + "/scalelab.db");
        for (const auto& r : db::list_runs(d, db::require_sweep(d, "k").id)) {
          const auto life = db::load_lifecycle(d, r.id);
          if (life.run_dir && fs::exists(*life.run_dir + "/checkpoint.bin") &&
              db::count_metrics(d, r.id) > 0)
            return true;
        }
        return false;
      },
      60);
  REQUIRE(reached);
  ::kill(coordinator, SIGKILL);
  CHECK(wait_process(coordinator) == -SIGKILL);
  // The workers die with their coordinator (no orphan keeps writing the run directories).
  CHECK(wait_until(
      [&] {
        db::Database d = db::open_database(dir + "/scalelab.db");
        for (const auto& r : db::list_runs(d, db::require_sweep(d, "k").id)) {
          const auto life = db::load_lifecycle(d, r.id);
          if (life.backend_job && ::kill(std::stoi(*life.backend_job), 0) == 0) return false;
        }
        return true;
      },
      10));
  cli(dir, "sweep resume k --workers 2 --threads 1");

  db::Database d = db::open_database(dir + "/scalelab.db");
  const auto runs = db::list_runs(d, db::require_sweep(d, "k").id);
  const auto refs = db::list_runs(d, db::require_sweep(d, "ref").id);
  REQUIRE(runs.size() == refs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CHECK(runs[i].status == db::RunStatus::kDone);
    CHECK(db::count_metrics(d, runs[i].id) == planned_steps(runs[i]));
    CHECK(db::count_metrics(d, runs[i].id) == db::count_metrics(d, refs[i].id));
    CHECK(*runs[i].final_train_loss == *refs[i].final_train_loss);
    CHECK(*runs[i].final_eval_loss == *refs[i].final_eval_loss);
    const auto a = db::list_metrics(d, runs[i].id), b = db::list_metrics(d, refs[i].id);
    REQUIRE(a.size() == b.size());
    for (std::size_t s = 0; s < a.size(); ++s) {
      CHECK(a[s].train_loss == b[s].train_loss);
      CHECK(a[s].eval_loss == b[s].eval_loss);
    }
  }
}

TEST_CASE("local backend: a run whose learning rate blows it up ends diverged") {
  const std::string dir = temp_dir("local_diverge");
  std::ofstream(dir + "/blowup.yaml") << "budgets: 3e8\ngrid: 1\nseq_len: 32\nvocab_size: 32\n"
                                         "data: synthetic\nhyperparameters:\n"
                                         "  lr: {coefficient: 1.0e+6, exponent: 0, max: 1.0e+6}\n";
  cli(dir, "plan --config blowup.yaml --save b --format csv");
  const auto r = cli(dir, "sweep run b --threads 1");
  CHECK(r.out.find("1 diverged") != std::string::npos);
  const auto run = runs_of(dir, "b")[0];
  CHECK(run.status == db::RunStatus::kDiverged);
  REQUIRE(run.last_error);
  MESSAGE("diverged: " << *run.last_error);
}

TEST_CASE("local backend: early-stop mode trains half of each run and stores an extrapolation") {
  const std::string dir = temp_dir("local_early_stop");
  plan_tiny(dir, "e", "3e9", 1);
  // No references: the one run of its budget would otherwise be one and train to the end.
  const auto out = cli(dir, "sweep run e --threads 1 --train-fraction 0.5 --reference-runs 0").out;
  CHECK(out.find("extrapolated final loss") != std::string::npos);
  CHECK(out.find("sweep e: 0 done, 0 failed, 0 diverged, 1 stopped, 0 pending") !=
        std::string::npos);
  const auto doc = nlohmann::json::parse(cli(dir, "runs export e --format json").out);
  REQUIRE(doc.size() == 1);
  const auto& run = doc[0];
  CHECK(run["status"] == "stopped");  // stopped early by design, a final state
  const auto launch = run["config"]["launch"];
  const std::int64_t total = launch["hyperparameters"]["total_steps"];
  const std::int64_t stop = launch["stop_steps"];
  CHECK(stop == (total + 1) / 2);
  db::Database d = db::open_database(dir + "/scalelab.db");
  CHECK(db::count_metrics(d, run["run_id"].get<std::int64_t>()) == stop);
  // The schedule still spans the whole run: the last logged lr is above the cosine's floor.
  const auto metrics = db::list_metrics(d, run["run_id"].get<std::int64_t>());
  const double floor = launch["hyperparameters"]["lr"].get<double>() *
                       launch["hyperparameters"]["final_lr_fraction"].get<double>();
  CHECK(*metrics.back().lr > 1.5 * floor);
  REQUIRE(run["extrapolation"].is_object());
  CHECK(run["extrapolation"]["final_step"] == total);
  // The recommended model of the one extrapolation policy (sweeps/extrapolation.hpp).
  const std::string model = run["extrapolation"]["model"];
  CHECK((model == "power-law" || model == "lr-aware" || model == "multi-power"));
  CHECK(run["extrapolation"]["references"] == nlohmann::json::array());  // none
  const double loss = run["extrapolation"]["loss"];
  CHECK(std::isfinite(loss));
  CHECK(loss > 0);
  CHECK(loss < std::log(32.0));
}

TEST_CASE("local backend: the sweep's schedule (wsd) is the one its runs train with") {
  const std::string dir = temp_dir("local_wsd");
  {
    std::ofstream yaml(dir + "/sweep.yaml");
    yaml << "budgets: 3e8\ngrid: 1\nseq_len: 32\nvocab_size: 32\ndata: synthetic\n"
            "hyperparameters:\n  schedule: wsd\n  final_lr_fraction: 0.05\n"
            "  cooldown_fraction: 0.5\n";
  }
  cli(dir, "plan --config sweep.yaml --save s --format csv");
  cli(dir, "sweep run s --threads 1");
  const auto runs = runs_of(dir, "s");
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == db::RunStatus::kDone);
  const auto hp = nlohmann::json::parse(runs[0].config_json)["launch"]["hyperparameters"];
  CHECK(hp["schedule"] == "wsd");
  const double peak = hp["lr"].get<double>();
  const std::int64_t total = hp["total_steps"], warmup = hp["warmup_steps"];
  REQUIRE(total >= 8);
  db::Database d = db::open_database(dir + "/scalelab.db");
  const auto metrics = db::list_metrics(d, runs[0].id);
  REQUIRE(static_cast<std::int64_t>(metrics.size()) == total);
  // Stable at the peak from the end of warmup to the cooldown (the last half), then down to
  // 5% of it: a cosine would have left the peak right after warmup.
  const std::int64_t cooldown_start = total - std::llround(0.5 * static_cast<double>(total));
  for (const auto& m : metrics)
    if (m.step >= warmup && m.step <= cooldown_start)
      CHECK(*m.lr == doctest::Approx(peak).epsilon(1e-12));
  CHECK(*metrics.back().lr == doctest::Approx(0.05 * peak).epsilon(1e-9));
}

TEST_CASE(
    "local backend: early-stop mode trains the budget's smallest run to the end as a "
    "reference and fits it jointly with the others") {
  const std::string dir = temp_dir("local_early_stop_refs");
  plan_tiny(dir, "r", "3e9", 2);
  const auto out = cli(dir, "sweep run r --threads 1 --workers 1 --train-fraction 0.5").out;
  CHECK(out.find("1 done, 0 failed, 0 diverged, 1 stopped") != std::string::npos);
  const auto doc = nlohmann::json::parse(cli(dir, "runs export r --format json").out);
  REQUIRE(doc.size() == 2);
  const auto& small = doc[0]["params"] < doc[1]["params"] ? doc[0] : doc[1];
  const auto& large = doc[0]["params"] < doc[1]["params"] ? doc[1] : doc[0];
  CHECK(small["status"] == "done");  // the reference: every planned step
  CHECK(small["config"]["launch"]["stop_steps"] ==
        small["config"]["launch"]["hyperparameters"]["total_steps"]);
  CHECK(large["status"] == "stopped");
  CHECK(large["config"]["launch"]["reference_dirs"].size() == 1);
  REQUIRE(large["extrapolation"].is_object());
  // It launched after the reference finished (one worker), so the reference was fitted.
  CHECK(large["extrapolation"]["references"].size() == 1);
  const double loss = large["extrapolation"]["loss"];
  CHECK(std::isfinite(loss));
  CHECK(loss > 0);
}
