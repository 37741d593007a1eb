#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "cli_runner.hpp"

using scalelab::testing::run_cli;

TEST_CASE("--help, --version and unknown commands") {
  auto r = run_cli("--help");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("plan") != std::string::npos);
  r = run_cli("--version");
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("scalelab ", 0) == 0);
  r = run_cli("frobnicate");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown command 'frobnicate'") != std::string::npos);
  r = run_cli("");
  CHECK(r.exit_code == 2);
}

TEST_CASE("every subcommand has --help") {
  const auto list = run_cli("--help").out;
  for (const char* command : {"plan", "shape"}) {
    CAPTURE(command);
    CHECK(list.find(command) != std::string::npos);
    const auto r = run_cli(std::string(command) + " --help");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Usage: scalelab") == 0);
  }
}

TEST_CASE("bad options exit 2 with a one-line error") {
  for (const char* args : {"plan --budget 1e20 --bogus", "plan --budget 1e20 --format xml",
                           "plan --budget 1e20 --grid x", "shape --params 1e6 --n-layer 2",
                           "shape --arch gpt3 --params 1e6", "plan"}) {
    CAPTURE(args);
    const auto r = run_cli(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("error:") != std::string::npos);
    CHECK(r.err.find('\n') == r.err.size() - 1);  // exactly one line
  }
}
