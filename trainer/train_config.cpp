#include "trainer/train_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "lib/error.hpp"

namespace scalelab::trainer {

std::int64_t TrainConfig::stop_step() const {
  const std::int64_t total = total_steps();
  return std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(stop_fraction * static_cast<double>(total) - 1e-9)), 1,
      total);
}

int TrainConfig::micro_batches_per_step() const {
  return static_cast<int>(batch_tokens / shape.seq_len / micro_batch);
}

std::int64_t TrainConfig::warmup_steps() const {
  if (schedule.warmup_steps >= 0) return schedule.warmup_steps;
  return std::max<std::int64_t>(1,
                                std::llround(warmup_fraction * static_cast<double>(total_steps())));
}

ScheduleOptions TrainConfig::resolved_schedule() const {
  ScheduleOptions s = schedule;
  s.warmup_steps = warmup_steps();
  return s;
}

void TrainConfig::validate() const {
  shape.validate();
  const std::int64_t T = shape.seq_len;
  if (tokens <= 0) throw InputError(fmt::format("--tokens: {} (accepted: > 0)", tokens));
  if (batch_tokens <= 0 || batch_tokens % T != 0)
    throw InputError(
        fmt::format("--batch-tokens: {} (accepted: a positive multiple of seq_len "
                    "{})",
                    batch_tokens, T));
  const std::int64_t seqs = batch_tokens / T;
  if (micro_batch < 1 || seqs % micro_batch != 0)
    throw InputError(
        fmt::format("--micro-batch: {} does not divide the {} sequences of a step "
                    "(--batch-tokens {} / seq_len {})",
                    micro_batch, seqs, batch_tokens, T));
  trainer::validate(resolved_schedule(), total_steps());
  if (!(warmup_fraction >= 0 && warmup_fraction <= 1))
    throw InputError(fmt::format("--warmup-fraction: {} (accepted: 0 to 1)", warmup_fraction));
  if (!(adamw.beta1 >= 0 && adamw.beta1 < 1))
    throw InputError(fmt::format("--beta1: {} (accepted: [0, 1))", adamw.beta1));
  if (!(adamw.beta2 >= 0 && adamw.beta2 < 1))
    throw InputError(fmt::format("--beta2: {} (accepted: [0, 1))", adamw.beta2));
  if (!(adamw.eps > 0)) throw InputError(fmt::format("--adam-eps: {} (accepted: > 0)", adamw.eps));
  if (!(adamw.weight_decay >= 0))
    throw InputError(fmt::format("--weight-decay: {} (accepted: >= 0)", adamw.weight_decay));
  if (!(grad_clip >= 0))
    throw InputError(fmt::format("--grad-clip: {} (accepted: >= 0)", grad_clip));
  if (eval_every < 0)
    throw InputError(fmt::format("--eval-every: {} (accepted: >= 0)", eval_every));
  if (eval_tokens < 1)
    throw InputError(fmt::format("--eval-tokens: {} (accepted: >= 1)", eval_tokens));
  if (checkpoint_every < 0)
    throw InputError(fmt::format("--checkpoint-every: {} (accepted: >= 0)", checkpoint_every));
  if (!(stop_fraction > 0 && stop_fraction <= 1))
    throw InputError(fmt::format("--stop-fraction: {} (accepted: (0, 1])", stop_fraction));
  if (threads < 0) throw InputError(fmt::format("--threads: {} (accepted: >= 0)", threads));
  if (out_dir.empty()) throw InputError("--out: missing (the run directory)");
  for (const std::int64_t k : keep_checkpoints)
    if (k < 1 || k > total_steps())
      throw InputError(fmt::format("--keep-checkpoint-at: step {} (accepted: 1 to the run's {} "
                                   "steps)",
                                   k, total_steps()));
  if (data.source.empty()) throw InputError("--data: missing");
}

void to_json(nlohmann::json& j, const TrainConfig& c) {
  j = nlohmann::json::object();
  j["shape"] = c.shape;
  j["data"] = {{"source", c.data.source},
               {"markov",
                {{"vocab_size", c.data.markov.vocab_size},
                 {"order", c.data.markov.order},
                 {"branching", c.data.markov.branching},
                 {"seed", c.data.markov.seed}}}};
  j["tokens"] = c.tokens;
  j["batch_tokens"] = c.batch_tokens;
  j["micro_batch"] = c.micro_batch;
  j["schedule"] = {{"kind", schedule_name(c.schedule.kind)},
                   {"peak_lr", c.schedule.peak_lr},
                   {"warmup_steps", c.schedule.warmup_steps},
                   {"final_lr_fraction", c.schedule.final_lr_fraction},
                   {"cooldown_fraction", c.schedule.cooldown_fraction}};
  j["warmup_fraction"] = c.warmup_fraction;
  j["adamw"] = {{"beta1", c.adamw.beta1},
                {"beta2", c.adamw.beta2},
                {"eps", c.adamw.eps},
                {"weight_decay", c.adamw.weight_decay}};
  j["grad_clip"] = c.grad_clip;
  j["seed"] = c.seed;
  j["eval_every"] = c.eval_every;
  j["eval_tokens"] = c.eval_tokens;
  j["checkpoint_every"] = c.checkpoint_every;
  j["stop_fraction"] = c.stop_fraction;
  j["device"] = c.device;
  j["threads"] = c.threads;
  j["out_dir"] = c.out_dir.string();
  j["resume"] = c.resume;
  if (!c.keep_checkpoints.empty()) j["keep_checkpoints"] = c.keep_checkpoints;
  if (!c.branch_from.empty()) j["branch_from"] = c.branch_from.string();
}

namespace {

// Reads optional keys of one JSON object, rejecting unknown keys and wrong types with the
// key's dotted path in the message.
class Reader {
 public:
  Reader(const nlohmann::json& j, std::string path, std::initializer_list<const char*> keys)
      : j_(j), path_(std::move(path)) {
    if (!j.is_object())
      throw InputError(fmt::format("train config: {} is not an object", where("")));
    for (const auto& [key, value] : j.items())
      if (std::find_if(keys.begin(), keys.end(), [&](const char* k) { return key == k; }) ==
          keys.end())
        throw InputError(fmt::format("train config: unknown key {}", where(key)));
  }
  template <typename T>
  void get(const char* key, T& out) const {
    if (!j_.contains(key)) return;
    try {
      out = j_[key].get<T>();
    } catch (const nlohmann::json::exception&) {
      throw InputError(
          fmt::format("train config: {} has the wrong type ({})", where(key), j_[key].type_name()));
    }
  }
  const nlohmann::json* child(const char* key) const {
    return j_.contains(key) ? &j_[key] : nullptr;
  }
  std::string where(const std::string& key) const {
    return path_.empty() ? key : key.empty() ? path_ : path_ + "." + key;
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
};

}  // namespace

void from_json(const nlohmann::json& j, TrainConfig& c) {
  Reader r(j, "",
           {"shape", "data", "tokens", "batch_tokens", "micro_batch", "schedule", "warmup_fraction",
            "adamw", "grad_clip", "seed", "eval_every", "eval_tokens", "checkpoint_every",
            "stop_fraction", "device", "threads", "out_dir", "resume", "keep_checkpoints",
            "branch_from"});
  if (const auto* s = r.child("shape")) {
    try {
      c.shape = s->get<ModelShape>();
    } catch (const nlohmann::json::exception& e) {
      throw InputError(fmt::format("train config: shape: {}", e.what()));
    }
  }
  if (const auto* d = r.child("data")) {
    Reader rd(*d, "data", {"source", "markov"});
    rd.get("source", c.data.source);
    if (const auto* m = rd.child("markov")) {
      Reader rm(*m, "data.markov", {"vocab_size", "order", "branching", "seed"});
      rm.get("vocab_size", c.data.markov.vocab_size);
      rm.get("order", c.data.markov.order);
      rm.get("branching", c.data.markov.branching);
      rm.get("seed", c.data.markov.seed);
    }
  }
  r.get("tokens", c.tokens);
  r.get("batch_tokens", c.batch_tokens);
  r.get("micro_batch", c.micro_batch);
  if (const auto* s = r.child("schedule")) {
    Reader rs(*s, "schedule",
              {"kind", "peak_lr", "warmup_steps", "final_lr_fraction", "cooldown_fraction"});
    std::string kind(schedule_name(c.schedule.kind));
    rs.get("kind", kind);
    c.schedule.kind = parse_schedule(kind, "train config: schedule.kind");
    rs.get("peak_lr", c.schedule.peak_lr);
    rs.get("warmup_steps", c.schedule.warmup_steps);
    rs.get("final_lr_fraction", c.schedule.final_lr_fraction);
    rs.get("cooldown_fraction", c.schedule.cooldown_fraction);
  }
  r.get("warmup_fraction", c.warmup_fraction);
  if (const auto* a = r.child("adamw")) {
    Reader ra(*a, "adamw", {"beta1", "beta2", "eps", "weight_decay"});
    ra.get("beta1", c.adamw.beta1);
    ra.get("beta2", c.adamw.beta2);
    ra.get("eps", c.adamw.eps);
    ra.get("weight_decay", c.adamw.weight_decay);
  }
  r.get("grad_clip", c.grad_clip);
  r.get("seed", c.seed);
  r.get("eval_every", c.eval_every);
  r.get("eval_tokens", c.eval_tokens);
  r.get("checkpoint_every", c.checkpoint_every);
  r.get("stop_fraction", c.stop_fraction);
  r.get("device", c.device);
  r.get("threads", c.threads);
  std::string out = c.out_dir.string();
  r.get("out_dir", out);
  c.out_dir = out;
  r.get("resume", c.resume);
  r.get("keep_checkpoints", c.keep_checkpoints);
  std::string branch = c.branch_from.string();
  r.get("branch_from", branch);
  c.branch_from = branch;
}

}  // namespace scalelab::trainer
