// Token files in the llm.c / nanoGPT format: a header of 256 little-endian int32 (magic
// 20240520, version 1, token count, the rest 0), then the tokens as uint16.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace scalelab::trainer {

inline constexpr std::int32_t kTokenFileMagic = 20240520;
inline constexpr std::int32_t kTokenFileVersion = 1;
inline constexpr std::size_t kTokenFileHeaderInts = 256;

// A read-only memory map of a validated token file.
class TokenFile {
 public:
  // Maps and validates `path`: size at least the header, magic, version, a size that matches
  // the header's token count exactly, and (when vocab_size > 0) every token < vocab_size.
  // Each failure throws InputError with one line naming the file and the problem.
  explicit TokenFile(const std::filesystem::path& path, int vocab_size = 0);
  ~TokenFile();
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;

  std::span<const std::uint16_t> tokens() const { return {tokens_, count_}; }
  std::size_t size() const { return count_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* map_ = nullptr;
  std::size_t map_bytes_ = 0;
  const std::uint16_t* tokens_ = nullptr;
  std::size_t count_ = 0;
};

// Writes a token file atomically (lib/atomic_file.hpp). Every token must fit in uint16.
void write_token_file(const std::filesystem::path& path, std::span<const std::uint16_t> tokens);

}  // namespace scalelab::trainer
