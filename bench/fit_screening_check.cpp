// Checks the two-stage multistart (fitting/lbfgs_multistart.hpp: screen every start with loose
// tolerances, then polish the best distinct end points) against running every start to the full
// tolerances, on many data sets: bootstrap resamples of ../shared/data/chinchilla_fig4_epoch.csv
// (5 highest losses dropped; every third data set) and noisy synthetic sweeps drawn from random
// Chinchilla laws (4-8 sizes x 3-6 ratios, 1-4% noise). Per data set it prints how many of the
// 4,500 starts reach the one-stage optimum, the rank (by screened objective) of the first start
// that does and how far its screened objective is above the best screened one: the polish
// step finds the optimum only if that start is among the polished ones. Then the two-stage fit
// with the given options against the one-stage fit.
//
// Usage: fit_screening_check [--datasets K] [--seed S] [--factor F] [--margin M]
//        [--max-polished P] [--threads T]
// Defaults: 20 data sets from seed 5000, LbfgsOptions' own factor, margin and maximum.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "fitting/parametric_fit.hpp"
#include "lib/output.hpp"
#include "synthetic.hpp"  // tests/fitting: the synthetic sweeps of the fitting tests

using namespace scalelab;
using namespace scalelab::fitting;

namespace {

std::vector<Observation> make_dataset(int k, int seed, const std::vector<Observation>& reference) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(seed + k));
  std::vector<Observation> obs;
  if (k % 3 == 0) {
    std::uniform_int_distribution<std::size_t> pick(0, reference.size() - 1);
    for (std::size_t i = 0; i < reference.size(); ++i) obs.push_back(reference[pick(rng)]);
    return obs;
  }
  std::uniform_real_distribution<double> u(0, 1);
  ChinchillaLaw truth;
  truth.E = 1.5 + u(rng);
  truth.A = 200 + 600 * u(rng);
  truth.B = 500 + 3000 * u(rng);
  truth.alpha = 0.25 + 0.2 * u(rng);
  truth.beta = 0.25 + 0.2 * u(rng);
  const double sigma = 0.01 + 0.03 * u(rng);
  return testing::chinchilla_runs(truth, 4 + k % 5, 3 + k % 4, sigma, rng);
}

}  // namespace

int main(int argc, char** argv) {
  int datasets = 20, seed = 5000, threads = 0;
  LbfgsOptions two = LbfgsOptions{};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--datasets" && i + 1 < argc)
      datasets = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc)
      seed = std::atoi(argv[++i]);
    else if (a == "--factor" && i + 1 < argc)
      two.screening_tolerance_factor = std::atof(argv[++i]);
    else if (a == "--margin" && i + 1 < argc)
      two.polish_margin = std::atof(argv[++i]);
    else if (a == "--max-polished" && i + 1 < argc)
      two.max_polished = static_cast<std::size_t>(std::atoi(argv[++i]));
    else if (a == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else {
      fmt::print(stderr,
                 "usage: {} [--datasets K] [--seed S] [--factor F] [--margin M] "
                 "[--max-polished P] [--threads T]\n",
                 argv[0]);
      return 2;
    }
  }
  two.threads = threads;
  const auto& law = find_law("chinchilla");
  FitOptions drop5;
  drop5.drop_highest = 5;
  const auto reference = prepare_observations(
      law, read_observations_csv(SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv"), drop5);
  const auto grid = grid_product(law.grid);
  const std::vector<std::optional<double>> none(5);

  Table t(
      {"set", "kind", "runs", "starts_at_optimum", "first_rank", "screened_gap", "two_stage_rel"});
  int missed = 0, worst_rank = 0;
  double worst_gap = 0;
  for (int k = 0; k < datasets; ++k) {
    const auto obs = make_dataset(k, seed, reference);
    FitOptions fo;
    const auto f = law.objective(make_points(prepare_observations(law, obs, fo)), fo.delta);
    LbfgsOptions one = fo.lbfgs;
    one.screening_tolerance_factor = 1;
    one.threads = threads;
    const auto full = minimize_multistart(*f, grid, none, one);
    const double best = full.winner().objective;
    auto reaches = [&](std::size_t i) { return full.starts[i].objective <= best * (1 + 1e-9); };
    LbfgsOptions screen_only = two;
    screen_only.max_polished = 0;
    const auto screened = minimize_multistart(*f, grid, none, screen_only);
    std::vector<std::size_t> order(grid.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return screened.starts[a].objective < screened.starts[b].objective;
    });
    std::size_t rank = 0;
    while (!reaches(order[rank])) ++rank;
    const double gap = screened.starts[order[rank]].objective / screened.winner().objective - 1;
    const auto two_stage = minimize_multistart(*f, grid, none, two);
    const double rel = two_stage.winner().objective / best - 1;
    const auto at_optimum = std::count_if(order.begin(), order.end(), reaches);
    missed += std::fabs(rel) > 1e-9;
    worst_rank = std::max(worst_rank, static_cast<int>(rank) + 1);
    worst_gap = std::max(worst_gap, gap);
    t.add_row({Cell::integer(k), Cell::text(k % 3 == 0 ? "bootstrap" : "synthetic"),
               Cell::integer(static_cast<std::int64_t>(obs.size())), Cell::integer(at_optimum),
               Cell::integer(static_cast<std::int64_t>(rank) + 1),
               Cell::text(fmt::format("{:.2e}", gap)), Cell::text(fmt::format("{:+.1e}", rel))});
  }
  t.print_table(std::cout);
  fmt::print(
      "screening x{:g}, polish margin {:g}, at most {} polished: {} of {} data sets differ from "
      "the one-stage optimum by more than 1e-9; worst first rank {}, worst screened gap {:.2e}\n",
      two.screening_tolerance_factor, two.polish_margin, two.max_polished, missed, datasets,
      worst_rank, worst_gap);
  return missed == 0 ? 0 : 1;
}
