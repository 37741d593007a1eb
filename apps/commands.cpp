// The table of subcommands. Each lives in its own cmd_<name>.cpp.
#include "apps/cli.hpp"

namespace scalelab::apps {

int run_plan(const Args& args);
int run_shape(const Args& args);
int run_fit(const Args& args);
int run_predict(const Args& args);
int run_compare(const Args& args);
int run_validate(const Args& args);
int run_train(const Args& args);
int run_data(const Args& args);
int run_plot(const Args& args);
int run_report(const Args& args);
int run_demo(const Args& args);
int run_extrapolate(const Args& args);

int run_sweep_command(const Args& args);
int run_status(const Args& args);
int run_runs(const Args& args);
int run_import(const Args& args);
int run_worker(const Args& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"plan", "plan a compute-optimal sweep for a budget (--save stores it)", run_plan},
      {"shape", "choose a model shape for N parameters, or count a given shape", run_shape},
      {"fit", "fit a scaling law to runs (CSV) with bootstrap intervals; stores the fit", run_fit},
      {"predict", "predict a loss, or N_opt/D_opt at a budget, from a published law or a fit",
       run_predict},
      {"compare",
       "configurations N:D side by side under a law: loss, excess over the compute-optimum, cost",
       run_compare},
      {"validate", "hold out the largest budget (or N), fit the rest, report held-out errors",
       run_validate},
      {"train", "train one model (CPU; --data synthetic|kjv|DIR) and write a run directory",
       run_train},
      {"data", "prepare token files from text or the built-in corpus; print a source's facts",
       run_data},
      {"plot", "draw a study's figures (IsoFLOP, frontier, parity, curves, loss vs C) with gnuplot",
       run_plot},
      {"report",
       "write one self-contained HTML report of a sweep or a CSV: fits, predictions, figures",
       run_report},
      {"extrapolate",
       "a run's final loss predicted from the first part of its curve, with the error if finished",
       run_extrapolate},
      {"demo",
       "the main job: plan, train, fit, predict 4x the largest budget, train it, compare, report",
       run_demo},
      {"sweep", "run a saved sweep to the end (run), continue it (resume), or show its config",
       run_sweep_command},
      {"status", "every sweep's run counts, or one sweep's runs with progress and losses",
       run_status},
      {"runs", "export a sweep's runs (and --metrics curves) as CSV or JSON", run_runs},
      {"import", "import results from a CSV (N,D,loss[,C,step,...]) as a sweep", run_import},
      {"worker", "train one run of a sweep in this process (started by sweep run)", run_worker},
  };
  return table;
}

}  // namespace scalelab::apps
