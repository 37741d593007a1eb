// Where training and evaluation batches come from: token files (a prepared directory) or
// the synthetic Markov source. Batches are (rows, T+1) windows at random offsets, and every
// window is a pure function of (seed, step, micro-batch, row): a resumed run draws exactly
// the batches the uninterrupted run would have drawn, so the data position of a checkpoint
// is its step. Evaluation windows depend only on their index (not on the run's seed), so
// every run of a sweep is evaluated on the same held-out tokens.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "trainer/markov_source.hpp"

namespace scalelab::trainer {

class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual std::string description() const = 0;
  virtual int vocab_size() const = 0;
  // Exact entropy rate in nats per token when the source knows it (synthetic).
  virtual std::optional<double> entropy_rate() const { return std::nullopt; }
  // rows × (seq_len + 1) training tokens for micro-batch `micro` of optimizer step `step`.
  virtual void train_batch(std::uint64_t seed, std::int64_t step, int micro, int rows, int seq_len,
                           std::int32_t* out) const = 0;
  // rows × (seq_len + 1) held-out tokens for evaluation batch `index`.
  virtual void eval_batch(int index, int rows, int seq_len, std::int32_t* out) const = 0;
};

std::unique_ptr<DataSource> make_markov_data(const MarkovOptions& options);

// A prepared directory: DIR/train.bin and DIR/val.bin (llm.c token files) and, when
// `scalelab data prepare` wrote it, DIR/meta.json whose vocab_size wins over
// `vocab_size_hint` (used for directories without meta.json). Both files are validated
// (every token < vocab size) and must hold at least seq_len + 1 tokens.
std::unique_ptr<DataSource> open_token_directory(const std::filesystem::path& dir,
                                                 int vocab_size_hint, int seq_len);

}  // namespace scalelab::trainer
