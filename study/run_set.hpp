// The runs a scaling-law study fits, typed, with each number's provenance: how many tokens a
// run was planned for and how many it trained, which loss it contributes (final eval, final
// train, extrapolated by the sweep's early-stop mode, or imported) and where that came from.
// Read straight from the database (a sweep) or from observations (a CSV); every fit, figure
// and report of a study takes its numbers from here, so there is one policy for what a run
// contributes (documented at read_sweep_runs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/sqlite.hpp"
#include "fitting/bootstrap.hpp"
#include "lib/observation.hpp"

namespace scalelab::study {

// Where a run's loss comes from.
enum class LossKind {
  kEval,          // the final held-out loss of a run that trained its planned tokens
  kTrain,         // its final training loss (a trainer that logged no evaluation)
  kExtrapolated,  // the early-stop mode's stored extrapolation to the planned tokens
  kImported,      // a loss given by an imported file (its kind is the file's business)
};
const char* loss_kind_name(LossKind kind);  // "eval", "train", "extrapolated", "imported"

struct RunLoss {
  double value = 0;
  LossKind kind = LossKind::kEval;
  // Extrapolated only: the model that made it ("lr-aware", "power-law", ...), its interval
  // and the step it extrapolates to.
  std::string model;
  std::optional<fitting::Interval> interval;
  std::optional<std::int64_t> final_step;
};

// Which parameter count N the fits take. Hoffmann et al. 2022 count every parameter; Kaplan
// et al. 2020 leave the embeddings out, which changes the fitted exponents most where the
// embeddings are a large share of a small model (Pearce & Song 2024).
enum class ParamCount { kTotal, kNonEmbedding };
const char* param_count_name(ParamCount count);  // "total", "non_embedding"
// "total" or "non_embedding" (also "non-embedding"); throws InputError naming `what`.
ParamCount parse_param_count(const std::string& text, const std::string& what);

// One training-curve point: the train loss after `tokens` tokens, at `step`.
struct CurvePoint {
  std::int64_t step = 0;
  double tokens = 0;
  double loss = 0;
};

struct StudyRun {
  std::string name;
  std::string status;  // the sweep's run status ("done", "stopped", ...); "done" when imported
  double params = 0;   // total parameters
  std::optional<double> non_embedding_params;
  double planned_tokens = 0;     // D the run was planned for
  double trained_tokens = 0;     // D it trained: planned_tokens for a finished run
  double flops = 0;              // its planned compute C (the sweep's or the file's)
  std::optional<double> budget;  // the IsoFLOP budget it was planned at
  std::optional<double> unique_tokens;
  std::optional<double> final_train_loss, final_eval_loss;  // as the run recorded them
  std::optional<std::int64_t> steps;                        // its last logged step
  std::optional<RunLoss> loss;    // what the fits take; unset when the run is not fitted
  std::string excluded;           // why it is not fitted (empty when it is)
  std::string where;              // "run 12 of sweep s", "runs.csv:4", for messages
  std::vector<CurvePoint> curve;  // its logged train losses, by step (may be empty)

  bool fitted() const { return loss.has_value(); }
  bool stopped_early() const { return trained_tokens < planned_tokens * (1 - 1e-3); }
  // N under `count`; throws InputError naming the run when it has no non-embedding count.
  double params_as(ParamCount count) const;
  // The tokens its fitted loss belongs to: the planned tokens, both for a run that finished
  // its schedule (it trained them, rounded up to whole batches: at most one batch more) and for
  // an extrapolated loss (extrapolated to them).
  double loss_tokens() const { return planned_tokens; }
};

struct RunSet {
  std::string source;                       // "sweep NAME (DB)" or "FILE.csv", for titles
  bool planned_budgets = false;             // IsoFLOP groups by exact budget (else log-spaced bins)
  nlohmann::json plan;                      // the sweep's plan options, or null (imported data)
  std::optional<ParamCount> planned_count;  // the N the plan allocated with, if it says
  std::vector<StudyRun> runs;               // every run, fitted or not, in the source's order
  std::vector<std::string> commands;        // commands that reproduce the data

  std::size_t fitted_count() const;
  // One observation per fitted run: N under `count`, D = loss_tokens(), C the run's planned
  // compute (or 6ND of the counted N, where the plan counted that way), the run's loss.
  std::vector<Observation> fit_observations(ParamCount count) const;
  // Every curve point of every run with a curve, as observations (run_id = the run's name).
  std::vector<Observation> curve_observations(ParamCount count) const;
};

// A sweep's runs from the database. What each run contributes to the fits:
//   - a run that trained its planned tokens and ended `done`: its final eval loss (else its
//     final train loss) at D = the trained tokens;
//   - a run stopped early (status `stopped`, or fewer tokens trained than planned): the
//     extrapolation the early-stop mode stored for it (prediction kind "extrapolation"), at
//     the planned D; with none stored it is not fitted (the loss where it stopped belongs to a
//     schedule that never annealed: it is not the loss of a run of either D);
//   - pending, running, failed and diverged runs are not fitted.
// An imported sweep's runs contribute their imported loss at their D. Throws InputError for an
// unknown sweep, and when no run can be fitted.
RunSet read_sweep_runs(db::Database& db, const std::string& sweep_name, const std::string& db_path);
// The same, opening the database at `db_path`.
RunSet read_sweep_runs(const std::string& db_path, const std::string& sweep_name);

// Observations as read from a CSV: rows with a step are curve points (a run's point with the
// largest step is its final loss), rows without one are runs.
RunSet run_set_from_observations(const std::vector<Observation>& observations,
                                 const std::string& source);

}  // namespace scalelab::study
