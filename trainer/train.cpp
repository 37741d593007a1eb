#include "trainer/train.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lib/atomic_file.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "trainer/checkpoint.hpp"
#include "trainer/corpus.hpp"
#include "trainer/data_source.hpp"
#include "trainer/model_layout.hpp"

namespace scalelab::trainer {

namespace fs = std::filesystem;

fs::path checkpoint_path(const fs::path& run_dir) { return run_dir / "checkpoint.bin"; }

nlohmann::json summary_json(const TrainResult& r, const ModelShape& shape) {
  auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); };
  nlohmann::ordered_json j;
  j["status"] = r.status;
  j["message"] = r.message;
  j["steps"] = r.steps;
  j["total_steps"] = r.total_steps;
  j["tokens"] = r.tokens;
  j["params"] = r.params;
  j["flops"] = r.flops;
  j["final_train_loss"] = num(r.final_train_loss);
  j["final_eval_loss"] = num(r.final_eval_loss);
  j["wall_time_s"] = r.wall_time_s;
  j["tokens_per_s"] = r.tokens_per_s;
  j["entropy_rate"] = r.entropy_rate ? nlohmann::json(*r.entropy_rate) : nlohmann::json();
  j["device"] = r.device;
  j["shape"] = nlohmann::ordered_json(nlohmann::json(shape));
  return j;
}

namespace {

std::unique_ptr<DataSource> open_data(const TrainConfig& c) {
  if (c.data.source == "synthetic") return make_markov_data(c.data.markov);
  if (is_builtin_corpus(c.data.source))
    return open_token_directory(prepare_builtin_corpus(c.data.source), c.shape.vocab_size,
                                c.shape.seq_len);
  return open_token_directory(c.data.source, c.shape.vocab_size, c.shape.seq_len);
}

// The config keys that must match for a resume to continue the same run.
nlohmann::json identity(const TrainConfig& c) {
  nlohmann::json j = c;
  for (const char* k : {"resume", "device", "threads", "out_dir", "eval_every", "checkpoint_every",
                        "stop_fraction", "keep_checkpoints"})
    j.erase(k);
  return j;
}

// The first key of `a` whose value `b` does not share.
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b) {
  for (const auto& [k, v] : a.items())
    if (!b.contains(k) || b[k] != v) return k;
  for (const auto& [k, v] : b.items())
    if (!a.contains(k)) return k;
  return "?";
}

fs::path kept_checkpoint_path(const fs::path& run_dir, std::int64_t step) {
  return run_dir / fmt::format("checkpoint-step{}.bin", step);
}

// A branch's starting point: the kept checkpoint `config.branch_from` of a stable run, checked
// to be a prefix of this run. The settings that define the run must match, the length (tokens)
// and the schedule excepted; the schedules must then give the same learning rate at every step
// up to the checkpoint's, so that its weights and AdamW moments are exactly what this run would
// have reached there by itself (the data of a step depends only on the seed and the step).
Checkpoint read_branch_point(const TrainConfig& config) {
  const std::string where = config.branch_from.string();
  Checkpoint c = read_checkpoint(config.branch_from);
  if (!c.meta.contains("step") || !c.meta["step"].is_number_integer() ||
      !c.meta.contains("config"))
    throw InputError(fmt::format("--branch-from {}: no step or config in its metadata", where));
  TrainConfig stable;
  from_json(c.meta["config"], stable);
  auto prefix_identity = [](const TrainConfig& t) {
    nlohmann::json j = identity(t);
    for (const char* k : {"tokens", "schedule", "warmup_fraction", "branch_from"}) j.erase(k);
    return j;
  };
  const nlohmann::json a = prefix_identity(stable), b = prefix_identity(config);
  if (a != b)
    throw InputError(fmt::format(
        "--branch-from {}: the stable run has a different {} (a branch keeps the model, data "
        "and optimisation settings of its stable run)",
        where, first_difference(a, b)));
  const auto step = c.meta["step"].get<std::int64_t>();
  if (step >= config.total_steps())
    throw InputError(fmt::format("--branch-from {}: its step {} is not before this run's last "
                                 "step {}",
                                 where, step, config.total_steps()));
  const ScheduleOptions mine = config.resolved_schedule(), theirs = stable.resolved_schedule();
  for (std::int64_t s = 1; s <= step; ++s) {
    const double x = learning_rate(theirs, s, stable.total_steps());
    const double y = learning_rate(mine, s, config.total_steps());
    if (x != y)
      throw InputError(fmt::format(
          "--branch-from {}: at step {} the stable run's learning rate is {} and this run's {} "
          "(a branch must follow its stable run's schedule up to step {})",
          where, s, x, y, step));
  }
  return c;
}

}  // namespace

TrainResult train(const TrainConfig& config, MetricsSink& sink, const TrainHooks& hooks) {
  const auto t_start = std::chrono::steady_clock::now();
  config.validate();
  const ModelShape& shape = config.shape;
  const auto data = open_data(config);
  if (data->vocab_size() != shape.vocab_size)
    throw InputError(
        fmt::format("--vocab: the model's vocabulary ({}) differs from the data's "
                    "({}: {})",
                    shape.vocab_size, data->vocab_size(), data->description()));

  const fs::path& dir = config.out_dir;
  const fs::path ckpt_file = checkpoint_path(dir);
  std::optional<Checkpoint> resumed;
  // A damaged checkpoint falls back to the one before it, with a line on stderr naming it.
  if (config.resume) resumed = read_latest_checkpoint(ckpt_file, stderr);
  if (resumed) {
    TrainConfig stored;
    from_json(resumed->meta["config"], stored);
    const nlohmann::json a = identity(stored), b = identity(config);
    if (a != b) {
      const std::string key = first_difference(a, b);
      throw InputError(
          fmt::format("--resume: {} was written with a different {} (a resumed run "
                      "must keep the model, data and optimisation settings)",
                      ckpt_file.string(), key));
    }
  } else if (!config.resume && (fs::exists(ckpt_file) || fs::exists(dir / "summary.json"))) {
    throw InputError(
        fmt::format("--out {}: already holds a run (use --resume to continue it, or "
                    "another directory)",
                    dir.string()));
  }
  if (!resumed && !config.branch_from.empty()) resumed = read_branch_point(config);

  BackendOptions bo;
  bo.device = config.device;
  bo.threads = config.threads;
  bo.max_batch = config.micro_batch;
  const auto backend = make_backend(shape, bo);

  fs::create_directories(dir);
  write_file_atomically(dir / "config.json", nlohmann::json(config).dump(2) + "\n");

  TrainResult result;
  result.total_steps = config.total_steps();
  result.params = count_params(shape).total;
  result.entropy_rate = data->entropy_rate();
  result.device = backend->description();

  std::int64_t step = 0;
  if (resumed) {
    backend->import_parameters(resumed->params);
    backend->import_optimizer_state(resumed->adam_m, resumed->adam_v);
    step = resumed->meta["step"].get<std::int64_t>();
    result.final_train_loss = resumed->meta.value("train_loss", 0.0);
    result.final_eval_loss = resumed->meta.value("eval_loss", 0.0);
    resumed.reset();
  } else {
    backend->import_parameters(initial_parameters(shape, config.seed));
  }
  result.steps = step;
  result.tokens = step * config.batch_tokens;

  const std::int64_t total = config.total_steps(), stop = config.stop_step();
  const std::int64_t eval_every =
      config.eval_every > 0 ? config.eval_every : std::max<std::int64_t>(1, total / 10);
  const std::int64_t ckpt_every =
      config.checkpoint_every > 0 ? config.checkpoint_every : std::max<std::int64_t>(1, total / 10);
  const ScheduleOptions schedule = config.resolved_schedule();
  const int T = shape.seq_len, micro = config.micro_batch;
  const int n_micro = config.micro_batches_per_step();
  const std::int64_t eval_batches =
      (config.eval_tokens + static_cast<std::int64_t>(micro) * T - 1) /
      (static_cast<std::int64_t>(micro) * T);
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(micro) * (T + 1));

  auto evaluate = [&]() {
    double sum = 0;
    for (std::int64_t i = 0; i < eval_batches; ++i) {
      data->eval_batch(static_cast<int>(i), micro, T, tokens.data());
      sum += backend->eval_loss({tokens.data(), micro});
    }
    return sum / static_cast<double>(eval_batches);
  };
  auto keep = [&](std::int64_t at_step) {
    return std::find(config.keep_checkpoints.begin(), config.keep_checkpoints.end(), at_step) !=
           config.keep_checkpoints.end();
  };
  auto save = [&](std::int64_t at_step) {
    Checkpoint c;
    c.meta = {{"step", at_step},
              {"tokens", at_step * config.batch_tokens},
              {"train_loss", result.final_train_loss},
              {"eval_loss", result.final_eval_loss},
              {"config", nlohmann::json(config)}};
    c.params = backend->export_parameters();
    backend->export_optimizer_state(c.adam_m, c.adam_v);
    write_checkpoint(ckpt_file, c);
    if (keep(at_step)) write_checkpoint(kept_checkpoint_path(dir, at_step), c);
    if (hooks.on_checkpoint) hooks.on_checkpoint(at_step);
  };

  RunStart start;
  start.description = fmt::format("{} ({} params) on {} | data: {} | {} steps of {} tokens",
                                  shape.summary(), result.params, backend->description(),
                                  data->description(), total, config.batch_tokens);
  start.first_step = step + 1;
  start.total_steps = stop;
  sink.on_start(start);

  std::int64_t tokens_this_run = 0;
  while (step < stop) {
    const auto t0 = std::chrono::steady_clock::now();
    ++step;
    backend->zero_grad();
    double loss = 0;
    for (int m = 0; m < n_micro; ++m) {
      data->train_batch(config.seed, step, m, micro, T, tokens.data());
      loss += backend->forward_backward({tokens.data(), micro}, 1.0 / n_micro) / n_micro;
    }
    const double norm = backend->grad_norm();
    // The divergence rule, part 1 (sweeps/divergence.hpp states it whole): the trainer stops
    // a run whose loss or gradient norm is not finite, here where the number is made.
    if (!std::isfinite(loss) || !std::isfinite(norm)) {
      result.status = "diverged";
      result.message = fmt::format("diverged at step {}: {} {}", step,
                                   std::isfinite(loss) ? "gradient norm" : "train loss",
                                   std::isfinite(loss) ? norm : loss);
      result.final_train_loss = loss;
      break;
    }
    const double lr = learning_rate(schedule, step, total);
    AdamWStep update;
    update.step = step;
    update.lr = lr;
    update.grad_scale =
        config.grad_clip > 0 && norm > config.grad_clip ? config.grad_clip / norm : 1.0;
    update.options = config.adamw;
    backend->adamw_step(update);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    tokens_this_run += config.batch_tokens;
    result.steps = step;
    result.tokens = step * config.batch_tokens;
    result.final_train_loss = loss;
    sink.on_step({step, result.tokens, loss, lr, norm, config.batch_tokens / dt});
    if (step % eval_every == 0 || step == stop) {
      result.final_eval_loss = evaluate();
      sink.on_eval({step, result.tokens, result.final_eval_loss});
    }
    const bool stop_now = hooks.should_stop && hooks.should_stop();
    if (step % ckpt_every == 0 || step == stop || stop_now || keep(step)) save(step);
    if (stop_now && step < stop) {
      result.status = "stopped";
      result.message = fmt::format("stopped at step {} on request", step);
      break;
    }
  }
  if (step == stop && result.status == "done" && tokens_this_run == 0 &&
      result.final_eval_loss == 0)
    result.final_eval_loss = evaluate();

  result.flops =
      training_flops_6nd(static_cast<double>(result.params), static_cast<double>(result.tokens));
  result.wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  result.tokens_per_s = result.wall_time_s > 0 ? tokens_this_run / result.wall_time_s : 0;
  write_file_atomically(dir / "summary.json", summary_json(result, shape).dump(2) + "\n");
  RunEnd end;
  end.status = result.status;
  end.message = result.message;
  end.steps = result.steps;
  end.tokens = result.tokens;
  end.final_train_loss = result.final_train_loss;
  end.final_eval_loss = result.final_eval_loss;
  end.wall_time_s = result.wall_time_s;
  end.tokens_per_s = result.tokens_per_s;
  sink.on_end(end);
  return result;
}

}  // namespace scalelab::trainer
