// Metrics logging overhead: what logging one optimizer step costs next to the step itself.
//
//   write   the trainer's JsonlMetricsSink: format one train row (and an eval row every 10th
//           step), fwrite, fflush — paid inside the worker, on the training thread;
//   ingest  the coordinator's incremental ingest of those lines: read whole new lines, parse,
//           upsert in BEGIN IMMEDIATE batches with the file cursor — paid in another process,
//           on the same machine's CPU;
//   step    the median optimizer step of the smallest run of the acceptance sweep
//           (plan --budget 1e11:1e12:3 --grid 3: N = 11,568, its hyperparameters from the
//           default rules), trained on the built-in corpus with 1 thread.
// The goal (issue 5): logging under 1% of step time.
//
//   metrics_logging_bench [--rows N] [--steps S]
#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/compute.hpp"
#include "lib/output.hpp"
#include "lib/shape_search.hpp"
#include "sweeps/hyperparams.hpp"
#include "sweeps/ingest.hpp"
#include "sweeps/worker.hpp"
#include "trainer/metrics_sink.hpp"
#include "trainer/train.hpp"

using namespace scalelab;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int rows = 20000, steps = 40;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--rows") rows = std::atoi(argv[i + 1]);
    if (a == "--steps") steps = std::atoi(argv[i + 1]);
  }
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("scalelab_metrics_bench_{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);

  // 1. The worker's cost: the trainer's own JSONL sink.
  const fs::path file = dir / "metrics.jsonl";
  double write_s = 0;
  {
    trainer::JsonlMetricsSink sink(file);
    trainer::RunStart start;
    start.total_steps = rows;
    sink.on_start(start);
    const auto t0 = Clock::now();
    for (int s = 1; s <= rows; ++s) {
      sink.on_step({s, 2816LL * s, 2.0 + 1.0 / s, 1e-3, 0.5, 1e5});
      if (s % 10 == 0) sink.on_eval({s, 2816LL * s, 2.1 + 1.0 / s});
    }
    write_s = seconds_since(t0);
  }

  // 2. The coordinator's cost: incremental ingest, 50 steps per poll (a 0.2 s poll of a run
  // at 250 steps/s, faster than any run of the acceptance sweep).
  double ingest_s = 0;
  std::size_t ingested = 0;
  {
    db::Database d = db::open_database((dir / "bench.db").string());
    db::SweepRecord sweep{0, "bench", "", "plan", "{}"};
    std::vector<db::RunRecord> runs(1);
    runs[0].name = "r";
    runs[0].params = 1;
    runs[0].tokens = 1;
    runs[0].flops = 6;
    db::insert_sweep(d, sweep, runs);
    // Re-play the file as it grew: ingest after every 55 lines (50 train + 5 eval).
    std::ifstream in(file);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const fs::path growing = dir / "growing.jsonl";
    std::ofstream out(growing, std::ios::binary);
    std::size_t pos = 0;
    int lines = 0;
    while (pos < all.size()) {
      const std::size_t nl = all.find('\n', pos);
      out.write(all.data() + pos, static_cast<std::streamsize>(nl + 1 - pos));
      pos = nl + 1;
      if (++lines % 55 == 0 || pos >= all.size()) {
        out.flush();
        const auto t0 = Clock::now();
        ingested += sweeps::ingest_metrics_file(d, runs[0].id, growing.string()).rows;
        ingest_s += seconds_since(t0);
      }
    }
  }

  // 3. The step: the smallest run of the acceptance sweep.
  ShapeSearchOptions so;  // llama, vocab 256, seq_len 256 (plan's defaults)
  const ShapeChoice shape = choose_shape(11568, so);
  sweeps::RunSpec spec;
  spec.shape = shape.shape;
  spec.params = static_cast<double>(shape.counts.total);
  spec.tokens = tokens_for_budget_6nd(1e11, spec.params);
  spec.data = "kjv";
  spec.hp = sweeps::resolve_hyperparameters(sweeps::HyperparameterRules{}, spec.params, spec.tokens,
                                            shape.shape.seq_len);
  spec.stop_steps = std::min<std::int64_t>(steps, spec.hp.total_steps);
  spec.threads = 1;
  trainer::TrainConfig config = sweeps::train_config_for(spec, (dir / "run").string());
  config.eval_every = 1000000;  // time training steps only
  trainer::MemorySink memory;
  trainer::train(config, memory);
  std::vector<double> step_s;
  for (const auto& m : memory.steps) step_s.push_back(config.batch_tokens / m.tokens_per_s);
  std::sort(step_s.begin(), step_s.end());
  const double step = step_s[step_s.size() / 2];

  const double logged_rows = rows * 1.1;         // train rows + an eval row every 10th step
  const double write_per_step = write_s / rows;  // per step: its train row (+ 1/10 eval row)
  const double ingest_per_step = ingest_s / rows;
  Table t({"what", "rows", "rows_per_s", "us_per_step", "percent_of_step"});
  t.add_row({Cell::text("write (trainer JSONL sink, fflush per row)"),
             Cell::integer(static_cast<std::int64_t>(logged_rows)), Cell::si(logged_rows / write_s),
             Cell::fixed(1e6 * write_per_step, 2), Cell::fixed(100 * write_per_step / step, 3)});
  t.add_row({Cell::text("ingest (parse + upsert, 55-line polls)"),
             Cell::integer(static_cast<std::int64_t>(ingested)), Cell::si(ingested / ingest_s),
             Cell::fixed(1e6 * ingest_per_step, 2), Cell::fixed(100 * ingest_per_step / step, 3)});
  t.add_row({Cell::text("write + ingest"), Cell::integer(static_cast<std::int64_t>(logged_rows)),
             Cell::text(""), Cell::fixed(1e6 * (write_per_step + ingest_per_step), 2),
             Cell::fixed(100 * (write_per_step + ingest_per_step) / step, 3)});
  t.add_row({Cell::text(fmt::format("step: N={} ({}), {} tokens/step, 1 thread, median of {}",
                                    shape.counts.total, shape.shape.summary(), config.batch_tokens,
                                    step_s.size())),
             Cell::text(""), Cell::text(""), Cell::fixed(1e6 * step, 1), Cell::fixed(100.0, 1)});
  t.print_table(std::cout);
  fs::remove_all(dir);
  return 0;
}
