// libFuzzer target: one line of a run's metrics.jsonl (sweeps/metrics_jsonl.hpp), as ingest
// reads it from a file a worker may have left half-written; and the salvaging reader that
// ingest uses on a file's last line. A row that parses must format and parse back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "lib/error.hpp"
#include "sweeps/metrics_jsonl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  try {
    const scalelab::db::MetricRow row = scalelab::sweeps::parse_metrics_line(line, "fuzz:1");
    const std::string again = scalelab::sweeps::format_metrics_line(row);
    const scalelab::db::MetricRow back = scalelab::sweeps::parse_metrics_line(again, "again:1");
    // The writer and the reader must agree on every field, bit for bit.
    const auto same = [](const std::optional<double>& a, const std::optional<double>& b) {
      return a.has_value() == b.has_value() && (!a || std::memcmp(&*a, &*b, sizeof(double)) == 0);
    };
    if (back.step != row.step || !same(back.tokens, row.tokens) ||
        !same(back.train_loss, row.train_loss) || !same(back.eval_loss, row.eval_loss) ||
        !same(back.lr, row.lr) || !same(back.grad_norm, row.grad_norm) ||
        !same(back.tokens_per_s, row.tokens_per_s))
      std::abort();
  } catch (const scalelab::InputError&) {
  }
  try {
    (void)scalelab::sweeps::parse_metrics_line_salvaging(line, "fuzz:1");
  } catch (const scalelab::InputError&) {
  }
  return 0;
}
