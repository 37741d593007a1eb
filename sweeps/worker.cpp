#include "sweeps/worker.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "lib/atomic_file.hpp"
#include "lib/crash_point.hpp"
#include "lib/error.hpp"
#include "sweeps/curve_source.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/extrapolation.hpp"
#include "trainer/train.hpp"

namespace scalelab::sweeps {

namespace fs = std::filesystem;

namespace {

// Early-stop mode: the run's final loss extrapolated from its training curve so far by the
// one extrapolation policy (sweeps/extrapolation.hpp: post-warmup train losses, every model
// over the run's planned schedule, the recommended row), written to
// RUN_DIR/extrapolation.json for the coordinator to store. The references of the spec that
// have finished (every planned step logged) are fitted jointly; one still training is left
// out, and the file names the references used.
void write_extrapolation(const RunSpec& spec, const std::string& run_dir) {
  const CurveSource source = load_run_dir(run_dir);
  std::vector<CurveSource> references;
  for (const std::string& dir : spec.reference_dirs) {
    try {
      CurveSource r = load_run_dir(dir);
      if (r.finished("train")) {
        references.push_back(std::move(r));
        continue;
      }
      std::cout << fmt::format("scalelab worker: reference {} has not finished; left out", dir)
                << std::endl;
    } catch (const Error& e) {
      std::cout << fmt::format("scalelab worker: reference {} left out: {}", dir, e.what())
                << std::endl;
    }
  }
  ExtrapolationOptions options;
  options.fit.bootstrap = 100;  // a few seconds at most
  options.fit.threads = std::max(1, spec.threads);
  options.fit.seed = spec.hp.seed;
  // The recommended row without fitting every model: the models in the rule's order, until
  // one gives a finite prediction.
  std::vector<Extrapolation> rows;
  const Extrapolation* best = nullptr;
  for (fitting::CurveModel m : recommendation_order(!references.empty())) {
    options.models = {m};
    rows = extrapolate_curve(source, std::nullopt, references, options);
    if ((best = recommended(rows))) break;
  }
  if (!best) throw Error("no model gives a finite positive final loss");
  const fitting::CurveFit& fit = best->fit;
  nlohmann::json doc = {{"model", fit.model},
                        {"recommended", true},
                        {"references", best->references},
                        {"shared", fit.shared},
                        {"final_step", fit.final_step},
                        {"observed_steps", spec.stop_steps},
                        {"points", best->points},
                        {"loss", *best->predicted},
                        {"loss_lo", nullptr},
                        {"loss_hi", nullptr},
                        {"names", fit.names},
                        {"values", fit.values},
                        {"converged", fit.converged}};
  if (best->predicted_lo) {
    doc["loss_lo"] = *best->predicted_lo;
    doc["loss_hi"] = *best->predicted_hi;
  }
  write_file_atomically(fs::path(run_dir) / kExtrapolationFile, doc.dump(2) + "\n");
  std::cout << fmt::format(
                   "scalelab worker: extrapolated final loss {:.4f} at step {} ({}, {} "
                   "references)",
                   *best->predicted, fit.final_step, fit.model, references.size())
            << std::endl;
}

// One worker per run directory at a time: an flock on RUN_DIR/worker.lock, released by the
// kernel when the worker dies. A new attempt waits for a leftover one to die (a coordinator's
// kill -9 reaches its workers through PR_SET_PDEATHSIG, a moment later; a Slurm task
// submitted just before its coordinator died is not known to the resumed one), so two
// attempts never write one run directory.
class RunDirLock {
 public:
  explicit RunDirLock(const fs::path& dir) {
    const fs::path path = dir / kWorkerLockFile;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw Error(fmt::format("{}: cannot open ({})", path.string(), std::strerror(errno)));
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    bool said = false;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::close(fd_);
        throw Error(fmt::format("{}: another worker (pid {}) still trains this run after {} s",
                                path.string(), owner(path), kWait.count()));
      }
      if (!said)
        std::cout << fmt::format(
                         "scalelab worker: waiting for the worker (pid {}) of an earlier "
                         "attempt to end",
                         owner(path))
                  << std::endl;
      said = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
      [[maybe_unused]] auto n = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
  }
  ~RunDirLock() { ::close(fd_); }
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  static constexpr std::chrono::seconds kWait{60};
  static std::string owner(const fs::path& path) {
    std::ifstream in(path);
    std::string pid;
    std::getline(in, pid);
    return pid.empty() ? "?" : pid;
  }
  int fd_ = -1;
};

}  // namespace

int run_worker(const std::string& run_dir) {
  try {
    const RunDirLock lock(run_dir);
    const fs::path spec_path = fs::path(run_dir) / kRunSpecFile;
    std::ifstream in(spec_path);
    if (!in) throw InputError(fmt::format("{}: cannot read the run's spec", spec_path.string()));
    const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded()) throw InputError(fmt::format("{}: not valid JSON", spec_path.string()));
    RunSpec spec;
    try {
      spec = doc.get<RunSpec>();
    } catch (const nlohmann::json::exception& e) {
      throw InputError(fmt::format("{}: {}", spec_path.string(), e.what()));
    }
    const trainer::TrainConfig config = train_config_for(spec, run_dir);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::cout << fmt::format("scalelab worker: run {} ({}) of sweep {} on {}, pid {}", spec.name,
                             spec.run_id, spec.sweep, host, ::getpid())
              << std::endl;
    trainer::JsonlMetricsSink metrics(fs::path(run_dir) / kMetricsFile);
    trainer::ConsoleProgressSink console(stdout, false);
    trainer::TeeSink sink({&metrics, &console});
    trainer::TrainHooks hooks;
    hooks.on_checkpoint = [](std::int64_t step) {
      std::cout << "scalelab worker: checkpoint at step " << step << std::endl;
    };
    const trainer::TrainResult result = trainer::train(config, sink, hooks);
    std::fflush(stdout);
    if (result.status == "diverged") {
      const nlohmann::json d = {{"step", result.steps + 1}, {"reason", result.message}};
      write_file_atomically(fs::path(run_dir) / kDivergedFile, d.dump() + "\n");
      std::cerr << "scalelab worker: " << result.message << std::endl;
      return kWorkerExitDiverged;
    }
    if (result.status == "done" && spec.stop_steps < spec.hp.total_steps) {
      try {
        write_extrapolation(spec, run_dir);
      } catch (const Error& e) {
        // The observed curve is stored either way; say why there is no extrapolation.
        std::cerr << "scalelab worker: no extrapolation: " << e.what() << std::endl;
      }
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "scalelab worker: error: " << e.what() << std::endl;
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "scalelab worker: error: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace scalelab::sweeps
