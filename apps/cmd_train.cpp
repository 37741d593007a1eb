// scalelab train: train one model on the CPU (CUDA: next backend) and write RUN_DIR.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "apps/cli.hpp"
#include "apps/shape_options.hpp"
#include "lib/compute.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "lib/shape_search.hpp"
#include "trainer/corpus.hpp"
#include "trainer/train.hpp"

namespace scalelab::apps {

namespace {

namespace tr = scalelab::trainer;

// The vocabulary the data dictates: the synthetic source's (--vocab, default 32), the
// built-in corpus's (byte tokenizer: 256) or a prepared directory's meta.json.
int data_vocab(const OptionParser& p, const std::string& source) {
  if (source == "synthetic")
    return p.has("vocab") ? p.get<int>("vocab") : tr::MarkovOptions{}.vocab_size;
  if (tr::is_builtin_corpus(source)) return 256;
  const std::filesystem::path meta = std::filesystem::path(source) / "meta.json";
  if (std::filesystem::exists(meta)) {
    std::ifstream in(meta);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_discarded() && j.contains("vocab_size") && j["vocab_size"].is_number_integer())
      return j["vocab_size"].get<int>();
  }
  return p.get<int>("vocab");
}

double positive_count(const OptionParser& p, const char* name) {
  const double v = p.get<double>(name);
  if (!std::isfinite(v) || v < 1 || v > 9e18)
    throw InputError(fmt::format("--{}: {} (accepted: a positive count, e.g. 2e6)", name, v));
  return v;
}

tr::TrainConfig config_from_options(const OptionParser& p) {
  tr::TrainConfig c;
  c.data.source = p.get<std::string>("data");
  c.data.markov.order = p.get<int>("markov-order");
  c.data.markov.branching = p.get<int>("markov-branching");
  c.data.markov.seed = p.get<std::uint64_t>("markov-seed");
  const int vocab = data_vocab(p, c.data.source);
  c.data.markov.vocab_size = vocab;

  if (p.has("params") == has_explicit_shape(p))
    throw InputError("give either --params N or a full shape (--n-layer, --d-model, --n-head)");
  if (p.has("params")) {
    ShapeSearchOptions o = shape_search_options(p);
    o.vocab_size = vocab;
    c.shape = choose_shape(positive_count(p, "params"), o).shape;
  } else {
    c.shape = explicit_shape(p);
    c.shape.vocab_size = vocab;
  }
  if (p.has("vocab") && p.get<int>("vocab") != vocab)
    throw InputError(fmt::format("--vocab {}: the data '{}' has a vocabulary of {}",
                                 p.get<int>("vocab"), c.data.source, vocab));

  if (p.has("tokens") == p.has("tokens-per-param"))
    throw InputError("give exactly one of --tokens D and --tokens-per-param R");
  if (p.has("tokens")) {
    c.tokens = static_cast<std::int64_t>(std::llround(positive_count(p, "tokens")));
  } else {
    const double r = p.get<double>("tokens-per-param");
    if (!(r > 0) || !std::isfinite(r))
      throw InputError(fmt::format("--tokens-per-param: {} (accepted: > 0)", r));
    c.tokens = static_cast<std::int64_t>(std::llround(r * count_params(c.shape).total));
  }
  c.batch_tokens = static_cast<std::int64_t>(std::llround(positive_count(p, "batch-tokens")));
  c.micro_batch = p.get<int>("micro-batch");
  c.schedule.kind = tr::parse_schedule(p.get<std::string>("schedule"));
  c.schedule.peak_lr = p.get<double>("lr");
  c.schedule.warmup_steps = p.get<std::int64_t>("warmup-steps");
  c.warmup_fraction = p.get<double>("warmup-fraction");
  c.schedule.final_lr_fraction = p.get<double>("final-lr-fraction");
  c.schedule.cooldown_fraction = p.get<double>("cooldown-fraction");
  c.adamw.beta1 = p.get<double>("beta1");
  c.adamw.beta2 = p.get<double>("beta2");
  c.adamw.weight_decay = p.get<double>("weight-decay");
  c.grad_clip = p.get<double>("grad-clip");
  c.seed = p.get<std::uint64_t>("seed");
  c.eval_every = p.get<std::int64_t>("eval-every");
  c.eval_tokens = p.get<std::int64_t>("eval-tokens");
  c.checkpoint_every = p.get<std::int64_t>("checkpoint-every");
  c.stop_fraction = p.get<double>("stop-fraction");
  if (p.has("keep-checkpoint-at"))
    for (const std::string& item : split_list({p.get<std::string>("keep-checkpoint-at")})) {
      const auto k = parse_double(item);
      if (!k || !(*k >= 1 && *k <= 9e18 && *k == std::floor(*k)))
        throw InputError(
            fmt::format("--keep-checkpoint-at: '{}' (accepted: whole steps >= 1)", item));
      c.keep_checkpoints.push_back(static_cast<std::int64_t>(*k));
    }
  if (p.has("branch-from")) c.branch_from = p.get<std::string>("branch-from");
  return c;
}

}  // namespace

int run_train(const Args& args) {
  OptionParser p(
      "scalelab train (--params N | --n-layer L --d-model D --n-head H) (--tokens D | "
      "--tokens-per-param R) --out RUN_DIR [options]\n"
      "       scalelab train --config RUN_CONFIG.json [--out RUN_DIR] [--resume]",
      "Trains one decoder-only transformer and writes RUN_DIR: config.json, metrics.jsonl (one\n"
      "JSON row per step and per evaluation), train.log, checkpoint.bin (atomic) and\n"
      "summary.json (status, final train and eval loss, tokens, wall time, tokens/s and, for\n"
      "the synthetic source, its entropy_rate in nats/token). --resume continues from the\n"
      "checkpoint; on the CPU with the same thread count the losses are bitwise those of an\n"
      "uninterrupted run. A NaN/inf loss stops the run with status diverged (exit 1).\n"
      "Data (--data): 'synthetic' (a random order-k Markov chain with an exactly known\n"
      "entropy rate; `scalelab data info synthetic` prints it), 'kjv' (the built-in King James\n"
      "Bible corpus, byte tokenizer, prepared once into ~/.cache/scalelab), or a directory from\n"
      "`scalelab data prepare`.");
  p.add()("params", po::value<double>(),
          "target parameter count; the shape search picks the shape")(
      "tokens", po::value<double>(), "training tokens D (e.g. 2e6)")(
      "tokens-per-param", po::value<double>(),
      "D as a multiple of the parameter count (Chinchilla: 20)")(
      "data", po::value<std::string>()->default_value("synthetic"), "synthetic | kjv | DIR")(
      "markov-order", po::value<int>()->default_value(tr::MarkovOptions{}.order),
      "synthetic: context length k of the Markov chain")(
      "markov-branching", po::value<int>()->default_value(tr::MarkovOptions{}.branching),
      "synthetic: successors per context")(
      "markov-seed", po::value<std::uint64_t>()->default_value(tr::MarkovOptions{}.seed),
      "synthetic: seed of the language itself")(
      "batch-tokens", po::value<double>()->default_value(4096), "tokens per optimizer step")(
      "micro-batch", po::value<int>()->default_value(16),
      "sequences per forward pass (gradient accumulation fills the step)")(
      "lr", po::value<double>()->default_value(1e-3), "peak learning rate")(
      "schedule", po::value<std::string>()->default_value("cosine"),
      "cosine | wsd | constant | linear")(
      "warmup-steps", po::value<std::int64_t>()->default_value(-1),
      "linear warmup steps (-1: --warmup-fraction of the steps)")(
      "warmup-fraction", po::value<double>()->default_value(0.05),
      "warmup share when --warmup-steps is -1")(
      "final-lr-fraction", po::value<double>()->default_value(0.1),
      "floor of cosine, WSD and linear, as a fraction of --lr")(
      "cooldown-fraction", po::value<double>()->default_value(0.2),
      "WSD: share of steps in the 1-sqrt cooldown")(
      "beta1", po::value<double>()->default_value(0.9), "AdamW β1")(
      "beta2", po::value<double>()->default_value(0.95), "AdamW β2")(
      "weight-decay", po::value<double>()->default_value(0.1),
      "AdamW decoupled weight decay (matrices and embeddings only)")(
      "grad-clip", po::value<double>()->default_value(1.0),
      "clip the global gradient norm (0: off)")(
      "seed", po::value<std::uint64_t>()->default_value(1), "initial weights and batch order")(
      "eval-every", po::value<std::int64_t>()->default_value(0),
      "steps between evaluations (0: 10 per run)")("eval-tokens",
                                                   po::value<std::int64_t>()->default_value(65536),
                                                   "held-out tokens per evaluation")(
      "checkpoint-every", po::value<std::int64_t>()->default_value(0),
      "steps between checkpoints (0: 10 per run)")(
      "stop-fraction", po::value<double>()->default_value(1.0),
      "train only this share of the planned steps (the schedule stays planned for all)")(
      "keep-checkpoint-at", po::value<std::string>(),
      "steps (comma-separated) whose checkpoint is also kept as "
      "RUN_DIR/checkpoint-step<K>.bin: a stable run's branch points")(
      "branch-from", po::value<std::string>(),
      "start from a kept checkpoint of another run (a cooldown branch of a stable run): same "
      "model, data and optimisation settings, and the same learning rate at every step up to "
      "the checkpoint's; the losses are then bitwise those of a run trained from scratch")(
      "device", po::value<std::string>()->default_value("auto"), "auto | cpu | cuda[:i]")(
      "threads", po::value<int>()->default_value(0),
      "CPU threads (0: OMP_NUM_THREADS or all cores)")("out", po::value<std::string>(),
                                                       "run directory RUN_DIR")(
      "resume", "continue from RUN_DIR/checkpoint.bin")(
      "config", po::value<std::string>(),
      "a run config (JSON, as RUN_DIR/config.json) instead of the options");
  add_shape_search_options(p, 256, 256);
  add_explicit_shape_options(p);
  if (!p.parse(args)) return 0;

  tr::TrainConfig config;
  if (p.has("config")) {
    const std::string path = p.get<std::string>("config");
    std::ifstream in(path);
    if (!in) throw InputError(fmt::format("--config {}: cannot read", path));
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) throw InputError(fmt::format("--config {}: not valid JSON", path));
    tr::from_json(j, config);
  } else {
    config = config_from_options(p);
  }
  if (p.has("out")) config.out_dir = p.get<std::string>("out");
  if (p.has("resume")) config.resume = true;
  if (p.has("device")) config.device = p.get<std::string>("device");
  if (p.has("threads")) config.threads = p.get<int>("threads");

  const bool live = tr::ConsoleProgressSink::is_terminal(stdout);
  tr::ConsoleProgressSink console(stdout, live);
  tr::JsonlMetricsSink jsonl(config.out_dir / "metrics.jsonl");
  tr::LogFileSink log(config.out_dir / "train.log");
  tr::TeeSink sink({&console, &jsonl, &log});
  const tr::TrainResult r = tr::train(config, sink);
  if (r.entropy_rate)
    fmt::print("entropy rate of the source {:.4f} nats/token; final eval loss {:.4f} ({:+.2f}%)\n",
               *r.entropy_rate, r.final_eval_loss,
               100.0 * (r.final_eval_loss / *r.entropy_rate - 1.0));
  fmt::print("summary: {}\n", (config.out_dir / "summary.json").string());
  if (r.status == "diverged") {
    std::cerr << "scalelab train: error: " << r.message << '\n';
    return 1;
  }
  return 0;
}

}  // namespace scalelab::apps
