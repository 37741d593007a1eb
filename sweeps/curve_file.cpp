#include "sweeps/curve_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "sweeps/metrics_jsonl.hpp"

namespace scalelab::sweeps {

namespace {

// A row of the file with the line it came from.
struct LineRow {
  std::size_t line = 0;
  db::MetricRow row;
};

std::vector<LineRow> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<LineRow> out;
  std::string text;
  std::size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.push_back({line, parse_metrics_line(text, fmt::format("{}:{}", path.string(), line))});
  }
  return out;
}

std::vector<LineRow> read_csv_rows(const std::filesystem::path& path) {
  const CsvTable t = read_csv(path.string());
  const auto step = t.column("step");
  auto first_of = [&](std::initializer_list<const char*> names) -> std::optional<std::size_t> {
    for (const char* n : names)
      if (auto c = t.column(n)) return c;
    return std::nullopt;
  };
  const auto loss = first_of({"loss", "train_loss"});
  const auto eval = first_of({"eval_loss", "val_loss"});
  const auto lr = t.column("lr");
  const auto tokens = t.column("tokens");
  if (!step || (!loss && !eval)) {
    std::string columns;
    for (const auto& h : t.header) columns += (columns.empty() ? "" : ", ") + h;
    throw InputError(fmt::format(
        "{}: needs a 'step' column and a 'loss' (or train_loss, eval_loss) column; it has: {}",
        t.where(t.header_line), columns));
  }
  std::vector<LineRow> out;
  for (const CsvRow& r : t.rows) {
    auto number = [&](std::optional<std::size_t> c, const char* what) -> std::optional<double> {
      if (!c) return std::nullopt;
      const std::string& text = r.fields[*c];
      if (text.find_first_not_of(" \t") == std::string::npos) return std::nullopt;
      const auto v = parse_double(text);
      if (!v)
        throw InputError(fmt::format("{}: {} '{}' is not a number", t.where(r.line), what, text));
      return v;
    };
    const auto s = number(step, "step");
    if (!s || !(*s >= 0) || std::floor(*s) != *s || *s > 9e15)
      throw InputError(
          fmt::format("{}: step '{}' is not an integer >= 0", t.where(r.line), r.fields[*step]));
    LineRow row{r.line, {}};
    row.row.step = static_cast<std::int64_t>(*s);
    row.row.train_loss = number(loss, "loss");
    row.row.eval_loss = number(eval, "eval_loss");
    row.row.lr = number(lr, "lr");
    row.row.tokens = number(tokens, "tokens");
    out.push_back(row);
  }
  return out;
}

bool looks_like_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  char c = 0;
  while (in.get(c))
    if (!std::isspace(static_cast<unsigned char>(c))) return c == '{';
  return false;
}

void check_loss(const std::optional<double>& loss, const char* what, const std::string& where) {
  if (!loss) return;
  if (!std::isfinite(*loss))
    throw InputError(
        fmt::format("{}: {} is {} (the run diverged): no curve to fit", where, what, *loss));
  if (!(*loss > 0)) throw InputError(fmt::format("{}: {} is {} (must be > 0)", where, what, *loss));
}

}  // namespace

RunCurve read_curve_file(const std::filesystem::path& path, const CurveFileOptions& o) {
  const std::string file = path.string();
  if (!std::filesystem::is_regular_file(path))
    throw InputError(fmt::format("{}: no such file", file));
  if (!std::ifstream(path)) throw InputError(fmt::format("{}: cannot read", file));
  const std::vector<LineRow> rows = looks_like_jsonl(path) ? read_jsonl(path) : read_csv_rows(path);

  std::map<std::int64_t, double> lr_by_step;  // the last row of a step wins
  std::int64_t last_loss_step = 0;
  std::size_t last_loss_line = 0;
  std::optional<std::pair<std::int64_t, double>> last_tokens;
  std::vector<db::MetricRow> metric_rows;
  for (const LineRow& r : rows) {
    const std::string where = fmt::format("{}:{}", file, r.line);
    check_loss(r.row.train_loss, "loss", where);
    check_loss(r.row.eval_loss, "eval_loss", where);
    if (r.row.lr) {
      if (!(std::isfinite(*r.row.lr) && *r.row.lr >= 0))
        throw InputError(fmt::format("{}: lr is {} (must be >= 0)", where, *r.row.lr));
      if (r.row.step >= 1) lr_by_step[r.row.step] = *r.row.lr;
    }
    if (r.row.tokens && r.row.step >= 1 && (r.row.train_loss || r.row.eval_loss)) {
      if (!(std::isfinite(*r.row.tokens) && *r.row.tokens > 0))
        throw InputError(fmt::format("{}: tokens is {} (must be > 0)", where, *r.row.tokens));
      if (!last_tokens || r.row.step >= last_tokens->first)
        last_tokens = std::pair(r.row.step, *r.row.tokens);
    }
    if ((r.row.train_loss || r.row.eval_loss) && r.row.step > last_loss_step) {
      last_loss_step = r.row.step;
      last_loss_line = r.line;
    }
    metric_rows.push_back(r.row);
  }
  if (last_loss_step == 0) throw InputError(fmt::format("{}: no loss logged after step 0", file));

  std::vector<double> lr;
  std::int64_t warmup = 0;
  if (o.schedule) {
    if (!o.total_steps)
      throw InputError(fmt::format(
          "{}: --schedule needs --total-steps (the planned last step of the run)", file));
    trainer::validate(*o.schedule, *o.total_steps);
    lr = trainer::planned_learning_rates(*o.schedule, *o.total_steps);
    warmup = o.schedule->warmup_steps;
  } else {
    if (lr_by_step.empty())
      throw InputError(fmt::format(
          "{}: no learning rates (an 'lr' column, or rows for the planned steps with an lr and "
          "no loss); or give the schedule: --schedule, --peak-lr, --warmup-steps, "
          "--total-steps",
          file));
    const std::int64_t known = lr_by_step.rbegin()->first;
    const std::int64_t total = o.total_steps.value_or(known);
    if (total > known)
      throw InputError(fmt::format(
          "{}: the learning rate is known up to step {}, the run plans {} (--total-steps): add "
          "rows for the planned steps (step, lr, no loss) or give --schedule",
          file, known, total));
    lr.resize(static_cast<std::size_t>(total));
    auto next = lr_by_step.begin();
    auto previous = next;
    for (std::int64_t s = 1; s <= total; ++s) {
      while (next != lr_by_step.end() && next->first < s) previous = next++;
      double v;
      if (next != lr_by_step.end() && next->first == s)
        v = next->second;
      else if (next == lr_by_step.begin())
        v = next->second;  // before the first row: the first row's
      else {
        const double f = static_cast<double>(s - previous->first) /
                         static_cast<double>(next->first - previous->first);
        v = previous->second + f * (next->second - previous->second);
      }
      lr[static_cast<std::size_t>(s - 1)] = v;
    }
    if (*std::max_element(lr.begin(), lr.end()) <= 0)
      throw InputError(fmt::format("{}: every learning rate is 0", file));
    const fitting::LrSchedule probe(lr);
    warmup = probe.peak_step() > 1 ? probe.peak_step() : 0;
  }
  const std::int64_t total = static_cast<std::int64_t>(lr.size());
  if (last_loss_step > total)
    throw InputError(fmt::format("{}:{}: a loss at step {}, past the planned last step {}", file,
                                 last_loss_line, last_loss_step, total));
  RunCurve curve = curve_from_rows(metric_rows, fitting::LrSchedule(std::move(lr)), warmup, file);
  if (last_tokens)
    curve.tokens_per_step = last_tokens->second / static_cast<double>(last_tokens->first);
  return curve;
}

}  // namespace scalelab::sweeps
