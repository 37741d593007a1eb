// scalelab extrapolate on a real (tiny, synthetic) training run: the documented JSON rows for
// the three models at two fractions (one recommended per fraction), the same curve exported to
// CSV (--curve: same predictions), a reference fitted jointly, the observed final loss of the
// finished run, CSV and table output, a run still in progress (no observed loss; the default
// fraction is what it logged), the eval curve, and the rejections (no directory, no metrics, a
// fraction outside (0, 1], too few points before the fraction, unknown model or loss).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.hpp"

using nlohmann::json;

namespace {
// A number as text with every digit it has (17 significant).
std::string fmt_full(double v) {
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}
}  // namespace
using scalelab::testing::fresh_dir;
using scalelab::testing::run_cli;

TEST_CASE("extrapolate: a finished run's final loss from 20% and 30% of its curve") {
  const std::string dir = fresh_dir("extrapolate");
  const std::string run = dir + "/run";
  auto r = run_cli(
      "train --params 2e4 --data synthetic --tokens 3e5 --batch-tokens 1024 "
      "--micro-batch 4 --device cpu --out '" +
      run + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);

  r = run_cli("extrapolate '" + run + "' --fraction 0.2,0.3 --bootstrap 0 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json rows = json::parse(r.out);
  REQUIRE(rows.size() == 6);  // 2 fractions x 3 models
  int recommended = 0;
  for (const json& row : rows) recommended += row["recommended"].get<bool>() ? 1 : 0;
  CHECK(recommended == 2);
  for (const json& row : rows) {
    CHECK(row["loss"] == "train");
    CHECK(row["run"] == "run");
    CHECK(row["run_dir"] == run);
    for (const char* key :
         {"run",         "run_dir",        "loss",      "fraction",     "model",
          "recommended", "references",     "shared",    "final_tokens", "fit_steps",
          "points",      "final_step",     "predicted", "predicted_lo", "predicted_hi",
          "observed",    "relative_error", "converged", "termination",  "parameters"})
      CHECK_MESSAGE(row.contains(key), key);
    CHECK(row["final_step"] == 293);  // ceil(3e5 / 1024): the planned schedule, not the fit's end
    CHECK(row["fit_steps"].get<int>() == static_cast<int>(293 * row["fraction"].get<double>()));
    const double observed = row["observed"].get<double>();
    CHECK(observed > 0.5);
    CHECK(observed < 3.0);
    if (row["model"] == "power-law") {
      // The power law always gives a finite loss; its error is the prediction against the run.
      REQUIRE(row["predicted"].is_number());
      const double predicted = row["predicted"].get<double>();
      CHECK(row["relative_error"].get<double>() ==
            doctest::Approx((predicted - observed) / observed));
      CHECK(std::fabs(row["relative_error"].get<double>()) < 0.5);
    }
  }

  // A bootstrap gives an interval around the power law's prediction.
  r = run_cli("extrapolate '" + run +
              "' --fraction 0.3 --model power-law --bootstrap 20 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json boot = json::parse(r.out);
  REQUIRE(boot.size() == 1);
  REQUIRE(boot[0]["predicted_lo"].is_number());
  CHECK(boot[0]["predicted_lo"].get<double>() <= boot[0]["predicted"].get<double>());
  CHECK(boot[0]["predicted"].get<double>() <= boot[0]["predicted_hi"].get<double>());

  // The same curve exported to CSV (step, loss, lr of every step: the planned schedule from
  // the file) gives the same predictions.
  const std::string csv = dir + "/curve.csv";
  {
    std::ifstream in(run + "/metrics.jsonl");
    std::ofstream out(csv);
    out << "step,loss,lr\n";
    std::string line;
    while (std::getline(in, line)) {
      const json m = json::parse(line);
      if (m["kind"] != "train") continue;
      out << m["step"].get<int>() << ',' << fmt_full(m["train_loss"].get<double>()) << ','
          << fmt_full(m["lr"].get<double>()) << '\n';
    }
  }
  r = run_cli("extrapolate --curve '" + csv + "' --fraction 0.2,0.3 --bootstrap 0 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json from_csv = json::parse(r.out);
  REQUIRE(from_csv.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    CHECK(from_csv[i]["model"] == rows[i]["model"]);
    CHECK(from_csv[i]["final_step"] == rows[i]["final_step"]);
    CHECK(from_csv[i]["fit_steps"] == rows[i]["fit_steps"]);
    CHECK(from_csv[i]["points"] == rows[i]["points"]);
    CHECK(from_csv[i]["recommended"] == rows[i]["recommended"]);
    if (rows[i]["predicted"].is_number())
      CHECK(from_csv[i]["predicted"].get<double>() ==
            doctest::Approx(rows[i]["predicted"].get<double>()).epsilon(1e-6));
  }
  // A reference fitted jointly: its name and the shared parameters are reported.
  r = run_cli("extrapolate '" + run + "' --fraction 0.3 --model lr-aware --reference '" + csv +
              "' --bootstrap 0 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json joint = json::parse(r.out);
  REQUIRE(joint.size() == 1);
  CHECK(joint[0]["references"] == json::array({"curve.csv"}));
  CHECK(joint[0]["shared"].size() >= 1);
  // A bad curve file names its line.
  {
    std::ofstream out(dir + "/bad.csv");
    out << "step,loss,lr\n1,2.5,1e-3\n2,x,1e-3\n";
  }
  auto bad = run_cli("extrapolate --curve '" + dir + "/bad.csv'");
  CHECK(bad.exit_code == 2);
  CHECK_MESSAGE(bad.err.find("bad.csv:3") != std::string::npos, bad.err);

  // CSV: one header and one line per (fraction, model), full precision; the table names the run.
  r = run_cli("extrapolate '" + run + "' --fraction 0.3 --bootstrap 0 --format csv");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.rfind("run,run_dir,loss,fraction,model,recommended,references,shared,fit_steps,"
                    "points,final_step,",
                    0) == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 4);
  CHECK(r.out.find(",power-law,true,,,87,") != std::string::npos);
  r = run_cli("extrapolate '" + run + "' --fraction 0.3 --model power-law --bootstrap 0");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("293 of 293 planned steps logged") != std::string::npos);
  CHECK(r.out.find("lr-aware") == std::string::npos);

  // The eval curve (10 evaluations by default) is fitted and compared on its own scale.
  r = run_cli("extrapolate '" + run + "' --fraction 0.6 --loss eval --bootstrap 0 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json eval_rows = json::parse(r.out);
  REQUIRE(eval_rows.size() == 3);
  CHECK(eval_rows[0]["loss"] == "eval");
  CHECK(eval_rows[0]["points"].get<int>() >= 4);
  CHECK(eval_rows[0]["observed"].get<double>() !=
        doctest::Approx(rows[0]["observed"].get<double>()));

  // A run still training: its first 150 steps, no summary. No observed loss, and the default
  // fraction is the share of the planned steps it has logged.
  const std::string partial = dir + "/partial";
  std::filesystem::create_directories(partial);
  std::filesystem::copy_file(run + "/config.json", partial + "/config.json");
  {
    std::ifstream in(run + "/metrics.jsonl");
    std::ofstream out(partial + "/metrics.jsonl");
    std::string line;
    while (std::getline(in, line))
      if (json::parse(line)["step"].get<int>() <= 150) out << line << '\n';
  }
  r = run_cli("extrapolate '" + partial + "' --bootstrap 0 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json open_rows = json::parse(r.out);
  REQUIRE(open_rows.size() == 3);
  for (const json& row : open_rows) {
    CHECK(row["fit_steps"] == 150);
    CHECK(row["final_step"] == 293);
    CHECK(row["observed"].is_null());
    CHECK(row["relative_error"].is_null());
  }

  auto rejected = [&](const std::string& arguments, const std::string& what) {
    const auto bad = run_cli("extrapolate " + arguments);
    CHECK(bad.exit_code == 2);
    CHECK_MESSAGE(bad.err.find(what) != std::string::npos, bad.err);
  };
  rejected("'" + dir + "/nosuch'", "no such directory");
  rejected("'" + run + "' --fraction 0", "--fraction");
  rejected("'" + run + "' --fraction 1.5", "--fraction");
  rejected("'" + run + "' --fraction 0.01", "need 4");
  rejected("'" + run + "' --model cubic", "--model");
  rejected("'" + run + "' --loss test", "--loss");
  rejected("'" + run + "' --fraction 0.2,x", "--fraction");
  rejected("", "RUN_DIR");
  rejected("'" + run + "' --sweep s --run 1", "give one run");
  rejected("'" + run + "' --schedule cosine", "only with --curve");
  rejected("--sweep s", "--sweep and --run go together");
  const std::string empty = dir + "/empty";
  std::filesystem::create_directories(empty);
  rejected("'" + empty + "'", "config.json");  // not a run directory
  std::filesystem::copy_file(run + "/config.json", empty + "/config.json");
  rejected("'" + empty + "'", "no train losses");
  {
    std::ofstream out(empty + "/metrics.jsonl");
    out << R"({"kind":"train","step":1,"train_loss":2.5})" << '\n'
        << R"({"kind":"train","step":2,"train_loss":NaN})" << '\n';
  }
  rejected("'" + empty + "'", "metrics.jsonl: step 2: train_loss is nan (the run diverged)");
  std::filesystem::remove_all(dir);
}

TEST_CASE("extrapolate --sweep --run: an early-stopped sweep run from the database") {
  // A one-run sweep of a tiny model trained to half its planned steps (--train-fraction):
  // its curve comes from the database, its schedule from the spec it was launched with.
  const std::string dir = fresh_dir("extrapolate_db");
  auto r = run_cli(
      "plan --budget 3e9 --grid 1 --seq-len 32 --vocab 32 --data synthetic --save e --format csv",
      dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = run_cli("sweep run e --threads 1 --train-fraction 0.5 --reference-runs 0", dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json runs = json::parse(run_cli("runs export e --format json", dir).out);
  REQUIRE(runs.size() == 1);
  const auto id = runs[0]["run_id"].get<std::int64_t>();
  const std::int64_t total = runs[0]["config"]["launch"]["hyperparameters"]["total_steps"];
  const std::int64_t stop = runs[0]["config"]["launch"]["stop_steps"];

  r = run_cli("extrapolate --sweep e --run " + std::to_string(id) +
                  " --model lr-aware --bootstrap 0 --format json",
              dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json rows = json::parse(r.out);
  REQUIRE(rows.size() == 1);
  for (const json& row : rows) {
    CHECK(row["run"].get<std::string>().rfind("e/", 0) == 0);
    CHECK(row["run_dir"].is_string());
    CHECK(row["final_step"] == total);  // the planned schedule, not the steps trained
    CHECK(row["fit_steps"] == stop);
    CHECK(row["observed"].is_null());  // stopped early: its final loss is not known
  }
  // The run's name works as well as its id; an unknown run or sweep is bad input.
  r = run_cli("extrapolate --sweep e --run " + runs[0]["name"].get<std::string>() +
                  " --model power-law --bootstrap 0 --format csv",
              dir);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  r = run_cli("extrapolate --sweep e --run 999", dir);
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("has no run '999'") != std::string::npos, r.err);
  r = run_cli("extrapolate --sweep nosuch --run 1", dir);
  CHECK(r.exit_code == 2);
  std::filesystem::remove_all(dir);
}
