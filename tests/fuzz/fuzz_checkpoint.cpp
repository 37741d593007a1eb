// libFuzzer target: the checkpoint reader (trainer/checkpoint.hpp), which a resumed run trusts
// after a crash may have left its file truncated or garbled. Read from memory (fmemopen).
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "lib/error.hpp"
#include "trainer/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;  // fmemopen refuses an empty buffer
  std::FILE* f = ::fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (!f) return 0;
  try {
    const scalelab::trainer::Checkpoint c = scalelab::trainer::read_checkpoint(f, "fuzz.ckpt");
    // The reader promises three tensors of one size.
    if (c.adam_m.size() != c.params.size() || c.adam_v.size() != c.params.size())
      __builtin_trap();
  } catch (const scalelab::InputError&) {
  }
  std::fclose(f);
  return 0;
}
