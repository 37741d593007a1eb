// scalelab compare as a user runs it: the README's example (three rows, the best marked), the
// three formats, continued training, --inference-tokens, --target-loss, a stored fit's
// intervals, and the rejections (exit 2, one line).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.hpp"

using nlohmann::json;
using scalelab::testing::fresh_dir;
using scalelab::testing::run_cli;

namespace {

void check_rejected(const scalelab::testing::CliResult& r, const std::string& where) {
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_MESSAGE(r.err.find(where) != std::string::npos, r.err);
  const auto first_newline = r.err.find('\n');
  CHECK_MESSAGE((first_newline == std::string::npos || first_newline + 1 == r.err.size()), r.err);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("compare --law epoch2024 50M:3.3B 25M:6.6B 35M:4.7B: three rows, 50M marked best") {
  auto r = run_cli("compare --law epoch2024 50M:3.3B 25M:6.6B 35M:4.7B");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  MESSAGE(r.out);
  const auto lines = lines_of(r.out);
  int rows = 0, marked = 0;
  for (const auto& line : lines) {
    for (const char* label : {"50M:3.3B", "25M:6.6B", "35M:4.7B"})
      if (line.find(label) != std::string::npos && line.find("best:") == std::string::npos) {
        ++rows;
        if (line.rfind("*", 0) == 0) {
          ++marked;
          CHECK(std::string(label) == "50M:3.3B");
        }
      }
  }
  CHECK(rows == 3);
  CHECK(marked == 1);
  CHECK(r.out.find("* best: 50M:3.3B") != std::string::npos);
  CHECK(r.out.find("3.5172") != std::string::npos);  // L(50M, 3.3B) by hand: 3.51718

  r = run_cli("compare --law epoch2024 50M:3.3B 25M:6.6B 35M:4.7B --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  CHECK(doc["source"] == "epoch2024");
  CHECK(doc["law"] == "chinchilla");
  CHECK(doc["best"] == 0);
  CHECK(doc["best_by"] == "excess_loss");
  REQUIRE(doc["rows"].size() == 3);
  for (const char* key : {"label",
                          "params",
                          "tokens",
                          "pretrained_tokens",
                          "unique_tokens",
                          "tokens_per_param",
                          "loss",
                          "loss_interval",
                          "flops",
                          "params_opt",
                          "tokens_opt",
                          "loss_opt",
                          "loss_opt_interval",
                          "excess_loss",
                          "excess_loss_interval",
                          "scratch_loss",
                          "continued_gain",
                          "continued_gain_interval",
                          "inference_flops",
                          "total_flops",
                          "cheapest",
                          "excess_cost",
                          "best"})
    CHECK_MESSAGE(doc["rows"][0].contains(key), key);
  CHECK(doc["rows"][0]["flops"].get<double>() == 9.9e17);
  CHECK(doc["rows"][0]["loss_interval"].is_null());
  CHECK(doc["rows"][0]["best"] == true);
  CHECK(doc["rows"][1]["best"] == false);

  r = run_cli("compare --law epoch2024 50M:3.3B 25M:6.6B 35M:4.7B --format csv");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto csv = lines_of(r.out);
  REQUIRE(csv.size() == 4);
  CHECK(csv[0].rfind("best,label,params,tokens,tokens_per_param,loss,loss_lo,loss_hi,flops,", 0) ==
        0);
  CHECK(csv[1].rfind("1,50M:3.3B,50000000,3300000000,66,", 0) == 0);
  CHECK(csv[2].rfind("0,25M:6.6B,", 0) == 0);
}

TEST_CASE("compare: --pretrained-tokens, --inference-tokens and --target-loss from the CLI") {
  auto r = run_cli("compare --law epoch2024 50M:3.3B --pretrained-tokens 10B --format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json doc = json::parse(r.out);
  const double E = 1.8172, A = 482.01, B = 2085.43, alpha = 0.3478, beta = 0.3658;
  auto loss = [&](double n, double d) {
    return E + A / std::pow(n, alpha) + B / std::pow(d, beta);
  };
  CHECK(doc["rows"][0]["pretrained_tokens"].get<double>() == 1e10);
  CHECK(doc["rows"][0]["loss"].get<double>() == doctest::Approx(loss(5e7, 1.33e10)).epsilon(1e-13));
  CHECK(doc["rows"][0]["scratch_loss"].get<double>() ==
        doctest::Approx(loss(5e7, 3.3e9)).epsilon(1e-13));
  r = run_cli("compare --law epoch2024 50M:3.3B --pretrained-tokens 10B");
  CHECK(r.out.find("continued_gain") != std::string::npos);

  r = run_cli(
      "compare --law epoch2024 50M:3.3B 25M:6.6B 35M:4.7B --inference-tokens 1T "
      "--format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  doc = json::parse(r.out);
  CHECK(doc["inference_tokens"].get<double>() == 1e12);
  CHECK(doc["best_by"] == "excess_cost");
  CHECK(doc["best"] == 1);
  for (const auto& row : doc["rows"]) {
    CHECK(row["inference_flops"].get<double>() == 2 * row["params"].get<double>() * 1e12);
    REQUIRE(row["cheapest"].is_object());
    CHECK(row["cheapest"]["total_flops"].get<double>() <=
          row["total_flops"].get<double>() * (1 + 1e-12));
  }
  r = run_cli("compare --law epoch2024 50M:3.3B 25M:6.6B --inference-tokens 1T");
  CHECK(r.out.find("* best: 25M:6.6B, the least excess cost") != std::string::npos);

  r = run_cli(
      "compare --law epoch2024 --target-loss 3.3 --inference-tokens 100B 50M 1B "
      "--format json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  doc = json::parse(r.out);
  CHECK(doc["target_loss"].get<double>() == 3.3);
  REQUIRE(doc["rows"].size() == 3);
  for (const auto& row : doc["rows"]) {
    const double n = row["params"].get<double>(), d = row["tokens"].get<double>();
    CHECK(
        d ==
        doctest::Approx(std::pow(B / (3.3 - E - A / std::pow(n, alpha)), 1 / beta)).epsilon(1e-10));
    CHECK(row["total_flops"].get<double>() ==
          doctest::Approx(6 * n * d + 2 * n * 1e11).epsilon(1e-14));
  }
  CHECK(doc["rows"][doc["best"].get<std::size_t>()]["label"] == "cheapest");
  r = run_cli("compare --law epoch2024 --target-loss 3.3 100k");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("N = 100k cannot reach loss 3.3 with any D") != std::string::npos);
}

TEST_CASE("compare --fit ID: intervals from the stored bootstrap; a law of C alone is refused") {
  const std::string dir = fresh_dir("compare_fit");
  const std::string db = dir + "/scalelab.db";
  {
    // Exact losses of a Chinchilla-form law on a grid of 4 N x 4 D.
    std::ofstream csv(dir + "/runs.csv");
    csv << "N,D,loss\n";
    for (double n : {1e6, 3e6, 1e7, 3e7})
      for (double d : {2e7, 6e7, 2e8, 6e8})
        csv << n << ',' << d << ',' << 1.9 + 400 / std::pow(n, 0.34) + 1500 / std::pow(d, 0.36)
            << '\n';
  }
  auto r = run_cli(
      "fit --csv runs.csv --law chinchilla --bootstrap 16 --seed 1 --format json "
      "--db '" +
          db + "'",
      dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto fit_id = json::parse(r.out)["fit_id"].get<std::int64_t>();
  r = run_cli("compare --fit " + std::to_string(fit_id) + " 10M:200M 3M:600M --format json --db '" +
              db + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  CHECK(doc["fit_id"] == fit_id);
  REQUIRE(doc["rows"][0]["loss_interval"].is_array());
  CHECK(doc["rows"][0]["loss_interval"][0].get<double>() <= doc["rows"][0]["loss"].get<double>());
  CHECK(
      doc["rows"][0]["loss"].get<double>() ==
      doctest::Approx(1.9 + 400 / std::pow(1e7, 0.34) + 1500 / std::pow(2e8, 0.36)).epsilon(1e-3));
  CHECK(doc["rows"][0]["excess_loss_interval"].is_array());

  r = run_cli("fit --csv runs.csv --law power-c --bootstrap 0 --format json --db '" + db + "'",
              dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto power_id = json::parse(r.out)["fit_id"].get<std::int64_t>();
  check_rejected(
      run_cli("compare --fit " + std::to_string(power_id) + " 10M:200M --db '" + db + "'"),
      "compare needs a law of N and D");
  check_rejected(run_cli("compare --fit 999 10M:200M --db '" + db + "'"), "999");
}

TEST_CASE("compare rejects bad configs and options: exit 2, one line naming the argument") {
  check_rejected(run_cli("compare --law epoch2024 0:1e9"),
                 "CONFIG '0:1e9': N: '0' is not positive");
  check_rejected(run_cli("compare --law epoch2024 abc"), "CONFIG 'abc': expected N:D");
  check_rejected(run_cli("compare --law epoch2024 1e6:-1e9"),
                 "CONFIG '1e6:-1e9': D: '-1e9' is not positive");
  check_rejected(run_cli("compare --law epoch2024 50M:3.3B 25M:lots"), "CONFIG '25M:lots': D");
  check_rejected(run_cli("compare 50M:3.3B"), "--law NAME or --fit ID");
  check_rejected(run_cli("compare --law nosuch 50M:3.3B"), "nosuch");
  check_rejected(run_cli("compare --law epoch2024"), "N:D arguments or --csv FILE");
  check_rejected(run_cli("compare --law epoch2024 50M:3.3B --inference-tokens -5"),
                 "--inference-tokens: '-5' is not positive");
  check_rejected(run_cli("compare --law epoch2024 --target-loss 1.5"),
                 "--target-loss 1.5: the law does not reach it");
  check_rejected(run_cli("compare --law epoch2024 --target-loss 3 50M:1B"),
                 "with --target-loss give N alone");
  check_rejected(run_cli("compare --law epoch2024 --csv /nonexistent.csv"), "/nonexistent.csv");
  const auto help = run_cli("compare --help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("JSON (--format json)") != std::string::npos);
  CHECK(help.out.find("interchangeable") != std::string::npos);
  CHECK(help.out.find("Sardana") != std::string::npos);
}
