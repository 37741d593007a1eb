// scalelab report: one self-contained HTML page with the plan, the runs, every fit with its
// intervals, the predictions, the validation errors, the figures and the commands behind them.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <iostream>

#include "apps/cli.hpp"
#include "apps/study_options.hpp"
#include "lib/error.hpp"
#include "study/figures.hpp"
#include "study/report.hpp"
#include "study/run_set.hpp"
#include "study/study.hpp"
#include "study/summary.hpp"

namespace scalelab::apps {

namespace fs = std::filesystem;

int run_report(const Args& args) {
  OptionParser p(
      "scalelab report (SWEEP | --csv FILE) --out REPORT.html [options]",
      "Fits a sweep's runs (from the database) or a CSV of runs, draws every figure the data\n"
      "allows and writes one self-contained HTML page (figures inlined, no external files):\n"
      "the plan, the run table, each fit with its bootstrap intervals, the predictions at\n"
      "--budget, the hold-out validation errors and the commands that reproduce them. The\n"
      "figures' images, data and gnuplot scripts stay in --figures DIR.");
  p.add()("csv", po::value<std::string>(), "runs from a CSV file instead of a sweep");
  p.add()("out", po::value<std::string>(), "the HTML file to write");
  p.add()("figures", po::value<std::string>(),
          "directory for the figures (default: the report's name with _figures)");
  add_study_options(p);
  p.add_db_option();
  p.add_positional("sweep", 1);
  p.add()("sweep", po::value<std::string>(), "sweep name");
  if (!p.parse(args)) return 0;
  if (!p.has("out")) throw InputError("--out REPORT.html is required");
  const fs::path out = p.get<std::string>("out");
  if (out.filename().empty() || fs::is_directory(out))
    throw InputError(
        fmt::format("--out: '{}' is a directory; give the HTML file to write", out.string()));
  if (p.has("sweep") == p.has("csv")) throw InputError("give either a sweep name or --csv FILE");
  const study::StudyOptions o = study_options(p);

  study::RunSet input;
  if (p.has("csv")) {
    const std::string csv = p.get<std::string>("csv");
    input = study::run_set_from_observations(read_observations_csv(csv), csv);
  } else {
    input = study::read_sweep_runs(p.db_path(), p.get<std::string>("sweep"));
  }
  input.commands.push_back(fmt::format("scalelab report {}", fmt::join(args, " ")));
  const fs::path figures_dir = p.has("figures")
                                   ? fs::path(p.get<std::string>("figures"))
                                   : out.parent_path() / (out.stem().string() + "_figures");

  study::Study study = study::run_study(std::move(input), o);
  const auto figures = study::draw_study_figures(study, figures_dir);
  plots::write_report(study::study_report(study, figures), out);
  study::print_study_summary(std::cout, study);
  std::cout << fmt::format("wrote {} ({} figures inlined; images, data and scripts in {})\n",
                           out.string(), figures.size(), figures_dir.string());
  return 0;
}

}  // namespace scalelab::apps
