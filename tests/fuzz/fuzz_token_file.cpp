// libFuzzer target: the token-file header and size checks (trainer/token_file.hpp), which map
// train.bin/val.bin files a user prepared elsewhere (llm.c, nanoGPT). TokenFile reads a path,
// so each input is written to one scratch file per process first.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "lib/error.hpp"
#include "trainer/token_file.hpp"

namespace {

const std::filesystem::path& scratch_path() {
  static const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                            ("scalelab_fuzz_tokens_" + std::to_string(::getpid()));
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(scratch_path().c_str(), "wb");
  if (!f) return 0;
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  for (int vocab : {0, 256}) {
    try {
      const scalelab::trainer::TokenFile tokens(scratch_path(), vocab);
      std::uint64_t sum = 0;
      for (const std::uint16_t t : tokens.tokens()) sum += t;  // every mapped token is readable
      if (vocab > 0 && sum > tokens.size() * 255u) __builtin_trap();
    } catch (const scalelab::InputError&) {
    }
  }
  return 0;
}
