// Benchmark: the full 4,500-start Approach-3 fit and the 1,000-resample bootstrap on
// ../shared/data/chinchilla_fig4_epoch.csv (5 highest losses dropped), side by side with the
// SciPy peer bench/fit_scipy_peer.py (same grid, objective and data; L-BFGS-B).
//
// Usage: fit_chinchilla_bench [--repeats 3] [--threads 0] [--peer-starts K] [--skip-peer]
//        [--analytic-peer]
// --peer-starts K runs the peer on the first K starts only and scales its time to 4,500
// (reported as an estimate). The machine's load is printed: on a shared machine the numbers
// move with it.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "fitting/bootstrap.hpp"
#include "fitting/parametric_fit.hpp"
#include "lib/output.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

nlohmann::json run_peer(const std::string& script, const std::string& csv, int starts,
                        bool analytic) {
  std::string cmd = fmt::format("/usr/bin/python3 {} {} --drop-highest 5", script, csv);
  if (starts > 0) cmd += fmt::format(" --starts {}", starts);
  if (analytic) cmd += " --analytic-gradient";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return nullptr;
  std::string out;
  std::array<char, 4096> buf;
  while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  if (pclose(pipe) != 0) return nullptr;
  return nlohmann::json::parse(out, nullptr, false);
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 3, threads = 0, peer_starts = 0;
  bool skip_peer = false, analytic_peer = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeats" && i + 1 < argc)
      repeats = std::atoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (a == "--peer-starts" && i + 1 < argc)
      peer_starts = std::atoi(argv[++i]);
    else if (a == "--skip-peer")
      skip_peer = true;
    else if (a == "--analytic-peer")
      analytic_peer = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--repeats N] [--threads N] [--peer-starts K] [--skip-peer] "
                   "[--analytic-peer]\n",
                   argv[0]);
      return 2;
    }
  }
  const std::string csv = SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv";
  const std::string peer = SCALELAB_SOURCE_DIR "/bench/fit_scipy_peer.py";
  const auto obs = read_observations_csv(csv);
  const auto& law = find_law("chinchilla");
  FitOptions o;
  o.drop_highest = 5;
  o.lbfgs.threads = threads;
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("machine: %u hardware threads, load average before: %s\n", cores,
              load_average().c_str());

  std::vector<double> fit_times;
  FitResult fit;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fit = fit_law(law, obs, o);
    fit_times.push_back(seconds_since(t0));
  }
  std::sort(fit_times.begin(), fit_times.end());
  const double fit_s = fit_times[fit_times.size() / 2];

  BootstrapOptions b;
  b.threads = threads;
  auto t0 = std::chrono::steady_clock::now();
  const BootstrapResult boot = bootstrap(law, fit, o, b);
  const double boot_s = seconds_since(t0);

  nlohmann::json p;
  double peer_s = 0;
  bool estimated = false;
  if (!skip_peer) {
    p = run_peer(peer, csv, peer_starts, analytic_peer);
    if (p.is_object()) {
      peer_s = p["seconds"].get<double>();
      if (peer_starts > 0 && peer_starts < 4500) {
        peer_s *= 4500.0 / peer_starts;
        estimated = true;
      }
    } else {
      std::fprintf(stderr, "the SciPy peer failed (needs Debian's python3-scipy)\n");
    }
  }

  Table t({"task", "scalelab_s", "scipy_peer_s", "ratio"});
  t.add_row({Cell::text("approach-3 fit, 4,500 starts"), Cell::fixed(fit_s, 3),
             peer_s > 0 ? Cell::fixed(peer_s, 1) : Cell::text("-"),
             peer_s > 0 ? Cell::fixed(peer_s / fit_s, 0) : Cell::text("-")});
  t.add_row({Cell::text("bootstrap, 1,000 resamples"), Cell::fixed(boot_s, 3), Cell::text("-"),
             Cell::text("-")});
  t.print_table(std::cout);
  std::printf("ours: median of %d runs (%.3f..%.3f s), threads %d (0 = all)\n", repeats,
              fit_times.front(), fit_times.back(), threads);
  if (peer_s > 0)
    std::printf("peer: %s gradient%s\n", p["gradient"].get<std::string>().c_str(),
                estimated
                    ? fmt::format(", {} starts timed and scaled to 4,500", peer_starts).c_str()
                    : ", all 4,500 starts");
  std::printf("%-8s %-16s %-10s %-10s %-10s %-10s %-10s\n", "", "objective", "E", "A", "B", "alpha",
              "beta");
  std::printf("%-8s %-16.10g %-10.5f %-10.2f %-10.1f %-10.5f %-10.5f\n", "ours", fit.objective,
              fit.value("E"), fit.value("A"), fit.value("B"), fit.value("alpha"),
              fit.value("beta"));
  if (p.is_object())
    std::printf("%-8s %-16.10g %-10.5f %-10.2f %-10.1f %-10.5f %-10.5f\n", "peer",
                p["objective"].get<double>(), p["E"].get<double>(), p["A"].get<double>(),
                p["B"].get<double>(), p["alpha"].get<double>(), p["beta"].get<double>());
  std::printf("bootstrap: %d resamples, %d failed; alpha 95%% [%.4f, %.4f]\n", boot.resamples,
              boot.failed, boot.intervals[3].lo, boot.intervals[3].hi);
  std::printf("load average after: %s\n", load_average().c_str());
  return 0;
}
