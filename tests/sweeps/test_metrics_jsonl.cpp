#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "lib/error.hpp"
#include "sweeps/divergence.hpp"
#include "sweeps/metrics_jsonl.hpp"
#include "test_util.hpp"

using namespace scalelab;
using sweeps::parse_metrics_line;

TEST_CASE("metrics lines: keys, aliases, and every spelling of a non-finite value") {
  auto r = parse_metrics_line(
      R"({"kind":"train","step":3,"tokens":768,"train_loss":2.5,"lr":1e-3,"grad_norm":0.7,)"
      R"("tokens_per_s":1e5,"other":"ignored"})",
      "m:1");
  CHECK(r.step == 3);
  CHECK(*r.tokens == 768);
  CHECK(*r.train_loss == 2.5);
  CHECK(*r.lr == 1e-3);
  CHECK(*r.grad_norm == 0.7);
  CHECK(*r.tokens_per_s == 1e5);
  CHECK_FALSE(r.eval_loss);
  r = parse_metrics_line(R"({"step": 4, "loss": 2.0, "val_loss": 2.1})", "m:2");
  CHECK(*r.train_loss == 2.0);
  CHECK(*r.eval_loss == 2.1);
  for (const char* line : {R"({"step":5,"train_loss":NaN})", R"({"step":5,"train_loss":null})",
                           R"({"step":5,"train_loss":"nan"})", R"({"step":5,"train_loss":nan})"}) {
    r = parse_metrics_line(line, "m:3");
    REQUIRE_MESSAGE(r.train_loss.has_value(), line);
    CHECK_MESSAGE(std::isnan(*r.train_loss), line);
  }
  r = parse_metrics_line(R"({"step":6,"train_loss":Infinity,"eval_loss":-Infinity})", "m:4");
  CHECK(std::isinf(*r.train_loss));
  CHECK(*r.eval_loss < 0);
  // A string holding the word NaN is left alone (it is not a value of a known key).
  r = parse_metrics_line(R"({"step":7,"note":"NaN is fine here","train_loss":1.5})", "m:5");
  CHECK(*r.train_loss == 1.5);
  // Round trip of the writer's format.
  db::MetricRow w;
  w.step = 9;
  w.train_loss = 0.1 + 0.2;
  w.eval_loss = std::nan("");
  w.lr = -0.0;  // the fuzzer's find: written as "-0" it read back as +0.0
  const auto back = parse_metrics_line(sweeps::format_metrics_line(w), "m:6");
  CHECK(*back.train_loss == 0.1 + 0.2);
  CHECK(std::isnan(*back.eval_loss));
  REQUIRE(back.lr.has_value());
  CHECK(*back.lr == 0.0);
  CHECK(std::signbit(*back.lr));
}

TEST_CASE("metrics lines: bad lines are errors naming file and line") {
  auto message = [](const char* line) {
    try {
      parse_metrics_line(line, "run/metrics.jsonl:12");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("{\"step\":1,").find("run/metrics.jsonl:12: not a JSON object") == 0);
  CHECK(message("[1,2]").find("not a JSON object") != std::string::npos);
  CHECK(message("{\"train_loss\":1}").find("run/metrics.jsonl:12: no 'step' key") == 0);
  CHECK(message("{\"step\":-1}").find("key 'step'") != std::string::npos);
  CHECK(message("{\"step\":1.5}").find("key 'step'") != std::string::npos);
  CHECK(message("{\"step\":1,\"train_loss\":\"low\"}").find("key 'train_loss'") !=
        std::string::npos);
}

TEST_CASE("reading new lines: whole lines only, and a rewritten file is read again") {
  const std::string path = testing::temp_dir("lines") + "/metrics.jsonl";
  db::IngestCursor c;
  auto got = sweeps::read_new_lines(path, c);  // no file yet
  CHECK(got.lines.empty());
  CHECK(got.cursor.byte_offset == 0);
  {
    std::ofstream out(path);
    out << "{\"step\":1}\n\n{\"step\":2}\n{\"step\":3,\"trai";  // line 4 is being written
  }
  got = sweeps::read_new_lines(path, c);
  REQUIRE(got.lines.size() == 2);
  CHECK(got.lines[0].first == 1);
  CHECK(got.lines[1].first == 3);  // the blank line 2 counts for numbering
  CHECK(got.lines[1].second == "{\"step\":2}");
  c = got.cursor;
  CHECK(c.line_count == 3);
  {
    std::ofstream out(path, std::ios::app);
    out << "n_loss\":2}\n";
  }
  got = sweeps::read_new_lines(path, c);
  REQUIRE(got.lines.size() == 1);
  CHECK(got.lines[0].second == "{\"step\":3,\"train_loss\":2}");
  CHECK(got.lines[0].first == 4);
  CHECK_FALSE(got.restarted);
  c = got.cursor;
  // The trainer rewrites the file (resume drops lines after its checkpoint) and appends.
  {
    std::ofstream out(path, std::ios::trunc);
    out << "{\"step\":1}\n{\"step\":2,\"train_loss\":9}\n{\"step\":3}\n{\"step\":4}\n";
  }
  got = sweeps::read_new_lines(path, c);
  CHECK(got.restarted);
  CHECK(got.lines.size() == 4);
}

TEST_CASE("divergence: NaN/inf losses and spikes, with the step") {
  sweeps::DivergenceDetector d;
  db::MetricRow m;
  for (int s = 1; s <= 20; ++s) {
    m.step = s;
    m.train_loss = 5.0 / std::sqrt(s);
    CHECK_FALSE(d.feed(m));
  }
  // Above 2 x the best so far for 3 logged steps (the default patience): diverged at the
  // first of them.
  for (int s = 21; s <= 22; ++s) {
    m.step = s;
    m.train_loss = 2.1 * 5.0 / std::sqrt(20.0);
    CHECK_FALSE(d.feed(m));
  }
  m.step = 23;
  const auto spike = d.feed(m);
  REQUIRE(spike);
  CHECK(spike->step == 21);
  CHECK(spike->reason.find("above 2 x the best") != std::string::npos);
  CHECK(spike->reason.find("for 3 logged steps (to step 23)") != std::string::npos);

  sweeps::DivergenceDetector nan;
  m.step = 3;
  m.train_loss.reset();
  m.eval_loss = std::numeric_limits<double>::infinity();
  const auto inf = nan.feed(m);
  REQUIRE(inf);
  CHECK(inf->reason == "eval_loss is inf at step 3");

  // One hard batch is not a divergence: a single step at 2.4 x the best between healthy ones
  // (what a 192-token batch of the demo's corpus gave), nor two; patience 1 judges it alone.
  for (const std::int64_t patience : {3, 1}) {
    sweeps::DivergenceOptions o;
    o.patience = patience;
    sweeps::DivergenceDetector noisy(o);
    db::MetricRow r;
    std::optional<sweeps::Divergence> seen;
    for (int s = 1; s <= 200; ++s) {
      r.step = s;
      const bool hard = s == 120 || s == 150 || s == 151;
      r.train_loss = hard ? 2.4 : 1.0 + 0.1 * (s % 3);
      if (const auto v = noisy.feed(r); v && !seen) seen = v;
    }
    CAPTURE(patience);
    CHECK(seen.has_value() == (patience == 1));
    if (seen) CHECK(seen->step == 120);
  }

  // Early steps may move fast: no spike before min_steps.
  sweeps::DivergenceDetector early;
  m = {};
  m.step = 1;
  m.train_loss = 1.0;
  early.feed(m);
  m.step = 2;
  m.train_loss = 3.0;
  CHECK_FALSE(early.feed(m));
}
