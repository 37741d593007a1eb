#include "trainer/data_source.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "lib/error.hpp"
#include "trainer/rng.hpp"
#include "trainer/token_file.hpp"

namespace scalelab::trainer {

namespace {

// Evaluation windows use this seed whatever the run's seed.
constexpr std::uint64_t kEvalSeed = 0xE7A1'5EED'0000'0001ULL;

class MarkovData final : public DataSource {
 public:
  explicit MarkovData(const MarkovOptions& o) : source_(o) {}
  std::string description() const override {
    const auto& o = source_.options();
    return fmt::format(
        "synthetic Markov source (V {}, order {}, branching {}, seed {}, entropy "
        "rate {:.4f} nats/token)",
        o.vocab_size, o.order, o.branching, o.seed, source_.entropy_rate());
  }
  int vocab_size() const override { return source_.options().vocab_size; }
  std::optional<double> entropy_rate() const override { return source_.entropy_rate(); }
  void train_batch(std::uint64_t seed, std::int64_t step, int micro, int rows, int seq_len,
                   std::int32_t* out) const override {
    for (int r = 0; r < rows; ++r)
      source_.sample(derive_seed(seed, static_cast<std::uint64_t>(step),
                                 static_cast<std::uint64_t>(micro), static_cast<std::uint64_t>(r)),
                     out + static_cast<std::int64_t>(r) * (seq_len + 1), seq_len + 1);
  }
  void eval_batch(int index, int rows, int seq_len, std::int32_t* out) const override {
    for (int r = 0; r < rows; ++r)
      source_.sample(derive_seed(kEvalSeed, static_cast<std::uint64_t>(index), 0,
                                 static_cast<std::uint64_t>(r)),
                     out + static_cast<std::int64_t>(r) * (seq_len + 1), seq_len + 1);
  }

 private:
  MarkovSource source_;
};

void copy_window(const TokenFile& file, std::uint64_t seed, int seq_len, std::int32_t* out) {
  Rng rng(seed);
  const auto tokens = file.tokens();
  const std::size_t offset = rng.below(tokens.size() - static_cast<std::size_t>(seq_len));
  for (int t = 0; t <= seq_len; ++t) out[t] = tokens[offset + t];
}

class TokenDirectoryData final : public DataSource {
 public:
  TokenDirectoryData(const std::filesystem::path& dir, int vocab, std::string tokenizer,
                     int seq_len)
      : dir_(dir),
        vocab_(vocab),
        tokenizer_(std::move(tokenizer)),
        train_(dir / "train.bin", vocab),
        val_(dir / "val.bin", vocab) {
    for (const TokenFile* f : {&train_, &val_})
      if (f->size() < static_cast<std::size_t>(seq_len) + 1)
        throw InputError(fmt::format("{}: {} tokens, fewer than one window of seq_len + 1 = {}",
                                     f->path().string(), f->size(), seq_len + 1));
  }
  std::string description() const override {
    return fmt::format("{} ({} tokenizer, V {}, {} train / {} val tokens)", dir_.string(),
                       tokenizer_, vocab_, train_.size(), val_.size());
  }
  int vocab_size() const override { return vocab_; }
  void train_batch(std::uint64_t seed, std::int64_t step, int micro, int rows, int seq_len,
                   std::int32_t* out) const override {
    for (int r = 0; r < rows; ++r)
      copy_window(train_,
                  derive_seed(seed, static_cast<std::uint64_t>(step),
                              static_cast<std::uint64_t>(micro), static_cast<std::uint64_t>(r)),
                  seq_len, out + static_cast<std::int64_t>(r) * (seq_len + 1));
  }
  void eval_batch(int index, int rows, int seq_len, std::int32_t* out) const override {
    for (int r = 0; r < rows; ++r)
      copy_window(val_,
                  derive_seed(kEvalSeed, static_cast<std::uint64_t>(index), 0,
                              static_cast<std::uint64_t>(r)),
                  seq_len, out + static_cast<std::int64_t>(r) * (seq_len + 1));
  }

 private:
  std::filesystem::path dir_;
  int vocab_;
  std::string tokenizer_;
  TokenFile train_, val_;
};

}  // namespace

std::unique_ptr<DataSource> make_markov_data(const MarkovOptions& options) {
  return std::make_unique<MarkovData>(options);
}

std::unique_ptr<DataSource> open_token_directory(const std::filesystem::path& dir,
                                                 int vocab_size_hint, int seq_len) {
  if (!std::filesystem::is_directory(dir))
    throw InputError(
        fmt::format("--data {}: not a directory (expected one holding train.bin and "
                    "val.bin, as `scalelab data prepare` writes)",
                    dir.string()));
  int vocab = vocab_size_hint;
  std::string tokenizer = "unknown";
  const auto meta_path = dir / "meta.json";
  if (std::filesystem::exists(meta_path)) {
    std::ifstream in(meta_path);
    const auto meta = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (meta.is_discarded() || !meta.contains("vocab_size") ||
        !meta["vocab_size"].is_number_integer())
      throw InputError(
          fmt::format("{}: not valid JSON with an integer vocab_size", meta_path.string()));
    vocab = meta["vocab_size"].get<int>();
    tokenizer = meta.value("tokenizer", "unknown");
  }
  if (vocab < 2 || vocab > 65536)
    throw InputError(
        fmt::format("{}: vocabulary size {} (accepted: 2 to 65536)", dir.string(), vocab));
  return std::make_unique<TokenDirectoryData>(dir, vocab, tokenizer, seq_len);
}

}  // namespace scalelab::trainer
