// The metrics file of a run: RUN_DIR/metrics.jsonl, one JSON object per line, appended as the
// trainer logs steps. The embedded trainer writes it; so must a user's trainer driven by the
// command backend. Keys (all but step optional; others are ignored):
//   step          integer ≥ 0, the optimizer step (required)
//   tokens        tokens seen so far
//   train_loss    (alias loss)      training loss, nats per token
//   eval_loss     (alias val_loss)  held-out loss
//   lr, grad_norm, tokens_per_s
// Non-finite values are accepted as NaN, Infinity, -Infinity (Python's json.dumps), the
// strings "nan"/"inf"/"-inf", or null (what nlohmann::json writes for a NaN): they mean the
// value was not finite; for a loss, that is the trainer's verdict that the run diverged
// (sweeps/divergence.hpp).
// Only whole lines (ending in '\n') are read, so a line being written is never half-parsed.
// A crash mid-write leaves a torn line; a trainer that appends after it makes one line of the
// torn prefix and the next whole row: that row is recovered (see parse_metrics_line_salvaging).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/metrics_store.hpp"

namespace scalelab::sweeps {

// Parses one line; throws InputError "`where`: ..." for malformed JSON, a missing or
// non-integer step, or a value of the wrong type.
db::MetricRow parse_metrics_line(std::string_view line, const std::string& where);

// A line that parse_metrics_line rejects may be a torn prefix followed by a whole row (a crash
// mid-write, then an appending trainer): returns that row (the suffix from one of the line's
// last '{'s that parses as a row), else nullopt.
std::optional<db::MetricRow> parse_metrics_line_salvaging(std::string_view line,
                                                          const std::string& where);

// Formats a row as one line of the file (no trailing newline): what writers should emit.
std::string format_metrics_line(const db::MetricRow& row);

struct NewLines {
  std::vector<std::pair<std::int64_t, std::string>> lines;  // (1-based line number, text)
  db::IngestCursor cursor;                                  // after the last whole line
  db::IngestCursor before_last;  // before the last non-blank line of `lines` (if any)
  bool restarted = false;        // the file no longer matched the cursor: read from the start
};

// The whole lines of `path` after `cursor` (blank lines skipped). A missing file gives no
// lines and the cursor unchanged. When the file is shorter than the cursor or the bytes before
// the cursor no longer hold cursor.last_line, the file was rewritten and is read from the
// start (restarted = true); ingest stays correct because rows are upserted by step.
NewLines read_new_lines(const std::string& path, const db::IngestCursor& cursor);

}  // namespace scalelab::sweeps
