// libFuzzer target: the CSV reader (lib/csv.hpp) and the observation layer on top of it
// (lib/observation.hpp), the path every `fit --csv`, `import` and `validate --csv` file takes.
// Bad input must end in InputError; any other exception, crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "lib/observation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const scalelab::CsvTable table = scalelab::read_csv_stream(in, "fuzz.csv");
    for (const auto& row : table.rows)
      for (const auto& field : row.fields) (void)scalelab::parse_double(field);
    (void)scalelab::read_observations(table);
  } catch (const scalelab::InputError&) {
  }
  return 0;
}
