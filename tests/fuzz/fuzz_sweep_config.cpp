// libFuzzer target: the YAML sweep config (sweeps/sweep_config.hpp, `plan --config sweep.yaml`).
// yaml-cpp's own exceptions must be turned into InputError naming the file and line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lib/error.hpp"
#include "sweeps/sweep_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)scalelab::sweeps::parse_sweep_config(text, "fuzz.yaml");
  } catch (const scalelab::InputError&) {
  }
  return 0;
}
