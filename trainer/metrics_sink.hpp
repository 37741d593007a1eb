// Where the training loop's numbers go. The loop calls a MetricsSink; it never knows whether
// the numbers end in a file, on a terminal or (through sweeps/) in a database.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::trainer {

struct RunStart {
  std::string description;      // model, data and device in one line
  std::int64_t first_step = 1;  // > 1 when resuming from a checkpoint
  std::int64_t total_steps = 0;
  std::int64_t total_tokens = 0;  // tokens the run will have seen at total_steps
};

// One optimizer step. tokens: training tokens seen after this step.
struct StepMetrics {
  std::int64_t step = 0;
  std::int64_t tokens = 0;
  double train_loss = 0;  // mean over the step's batch (all micro-batches)
  double lr = 0;
  double grad_norm = 0;     // before clipping
  double tokens_per_s = 0;  // of this step
};

struct EvalMetrics {
  std::int64_t step = 0;
  std::int64_t tokens = 0;
  double eval_loss = 0;  // mean over the held-out evaluation tokens
};

struct RunEnd {
  std::string status;   // "done", "diverged", "stopped"
  std::string message;  // e.g. "diverged at step 12: train loss nan"
  std::int64_t steps = 0, tokens = 0;
  double final_train_loss = 0, final_eval_loss = 0;
  double wall_time_s = 0, tokens_per_s = 0;
};

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  virtual void on_start(const RunStart&) {}
  virtual void on_step(const StepMetrics& m) = 0;
  virtual void on_eval(const EvalMetrics& m) = 0;
  virtual void on_end(const RunEnd&) {}
};

// Forwards every call to each sink in order.
class TeeSink final : public MetricsSink {
 public:
  explicit TeeSink(std::vector<MetricsSink*> sinks) : sinks_(std::move(sinks)) {}
  void on_start(const RunStart& s) override;
  void on_step(const StepMetrics& m) override;
  void on_eval(const EvalMetrics& m) override;
  void on_end(const RunEnd& e) override;

 private:
  std::vector<MetricsSink*> sinks_;
};

// Collects everything in memory (tests, and callers that want the curves).
class MemorySink final : public MetricsSink {
 public:
  void on_step(const StepMetrics& m) override { steps.push_back(m); }
  void on_eval(const EvalMetrics& m) override { evals.push_back(m); }
  void on_end(const RunEnd& e) override { end = e; }
  std::vector<StepMetrics> steps;
  std::vector<EvalMetrics> evals;
  std::optional<RunEnd> end;
};

// RUN_DIR/metrics.jsonl: one JSON object per line, flushed after every row so a crash loses
// nothing. A documented interface (sweeps/ ingests it):
//   {"kind":"train","step":S,"tokens":N,"train_loss":x,"lr":x,"grad_norm":x,"tokens_per_s":x}
//   {"kind":"eval","step":S,"tokens":N,"eval_loss":x}
// Non-finite numbers are written as null. Rows are keyed by (kind, step).
// The file is opened at on_start (after the loop has validated its input, so a rejected run
// writes nothing). Rows from step RunStart::first_step on, left by an interrupted earlier
// attempt, are removed first (lib/atomic_file.hpp), so each step appears exactly once; a
// damaged line (a torn last line after a crash) is dropped with a line on stderr naming it.
class JsonlMetricsSink final : public MetricsSink {
 public:
  explicit JsonlMetricsSink(std::filesystem::path path) : path_(std::move(path)) {}
  ~JsonlMetricsSink() override;
  JsonlMetricsSink(const JsonlMetricsSink&) = delete;
  JsonlMetricsSink& operator=(const JsonlMetricsSink&) = delete;
  void on_start(const RunStart& s) override;
  void on_step(const StepMetrics& m) override;
  void on_eval(const EvalMetrics& m) override;

 private:
  void write_line(const std::string& line);
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

// Human-readable progress: step, loss, lr, tokens/s and ETA. `live` (a terminal) rewrites
// one status line in place; otherwise (a pipe, a log file) prints a plain line every
// `print_every` steps (0: about 50 lines per run) and at every evaluation.
class ConsoleProgressSink final : public MetricsSink {
 public:
  ConsoleProgressSink(std::FILE* out, bool live, std::int64_t print_every = 0);
  // True when `out` is a terminal.
  static bool is_terminal(std::FILE* out);
  void on_start(const RunStart& s) override;
  void on_step(const StepMetrics& m) override;
  void on_eval(const EvalMetrics& m) override;
  void on_end(const RunEnd& e) override;

 private:
  std::string eta(std::int64_t step) const;
  std::FILE* out_;
  bool live_;
  std::int64_t print_every_;
  RunStart start_;
  std::chrono::steady_clock::time_point t0_;
  double last_eval_ = -1;
  bool line_open_ = false;
};

// A plain-line ConsoleProgressSink appending to a log file (RUN_DIR/train.log) that is
// opened at on_start.
class LogFileSink final : public MetricsSink {
 public:
  explicit LogFileSink(std::filesystem::path path) : path_(std::move(path)) {}
  ~LogFileSink() override;
  LogFileSink(const LogFileSink&) = delete;
  LogFileSink& operator=(const LogFileSink&) = delete;
  void on_start(const RunStart& s) override;
  void on_step(const StepMetrics& m) override;
  void on_eval(const EvalMetrics& m) override;
  void on_end(const RunEnd& e) override;

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::optional<ConsoleProgressSink> inner_;
};

}  // namespace scalelab::trainer
