// libFuzzer target: the budget and count parsers (lib/budget.hpp): `--budget 1e21`,
// `1e17:1e19:5`, `3.3B`, `20x` and the YAML `budgets:` strings all go through them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/budget.hpp"
#include "lib/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)scalelab::parse_budget(text);
  } catch (const scalelab::InputError&) {
  }
  try {
    (void)scalelab::parse_count(text, "--tokens");
  } catch (const scalelab::InputError&) {
  }
  try {
    (void)scalelab::parse_budget_list({std::string(text)});
  } catch (const scalelab::InputError&) {
  }
  return 0;
}
