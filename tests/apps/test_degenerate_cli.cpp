// The fixture that broke the demo (../shared/data/demo_runs_fresh_avx2.csv, README there) as a
// user meets it: `scalelab fit` flags it degenerate with the reason; predict --fit ID and
// plan --rule fit:ID refuse it on one line (exit 2); no output prints inf or nan; a fit stored
// before the verdict existed is judged again; SCALELAB_KERNEL picks the fit kernel.
#include <doctest/doctest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.hpp"
#include "db/fit_store.hpp"
#include "db/schema.hpp"
#include "tests/support/non_finite_text.hpp"

using nlohmann::json;
using scalelab::testing::fresh_dir;
using scalelab::testing::prints_non_finite;
using scalelab::testing::run_cli;

namespace {

const std::string kFixture = SCALELAB_SHARED_DATA_DIR "/demo_runs_fresh_avx2.csv";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The documented refusal: exit 2, nothing on stdout, one line on stderr naming the fit and
// saying it is degenerate, no library message.
void check_refused(const scalelab::testing::CliResult& r, const std::string& fit) {
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_MESSAGE(has(r.err, fit + " is degenerate and is not used to predict or allocate: "), r.err);
  CHECK_MESSAGE(r.err.find('\n') + 1 == r.err.size(), r.err);
  CHECK_MESSAGE(!has(r.err, "json.exception"), r.err);
  CHECK_MESSAGE(!prints_non_finite(r.err), r.err);
}

// Runs `arguments` with SCALELAB_KERNEL=value (unset when empty).
scalelab::testing::CliResult run_with_kernel(const std::string& value, const std::string& arguments,
                                             const std::string& cwd = ".") {
  const char* before = std::getenv("SCALELAB_KERNEL");
  const std::string saved = before ? before : "";
  if (value.empty())
    ::unsetenv("SCALELAB_KERNEL");
  else
    ::setenv("SCALELAB_KERNEL", value.c_str(), 1);
  auto r = run_cli(arguments, cwd);
  if (before)
    ::setenv("SCALELAB_KERNEL", saved.c_str(), 1);
  else
    ::unsetenv("SCALELAB_KERNEL");
  return r;
}

}  // namespace

TEST_CASE("the degenerate fixture: fit flags it, predict and plan refuse it, nothing prints inf") {
  const std::string dir = fresh_dir("degenerate");
  auto r = run_cli("fit --csv '" + kFixture + "' --bootstrap 100 --seed 1", dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // A overflows (generic, avx2) or stops far past its plausible range (avx512: 3.7e251).
  CHECK_MESSAGE((has(r.out, "DEGENERATE: A = e^") ||
                 has(r.out, "is at or beyond its plausible range")),
                r.out);
  CHECK_MESSAGE(has(r.out, "lies outside the sane exponent range [0.05, 2]"), r.out);
  CHECK(has(r.out, "predict --fit ID and plan --rule fit:ID refuse it"));
  CHECK(has(r.out, "unbounded"));  // A's value and its interval's upper end
  CHECK_MESSAGE(!prints_non_finite(r.out), r.out);
  CHECK(has(r.out, "stored as fit 1 in scalelab.db, marked degenerate"));

  for (const char* format : {"json", "csv"}) {
    CAPTURE(format);
    const auto f = run_cli(
        "fit --csv '" + kFixture + "' --bootstrap 100 --seed 1 --no-save --format " + format, dir);
    REQUIRE_MESSAGE(f.exit_code == 0, f.err);
    CHECK_MESSAGE(!prints_non_finite(f.out), f.out);
    if (std::string(format) == "json") {
      const json doc = json::parse(f.out);
      CHECK(doc["degenerate"] == true);
      REQUIRE(doc["reason"].is_string());
      CHECK(has(doc["reason"].get<std::string>(), "sane exponent range"));
      CHECK((doc["params"]["A"].is_null() || doc["params"]["A"].get<double>() > 1e21));
      CHECK(doc["intervals"]["A"][1].is_null());  // unbounded above
      CHECK(doc["kernel"].is_string());
    } else {
      // A's value: an empty field where it overflowed, else a number past its range.
      const std::size_t at = f.out.find("\nA,");
      REQUIRE(at != std::string::npos);
      const std::string value = f.out.substr(at + 3, f.out.find(',', at + 3) - (at + 3));
      CHECK_MESSAGE((value.empty() || std::stod(value) > 1e21), value);
    }
  }

  const std::string fit = "fit 1 (chinchilla on " + kFixture + ")";
  check_refused(run_cli("predict --fit 1 --budget 2e12", dir), fit);
  check_refused(run_cli("predict --fit 1 --budget 2e12 --format json", dir), fit);
  check_refused(run_cli("predict --fit 1 --params 3e4 --tokens 1e6", dir), fit);
  r = run_cli("plan --budget 2e12 --rule fit:1", dir);
  check_refused(r, fit);
  CHECK(!has(r.err, "without the Chinchilla parameters"));
  // Nothing was stored for the refused predictions.
  scalelab::db::Database db = scalelab::db::open_existing_database(dir + "/scalelab.db");
  CHECK(scalelab::db::list_predictions(db, 1).empty());
}

TEST_CASE("a fit stored before the verdict existed, with A null, is refused, not a library error") {
  const std::string dir = fresh_dir("degenerate_old");
  auto r = run_cli("fit --csv '" + kFixture + "' --bootstrap 0 --format json --no-save", dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json doc = json::parse(r.out);
  doc.erase("degenerate");
  doc.erase("reason");
  doc.erase("kernel");
  doc["param_order"] = {"A", "B", "E", "alpha", "beta"};
  doc["params"]["A"] = nullptr;  // as the generic and avx2 kernels store it (A overflowed)
  doc["bootstrap_samples"] = json::array();
  {
    scalelab::db::Database db = scalelab::db::open_database(dir + "/scalelab.db");
    scalelab::db::FitRecord record;
    record.law = "chinchilla";
    record.source = "old.csv";
    record.input_hash = "0";
    record.options_json = "{}";
    record.result_json = doc.dump();
    scalelab::db::insert_fit(db, record);
    REQUIRE(record.id == 1);
  }
  r = run_cli("predict --fit 1 --budget 2e12", dir);
  check_refused(r, "fit 1 (chinchilla on old.csv)");
  CHECK_MESSAGE(has(r.err, "A is not finite"), r.err);
  check_refused(run_cli("plan --budget 2e12 --rule fit:1", dir), "fit 1 (chinchilla on old.csv)");
}

TEST_CASE("SCALELAB_KERNEL forces the fit kernel; the kernel is recorded; a bad value is refused") {
  const std::string args = "fit --csv '" + kFixture + "' --bootstrap 0 --no-save --format json";
  auto r = run_with_kernel("generic", args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(json::parse(r.out)["kernel"] == "generic");
  CHECK(json::parse(r.out)["degenerate"] == true);  // on this kernel too

  r = run_with_kernel("", args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string best = json::parse(r.out)["kernel"].get<std::string>();
  CHECK((best == "generic" || best == "avx2" || best == "avx512"));

  // avx2 runs where the CPU has it; elsewhere it is a one-line refusal naming the variable.
  r = run_with_kernel("avx2", args);
  if (r.exit_code == 0) {
    CHECK(json::parse(r.out)["kernel"] == "avx2");
    CHECK(best != "generic");
  } else {
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(has(r.err, "SCALELAB_KERNEL=avx2: "), r.err);
  }

  r = run_with_kernel("sse9", args);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "scalelab fit: error: SCALELAB_KERNEL=sse9: unknown kernel (accepted: generic, "
        "avx2, avx512)\n");
}
