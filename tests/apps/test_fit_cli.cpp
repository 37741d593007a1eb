// scalelab fit, predict and validate as a user runs them: the documented fit JSON on the
// reference data (/work/shared/data/README.md), predictions from a published law and from a
// stored fit (which are stored too), hold-out validation, and the rejections.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.hpp"
#include "db/fit_store.hpp"
#include "db/schema.hpp"

using nlohmann::json;
using scalelab::testing::fresh_dir;
using scalelab::testing::run_cli;

namespace {

const std::string kEpochCsv = SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv";

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// A rejection: exit 2, nothing on stdout, one line on stderr that names `where`.
void check_rejected(const scalelab::testing::CliResult& r, const std::string& where) {
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_MESSAGE(r.err.find(where) != std::string::npos, r.err);
  const auto first_newline = r.err.find('\n');
  CHECK_MESSAGE((first_newline == std::string::npos || first_newline + 1 == r.err.size()), r.err);
}

}  // namespace

TEST_CASE("fit --format json on Epoch's Chinchilla data: documented keys, reference numbers") {
  const auto r =
      run_cli("fit --csv '" + kEpochCsv +
              "' --law chinchilla --drop-highest 5 --bootstrap 0 --format json --no-save");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  for (const char* key :
       {"law", "params", "intervals", "objective", "n_points", "converged", "termination"})
    CHECK_MESSAGE(doc.contains(key), key);
  CHECK(doc["law"] == "chinchilla");
  for (const char* name : {"E", "A", "B", "alpha", "beta"})
    REQUIRE_MESSAGE(doc["params"].contains(name), name);
  // The README's reference (best of the grid, L-BFGS-B): objective about 1.0183e-3 and the
  // SciPy peer's 1.0182740918e-3, which ours must not exceed; E, alpha, beta within 0.002.
  CHECK(doc["objective"].get<double>() <= 1.0182741e-3);
  CHECK(doc["objective"].get<double>() > 1.0182e-3);
  CHECK(std::fabs(doc["params"]["E"].get<double>() - 1.8172) <= 0.002);
  CHECK(std::fabs(doc["params"]["alpha"].get<double>() - 0.3473) <= 0.002);
  CHECK(std::fabs(doc["params"]["beta"].get<double>() - 0.3672) <= 0.002);
  CHECK(doc["params"]["A"].get<double>() == doctest::Approx(477.8).epsilon(0.01));
  CHECK(doc["params"]["B"].get<double>() == doctest::Approx(2143.9).epsilon(0.01));
  CHECK(doc["n_points"] == 240);
  CHECK(doc["converged"] == true);
  CHECK(doc["termination"].get<std::string>().rfind("CONVERGENCE", 0) == 0);
  // A well-posed fit (fitting/degeneracy.hpp), and the kernel that fitted it.
  CHECK(doc["degenerate"] == false);
  CHECK(doc["reason"].is_null());
  CHECK(doc["kernel"].is_string());
}

TEST_CASE("predict --law epoch2024 --budget 5.88e23: the closed-form compute-optimal split") {
  const auto r = run_cli("predict --law epoch2024 --budget 5.88e23 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  // Besiroglu et al. 2024's estimate; N_opt = G·(C/6)^(β/(α+β)), G = (αA/(βB))^(1/(α+β))
  // (DESIGN.md), D_opt = (C/6)/N_opt.
  const double e = 1.8172, a = 482.01, b = 2085.43, alpha = 0.3478, beta = 0.3658, c = 5.88e23;
  const double g = std::pow(alpha * a / (beta * b), 1 / (alpha + beta));
  const double n = g * std::pow(c / 6, beta / (alpha + beta)), d = c / 6 / n;
  CHECK(doc["params_opt"].get<double>() == doctest::Approx(n).epsilon(1e-6));
  CHECK(doc["tokens_opt"].get<double>() == doctest::Approx(d).epsilon(1e-6));
  CHECK(doc["tokens_per_param"].get<double>() == doctest::Approx(d / n).epsilon(1e-6));
  CHECK(doc["loss"].get<double>() ==
        doctest::Approx(e + a / std::pow(n, alpha) + b / std::pow(d, beta)).epsilon(1e-9));
  CHECK(doc["params_opt_interval"].is_null());  // a published point estimate
  CHECK(!doc.contains("prediction_id"));        // only predictions from stored fits are kept
}

TEST_CASE("fit stores the fit; predict --fit ID gives intervals and stores the prediction") {
  const std::string dir = fresh_dir("fit_predict");
  const std::string db = dir + "/fits.db";
  auto r = run_cli("fit --csv '" + kEpochCsv +
                   "' --drop-highest 5 --bootstrap 40 --seed 3 --format json --db '" + db + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json fit = json::parse(r.out);
  REQUIRE(fit.contains("fit_id"));
  const auto id = fit["fit_id"].get<std::int64_t>();
  REQUIRE(fit["intervals"]["alpha"].is_array());

  r = run_cli("predict --fit " + std::to_string(id) + " --budget 5.88e23 --format json --db '" +
              db + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json pred = json::parse(r.out);
  const double n = pred["params_opt"], d = pred["tokens_opt"];
  CHECK(6 * n * d == doctest::Approx(5.88e23).epsilon(1e-9));
  for (const char* key : {"params_opt", "tokens_opt", "tokens_per_param", "loss"}) {
    const json& interval = pred[std::string(key) + "_interval"];
    REQUIRE_MESSAGE(interval.is_array(), key);
    CHECK(interval[0].get<double>() <= pred[key].get<double>());
    CHECK(interval[1].get<double>() >= pred[key].get<double>());
  }
  REQUIRE(pred.contains("prediction_id"));

  r = run_cli("predict --fit " + std::to_string(id) + " --params 7e10 --tokens 1.4e12 --db '" + db +
              "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("stored as prediction") != std::string::npos);

  scalelab::db::Database database = scalelab::db::open_existing_database(db);
  const auto stored = scalelab::db::list_predictions(database, id);
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].id == pred["prediction_id"].get<std::int64_t>());
  CHECK(stored[0].kind == "allocation");
  CHECK(*stored[0].flops == 5.88e23);
  CHECK(*stored[0].params == n);
  CHECK(*stored[0].loss == pred["loss"].get<double>());
  CHECK(*stored[0].loss_lo == pred["loss_interval"][0].get<double>());
  CHECK(stored[1].kind == "loss");
  CHECK(*stored[1].params == 7e10);
  CHECK(*stored[1].tokens == 1.4e12);
  CHECK(stored[1].loss_lo.has_value());
  std::filesystem::remove_all(dir);
}

TEST_CASE("validate --csv: the largest budget held out, each error and the mean") {
  const auto r = run_cli("validate --csv '" + kEpochCsv + "' --drop-highest 5 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  for (const char* key :
       {"law", "hold_out", "threshold", "n_train", "fit", "held_out", "mean_abs_relative_error"})
    CHECK_MESSAGE(doc.contains(key), key);
  CHECK(doc["hold_out"] == "budget");
  REQUIRE(doc["held_out"].is_array());
  REQUIRE(!doc["held_out"].empty());
  CHECK(doc["n_train"].get<std::size_t>() + doc["held_out"].size() == 240);
  double sum = 0;
  for (const json& row : doc["held_out"]) {
    CHECK(row["flops"].get<double>() >= doc["threshold"].get<double>());
    sum += std::fabs(row["relative_error"].get<double>());
  }
  CHECK(doc["mean_abs_relative_error"].get<double>() ==
        doctest::Approx(sum / doc["held_out"].size()).epsilon(1e-9));
  // A law fitted to the smaller budgets predicts the largest within a few percent.
  CHECK(doc["mean_abs_relative_error"].get<double>() < 0.05);
}

TEST_CASE("fit and validate read a sweep from the database as they read its CSV") {
  const std::string dir = fresh_dir("fit_sweep");
  const std::string db = dir + "/s.db";
  auto r = run_cli("import '" + kEpochCsv + "' --sweep epoch --db '" + db + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = run_cli("fit epoch --law chinchilla --drop-highest 5 --bootstrap 0 --format json --db '" +
              db + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json from_sweep = json::parse(r.out);
  r = run_cli("fit --csv '" + kEpochCsv +
              "' --law chinchilla --drop-highest 5 --bootstrap 0 --format json --no-save");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json from_csv = json::parse(r.out);
  CHECK(from_sweep["n_points"] == from_csv["n_points"]);
  CHECK(from_sweep["objective"].get<double>() ==
        doctest::Approx(from_csv["objective"].get<double>()).epsilon(1e-9));
  CHECK(from_sweep["params"]["alpha"].get<double>() ==
        doctest::Approx(from_csv["params"]["alpha"].get<double>()).epsilon(1e-9));
  CHECK(from_sweep.contains("fit_id"));  // stored, with the sweep as its source

  r = run_cli("validate epoch --drop-highest 5 --format json --db '" + db + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(json::parse(r.out)["n_train"].get<std::size_t>() + json::parse(r.out)["held_out"].size() ==
        240);

  check_rejected(run_cli("fit nosuch --bootstrap 0 --db '" + db + "'"), "nosuch");
  check_rejected(run_cli("fit epoch --csv '" + kEpochCsv + "' --db '" + db + "'"), "--csv");
  std::filesystem::remove_all(dir);
}

TEST_CASE("fit, predict and validate reject bad input: exit 2, one line naming file:line") {
  const std::string dir = fresh_dir("fit_reject");
  const std::string db = dir + "/fits.db";
  const std::string good =
      "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n8e8,1.6e10,2.6\n"
      "1.6e9,3.2e10,2.5\n3.2e9,6.4e10,2.4\n";
  write_file(dir + "/nan.csv", "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,nan\n");
  check_rejected(run_cli("fit --csv nan.csv --bootstrap 0 --db '" + db + "'", dir), "nan.csv:3");
  write_file(dir + "/negative.csv", "N,D,loss\n1e8,2e9,3.1\n-2e8,4e9,2.9\n");
  check_rejected(run_cli("fit --csv negative.csv --bootstrap 0 --db '" + db + "'", dir),
                 "negative.csv:3");
  write_file(dir + "/zero_d.csv", "N,D,loss\n1e8,0,3.1\n");
  check_rejected(run_cli("validate --csv zero_d.csv", dir), "zero_d.csv:2");
  write_file(dir + "/column.csv", "N,D,loss,colour\n1e8,2e9,3.1,red\n");
  check_rejected(run_cli("fit --csv column.csv --bootstrap 0 --db '" + db + "'", dir),
                 "column.csv:1");
  write_file(dir + "/few.csv", "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n");
  check_rejected(run_cli("fit --csv few.csv --law chinchilla --bootstrap 0 --db '" + db + "'", dir),
                 "few.csv:4");
  write_file(dir + "/good.csv", good);
  check_rejected(run_cli("fit --csv good.csv --law isoflop --bootstrap 0 --db '" + db + "'", dir),
                 "budget");
  check_rejected(run_cli("fit --csv good.csv --law chinchila --db '" + db + "'", dir), "--law");
  check_rejected(run_cli("fit --csv missing.csv --db '" + db + "'", dir), "missing.csv");
  // Nothing was stored by any rejected fit.
  CHECK(!std::filesystem::exists(db));
  check_rejected(run_cli("predict --law epoch2024 --budget -1"), "--budget");
  check_rejected(run_cli("predict --law epoch2025 --budget 1e21"), "epoch2025");
  check_rejected(run_cli("predict --law epoch2024 --params 1e9"), "--tokens");
  run_cli("fit --csv good.csv --law power-n --bootstrap 0 --db '" + db + "'", dir);
  check_rejected(run_cli("predict --fit 99 --budget 1e21 --db '" + db + "'", dir), "99");
  std::filesystem::remove_all(dir);
}
