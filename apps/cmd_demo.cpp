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
#include <fstream>
#include <iostream>
#include <thread>

#include "apps/cli.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "fitting/law.hpp"
#include "fitting/prediction.hpp"
#include "lib/atomic_file.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "lib/shape_search.hpp"
#include "lib/simd_level.hpp"
#include "study/figures.hpp"
#include "study/report.hpp"
#include "study/run_set.hpp"
#include "study/study.hpp"
#include "study/study_json.hpp"
#include "study/summary.hpp"
#include "study/target.hpp"
#include "study/trust.hpp"
#include "sweeps/coordinator.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/plan.hpp"
#include "sweeps/plan_store.hpp"
#include "sweeps/progress_view.hpp"
#include "sweeps/sweep_config.hpp"

namespace scalelab::apps {

namespace fs = std::filesystem;

namespace {

// The demo's IsoFLOP sweep: 4 budgets over one decade (7e10 to 7e11 FLOPs, 6ND with total N)
// x 5 sizes, then the 4x run. Measured on 2 CPU cores, one single-threaded run per core. The
// choices, each from a measurement on this corpus (the pilots are in the notes of issue 17):
// - 2-layer llama models with 8-wide heads (d_model 16, 24, 32, ... : 14.9k, 26.2k, 43.2k,
//   60.4k, 80.1k, ... parameters): one family, so an IsoFLOP profile compares sizes, not
//   depths; mixing 1-4 layers at d 16-64 gave non-convex profiles;
// - the grid centred on 32 tokens per parameter, where the IsoFLOP minima of a pilot lay (N_opt
//   about 20k at 7e10 and 28k at 1.5e11); at 20 every minimum sat at the grid's small end;
// - at least 500 optimizer steps per run (the batch is capped at D/500), AdamW beta2 0.99 (small
//   batches: Porian et al. 2024), a peak learning rate of 0.6x GPT-3's N^-1/3 rule (probed at
//   56k and 234k parameters: 4e-3 and 3-4e-3 were best, the rule gives 7.8e-3 and 4.9e-3);
// - 4 evaluations of 32k held-out tokens per run (10 of 65k cost about as much as training the
//   small runs).
// --quick trains 3 sizes at 4 budgets 3.5x smaller, over a decade (2e10 to 2e11): a smoke
// test of the mechanics, not a study (its fits may be degenerate; the demo then says so). A GPU
// gets 30x larger budgets.
struct DemoPlan {
  std::vector<double> budgets;
  int grid = 5;
  double span = 2.6;
  double tokens_per_param = 32;
};

DemoPlan demo_plan(bool quick, bool gpu) {
  DemoPlan p;
  if (quick) {
    for (int k = 0; k < 4; ++k) p.budgets.push_back(2e10 * std::pow(10.0, k / 3.0));
    p.grid = 3;
  } else {
    for (int k = 0; k < 4; ++k) p.budgets.push_back(7e10 * std::pow(10.0, k / 3.0));
  }
  if (gpu)
    for (double& c : p.budgets) c *= 30;
  return p;
}

// The demo's sweep as YAML, saved with it so that `scalelab sweep show` prints it and `sweep
// run` reproduces it (see DemoPlan for the choices). `tokens_per_param` sets the grid's centre
// (the ratio rule); the target run uses r = C/(6N^2), which gives exactly its N.
std::string demo_yaml(const std::vector<double>& budgets, int grid, double span,
                      double tokens_per_param, std::uint64_t seed) {
  return fmt::format(
      "# written by `scalelab demo`\n"
      "budgets: [{}]\n"
      "rule: ratio\n"
      "tokens_per_param: {:.17g}\n"
      "grid: {}\n"
      "span: {}\n"
      "arch: llama\n"
      "seq_len: 64\n"
      "min_layers: 2\n"
      "max_layers: 2\n"
      "head_dim: 8\n"
      "min_aspect: 4\n"
      "data: kjv\n"
      "hyperparameters:\n"
      "  lr: {{of: params, coefficient: 3.6e-4, reference: 1.25e8, exponent: -0.3333, "
      "min: 1.0e-5, max: 1.0e-2}}\n"
      "  batch_tokens: {{of: flops, coefficient: 0.1, reference: 1, exponent: 0.3271}}\n"
      "  min_steps: 500\n"
      "  beta2: 0.99\n"
      "  warmup_fraction: 0.05\n"
      "  evals_per_run: 4\n"
      "  eval_tokens: 32768\n"
      "  seed: {}\n",
      fmt::join(budgets, ", "), tokens_per_param, grid, span, seed);
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

// Seconds since `since`.
double seconds_since(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int run_demo(const Args& args) {
  OptionParser p(
      "scalelab demo [--quick] [--dir DIR] [options]",
      "The main job end to end on the built-in corpus (King James Bible, byte tokens): plans\n"
      "an IsoFLOP sweep of 4 budgets over one decade (7e10 to 7e11 FLOPs) x 5 model sizes,\n"
      "trains every run, fits Approaches 2 and 3 and L(C), chooses the compute-optimal run at\n"
      "4x the largest budget (Approach 3; where that fit is degenerate, Approach 2, then the\n"
      "ratio rule, and says which), trains it, prints predicted against observed and the\n"
      "checks an expert would make, and writes DIR/report.html and DIR/demo.json.\n"
      "Everything lives in DIR (database, run folders, report): running the demo again\n"
      "resumes instead of starting over. On the CPU the sweep runs --workers single-threaded\n"
      "runs at once (default: one per core); the 4x run uses --workers threads. --quick\n"
      "trains 3 sizes at 4 smaller budgets (a smoke test, not a study). With a GPU (unless\n"
      "--cpu) every budget is 30x larger.\n"
      "SCALELAB_KERNEL=generic|avx2|avx512 forces the build of the fit and training kernels\n"
      "(default: the best this CPU runs), to reproduce a result on another machine's path.\n"
      "\n"
      "DIR/demo.json: {\"runs\", \"fits\", \"validation\", \"target_check\", \"checks\"} as\n"
      "documented in study/study_json.hpp, plus \"target\" {flops, params, tokens, method,\n"
      "fallback, n_opt, trained, predicted, predicted_lo, predicted_hi, observed,\n"
      "relative_error, inside} (trained false and the predictions null where no law could\n"
      "predict the run: then \"target_problem\" says why), \"seed\", \"kernel\" and\n"
      "\"elapsed_s\" {plan, sweep, fit, target, report, total} (seconds of this invocation;\n"
      "a resumed stage counts what was left).");
  p.add()("dir", po::value<std::string>()->default_value("scalelab-demo"),
          "directory for the database, the runs and the report");
  p.add()("quick", po::bool_switch(),
          "a shortened demo (3 sizes x 4 budgets of 2e10 to 2e11; a smoke test)");
  p.add()("seed", po::value<std::uint64_t>()->default_value(1234),
          "training seed of every run (weights and batch order)");
  p.add()("workers", po::value<int>()->default_value(0),
          "CPU cores the demo uses: concurrent single-threaded runs of the sweep, threads of "
          "the 4x run (0: every core; fewer leaves cores free: a busy core slows a "
          "multi-threaded run far more than its share)");
  p.add()("bootstrap", po::value<int>(), "bootstrap resamples (default 1000; --quick 200)");
  p.add()("cpu", po::bool_switch(), "train on the CPU even when a GPU is present");
  if (!p.parse(args)) return 0;
  const auto started = std::chrono::steady_clock::now();
  const bool quick = p.get<bool>("quick");
  const fs::path dir = p.get<std::string>("dir");
  const std::uint64_t seed = p.get<std::uint64_t>("seed");
  int workers = p.get<int>("workers");
  if (workers < 0) throw InputError(fmt::format("--workers: {} (accepted: >= 0)", workers));
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (workers == 0) workers = cores;
  const int bootstrap = p.has("bootstrap") ? p.get<int>("bootstrap") : (quick ? 200 : 1000);
  if (bootstrap < 0) throw InputError(fmt::format("--bootstrap: {} (accepted: >= 0)", bootstrap));
  const char* kernel = simd_level_name(selected_simd_level());  // bad SCALELAB_KERNEL: exit 2
  const bool gpu = !p.get<bool>("cpu") && !sweeps::detect_gpus().empty();

  fs::create_directories(dir);
  const std::string db_path = (dir / "scalelab.db").string();
  const std::string runs_dir = (dir / "runs").string();
  const std::string name =
      std::string(quick ? "demo-quick" : "demo") + (seed == 1234 ? "" : fmt::format("-s{}", seed));
  const std::string target_name = name + "-target";
  nlohmann::json elapsed = nlohmann::json::object();
  auto stage = std::chrono::steady_clock::now();
  auto end_stage = [&](const char* what) {
    elapsed[what] = seconds_since(stage);
    stage = std::chrono::steady_clock::now();
  };

  // 1. Plan (once).
  const DemoPlan plan = demo_plan(quick, gpu);
  const std::string yaml =
      demo_yaml(plan.budgets, plan.grid, plan.span, plan.tokens_per_param, seed);
  plan_sweep(db_path, name, yaml);
  end_stage("plan");

  // 2. Train every run of the sweep.
  run_one_sweep(db_path, name, runs_dir, workers, 1, gpu);
  end_stage("sweep");

  // 3. Fit Approaches 2 and 3 and L(C); predict at 4x the largest budget.
  const double largest = *std::max_element(plan.budgets.begin(), plan.budgets.end());
  study::StudyOptions so;
  so.bootstrap = bootstrap;
  so.seed = seed;
  so.target_budget = 4 * largest;
  study::RunSet input = study::read_sweep_runs(db_path, name);
  input.commands = {
      fmt::format("scalelab demo{} --dir {}{}", quick ? " --quick" : "", dir.string(),
                  seed == 1234 ? "" : fmt::format(" --seed {}", seed)),
      fmt::format("scalelab status {} --db {}", name, db_path),
      fmt::format("scalelab runs export {} --db {} --format csv --metrics", name, db_path),
      fmt::format("scalelab report {} --db {} --out report.html", name, db_path)};
  study::Study st = study::run_study(std::move(input), so);
  study::print_study_summary(std::cout, st);
  end_stage("fit");

  // 4. The run to train at 4x: Approach 3's N_opt on a concrete shape, or the fallbacks.
  const double target_c = *so.target_budget;
  const ShapeSearchOptions shapes = sweeps::parse_sweep_config(yaml, name).plan.shape;
  const study::TargetChoice choice =
      study::choose_target(st, target_c, shapes, plan.tokens_per_param);
  st.target_problem = study::prediction_problem(st);
  if (!st.target_problem.empty()) {
    // Training a run that nothing can predict would compare nothing: say so and report.
    std::cout << fmt::format(
        "4x run: not trained: no fitted law can predict it ({}); the report says why\n",
        st.target_problem);
  } else {
    if (!choice.fallback.empty())
      std::cout << fmt::format("4x run: not from Approach 3 ({}): {} instead\n", choice.fallback,
                               choice.method);
    std::cout << fmt::format(
        "4x run at C = {:.3g}: N = {}, D = {} ({}'s N_opt {} on a concrete shape)\n", target_c,
        format_si(choice.params), format_si(choice.tokens), choice.method, format_si(choice.n_opt));
    plan_sweep(db_path, target_name,
               demo_yaml({target_c}, 1, 1.0, choice.tokens / choice.params, seed));
    run_one_sweep(db_path, target_name, runs_dir, 1, workers, gpu);
    const study::RunSet target_runs = study::read_sweep_runs(db_path, target_name);

    // 5. Predicted against observed, at the (N, D) the run trained.
    st.target_check = study::check_target(st, target_runs.runs.front());
    const study::TargetCheck& tc = *st.target_check;
    std::cout << fmt::format(
        "target run at C = {:.3g} FLOPs (N = {}, D = {}): predicted loss {} ({}), observed "
        "{:.4f}: error {:+.2f}%, {} the {:g}% interval\n",
        tc.flops, format_si(tc.params), format_si(tc.tokens),
        tc.predicted.interval ? fmt::format("{:.4f} [{:.4f}, {:.4f}]", tc.predicted.value,
                                            tc.predicted.interval->lo, tc.predicted.interval->hi)
                              : fmt::format("{:.4f}", tc.predicted.value),
        tc.method, tc.observed, 100 * tc.relative_error, tc.inside ? "inside" : "outside",
        100 * so.level);
    st.commands.push_back(fmt::format("scalelab status {} --db {}", target_name, db_path));
  }
  end_stage("target");

  // 6. The checks, the report and demo.json.
  std::size_t met = 0;
  const auto checks = study::trust_checks(st);
  std::cout << "checks an expert would make:\n";
  for (const auto& c : checks) {
    met += c.met ? 1 : 0;
    std::cout << fmt::format("  {:<4} {}: {}\n", c.met ? "ok" : "NOT", c.name, c.value);
  }
  const fs::path report = dir / "report.html";
  const auto figures = study::draw_study_figures(st, dir / "report_figures");
  plots::write_report(study::study_report(st, figures), report);
  end_stage("report");
  elapsed["total"] = seconds_since(started);

  nlohmann::json doc = study::study_json(st);
  doc["seed"] = seed;
  doc["kernel"] = kernel;
  const nlohmann::json& checked = doc["target_check"];
  nlohmann::json target = {{"flops", choice.flops},
                           {"params", choice.params},
                           {"tokens", choice.tokens},
                           {"method", choice.method},
                           {"n_opt", choice.n_opt}};
  target["fallback"] = choice.fallback.empty() ? nlohmann::json() : nlohmann::json(choice.fallback);
  target["trained"] = checked.is_object();  // false: no law could predict it (target_problem)
  for (const char* key :
       {"predicted", "predicted_lo", "predicted_hi", "observed", "relative_error", "inside"})
    target[key] = checked.is_object() ? checked.at(key) : nlohmann::json();
  doc["target"] = target;
  doc["elapsed_s"] = elapsed;
  write_file_atomically(dir / "demo.json", doc.dump(2) + "\n");
  std::cout << fmt::format(
      "{} of {} checks met; wrote {} ({} figures) and {}; demo wall time {:.0f} s\n", met,
      checks.size(), report.string(), figures.size(), (dir / "demo.json").string(),
      elapsed["total"].get<double>());
  return 0;
}

}  // namespace scalelab::apps
