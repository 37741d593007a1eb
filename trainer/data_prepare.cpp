#include "trainer/data_prepare.hpp"

#include <fmt/format.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "lib/atomic_file.hpp"
#include "lib/error.hpp"
#include "trainer/token_file.hpp"

namespace scalelab::trainer {

namespace fs = std::filesystem;

TokenizerKind parse_tokenizer(std::string_view text, std::string_view what) {
  if (text == "byte") return TokenizerKind::kByte;
  if (text == "bpe") return TokenizerKind::kBpe;
  throw InputError(fmt::format("{}: unknown tokenizer '{}' (accepted: byte, bpe)", what, text));
}

namespace {

constexpr std::size_t kBlockBytes = 16 * 1024;

// Splits text into train and val at line ends, block by block (see data_prepare.hpp).
void split(const std::string& text, double val_fraction, std::string& train, std::string& val) {
  const auto period = std::max<std::int64_t>(2, std::llround(1.0 / val_fraction));
  std::size_t pos = 0;
  std::int64_t block = 0;
  while (pos < text.size()) {
    std::size_t end = std::min(text.size(), pos + kBlockBytes);
    if (end < text.size()) {
      const std::size_t nl = text.find('\n', end);
      end = nl == std::string::npos ? text.size() : nl + 1;
    }
    (block % period == period - 1 ? val : train).append(text, pos, end - pos);
    pos = end;
    ++block;
  }
}

class LineIterator final : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::string& text) : text_(text) { Next(); }
  bool done() const override { return done_; }
  void Next() override {
    if (pos_ >= text_.size()) {
      done_ = true;
      return;
    }
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string::npos) end = text_.size();
    line_.assign(text_, pos_, end - pos_);
    pos_ = end + 1;
  }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::string& text_;
  std::size_t pos_ = 0;
  std::string line_;
  bool done_ = false;
};

std::vector<std::uint16_t> encode_bytes(const std::string& text) {
  return {reinterpret_cast<const unsigned char*>(text.data()),
          reinterpret_cast<const unsigned char*>(text.data()) + text.size()};
}

std::vector<std::uint16_t> encode_bpe(const sentencepiece::SentencePieceProcessor& sp,
                                      const std::string& text, const PrepareOptions& o,
                                      std::string_view stage) {
  std::vector<std::uint16_t> out;
  out.reserve(text.size() / 3);
  std::vector<int> ids;
  std::size_t pos = 0, next_report = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const auto status = sp.Encode(std::string_view(text).substr(pos, end - pos), &ids);
    if (!status.ok())
      throw Error(fmt::format("SentencePiece encode failed: {}", status.ToString()));
    for (int id : ids) out.push_back(static_cast<std::uint16_t>(id));
    out.push_back(static_cast<std::uint16_t>(sp.eos_id()));
    pos = end + 1;
    if (o.progress && pos >= next_report) {
      o.progress(stage, static_cast<double>(pos) / text.size());
      next_report = pos + text.size() / 20;
    }
  }
  return out;
}

}  // namespace

PrepareResult prepare_text(const std::string& text, const std::vector<std::string>& input_names,
                           const fs::path& out_dir, const PrepareOptions& o) {
  if (!(o.val_fraction > 0 && o.val_fraction <= 0.5))
    throw InputError(fmt::format("--val-fraction: {} (accepted: (0, 0.5])", o.val_fraction));
  if (o.tokenizer == TokenizerKind::kBpe && (o.vocab_size < 300 || o.vocab_size > 65535))
    throw InputError(fmt::format("--vocab: {} (accepted for bpe: 300 to 65535)", o.vocab_size));
  std::string train, val;
  split(text, o.val_fraction, train, val);
  if (train.empty() || val.empty())
    throw InputError(
        fmt::format("the input text ({} bytes) is too short for a train and a val "
                    "split (blocks of {} bytes; give at least {} bytes)",
                    text.size(), kBlockBytes,
                    kBlockBytes * std::max<std::int64_t>(2, std::llround(1.0 / o.val_fraction))));
  PrepareResult r;
  r.text_bytes = static_cast<std::int64_t>(text.size());
  std::vector<std::uint16_t> train_tokens, val_tokens;
  std::string model_proto;
  if (o.tokenizer == TokenizerKind::kByte) {
    r.vocab_size = 256;
    train_tokens = encode_bytes(train);
    val_tokens = encode_bytes(val);
  } else {
    if (o.progress) o.progress("training BPE", 0.0);
    LineIterator lines(train);
    const std::unordered_map<std::string, std::string> args = {
        {"model_type", "bpe"},
        {"vocab_size", std::to_string(o.vocab_size)},
        {"character_coverage", "1.0"},
        {"byte_fallback", "true"},  // any byte stays representable
        {"minloglevel", "2"},
        {"num_threads", "2"},
        {"max_sentence_length", "1000000"}};
    const auto status = sentencepiece::SentencePieceTrainer::Train(args, &lines, &model_proto);
    if (!status.ok())
      throw InputError(fmt::format("SentencePiece BPE training failed: {}", status.ToString()));
    if (o.progress) o.progress("training BPE", 1.0);
    sentencepiece::SentencePieceProcessor sp;
    if (!sp.LoadFromSerializedProto(model_proto).ok())
      throw Error("SentencePiece: cannot load the trained model");
    r.vocab_size = sp.GetPieceSize();
    train_tokens = encode_bpe(sp, train, o, "encoding train");
    val_tokens = encode_bpe(sp, val, o, "encoding val");
  }
  r.train_tokens = static_cast<std::int64_t>(train_tokens.size());
  r.val_tokens = static_cast<std::int64_t>(val_tokens.size());

  fs::create_directories(out_dir);
  if (!model_proto.empty()) {
    std::ofstream m(out_dir / "tokenizer.model", std::ios::binary | std::ios::trunc);
    m.write(model_proto.data(), static_cast<std::streamsize>(model_proto.size()));
    if (!m) throw Error(fmt::format("{}: write failed", (out_dir / "tokenizer.model").string()));
  }
  write_token_file(out_dir / "train.bin", train_tokens);
  write_token_file(out_dir / "val.bin", val_tokens);
  nlohmann::ordered_json meta;
  meta["tokenizer"] = o.tokenizer == TokenizerKind::kByte ? "byte" : "bpe";
  meta["vocab_size"] = r.vocab_size;
  meta["train_tokens"] = r.train_tokens;
  meta["val_tokens"] = r.val_tokens;
  meta["text_bytes"] = r.text_bytes;
  meta["val_fraction"] = o.val_fraction;
  meta["inputs"] = input_names;
  // meta.json last, atomically: its presence marks a complete directory.
  write_file_atomically(out_dir / "meta.json", meta.dump(2) + "\n");
  return r;
}

PrepareResult prepare_files(const std::vector<fs::path>& inputs, const fs::path& out_dir,
                            const PrepareOptions& options) {
  if (inputs.empty()) throw InputError("data prepare: no INPUT files given");
  std::string text;
  std::vector<std::string> names;
  for (const fs::path& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    if (!in || fs::is_directory(p))
      throw InputError(fmt::format("{}: cannot read (not a readable file)", p.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    text += ss.str();
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
    names.push_back(p.string());
  }
  return prepare_text(text, names, out_dir, options);
}

}  // namespace scalelab::trainer
