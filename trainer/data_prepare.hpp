// Text to token files: `scalelab data prepare INPUT... --out DIR` and the built-in corpus.
//
// DIR receives train.bin and val.bin (llm.c token files, token_file.hpp), meta.json
// ({"tokenizer", "vocab_size", "train_tokens", "val_tokens", "inputs", "val_fraction"}) and,
// for BPE, tokenizer.model (SentencePiece). The text is cut into blocks of about 16 KiB at
// line ends; every block whose index is ≡ round(1/val_fraction) - 1 goes to val, so the
// held-out split samples the whole text rather than only its end.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace scalelab::trainer {

enum class TokenizerKind {
  kByte,  // one token per byte, vocabulary 256
  kBpe,   // SentencePiece BPE trained in-process on the training split; one end-of-line
          // token (its eos id) after each line
};

// Accepts "byte" and "bpe"; throws InputError naming `what` otherwise.
TokenizerKind parse_tokenizer(std::string_view text, std::string_view what = "--tokenizer");

struct PrepareOptions {
  TokenizerKind tokenizer = TokenizerKind::kByte;
  int vocab_size = 4096;       // BPE only (byte is always 256); 300 to 65535
  double val_fraction = 0.05;  // share of the text held out, in (0, 0.5]
  // Called with a stage name and its completed fraction (0..1): progress for long inputs.
  std::function<void(std::string_view stage, double fraction)> progress;
};

struct PrepareResult {
  std::int64_t train_tokens = 0, val_tokens = 0;
  int vocab_size = 0;
  std::int64_t text_bytes = 0;
};

// Prepares `text` (already read) into `out_dir`. Throws InputError for empty text or bad
// options; nothing is left in out_dir when it fails (files are written last, atomically).
PrepareResult prepare_text(const std::string& text, const std::vector<std::string>& input_names,
                           const std::filesystem::path& out_dir, const PrepareOptions& options);

// Reads and concatenates the input files (each must exist and be readable; InputError
// otherwise), then prepare_text.
PrepareResult prepare_files(const std::vector<std::filesystem::path>& inputs,
                            const std::filesystem::path& out_dir, const PrepareOptions& options);

}  // namespace scalelab::trainer
