// The one check that an output prints no non-finite number (DESIGN.md: no output prints inf or
// nan as a result; lib/output.hpp's convention writes "unbounded" and "n/a" instead).
#pragma once

#include <cctype>
#include <string>

namespace scalelab::testing {

// True when "inf" or "nan" appears in `text` as a word, in any case: "inf", "-inf", "[inf,",
// "=nan", "-nan", "NaN". Words that merely contain them ("infinite", "isNaN", "unbounded") do
// not count.
inline bool prints_non_finite(const std::string& text) {
  std::string lower;
  lower.reserve(text.size());
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto is_letter = [&](std::size_t i) {
    return std::isalpha(static_cast<unsigned char>(lower[i])) != 0;
  };
  for (const char* word : {"inf", "nan"})
    for (std::size_t at = lower.find(word); at != std::string::npos;
         at = lower.find(word, at + 1)) {
      const bool starts_word = at == 0 || !is_letter(at - 1);
      const bool ends_word = at + 3 >= lower.size() || !is_letter(at + 3);
      if (starts_word && ends_word) return true;
    }
  return false;
}

}  // namespace scalelab::testing
