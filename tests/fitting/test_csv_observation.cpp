#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "lib/observation.hpp"
#include "tests/support/input_error.hpp"
#include "tests/support/temp_files.hpp"

using namespace scalelab;

using scalelab::testing::input_error_of;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  static const std::filesystem::path dir = scalelab::testing::fresh_temp_dir("csv_observation");
  return scalelab::testing::write_text_file(dir / name, text);
}

}  // namespace

TEST_CASE("csv: quotes, CRLF, blank lines and line numbers") {
  const auto path =
      write_temp("quotes.csv", "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n 1 , 2\r\n");
  const CsvTable t = read_csv(path);
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0].fields[0] == "x, y");
  CHECK(t.rows[0].fields[1] == "say \"hi\"");
  CHECK(t.rows[1].line == 4);
  CHECK(t.rows[1].fields[0] == "1");
}

TEST_CASE("csv: ragged row, unterminated quote, duplicate column name file:line") {
  const auto ragged = write_temp("ragged.csv", "N,D,loss\n1,2,3\n1,2\n");
  CHECK(input_error_of([&] { read_csv(ragged); }).find(ragged + ":3: 2 fields") !=
        std::string::npos);
  const auto quote = write_temp("quote.csv", "a,b\n\"x,1\n");
  CHECK(input_error_of([&] { read_csv(quote); }).find(quote + ":2: unterminated") !=
        std::string::npos);
  const auto dup = write_temp("dup.csv", "a,a\n1,2\n");
  CHECK(input_error_of([&] { read_csv(dup); }).find(dup + ":1: duplicate column 'a'") !=
        std::string::npos);
  CHECK(input_error_of([] { read_csv("/nonexistent/x.csv"); }).find("cannot open") !=
        std::string::npos);
}

TEST_CASE("observations: our layout with optional columns") {
  const auto path = write_temp("ours.csv",
                               "label,N,D,loss,step,unique_tokens,run_id\n"
                               "a,1e6,2e7,3.5,100,1e7,r1\n"
                               "b,2e6,4e7,3.2,,,\n");
  const auto obs = read_observations_csv(path);
  REQUIRE(obs.size() == 2);
  CHECK(obs[0].flops == doctest::Approx(6 * 1e6 * 2e7));
  CHECK(*obs[0].step == 100);
  CHECK(*obs[0].unique_tokens == 1e7);
  CHECK(obs[0].run_id == "r1");
  CHECK(obs[0].where == path + ":2");
  CHECK_FALSE(obs[1].step.has_value());
  CHECK(run_key(obs[0]) == "run:r1");
  CHECK(run_key(obs[1]) == "label:b");
}

TEST_CASE("observations: the chinchilla toolkit's C,N,D,loss keeps the given C") {
  const auto path = write_temp("toolkit.csv", "C,N,D,loss\n1.3e18,1e7,2e10,3.1\n");
  const auto obs = read_observations_csv(path);
  REQUIRE(obs.size() == 1);
  CHECK(obs[0].flops == 1.3e18);
  CHECK(obs[0].tokens == 2e10);
}

TEST_CASE("observations: Epoch's file gives D = C/(6N) and ignores the SVG columns") {
  const auto obs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv");
  REQUIRE(obs.size() == 245);
  CHECK(obs[0].params == doctest::Approx(6795600349.289497));
  CHECK(obs[0].flops == doctest::Approx(9.993852799709755e+18));
  CHECK(obs[0].tokens == doctest::Approx(9.993852799709755e+18 / (6 * 6795600349.289497)));
  CHECK(obs[0].loss == doctest::Approx(5.005581996196243));
}

TEST_CASE("observations: every bad value is rejected with file:line") {
  struct Case {
    const char* name;
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"unknown.csv", "N,D,loss,lr\n1,2,3,4\n", ":1: unknown column 'lr'"},
      {"missing.csv", "N,loss\n1,3\n", ":1: missing column 'D'"},
      {"nan.csv", "N,D,loss\n1e6,1e9,3\n1e6,1e9,nan\n", ":3: loss must be finite and positive"},
      {"neg.csv", "N,D,loss\n-1e6,1e9,3\n", ":2: N must be finite and positive"},
      {"zero.csv", "N,D,loss\n1e6,0,3\n", ":2: D must be finite and positive"},
      {"text.csv", "N,D,loss\n1e6,lots,3\n", ":2: D 'lots' is not a number"},
      {"inf.csv", "N,D,loss\n1e6,1e999,3\n", ":2: D must be finite and positive"},
      {"unique.csv", "N,D,loss,unique_tokens\n1e6,1e9,3,2e9\n",
       ":2: unique_tokens 2000000000 exceeds D"},
      {"step.csv", "N,D,loss,step\n1e6,1e9,3,1.5\n", ":2: step must be a non-negative integer"},
      {"epoch_bad.csv", "Model Size,Training FLOP,loss\n1e6,-5,3\n",
       ":2: Training FLOP must be finite"},
      {"empty.csv", "N,D,loss\n", "no data rows"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto path = write_temp(c.name, c.text);
    const std::string message = input_error_of([&] { read_observations_csv(path); });
    CHECK(message.find(c.expect) != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
  }
}
