// What `scalelab status` and `scalelab runs export` print: tables and the documented JSON.
//
// `runs export --format json` (a documented interface) is a list with one object per run:
//   run_id, name, status, params, non_embedding_params, tokens, flops, budget_flops,
//   unique_tokens, final_train_loss, final_eval_loss, attempts, failures, host, device,
//   started_at, ended_at, last_error, diverged_step, run_dir, config (the run's full config
//   object; "launch" holds the resolved run spec once it was launched),
//   extrapolation ({loss, loss_lo, loss_hi, final_step, model, references} in early-stop mode,
//   references the names of the runs fitted jointly with it; else null),
//   trained_flops (the FLOPs the run trained: 6·N·tokens of its last logged step, below flops
//   for a run stopped early; the planned flops for an imported run; 0 before its first step),
//   train_command (the `scalelab train` command line that trains the same run from scratch
//   into replay/NAME, bitwise the same losses on the CPU: sweeps/train_command.hpp; for a
//   sweep with a command backend, the same run with the embedded trainer; null until the run
//   is launched, and for imported runs),
// and with --metrics a list `metrics` of {step, tokens, train_loss, eval_loss, lr, grad_norm,
// tokens_per_s}. Values not known are null.
// CSV: the same keys as columns (config as its JSON text, train_command empty when null; no
// extrapolation object but its loss, loss_lo, loss_hi as extrapolated_loss,
// extrapolated_loss_lo, extrapolated_loss_hi);
// with --metrics one row per logged step instead: run_id, name, step, tokens, train_loss,
// eval_loss, lr, grad_norm, tokens_per_s.
#pragma once

#include <cstdint>

#include <nlohmann/json_fwd.hpp>

#include "db/sqlite.hpp"
#include "lib/output.hpp"

namespace scalelab::sweeps {

nlohmann::json runs_json(db::Database& db, std::int64_t sweep_id, bool with_metrics);
Table runs_table(db::Database& db, std::int64_t sweep_id);
Table metrics_table(db::Database& db, std::int64_t sweep_id);

// `scalelab status NAME`: run, status, params, tokens, progress (step / steps of the run),
// tokens_per_s (latest), train_loss (final, else latest), eval_loss, attempts, note (the
// divergence reason or last error).
Table status_table(db::Database& db, std::int64_t sweep_id);
// `scalelab status`: one row per sweep with its counts per status.
Table sweeps_table(db::Database& db);

}  // namespace scalelab::sweeps
