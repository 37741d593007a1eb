// scalelab extrapolate on a real (tiny, synthetic) training run: the documented JSON rows for
// both models at two fractions, the observed final loss of the finished run, and the
// rejections (no directory, a fraction outside (0, 1], too few points before the fraction).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using nlohmann::json;
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

  r = run_cli("extrapolate '" + run + "' --fraction 0.2,0.3 --bootstrap 20 --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json rows = json::parse(r.out);
  REQUIRE(rows.size() == 4);  // 2 fractions x 2 models
  for (const json& row : rows) {
    for (const char* key : {"run_dir", "fraction", "model", "fit_steps", "points", "final_step",
                            "predicted", "predicted_lo", "predicted_hi", "observed",
                            "relative_error", "converged", "termination", "parameters"})
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
  std::filesystem::remove_all(dir);
}
