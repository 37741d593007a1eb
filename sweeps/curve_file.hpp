// Learning curves of any trainer, as people export them from their trainers and trackers:
// `scalelab extrapolate --curve FILE` and `--reference FILE` read them into the RunCurve the
// learning-curve fits take (sweeps/run_curve.hpp).
//
// Formats (by content: a first non-blank character '{' is JSONL, anything else CSV):
//   CSV    a header, then one row per logged step. Columns: step (integer >= 1), loss (or
//          train_loss), optional eval_loss (or val_loss), lr, tokens (seen so far); others
//          are ignored. Empty fields are unknown values.
//   JSONL  one object per line with the same keys (loss, train_loss, eval_loss, val_loss,
//          lr, tokens), or the project's metrics lines (sweeps/metrics_jsonl.hpp).
// Steps are the optimizer steps themselves: a curve logged every k steps has rows for steps
// k, 2k, ... and is fitted at those steps. A step logged twice (a resumed run) keeps its
// last row.
// The planned schedule is the learning rate of every step up to the last planned one:
//   from the file  rows for the planned steps past the last logged loss carry an lr and no
//                  loss; between rows the learning rate is interpolated linearly (before the
//                  first row it is the first row's); the planned last step is the last row
//                  with an lr, or `total_steps` when given (it must be covered);
//   from flags     `schedule` set (the trainer's schedules, trainer/schedule.hpp, with
//                  `total_steps` required): the file's lr column is then not used.
// The warmup the fit window leaves out is the steps up to the schedule's first peak.
// Every error is one line naming FILE:LINE (or FILE for what no line holds).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "sweeps/run_curve.hpp"
#include "trainer/schedule.hpp"

namespace scalelab::sweeps {

struct CurveFileOptions {
  // The planned schedule from flags (--schedule, --peak-lr, --warmup-steps,
  // --final-lr-fraction, --cooldown-fraction); unset: from the file's lr column.
  std::optional<trainer::ScheduleOptions> schedule;
  std::optional<std::int64_t> total_steps;  // --total-steps
};

// Throws InputError (file:line) for an unreadable file, a missing step or loss column, a
// value that is not a number, a step that is not a positive integer, a non-finite loss (the
// run diverged) or a non-positive one, no learning rate for a planned step, or no loss.
RunCurve read_curve_file(const std::filesystem::path& path, const CurveFileOptions& options);

}  // namespace scalelab::sweeps
