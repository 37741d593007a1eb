#include "study/report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>

#include "lib/output.hpp"
#include "study/text.hpp"
#include "study/trust.hpp"

namespace scalelab::study {

namespace {

std::string run_name(const Observation& o) {
  if (!o.label.empty()) return o.label;
  if (!o.run_id.empty()) return o.run_id;
  return std::filesystem::path(o.where).filename().string();
}

std::string target_check_text(const TargetCheck& c, int level) {
  return fmt::format(
      "Target check: run {} trained at C = {} FLOPs (N = {}, D = {}) reached loss {:.4f}; {} "
      "predicted {} for that N and D before it was trained (error {:+.2f}%, {} the {}% "
      "interval).",
      c.run, flops_text(c.flops), format_si(c.params), format_si(c.tokens), c.observed, c.method,
      loss_text(c.predicted), 100 * c.relative_error, c.inside ? "inside" : "outside", level);
}

plots::ReportTable parametric_table(const fitting::ParametricOutcome& o,
                                    const std::string& caption) {
  plots::ReportTable t;
  t.caption = caption;
  const bool boot = !o.bootstrap.intervals.empty();
  t.headers = {"parameter", "estimate"};
  if (boot) {
    t.headers.push_back(fmt::format("{:g}% interval", 100 * o.bootstrap.level));
  }
  t.headers.push_back("flag");
  for (std::size_t i = 0; i < o.point.names.size(); ++i) {
    std::vector<std::string> row = {o.point.names[i], format_general(o.point.values[i], 6)};
    if (boot)
      row.push_back(fmt::format("[{}, {}]", format_general(o.bootstrap.intervals[i].lo, 6),
                                format_general(o.bootstrap.intervals[i].hi, 6)));
    std::string flag;
    if (i < o.point.fixed.size() && o.point.fixed[i]) flag = "fixed";
    if (i < o.point.at_bound.size() && o.point.at_bound[i]) flag = "at a bound";
    if (boot && i < o.bootstrap.at_bound.size() && o.bootstrap.at_bound[i])
      flag += flag.empty() ? "refits at a bound" : "; refits at a bound";
    row.push_back(flag);
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string fit_paragraph(const fitting::ParametricOutcome& o) {
  return fmt::format(
      "{} points fitted ({} dropped), objective {:.6g} (summed Huber, δ = 1e-3, log residuals), "
      "{} of {} starts converged, {} at the best optimum{}; termination of the best start: {}. "
      "Bootstrap: {} resamples over runs, {} failed.",
      o.point.n_points, o.point.n_dropped, o.point.objective, o.point.n_starts_converged,
      o.point.n_starts, o.point.n_starts_at_best,
      o.point.n_starts_disagreeing
          ? fmt::format(", {} tying starts disagree (not identified)", o.point.n_starts_disagreeing)
          : "",
      o.point.termination, o.bootstrap.resamples, o.bootstrap.failed);
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

}  // namespace

plots::ReportData study_report(const Study& s, const std::vector<plots::RenderedFigure>& figures) {
  plots::ReportData r;
  r.title = "scalelab report: " + s.runs.source;
  r.subtitle = fmt::format("{} runs; generated {} by scalelab", s.observations.size(), now_utc());
  const int level = static_cast<int>(std::lround(100 * s.options.level));
  const std::string problem = approach3_problem(s);

  {  // Summary
    plots::ReportSection sec{"summary", "Summary", {}, {}, {}, {}};
    if (s.chinchilla && !problem.empty())
      sec.paragraphs.push_back(fmt::format(
          "No compute-optimal prediction at C = {} FLOPs from Approach 3 ({}): no allocation or "
          "loss is derived from it.",
          flops_text(s.target_budget), problem));
    else if (s.target)
      sec.paragraphs.push_back(fmt::format(
          "Compute-optimal prediction at C = {} FLOPs (Approach 3, {}% bootstrap intervals): "
          "loss {}, N_opt {}, D_opt {}, {} tokens per parameter.",
          flops_text(s.target_budget), level, loss_text(s.target->loss),
          interval_text(s.target->params), interval_text(s.target->tokens),
          interval_text(s.target->tokens_per_param)));
    if (s.target_check) sec.paragraphs.push_back(target_check_text(*s.target_check, level));
    for (const auto& n : s.notes) sec.paragraphs.push_back("Note: " + n);
    r.sections.push_back(std::move(sec));
  }

  {  // Trust
    plots::ReportSection sec{"trust", "How far to trust this study", {}, {}, {}, {}};
    for (auto& p : trust_paragraphs(s)) sec.paragraphs.push_back(std::move(p));
    plots::ReportTable t;
    t.caption = "The checks an expert would make before believing the prediction";
    t.headers = {"check", "this study", "met"};
    for (const TrustCheck& c : trust_checks(s))
      t.rows.push_back({c.name, c.value, c.met ? "yes" : "NO"});
    sec.tables.push_back(std::move(t));
    r.sections.push_back(std::move(sec));
  }

  {  // Figures
    plots::ReportSection sec{"figures", "Figures", {}, {}, {}, figures};
    if (figures.empty()) sec.paragraphs.push_back("No figure was drawn.");
    r.sections.push_back(std::move(sec));
  }

  {  // Fits
    plots::ReportSection sec{"fits", "Fits", {}, {}, {}, {}};
    if (s.chinchilla) {
      sec.tables.push_back(parametric_table(
          *s.chinchilla, "Approach 3: L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022)"));
      sec.paragraphs.push_back("Approach 3: " + fit_paragraph(*s.chinchilla));
    }
    if (s.isoflop) {
      plots::ReportTable t;
      t.caption = "Approach 2: IsoFLOP profiles (parabola of loss in ln N per budget)";
      t.headers = {"budget C",
                   "runs",
                   fmt::format("N_opt ({}% interval)", level),
                   "D_opt",
                   "loss at minimum",
                   "minimum inside the runs' range"};
      for (const auto& p : s.isoflop->profiles)
        t.rows.push_back({flops_text(p.flops), std::to_string(p.n_runs),
                          interval_text(p.params_opt), format_si(p.tokens_opt),
                          fmt::format("{:.4f}", p.min_loss), p.extrapolated ? "no" : "yes"});
      sec.tables.push_back(std::move(t));
      sec.paragraphs.push_back(fmt::format(
          "Approach 2 power laws ({}% Student-t intervals): N_opt ∝ C^{}, D_opt ∝ C^{}.", level,
          power_law_interval(s.isoflop->params_opt), power_law_interval(s.isoflop->tokens_opt)));
    }
    if (s.envelope)
      sec.paragraphs.push_back(fmt::format(
          "Approach 1 (lower envelope of {} curve points, {} envelope points): N_opt ∝ C^{}, "
          "D_opt ∝ C^{}.",
          s.curves.size(), s.envelope->points.size(), power_law_interval(s.envelope->params_opt),
          power_law_interval(s.envelope->tokens_opt)));
    if (s.loss_compute) {
      sec.tables.push_back(
          parametric_table(*s.loss_compute, "L(C) = E + A/C^alpha through the IsoFLOP minima"));
      sec.paragraphs.push_back("L(C): " + fit_paragraph(*s.loss_compute));
    }
    r.sections.push_back(std::move(sec));
  }

  {  // Predictions
    plots::ReportSection sec{"predictions", "Predictions", {}, {}, {}, {}};
    plots::ReportTable t;
    t.caption = fmt::format("At C = {} FLOPs ({}% bootstrap intervals)",
                            flops_text(s.target_budget), level);
    t.headers = {"source", "loss", "N_opt", "D_opt", "D/N"};
    if (s.chinchilla && !problem.empty())
      t.rows.push_back({"Approach 3", "degenerate: " + problem, "", "", ""});
    else if (s.target)
      t.rows.push_back({"Approach 3", loss_text(s.target->loss), interval_text(s.target->params),
                        interval_text(s.target->tokens),
                        interval_text(s.target->tokens_per_param)});
    if (s.loss_compute_target)
      t.rows.push_back(
          {"L(C) through IsoFLOP minima", loss_text(*s.loss_compute_target), "", "", ""});
    if (s.isoflop) {
      const double n = s.isoflop->params_opt.at(s.target_budget);
      const double d = s.isoflop->tokens_opt.at(s.target_budget);
      t.rows.push_back(
          {"Approach 2 power laws", "", number_text(n), number_text(d), number_text(d / n)});
    }
    if (s.target_check)
      t.rows.push_back(
          {fmt::format("observed: run {} (N {}, D {})", s.target_check->run,
                       format_si(s.target_check->params), format_si(s.target_check->tokens)),
           fmt::format("{:.4f}", s.target_check->observed), "", "", ""});
    if (!t.rows.empty()) sec.tables.push_back(std::move(t));
    plots::ReportTable x;
    x.caption =
        "Runs stopped early: the final loss the sweep's early-stop mode extrapolated for their "
        "planned D, which the fits take in their place";
    x.headers = {"run",   "trained D",  "planned D",
                 "model", "final step", "extrapolated final loss (interval)"};
    for (const StudyRun& run : s.runs.runs)
      if (run.loss && run.loss->kind == LossKind::kExtrapolated)
        x.rows.push_back({run.name, format_si(run.trained_tokens), format_si(run.planned_tokens),
                          run.loss->model,
                          run.loss->final_step ? std::to_string(*run.loss->final_step) : "",
                          loss_text({run.loss->value, run.loss->interval})});
    if (!x.rows.empty()) sec.tables.push_back(std::move(x));
    r.sections.push_back(std::move(sec));
  }

  if (s.validation) {  // Validation
    plots::ReportSection sec{"validation", "Validation", {}, {}, {}, {}};
    const auto& v = *s.validation;
    sec.paragraphs.push_back(
        fmt::format("Approach 3 fitted without the runs at C ≥ {} FLOPs ({} runs fitted), then "
                    "asked to predict "
                    "them: mean absolute relative error {:.2f}%.",
                    flops_text(v.threshold), v.fit.n_points, 100 * v.mean_abs_relative_error));
    plots::ReportTable t;
    t.headers = {"run", "N", "D", "C", "observed", "predicted", "error"};
    for (const auto& h : v.held_out)
      t.rows.push_back({run_name(h.run), format_si(h.run.params), format_si(h.run.tokens),
                        flops_text(h.run.flops), fmt::format("{:.4f}", h.run.loss),
                        fmt::format("{:.4f}", h.predicted),
                        fmt::format("{:+.2f}%", 100 * h.relative_error)});
    sec.tables.push_back(std::move(t));
    r.sections.push_back(std::move(sec));
  }

  {  // Plan
    plots::ReportSection sec{"plan", "Plan", {}, {}, {}, {}};
    if (s.runs.plan.is_object()) {
      std::string options;
      for (const auto& [key, value] : s.runs.plan.items())
        options += (options.empty() ? "" : "; ") + key + " = " + value.dump();
      sec.paragraphs.push_back("Plan options: " + options + ".");
      // The planned grid, from the runs: per budget its model sizes and token counts.
      std::map<double, std::vector<const StudyRun*>> by_budget;
      for (const auto& row : s.runs.runs)
        by_budget[row.budget ? *row.budget : row.flops].push_back(&row);
      plots::ReportTable t;
      t.caption = "Planned IsoFLOP grid (C = 6ND)";
      t.headers = {"budget C (FLOPs)", "runs", "model sizes N", "tokens D"};
      for (const auto& [budget, rows] : by_budget) {
        std::string sizes, tokens;
        for (const StudyRun* row : rows) {
          sizes += (sizes.empty() ? "" : ", ") + format_si(row->params);
          tokens += (tokens.empty() ? "" : ", ") + format_si(row->planned_tokens);
        }
        t.rows.push_back({flops_text(budget), std::to_string(rows.size()), sizes, tokens});
      }
      sec.tables.push_back(std::move(t));
    } else {
      sec.paragraphs.push_back(
          "Imported data: no plan. IsoFLOP profiles group the runs in log-spaced compute bins (" +
          fmt::format("{:g}", s.options.bins_per_decade) + " per decade).");
    }
    r.sections.push_back(std::move(sec));
  }

  {  // Runs
    plots::ReportSection sec{"runs", "Runs", {}, {}, {}, {}};
    plots::ReportTable t;
    t.caption = fmt::format(
        "N: total parameters; the fits take {} parameters. D: planned tokens (trained, where a "
        "run stopped before them). Loss: what the fits take, and its kind.",
        s.param_count == ParamCount::kTotal ? "total" : "non-embedding");
    t.headers = {"run", "status", "N", "D", "C (FLOPs)", "D/N", "final loss", "loss"};
    for (const StudyRun& row : s.runs.runs) {
      const std::string d = row.stopped_early()
                                ? fmt::format("{} ({} trained)", format_si(row.planned_tokens),
                                              format_si(row.trained_tokens))
                                : format_si(row.planned_tokens);
      t.rows.push_back({row.name, row.status, format_si(row.params), d, flops_text(row.flops),
                        fmt::format("{:.3g}", row.planned_tokens / row.params),
                        row.loss ? fmt::format("{:.4f}", row.loss->value) : "—",
                        row.loss ? loss_kind_name(row.loss->kind) : row.excluded});
    }
    sec.tables.push_back(std::move(t));
    r.sections.push_back(std::move(sec));
  }

  {  // Reproduce
    plots::ReportSection sec{"reproduce", "Reproduce", {}, {}, {}, {}};
    sec.paragraphs.push_back(
        "Each figure's data (.dat) and gnuplot script (.gp) sit beside its images; edit the "
        "script and re-run `gnuplot NAME.gp` in that directory.");
    std::string cmds;
    for (const auto& c : s.commands) cmds += c + "\n";
    if (!cmds.empty()) sec.code.push_back(cmds);
    r.sections.push_back(std::move(sec));
  }
  return r;
}

}  // namespace scalelab::study
