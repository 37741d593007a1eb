// `scalelab demo --quick` end to end, a smoke test of the demo's mechanics (the full demo and
// its scientific bar: tests/apps/test_main_job.cpp): it trains the quick sweep and the 4x run
// on the built-in corpus, prints predicted against observed and writes the report and
// demo.json; run again, it resumes (trains nothing) and prints the same comparison. About a
// minute on 2 cores in a Release build (labelled slow: the sanitizer build skips it).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli_runner.hpp"
#include "tests/support/non_finite_text.hpp"

namespace fs = std::filesystem;
using scalelab::testing::fresh_dir;
using scalelab::testing::run_cli;

namespace {

// The line that says how the 4x run came out: predicted against observed, or why nothing
// could predict it (the quick sweep is too small to promise a law on every CPU).
std::string comparison_line(const std::string& out) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("target run at C = ", 0) == 0 || line.rfind("4x run: not trained", 0) == 0)
      return line;
  return "";
}

}  // namespace

TEST_CASE("demo --quick trains, predicts the 4x run, compares and reports; a second call resumes") {
  const std::string dir = fresh_dir("demo");
  const auto first = run_cli("demo --quick --bootstrap 100 --dir '" + dir + "'");
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  const std::string line = comparison_line(first.out);
  REQUIRE_FALSE(line.empty());
  const bool predicted_run = line.rfind("target run at C = ", 0) == 0;
  if (predicted_run) {
    // "target run at C = 4.8e+11 FLOPs (N = .., D = ..): predicted loss 1.5 [1.4, 1.6]
    // (Approach 3), observed 1.5: error +1.00%, inside the 95% interval"
    const std::regex shape(
        R"(target run at C = \S+ FLOPs \(N = \S+, D = \S+\): predicted loss ([0-9.]+) )"
        R"(\[([0-9.]+), ([0-9.]+)\] \(.+\), observed ([0-9.]+): error [-+][0-9.]+%, )"
        R"((inside|outside) the 95% interval)");
    std::smatch m;
    REQUIRE(std::regex_match(line, m, shape));
    const double predicted = std::stod(m[1]), lo = std::stod(m[2]), hi = std::stod(m[3]);
    const double observed = std::stod(m[4]);
    CHECK(lo <= predicted);
    CHECK(predicted <= hi);
    // Byte-level English after ~1e12 FLOPs: far below the uniform 5.55 nats, above 1.
    CHECK(observed > 1.0);
    CHECK(observed < 3.0);
  } else {
    CHECK(line.find("no fitted law can predict it (") != std::string::npos);
  }
  CHECK(!scalelab::testing::prints_non_finite(first.out));

  const fs::path report = fs::path(dir) / "report.html";
  REQUIRE(fs::exists(report));
  std::ifstream in(report);
  std::stringstream html;
  html << in.rdbuf();
  CHECK(html.str().find(predicted_run ? "Target check:" : "Extrapolation: none") !=
        std::string::npos);
  CHECK(html.str().find("How far to trust this study") != std::string::npos);
  CHECK(fs::exists(fs::path(dir) / "demo.json"));
  CHECK(html.str().find("data:image/svg+xml;base64,") != std::string::npos);

  const auto second = run_cli("demo --quick --bootstrap 100 --dir '" + dir + "'");
  INFO(second.out << second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find("sweep demo-quick exists") != std::string::npos);
  CHECK(second.out.find("started (attempt") == std::string::npos);  // nothing trained again
  CHECK(comparison_line(second.out) == line);
  fs::remove_all(dir);
}

TEST_CASE("demo rejects bad options with exit 2 and writes nothing") {
  const std::string dir = fresh_dir("demo_bad") + "/d";
  const auto r = run_cli("demo --quick --workers -1 --dir '" + dir + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--workers") != std::string::npos);
  CHECK(!fs::exists(dir));
}
