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

#include "fitting/learning_curve.hpp"
#include "lib/atomic_file.hpp"
#include "lib/crash_point.hpp"
#include "lib/error.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/run_curve.hpp"
#include "trainer/train.hpp"

namespace scalelab::sweeps {

namespace fs = std::filesystem;

trainer::TrainConfig train_config_for(const RunSpec& s, const std::string& run_dir) {
  trainer::TrainConfig c;
  c.shape = s.shape;
  c.data.source = s.data;
  if (s.data == "synthetic") c.data.markov.vocab_size = s.shape.vocab_size;
  c.tokens = std::max<std::int64_t>(1, std::llround(s.tokens));
  c.batch_tokens = s.hp.batch_tokens;
  // The largest micro-batch of at most 16 sequences that divides the step's sequences.
  int micro = std::min(16, s.hp.batch_sequences);
  while (micro > 1 && s.hp.batch_sequences % micro != 0) --micro;
  c.micro_batch = std::max(1, micro);
  c.schedule.kind = trainer::ScheduleKind::kCosine;
  c.schedule.peak_lr = s.hp.lr;
  c.schedule.warmup_steps = s.hp.warmup_steps;
  c.schedule.final_lr_fraction = s.hp.lr > 0 ? s.hp.min_lr / s.hp.lr : 0.1;
  c.adamw.weight_decay = s.hp.weight_decay;
  c.adamw.beta2 = s.hp.beta2;
  c.eval_tokens = s.hp.eval_tokens;
  c.grad_clip = s.hp.grad_clip;
  c.seed = s.hp.seed;
  c.eval_every = s.hp.eval_every;
  c.checkpoint_every = s.hp.checkpoint_every;
  c.stop_fraction = s.hp.total_steps > 0
                        ? static_cast<double>(s.stop_steps) / static_cast<double>(s.hp.total_steps)
                        : 1.0;
  c.device = s.device;
  c.threads = s.threads;
  c.out_dir = run_dir;
  c.resume = true;
  return c;
}

namespace {

// Early-stop mode: the run's final loss extrapolated from its training curve so far, with the
// LR-aware model over the run's whole planned schedule (fitting/learning_curve.hpp), written
// to RUN_DIR/extrapolation.json for the coordinator to store. Post-warmup train losses only:
// warmup's rising learning rate is outside the model.
void write_extrapolation(const trainer::TrainConfig& config, const RunSpec& spec,
                         const std::string& run_dir) {
  const RunCurve curve = read_run_curve(run_dir, config);
  const std::int64_t total = curve.total_steps;
  const std::vector<fitting::CurvePoint> points =
      fit_window(curve.train, curve.warmup_steps, total);
  const fitting::LrSchedule& schedule = curve.schedule;
  fitting::LearningCurveOptions options;
  options.bootstrap = 100;  // a few seconds at most; the interval is a lower bound anyway
  options.threads = std::max(1, spec.threads);
  options.seed = spec.hp.seed;
  fitting::CurveFit fit = fitting::extrapolate_lr_aware(points, schedule, options);
  // Early in a cosine schedule the LR-aware law's annealing term is not identified and can
  // extrapolate to a non-positive loss (measured on the demo's runs: no finite prediction for
  // 7 of 14 runs from 20% of their steps, `scalelab extrapolate`); the power law in steps
  // always gives one, so it stands in, and extrapolation.json names the model used.
  if (!(std::isfinite(fit.final_loss.value) && fit.final_loss.value > 0))
    fit = fitting::extrapolate_power_law(points, total, options);
  nlohmann::json doc = {{"model", fit.model},
                        {"final_step", fit.final_step},
                        {"observed_steps", spec.stop_steps},
                        {"points", points.size()},
                        {"loss", fit.final_loss.value},
                        {"loss_lo", nullptr},
                        {"loss_hi", nullptr},
                        {"names", fit.names},
                        {"values", fit.values},
                        {"converged", fit.converged}};
  if (fit.final_loss.interval) {
    doc["loss_lo"] = fit.final_loss.interval->lo;
    doc["loss_hi"] = fit.final_loss.interval->hi;
  }
  write_file_atomically(fs::path(run_dir) / kExtrapolationFile, doc.dump(2) + "\n");
  std::cout << fmt::format("scalelab worker: extrapolated final loss {:.4f} at step {} ({})",
                           fit.final_loss.value, fit.final_step, fit.model)
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
        write_extrapolation(config, spec, run_dir);
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
