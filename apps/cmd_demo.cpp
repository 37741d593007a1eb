// scalelab demo: the main job end to end on the built-in corpus (the King James Bible, byte
// tokens): plan a small IsoFLOP sweep, train every run, fit Approaches 2 and 3, predict the
// compute-optimal loss at 4x the largest budget, train that run, compare, write the report.
// Everything lives in --dir (database, run folders, report); running it again resumes.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <thread>

#include "apps/cli.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "fitting/law.hpp"
#include "fitting/prediction.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "lib/shape_search.hpp"
#include "study/figures.hpp"
#include "study/report.hpp"
#include "study/run_set.hpp"
#include "study/study.hpp"
#include "study/summary.hpp"
#include "sweeps/coordinator.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/plan.hpp"
#include "sweeps/plan_store.hpp"
#include "sweeps/progress_view.hpp"
#include "sweeps/sweep_config.hpp"

namespace scalelab::apps {

namespace fs = std::filesystem;

namespace {

// Budgets (training FLOPs, 6ND) of the demo's IsoFLOP sweep, 3 budgets x 5 sizes. The
// smallest budget is where the grid still has distinct shapes (the smallest llama shape has
// 11.6k parameters, most of them the byte vocabulary's embeddings); the largest is what 2 CPU
// cores train within the demo's 10 minutes, together with the 4x run (measured: 5 runs at
// 2e11 in 82 s with 2 workers). --quick trains about 4x less, for CI. A GPU gets 30x larger
// budgets.
std::vector<double> demo_budgets(bool quick, bool gpu) {
  std::vector<double> b =
      quick ? std::vector<double>{2e10, 5e10, 1.2e11} : std::vector<double>{8e10, 2e11, 5e11};
  if (gpu)
    for (double& c : b) c *= 30;
  return b;
}

// The demo's sweep as YAML, saved with it so that `scalelab sweep show` prints it and `sweep
// run` reproduces it. Two choices differ from the defaults, for models of 1e4-1e5 parameters:
// - seq_len 64: attention over 256 positions would cost more than the rest of such a model;
// - batch B = 0.1·C^0.3271 tokens: DeepSeek LLM's exponent with a third of its coefficient
//   (fitted at 1e17 FLOPs and above). With the full coefficient the larger models of each
//   budget get barely 100 optimizer steps and every IsoFLOP minimum sits at the smallest
//   model (measured at 2e11: losses 1.63, 1.78, 1.99 at 30k, 52k, 121k parameters; with
//   B = 512 tokens: 1.63, 1.53, 1.64, 1.74, 1.91 at 12k, 30k, 52k, 83k, 160k).
// `tokens_per_param` sets the grid's centre (the ratio rule); the target run uses the fitted
// law's D_opt/N_opt there, which gives exactly its N_opt.
std::string demo_yaml(const std::vector<double>& budgets, int grid, double span,
                      double tokens_per_param) {
  return fmt::format(
      "# written by `scalelab demo`\n"
      "budgets: [{}]\n"
      "rule: ratio\n"
      "tokens_per_param: {:.17g}\n"
      "grid: {}\n"
      "span: {}\n"
      "arch: llama\n"
      "seq_len: 64\n"
      "data: kjv\n"
      "hyperparameters:\n"
      "  batch_tokens: {{of: flops, coefficient: 0.1, reference: 1, exponent: 0.3271}}\n",
      fmt::join(budgets, ", "), tokens_per_param, grid, span);
}

// The concrete model to train at budget `flops`: of the shapes nearest N_opt·2^(k/2), k = -2..2,
// the one whose loss the fitted law predicts lowest at D = C/(6N). Rounding N_opt to the
// nearest shape can land on the steep side of a fit (seen: N_opt 13.0k rounded to 11.6k,
// predicted 0.18 nats worse than N_opt itself, while the 29.8k shape was within 0.01).
double best_concrete_params(const ShapeSearchOptions& shapes, const fitting::LawSpec& law,
                            const std::vector<double>& x, double flops, double n_opt) {
  double best_n = 0, best_loss = 0;
  for (int k = -2; k <= 2; ++k) {
    const double n = choose_shape(n_opt * std::pow(2.0, k / 2.0), shapes).counts.total;
    const double loss = fitting::predict_loss(law, x, {}, 0.95, n, flops / (6 * n)).loss.value;
    if (best_n == 0 || loss < best_loss) {
      best_n = n;
      best_loss = loss;
    }
  }
  return best_n;
}

// Saves `yaml` as sweep `name` unless it exists (then the demo resumes it).
void plan_sweep(const std::string& db_path, const std::string& name, const std::string& yaml) {
  const sweeps::SweepConfig config = sweeps::parse_sweep_config(yaml, name + ".yaml");
  db::Database db = db::open_database(db_path);
  if (db::find_sweep(db, name)) {
    std::cout << fmt::format("sweep {} exists in {}: resuming\n", name, db_path);
    return;
  }
  const sweeps::Plan plan = sweeps::make_plan(config.plan);
  sweeps::save_plan(db, name, plan, "config", yaml);
  std::size_t runs = 0;
  for (const auto& b : plan.budgets) runs += b.grid.size();
  std::cout << fmt::format("planned sweep {}: {} run(s) at C = {:.3g} FLOPs ({})\n", name, runs,
                           fmt::join(config.plan.budgets, ", "), db_path);
}

// Trains the pending runs of `name`: `workers` runs at once, `threads` each.
void run_one_sweep(const std::string& db_path, const std::string& name, const std::string& runs_dir,
                   int workers, int threads, bool gpu) {
  db::Database db = db::open_existing_database(db_path);
  const db::SweepRecord sweep = db::require_sweep(db, name);
  const sweeps::SweepConfig config = sweeps::saved_sweep_config(sweep);
  sweeps::LocalBackendOptions lo;
  lo.workers = gpu ? 0 : workers;
  lo.threads_per_worker = gpu ? 0 : threads;
  if (gpu) lo.gpus = sweeps::detect_gpus();
  auto backend = sweeps::make_local_backend(lo);
  sweeps::CoordinatorOptions o;
  o.resume = true;  // a demo run again continues where it stopped
  o.runs_dir = runs_dir;
  o.rules = config.hyperparameters;
  o.divergence = config.divergence;
  const auto view = sweeps::make_progress_view(std::cout, ::isatty(1) == 1);
  const sweeps::CoordinatorResult r = sweeps::run_sweep(db, name, *backend, o, *view);
  std::cout << fmt::format("sweep {}: {} done, {} failed, {} diverged; {} launch(es) in {}\n", name,
                           r.done, r.failed, r.diverged, r.launched,
                           sweeps::format_duration(r.wall_seconds));
  if (r.failed > 0 || r.pending > 0)
    throw Error(
        fmt::format("sweep {}: {} run(s) failed, {} pending (`scalelab status {} --db {}` "
                    "shows why); run the demo again to resume",
                    name, r.failed, r.pending, name, db_path));
}

}  // namespace

int run_demo(const Args& args) {
  OptionParser p(
      "scalelab demo [--quick] [--dir DIR] [options]",
      "The main job end to end on the built-in corpus (King James Bible, byte tokens): plans\n"
      "an IsoFLOP sweep of 3 budgets x 5 sizes sized to this machine, trains every run, fits\n"
      "Approaches 2 and 3, predicts the compute-optimal loss at 4x the largest budget with a\n"
      "bootstrap interval, trains that run, prints predicted against observed and writes\n"
      "DIR/report.html. Everything lives in DIR (database, run folders, report): running the\n"
      "demo again resumes instead of starting over. --quick trains about 4x less (for CI).\n"
      "On the CPU the sweep runs one single-threaded run per core; the 4x run uses every core.\n"
      "With a GPU (unless --cpu) every budget is 30x larger and each GPU runs one run at a time.");
  p.add()("dir", po::value<std::string>()->default_value("scalelab-demo"),
          "directory for the database, the runs and the report");
  p.add()("quick", po::bool_switch(), "a shortened demo (smaller budgets)");
  p.add()("workers", po::value<int>()->default_value(0),
          "concurrent runs on the CPU (0: one per core)");
  p.add()("bootstrap", po::value<int>(), "bootstrap resamples (default 1000; --quick 200)");
  p.add()("cpu", po::bool_switch(), "train on the CPU even when a GPU is present");
  if (!p.parse(args)) return 0;
  const auto started = std::chrono::steady_clock::now();
  const bool quick = p.get<bool>("quick");
  const fs::path dir = p.get<std::string>("dir");
  int workers = p.get<int>("workers");
  if (workers < 0) throw InputError(fmt::format("--workers: {} (accepted: >= 0)", workers));
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (workers == 0) workers = cores;
  const int bootstrap = p.has("bootstrap") ? p.get<int>("bootstrap") : (quick ? 200 : 1000);
  if (bootstrap < 0) throw InputError(fmt::format("--bootstrap: {} (accepted: >= 0)", bootstrap));
  const bool gpu = !p.get<bool>("cpu") && !sweeps::detect_gpus().empty();

  fs::create_directories(dir);
  const std::string db_path = (dir / "scalelab.db").string();
  const std::string runs_dir = (dir / "runs").string();
  const std::string name = quick ? "demo-quick" : "demo";
  const std::string target_name = name + "-target";

  // 1. Plan (once): 3 budgets, the grid centred on 20 tokens per parameter.
  const std::vector<double> budgets = demo_budgets(quick, gpu);
  const int grid = quick ? 4 : 5;
  plan_sweep(db_path, name, demo_yaml(budgets, grid, 4.0, 20.0));

  // 2. Train every run of the sweep.
  run_one_sweep(db_path, name, runs_dir, workers, 1, gpu);

  // 3. Fit Approaches 2 and 3 and predict at 4x the largest budget.
  const double largest = *std::max_element(budgets.begin(), budgets.end());
  study::StudyOptions so;
  so.bootstrap = bootstrap;
  so.target_budget = 4 * largest;
  study::RunSet input = study::read_sweep_runs(db_path, name);
  input.commands = {
      fmt::format("scalelab demo{} --dir {}", quick ? " --quick" : "", dir.string()),
      fmt::format("scalelab status {} --db {}", name, db_path),
      fmt::format("scalelab runs export {} --db {} --format csv --metrics", name, db_path),
      fmt::format("scalelab report {} --db {} --out report.html", name, db_path)};
  study::Study st = study::run_study(std::move(input), so);
  study::print_study_summary(std::cout, st);
  if (!st.chinchilla || !st.target)
    throw Error(
        "the demo's sweep gave no Approach-3 fit, so there is nothing to predict (see the "
        "notes above)");
  const auto& law = fitting::find_law("chinchilla");
  const std::vector<double>& x = st.chinchilla->point.x;

  // 4. Plan and train the predicted compute-optimal run at 4x the largest budget, with the
  // sweep's hyperparameter rules: the best concrete shape near the fit's N_opt, planned by
  // the ratio rule at r = C/(6N^2), which gives exactly that N.
  const double target_c = *so.target_budget;
  const ShapeSearchOptions shapes =
      sweeps::parse_sweep_config(demo_yaml(budgets, grid, 4.0, 20.0), name).plan.shape;
  const double target_n = best_concrete_params(shapes, law, x, target_c, st.target->params.value);
  std::cout << fmt::format(
      "4x run: N = {} (Approach 3's N_opt {} rounded to the concrete shape with the lowest "
      "predicted loss at C = {:.3g})\n",
      format_si(target_n), format_si(st.target->params.value), target_c);
  plan_sweep(db_path, target_name,
             demo_yaml({target_c}, 1, 1.0, target_c / (6 * target_n * target_n)));
  run_one_sweep(db_path, target_name, runs_dir, 1, cores, gpu);
  const study::RunSet target = study::read_sweep_runs(db_path, target_name);

  // 5. Predicted against observed, at the (N, D) the run trained (the concrete shape rounds
  // N_opt), with the same bootstrap refits.
  st.target_check = study::check_target(st, target.runs.front());
  const study::TargetCheck& tc = *st.target_check;
  std::cout << fmt::format(
      "target run at C = {:.3g} FLOPs (N = {}, D = {}): predicted loss {:.4f}{} ({}), "
      "observed {:.4f}: error {:+.2f}%, {} the {:g}% interval\n",
      tc.flops, format_si(tc.params), format_si(tc.tokens), tc.predicted.value,
      tc.predicted.interval
          ? fmt::format(" [{:.4f}, {:.4f}]", tc.predicted.interval->lo, tc.predicted.interval->hi)
          : "",
      tc.method, tc.observed, 100 * tc.relative_error, tc.inside ? "inside" : "outside",
      100 * so.level);

  // 6. The report.
  st.commands.push_back(fmt::format("scalelab status {} --db {}", target_name, db_path));
  const fs::path report = dir / "report.html";
  const auto figures = study::draw_study_figures(st, dir / "report_figures");
  plots::write_report(study::study_report(st, figures), report);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << fmt::format("wrote {} ({} figures); demo wall time {:.0f} s\n", report.string(),
                           figures.size(), wall);
  return 0;
}

}  // namespace scalelab::apps
