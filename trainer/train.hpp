// The worker entry point: train one run described by a TrainConfig, writing RUN_DIR and
// reporting metrics through a sink. The sweeps layer calls this (in a worker process);
// `scalelab train` is a thin wrapper around it.
//
// RUN_DIR (TrainConfig::out_dir) holds:
//   config.json      the TrainConfig (train_config.hpp's JSON), written before step 1
//   metrics.jsonl    JsonlMetricsSink rows, when the caller passes one (the CLI does)
//   checkpoint.bin   the latest checkpoint (checkpoint.hpp), replaced atomically
//   summary.json     written at the end (see TrainResult; keys as its fields)
// With resume set and a checkpoint present, training continues from it: on the CPU the
// remaining losses are bitwise those of an uninterrupted run with the same thread count.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "trainer/metrics_sink.hpp"
#include "trainer/train_config.hpp"

namespace scalelab::trainer {

struct TrainResult {
  std::string status = "done";         // "done", "diverged" (NaN/inf loss or gradient), "stopped"
  std::string message;                 // "diverged at step 12: train loss nan", ...
  std::int64_t steps = 0;              // optimizer steps completed
  std::int64_t total_steps = 0;        // planned (the schedule's length)
  std::int64_t tokens = 0;             // training tokens seen
  std::int64_t params = 0;             // count_params(shape).total
  double flops = 0;                    // 6·params·tokens
  double final_train_loss = 0;         // loss of the last step
  double final_eval_loss = 0;          // at the last step
  double wall_time_s = 0;              // of this invocation (a resumed run counts from the resume)
  double tokens_per_s = 0;             // tokens trained by this invocation / its wall time
  std::optional<double> entropy_rate;  // the synthetic source's, nats per token
  std::string device;                  // backend description
};

// summary.json's content: the fields above in snake_case plus "shape".
nlohmann::json summary_json(const TrainResult& result, const ModelShape& shape);

struct TrainHooks {
  // Polled after every step; returning true checkpoints and stops with status "stopped".
  std::function<bool()> should_stop;
  // Called after each checkpoint is safely written, with its step (the sweep worker logs it:
  // where a later attempt resumes from).
  std::function<void(std::int64_t)> on_checkpoint;
};

// Trains. Throws InputError for an invalid config or data (nothing written), Error for I/O
// failures. Divergence is not an exception: it returns status "diverged".
TrainResult train(const TrainConfig& config, MetricsSink& sink, const TrainHooks& hooks = {});

// The checkpoint file of a run directory.
std::filesystem::path checkpoint_path(const std::filesystem::path& run_dir);

}  // namespace scalelab::trainer
