// scalelab plot: draw the figures of a scaling-law study (gnuplot: PNG, SVG, data and script).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <sstream>

#include "apps/cli.hpp"
#include "apps/study_options.hpp"
#include "lib/error.hpp"
#include "study/figures.hpp"
#include "study/run_set.hpp"
#include "study/study.hpp"
#include "study/summary.hpp"

namespace scalelab::apps {

namespace {

// "--kind isoflop,parity --kind curves" → {isoflop, parity, curves}; "all" → every kind.
std::set<std::string> parse_kinds(const std::vector<std::string>& items) {
  std::set<std::string> kinds;
  for (const auto& item : items) {
    std::stringstream in(item);
    std::string k;
    while (std::getline(in, k, ',')) {
      if (k == "all") return {};
      if (!k.empty()) kinds.insert(k);
    }
  }
  return kinds;
}

}  // namespace

int run_plot(const Args& args) {
  OptionParser p(
      "scalelab plot (SWEEP | --csv FILE) --out DIR [--kind KIND,...] [options]",
      "Fits the runs of a sweep (from the database) or of a CSV file and draws the figures of\n"
      "a scaling-law study with gnuplot into DIR: for each figure NAME.png, NAME.svg, its data\n"
      "NAME.dat and the script NAME.gp (edit it, then run `gnuplot NAME.gp` in DIR to\n"
      "re-render). Kinds (default all the data allows):\n"
      "  isoflop       loss against N per compute budget, fitted parabolas and minima\n"
      "  frontier      N_opt and D_opt against C: fits, bands, Chinchilla and Kaplan lines\n"
      "  parity        Approach-3 fit: predicted against observed, and residuals\n"
      "  curves        training curves against tokens and FLOPs, envelope, extrapolations\n"
      "  loss-compute  loss against C with the fitted L(C), extended to --budget\n"
      "CSV: N,D,loss[,C,step,unique_tokens,label,run_id], C,N,D,loss, or Epoch AI's\n"
      "'Model Size','Training FLOP',loss. Rows with a step are training-curve points.");
  p.add()("csv", po::value<std::string>(), "runs to plot");
  p.add()("out", po::value<std::string>(), "directory for the figures (created)");
  p.add()("kind", po::value<std::vector<std::string>>()->composing(),
          "figure kinds (comma-separated or repeated; 'all')");
  add_study_options(p);
  p.add_positional("sweep", 1);
  p.add()("sweep", po::value<std::string>(), "sweep name");
  p.add_db_option();
  if (!p.parse(args)) return 0;
  if (!p.has("out")) throw InputError("--out DIR is required");
  study::StudyOptions o = study_options(p);
  if (p.has("kind")) o.kinds = parse_kinds(p.get<std::vector<std::string>>("kind"));
  if (p.has("sweep") == p.has("csv")) throw InputError("give either a sweep name or --csv FILE");
  study::RunSet input;
  if (p.has("csv")) {
    const std::string csv = p.get<std::string>("csv");
    input = study::run_set_from_observations(read_observations_csv(csv), csv);
  } else {
    input = study::read_sweep_runs(p.db_path(), p.get<std::string>("sweep"));
  }
  study::Study study = study::run_study(std::move(input), o);
  const auto figures = study::draw_study_figures(study, p.get<std::string>("out"));
  study::print_study_summary(std::cout, study);
  for (const auto& f : figures) {
    std::cout << fmt::format("wrote {} ({}, {}, {})\n", f.png.string(), f.svg.filename().string(),
                             f.data.filename().string(), f.script.filename().string());
    for (const auto& note : f.notes) std::cout << fmt::format("  note: {}\n", note);
    if (!f.warnings.empty())
      std::cerr << "gnuplot warnings for " << f.script.string() << ":\n" << f.warnings;
  }
  return 0;
}

}  // namespace scalelab::apps
