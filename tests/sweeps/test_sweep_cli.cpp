// Whole sweeps through the binary with the command backend and a stand-in trainer
// (fake_trainer.cpp): end to end, kill -9 of the coordinator then resume, a crashing trainer
// retried from its checkpoint, an injected NaN, failing commands and bad input.
#include <doctest/doctest.h>
#include <signal.h>

#include <cmath>
#include <filesystem>

#include "sweep_cli_util.hpp"

using namespace scalelab;
using namespace scalelab::testing;
namespace fs = std::filesystem;

namespace {

// Four pending runs (two budgets x two sizes; shapes are ignored by the stand-in trainer).
void plan_sweep(const std::string& dir, const std::string& name) {
  cli(dir, "plan --budget 1e9:1e10:2 --grid 2 --seq-len 32 --vocab 32 --data synthetic --save " +
               name + " --format csv");
}

std::string fake(const std::string& options) {
  return std::string("--backend command --command '") + FAKE_TRAINER + " --run-dir {run_dir} " +
         options + "'";
}

double expected_loss(int steps) { return 2.0 + 3.0 / std::sqrt(static_cast<double>(steps)); }

}  // namespace

TEST_CASE("command backend: a sweep runs to the end and every loss is stored") {
  const std::string dir = temp_dir("cmd_e2e");
  plan_sweep(dir, "c");
  const auto r = cli(dir, "sweep run c --workers 2 " + fake("--steps 40 --eval-every 10"));
  CHECK(r.out.find("sweep c: 4 done, 0 failed") != std::string::npos);
  db::Database d = db::open_database(dir + "/scalelab.db");
  const auto runs = db::list_runs(d, db::require_sweep(d, "c").id);
  REQUIRE(runs.size() == 4);
  for (const auto& run : runs) {
    CHECK(run.status == db::RunStatus::kDone);
    CHECK(run.attempts == 1);
    CHECK(*run.final_train_loss == doctest::Approx(expected_loss(40)).epsilon(1e-12));
    CHECK(db::count_metrics(d, run.id) == 40);  // eval lines merge into their step's row
    CHECK(*db::last_losses(d, run.id).eval_loss == doctest::Approx(expected_loss(40) + 0.1));
  }
  const auto status = cli(dir, "status c --format json");
  const auto rows = nlohmann::json::parse(status.out);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["status"] == "done");
  CHECK(rows[0]["progress"].get<std::string>().rfind("40/", 0) == 0);  // step / planned steps
  CHECK(rows[0]["train_loss"] == doctest::Approx(expected_loss(40)));
  const auto csv = cli(dir, "runs export c --format csv");
  CHECK(csv.out.find("run_id,name,status,params") == 0);
  const auto doc = nlohmann::json::parse(cli(dir, "runs export c --format json --metrics").out);
  REQUIRE(doc.size() == 4);
  for (const char* key : {"run_id", "status", "params", "tokens", "flops", "final_train_loss",
                          "final_eval_loss", "config", "metrics"})
    CHECK_MESSAGE(doc[0].contains(key), key);
  REQUIRE(doc[0]["metrics"].size() == 40);
  for (const char* key : {"step", "tokens", "train_loss", "eval_loss", "lr"})
    CHECK_MESSAGE(doc[0]["metrics"][0].contains(key), key);
  CHECK(doc[0]["metrics"][39]["step"] == 40);
  // A finished sweep has nothing to do.
  CHECK(cli(dir, "sweep run c " + fake("--steps 40")).out.find("no pending runs") !=
        std::string::npos);
}

TEST_CASE("kill -9 of the coordinator, then resume: exact rows and identical final losses") {
  const std::string dir = temp_dir("cmd_kill");
  plan_sweep(dir, "k");
  plan_sweep(dir, "ref");
  const std::string opts = "--steps 60 --sleep-ms 15 --checkpoint-every 10 --eval-every 20";
  // The reference: the same sweep, uninterrupted.
  cli(dir, "sweep run ref --workers 2 " + fake(opts));

  const pid_t coordinator =
      start_process({SCALELAB_BINARY, "sweep", "run", "k", "--workers", "2", "--backend", "command",
                     "--command", std::string(FAKE_TRAINER) + " --run-dir {run_dir} " + opts},
                    dir, dir + "/coordinator.log");
  // Kill it once the second pair of runs is partly trained (the first pair is done).
  const bool reached = wait_until(
      [&] {
        db::Database d = db::open_database(dir + "/scalelab.db");
        int done = 0, partial = 0;
        for (const auto& r : db::list_runs(d, db::require_sweep(d, "k").id)) {
          done += r.status == db::RunStatus::kDone;
          const auto n = db::count_metrics(d, r.id);
          partial += r.status == db::RunStatus::kRunning && n >= 25;
        }
        return done >= 2 && partial >= 1;
      },
      60);
  REQUIRE(reached);
  ::kill(coordinator, SIGKILL);
  CHECK(wait_process(coordinator) == -SIGKILL);

  // A plain run refuses: the sweep has interrupted runs.
  const auto refused = cli(dir, "sweep run k " + fake(opts), 2);
  CHECK(refused.err.find("sweep resume k") != std::string::npos);
  const auto resumed = cli(dir, "sweep resume k --workers 2 " + fake(opts));
  CHECK(resumed.out.find("resuming it from its checkpoint") != std::string::npos);

  db::Database d = db::open_database(dir + "/scalelab.db");
  const auto runs = db::list_runs(d, db::require_sweep(d, "k").id);
  const auto refs = db::list_runs(d, db::require_sweep(d, "ref").id);
  REQUIRE(runs.size() == refs.size());
  int resumed_runs = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CHECK(runs[i].status == db::RunStatus::kDone);
    CHECK(db::count_metrics(d, runs[i].id) == 60);
    CHECK(*runs[i].final_train_loss == *refs[i].final_train_loss);  // bitwise
    CHECK(*runs[i].final_eval_loss == *refs[i].final_eval_loss);
    const auto a = db::list_metrics(d, runs[i].id), b = db::list_metrics(d, refs[i].id);
    REQUIRE(a.size() == b.size());
    for (std::size_t s = 0; s < a.size(); ++s) {
      CHECK(a[s].step == b[s].step);
      CHECK(a[s].train_loss == b[s].train_loss);
      CHECK(a[s].eval_loss == b[s].eval_loss);
    }
    CHECK(db::load_lifecycle(d, runs[i].id).failures == 0);  // an interruption is no failure
    resumed_runs += runs[i].attempts > 1;
  }
  CHECK(resumed_runs >= 1);
}

// Issue 16: a resumed run was marked diverged when its worker rewrote metrics.jsonl to the
// steps before its checkpoint: ingest read the file again from step 1 and the divergence check
// compared step 10's loss with the best loss of the first attempt's later steps.
TEST_CASE("kill -9 late in a run, then resume: a rewritten metrics file is no divergence") {
  const std::string dir = temp_dir("cmd_kill_rewrite");
  plan_sweep(dir, "k");
  // Losses 2 + 300/sqrt(step): 96.9 at step 10, 29.4 at step 120 (over 3x lower, a healthy
  // curve that a comparison out of step order takes for a spike).
  const std::string opts =
      "--steps 200 --sleep-ms 10 --checkpoint-every 50 --eval-every 50 --scale 100 "
      "--rewrite-on-resume";
  const pid_t coordinator = start_process(
      {SCALELAB_BINARY, "sweep", "run", "k", "--workers", "2", "--backend", "command", "--command",
       std::string(FAKE_TRAINER) + " --run-dir {run_dir} " + opts, "--poll", "0.05"},
      dir, dir + "/coordinator.log");
  // Kill it once a run has its rows of steps past its checkpoint at 100 in the database.
  const bool reached = wait_until(
      [&] {
        db::Database d = db::open_database(dir + "/scalelab.db");
        for (const auto& r : db::list_runs(d, db::require_sweep(d, "k").id))
          if (r.status == db::RunStatus::kRunning && db::count_metrics(d, r.id) >= 120) return true;
        return false;
      },
      60);
  REQUIRE(reached);
  ::kill(coordinator, SIGKILL);
  CHECK(wait_process(coordinator) == -SIGKILL);
  const auto resumed = cli(dir, "sweep resume k --workers 2 --poll 0.05 " + fake(opts));
  CHECK(resumed.out.find("4 done, 0 failed, 0 diverged") != std::string::npos);
  db::Database d = db::open_database(dir + "/scalelab.db");
  for (const auto& r : db::list_runs(d, db::require_sweep(d, "k").id)) {
    CHECK_MESSAGE(r.status == db::RunStatus::kDone, r.name << ": " << r.last_error.value_or(""));
    CHECK(db::count_metrics(d, r.id) == 200);
  }
}

TEST_CASE("a crashed trainer is retried from its checkpoint") {
  const std::string dir = temp_dir("cmd_crash");
  plan_sweep(dir, "x");
  cli(dir, "sweep run x --workers 2 --retries 1 " +
               fake("--steps 40 --checkpoint-every 10 --crash-once-at 25"));
  db::Database d = db::open_database(dir + "/scalelab.db");
  for (const auto& r : db::list_runs(d, db::require_sweep(d, "x").id)) {
    CHECK(r.status == db::RunStatus::kDone);
    CHECK(r.attempts == 2);
    CHECK(db::load_lifecycle(d, r.id).failures == 1);
    CHECK(db::count_metrics(d, r.id) == 40);
    CHECK(*r.final_train_loss == doctest::Approx(expected_loss(40)).epsilon(1e-12));
    const std::string log = read_text(*db::load_lifecycle(d, r.id).run_dir + "/worker.log");
    CHECK(log.find("crashing on request at step 25") != std::string::npos);
    CHECK(log.find("resumed from checkpoint at step 20") != std::string::npos);
  }
}

TEST_CASE("an injected NaN marks the run diverged with the reason and step") {
  const std::string dir = temp_dir("cmd_nan");
  plan_sweep(dir, "n");
  const auto r = cli(dir, "sweep run n --workers 2 " + fake("--steps 400 --sleep-ms 5 --nan-at 7"));
  CHECK(r.out.find("4 diverged") != std::string::npos);
  db::Database d = db::open_database(dir + "/scalelab.db");
  for (const auto& run : db::list_runs(d, db::require_sweep(d, "n").id)) {
    CHECK(run.status == db::RunStatus::kDiverged);
    CHECK(*run.last_error == "train_loss is nan at step 7");
    CHECK(*db::load_lifecycle(d, run.id).diverged_step == 7);
    CHECK(run.attempts == 1);                   // diverged runs are not retried
    CHECK(db::count_metrics(d, run.id) < 400);  // stopped, not trained to the end
  }
  CHECK(cli(dir, "status n").out.find("train_loss is nan at step 7") != std::string::npos);
}

TEST_CASE("failing commands: clear errors, retries counted, exit status 1") {
  const std::string dir = temp_dir("cmd_fail");
  plan_sweep(dir, "f");
  auto r = cli(dir, "sweep run f --retries 1 " + fake("--exit 3"), 1);
  CHECK(r.err.find("4 run(s) of sweep 'f' failed") != std::string::npos);
  auto runs = runs_of(dir, "f");
  for (const auto& run : runs) {
    CHECK(run.status == db::RunStatus::kFailed);
    CHECK(run.attempts == 2);
    CHECK(run.last_error->find("crashed 2 time(s); last: command exit status 3: fake_trainer: "
                               "failing on request with status 3") == 0);
  }

  plan_sweep(dir, "g");
  r = cli(dir,
          "sweep run g --retries 0 --backend command --command 'no_such_trainer_xyz {run_dir}'", 1);
  for (const auto& run : runs_of(dir, "g"))
    CHECK(run.last_error->find("exit status 127") != std::string::npos);

  plan_sweep(dir, "h");  // exits 0 without writing anything
  r = cli(dir, "sweep run h --backend command --command 'true'", 1);
  for (const auto& run : runs_of(dir, "h")) {
    CHECK(run.status == db::RunStatus::kFailed);
    CHECK(run.last_error->find("exited 0 but wrote no losses") != std::string::npos);
  }

  plan_sweep(dir, "i");  // a bad template is refused before anything runs
  r = cli(dir, "sweep run i --backend command --command 'train --x {nope}'", 2);
  CHECK(r.err.find("unknown placeholder {nope}") != std::string::npos);
  for (const auto& run : runs_of(dir, "i")) CHECK(run.status == db::RunStatus::kPending);
}

TEST_CASE("bad sweep names and bad CSVs: one-line errors, exit 2, nothing written") {
  const std::string dir = temp_dir("cmd_bad");
  plan_sweep(dir, "ok");
  auto r = cli(dir, "sweep run nosuch", 2);
  CHECK(r.err == "scalelab sweep: error: no sweep named 'nosuch' in 'scalelab.db' (known: ok)\n");
  r = cli(dir, "sweep run 'bad name'", 2);
  CHECK(r.err.find("sweep name: 'bad name'") != std::string::npos);
  cli(dir, "sweep launch ok", 2);
  cli(dir, "status nosuch", 2);
  cli(dir, "runs export nosuch --format csv", 2);
  cli(dir, "status --db missing.db", 2);
  CHECK_FALSE(fs::exists(dir + "/missing.db"));

  std::ofstream(dir + "/bad.csv") << "N,D,loss\n1e6,1e7,3.5\n1e6,2e7,abc\n";
  r = cli(dir, "import bad.csv --sweep imp", 2);
  CHECK(r.err.find("bad.csv:3") != std::string::npos);
  std::ofstream(dir + "/typo.csv") << "N,D,los\n1e6,1e7,3.5\n";
  cli(dir, "import typo.csv --sweep imp", 2);
  CHECK(cli(dir, "status --format csv").out.find("imp,") == std::string::npos);

  std::ofstream(dir + "/good.csv") << "C,N,D,loss\n6e13,1e6,1e7,3.5\n1.2e14,1e6,2e7,3.3\n";
  r = cli(dir, "import good.csv --sweep imp");
  CHECK(r.out.find("2 runs") != std::string::npos);
  cli(dir, "import good.csv --sweep imp", 2);  // name taken
  const auto doc = nlohmann::json::parse(cli(dir, "runs export imp --format json").out);
  REQUIRE(doc.size() == 2);
  CHECK(doc[1]["final_eval_loss"] == 3.3);
  CHECK(doc[1]["flops"] == 1.2e14);
  CHECK(doc[1]["status"] == "done");
}

TEST_CASE("a sweep from YAML: saved with its text, shown back, its backend used") {
  const std::string dir = temp_dir("cmd_yaml");
  const std::string yaml = std::string(
                               "# tiny sweep run by the stand-in trainer\n"
                               "budgets: [1e9, 1e10]\n"
                               "grid: 2\n"
                               "seq_len: 32\n"
                               "vocab_size: 32\n"
                               "data: synthetic\n"
                               "hyperparameters:\n"
                               "  warmup_fraction: 0.1\n"
                               "backend:\n"
                               "  kind: command\n"
                               "  workers: 2\n"
                               "  command: \"") +
                           FAKE_TRAINER + " --run-dir {run_dir} --steps 12\"\n";
  std::ofstream(dir + "/sweep.yaml") << yaml;
  cli(dir, "plan --config sweep.yaml --save y --format json");
  CHECK(cli(dir, "sweep show y").out == yaml);
  const auto r = cli(dir, "sweep run y");
  CHECK(r.out.find("4 done") != std::string::npos);
  for (const auto& run : runs_of(dir, "y")) {
    const auto config = nlohmann::json::parse(run.config_json);
    CHECK(config["launch"]["hyperparameters"]["warmup_steps"].get<int>() >= 1);
  }
  // Errors name the key and line; nothing is saved.
  std::ofstream(dir + "/bad.yaml")
      << "budgets: 1e9\ngrid: 2\nbackend:\n  kind: local\n  wrokers: 2\n";
  const auto bad = cli(dir, "plan --config bad.yaml --save z", 2);
  CHECK(bad.err.find("bad.yaml:5: unknown key 'backend.wrokers'") != std::string::npos);
  cli(dir, "sweep show z", 2);
  cli(dir, "plan --config sweep.yaml --budget 1e9", 2);
  // A command-line plan is shown as the equivalent YAML, which plans the same grid.
  cli(dir, "plan --budget 1e9 --grid 2 --seq-len 32 --save p --format csv");
  std::ofstream(dir + "/p.yaml") << cli(dir, "sweep show p").out;
  cli(dir, "plan --config p.yaml --save p2 --format csv");
  const auto a = runs_of(dir, "p"), b = runs_of(dir, "p2");
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].name == b[i].name);
}

// Issue 16, item 4: a run directory deleted while its run trains. The crash names the missing
// directory, the retry starts from step 1 (there is no checkpoint left to resume from), and
// nothing else is lost: every run ends done with each step stored once.
TEST_CASE(
    "a run directory deleted mid-sweep: named, trained again from step 1, nothing else lost") {
  const std::string dir = temp_dir("cmd_deleted_dir");
  plan_sweep(dir, "g");
  const std::string opts = "--steps 60 --sleep-ms 15 --checkpoint-every 10";
  const pid_t coordinator = start_process(
      {SCALELAB_BINARY, "sweep", "run", "g", "--workers", "1", "--retries", "1", "--backend",
       "command", "--command", std::string(FAKE_TRAINER) + " --run-dir {run_dir} " + opts},
      dir, dir + "/coordinator.log");
  std::string victim;
  const bool reached = wait_until(
      [&] {
        db::Database d = db::open_database(dir + "/scalelab.db");
        for (const auto& r : db::list_runs(d, db::require_sweep(d, "g").id))
          if (r.status == db::RunStatus::kRunning && db::count_metrics(d, r.id) >= 20) {
            victim = *db::load_lifecycle(d, r.id).run_dir;
            return true;
          }
        return false;
      },
      60);
  REQUIRE(reached);
  fs::remove_all(victim);
  CHECK(wait_process(coordinator) == 0);
  const std::string said = read_text(dir + "/coordinator.log");
  INFO(said);
  CHECK(said.find("its run directory " + victim + " is gone; retry 1 of 1 from step 1") !=
        std::string::npos);
  db::Database d = db::open_database(dir + "/scalelab.db");
  for (const auto& r : db::list_runs(d, db::require_sweep(d, "g").id)) {
    CHECK(r.status == db::RunStatus::kDone);
    CHECK(db::count_metrics(d, r.id) == 60);
    CHECK(*r.final_train_loss == doctest::Approx(expected_loss(60)).epsilon(1e-12));
  }
}
