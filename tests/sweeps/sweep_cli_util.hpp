// Driving the scalelab binary in the sweeps tests.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "../apps/cli_runner.hpp"
#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "test_util.hpp"

namespace scalelab::testing {

// Runs `scalelab ARGS` in `dir`, failing the test with its stderr unless it exits `expect`.
inline CliResult cli(const std::string& dir, const std::string& args, int expect = 0) {
  CliResult r = run_cli(args, dir);
  CHECK_MESSAGE(r.exit_code == expect,
                "scalelab " << args << "\nstdout: " << r.out << "\nstderr: " << r.err);
  return r;
}

// The runs of sweep `name` in DIR/scalelab.db, read directly.
inline std::vector<db::RunRecord> runs_of(const std::string& dir, const std::string& name) {
  db::Database d = db::open_database(dir + "/scalelab.db");
  return db::list_runs(d, db::require_sweep(d, name).id);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace scalelab::testing
