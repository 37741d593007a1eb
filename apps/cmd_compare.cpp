// scalelab compare: training configurations side by side under one law (fitting/compare.hpp
// computes; this file parses and prints). The JSON output is documented in --help below.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/cli.hpp"
#include "db/fit_store.hpp"
#include "sweeps/fitted_law.hpp"
#include "db/schema.hpp"
#include "fitting/compare.hpp"
#include "fitting/fit_report.hpp"
#include "lib/budget.hpp"
#include "lib/error.hpp"
#include "lib/scaling_law.hpp"

namespace scalelab::apps {

namespace {

using fitting::Estimate;

bool finite_interval(const Estimate& e) {
  return e.interval && std::isfinite(e.interval->lo) && std::isfinite(e.interval->hi);
}

nlohmann::json interval_json(const Estimate& e) {
  if (!finite_interval(e)) return nullptr;
  return nlohmann::json::array({e.interval->lo, e.interval->hi});
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

Cell number(const std::optional<double>& v, Format format) {
  if (!v) return Cell::text("");
  return format == Format::kTable ? Cell::si(*v) : Cell::fixed(*v, 6);
}

Cell loss_cell(const std::optional<double>& v, Format format) {
  if (!v) return Cell::text("");
  return format == Format::kTable ? Cell::fixed(*v, 4) : Cell::fixed(*v, 6);
}

std::optional<double> lo(const Estimate& e) {
  return finite_interval(e) ? std::optional<double>(e.interval->lo) : std::nullopt;
}
std::optional<double> hi(const Estimate& e) {
  return finite_interval(e) ? std::optional<double>(e.interval->hi) : std::nullopt;
}

nlohmann::json row_json(const fitting::ComparedConfig& r) {
  nlohmann::json j = {{"label", r.config.label},
                      {"params", r.config.params},
                      {"tokens", r.config.tokens},
                      {"pretrained_tokens", r.config.pretrained_tokens},
                      {"unique_tokens", r.config.unique_tokens},
                      {"tokens_per_param", r.tokens_per_param},
                      {"loss", r.loss.value},
                      {"loss_interval", interval_json(r.loss)},
                      {"flops", r.flops},
                      {"params_opt", r.optimal.params.value},
                      {"tokens_opt", r.optimal.tokens.value},
                      {"loss_opt", r.optimal.loss.value},
                      {"loss_opt_interval", interval_json(r.optimal.loss)},
                      {"excess_loss", r.excess_loss.value},
                      {"excess_loss_interval", interval_json(r.excess_loss)},
                      {"inference_flops", r.inference_flops},
                      {"total_flops", r.total_flops},
                      {"best", r.best}};
  j["scratch_loss"] = r.scratch_loss ? nlohmann::json(r.scratch_loss->value) : nullptr;
  j["continued_gain"] = r.continued_gain ? nlohmann::json(r.continued_gain->value) : nullptr;
  j["continued_gain_interval"] = r.continued_gain ? interval_json(*r.continued_gain) : nullptr;
  j["cheapest"] = nullptr;
  if (r.cheapest)
    j["cheapest"] = {{"params", r.cheapest->params},
                     {"tokens", r.cheapest->tokens},
                     {"training_flops", r.cheapest->training_flops},
                     {"inference_flops", r.cheapest->inference_flops},
                     {"total_flops", r.cheapest->total_flops}};
  j["excess_cost"] = optional_json(r.excess_cost);
  return j;
}

void print_comparison(const fitting::Comparison& c, nlohmann::json doc, Format format,
                      bool continued, bool inference) {
  if (format == Format::kJson) {
    doc["best"] = c.best;
    doc["best_by"] = c.best_by;
    doc["rows"] = nlohmann::json::array();
    for (const auto& r : c.rows) doc["rows"].push_back(row_json(r));
    print_json(std::cout, doc);
    return;
  }
  const bool csv = format == Format::kCsv;
  // CSV always has every column (a stable interface); the table only those that apply.
  bool intervals = csv;
  for (const auto& r : c.rows) intervals = intervals || finite_interval(r.loss);
  std::vector<std::string> headers = {"best", "label", "params", "tokens", "tokens_per_param",
                                      "loss"};
  if (intervals) headers.insert(headers.end(), {"loss_lo", "loss_hi"});
  headers.insert(headers.end(), {"flops", "params_opt", "tokens_opt", "loss_opt", "excess_loss"});
  if (csv) headers.insert(headers.end(), {"excess_loss_lo", "excess_loss_hi"});
  if (csv || continued)
    headers.insert(headers.end(), {"pretrained_tokens", "scratch_loss", "continued_gain"});
  if (csv) headers.push_back("unique_tokens");
  if (csv || inference)
    headers.insert(headers.end(), {"inference_flops", "total_flops", "cheapest_params",
                                   "cheapest_tokens", "cheapest_total_flops", "excess_cost"});
  Table t(headers);
  for (const auto& r : c.rows) {
    std::vector<Cell> row = {Cell::text(r.best ? (csv ? "1" : "*") : (csv ? "0" : "")),
                             Cell::text(r.config.label),
                             number(r.config.params, format),
                             number(r.config.tokens, format),
                             number(r.tokens_per_param, format),
                             loss_cell(r.loss.value, format)};
    if (intervals) {
      row.push_back(loss_cell(lo(r.loss), format));
      row.push_back(loss_cell(hi(r.loss), format));
    }
    row.push_back(number(r.flops, format));
    row.push_back(number(r.optimal.params.value, format));
    row.push_back(number(r.optimal.tokens.value, format));
    row.push_back(loss_cell(r.optimal.loss.value, format));
    row.push_back(loss_cell(r.excess_loss.value, format));
    if (csv) {
      row.push_back(loss_cell(lo(r.excess_loss), format));
      row.push_back(loss_cell(hi(r.excess_loss), format));
    }
    if (csv || continued) {
      row.push_back(number(r.config.pretrained_tokens, format));
      row.push_back(
          loss_cell(r.scratch_loss ? std::optional(r.scratch_loss->value) : std::nullopt, format));
      row.push_back(loss_cell(
          r.continued_gain ? std::optional(r.continued_gain->value) : std::nullopt, format));
    }
    if (csv) row.push_back(number(r.config.unique_tokens, format));
    if (csv || inference) {
      row.push_back(number(r.inference_flops, format));
      row.push_back(number(r.total_flops, format));
      row.push_back(number(r.cheapest ? std::optional(r.cheapest->params) : std::nullopt, format));
      row.push_back(number(r.cheapest ? std::optional(r.cheapest->tokens) : std::nullopt, format));
      row.push_back(
          number(r.cheapest ? std::optional(r.cheapest->total_flops) : std::nullopt, format));
      if (!r.excess_cost)
        row.push_back(Cell::text(""));
      else if (csv)
        row.push_back(Cell::fixed(*r.excess_cost, 6));
      else
        row.push_back(Cell::text(fmt::format("{:+.1f}%", 100 * *r.excess_cost)));
    }
    t.add_row(std::move(row));
  }
  if (csv) {
    t.print_csv(std::cout);
    return;
  }
  std::cout << "from " << doc["source"].get<std::string>() << '\n';
  t.print_table(std::cout);
  const auto& best = c.rows[c.best];
  if (c.best_by == "excess_cost")
    std::cout << fmt::format(
        "* best: {}, the least excess cost ({:+.1f}%) over the cheapest configuration that "
        "reaches its loss with {} inference tokens (training 6ND + inference 2NT)\n",
        best.config.label, 100 * *best.excess_cost,
        format_si(doc["inference_tokens"].get<double>()));
  else
    std::cout << fmt::format(
        "* best: {}, the least excess loss ({:.4f}) over the compute-optimal loss at its own "
        "C = 6ND\n",
        best.config.label, best.excess_loss.value);
  if (doc.contains("note")) std::cout << doc["note"].get<std::string>() << '\n';
}

void print_target_plan(const fitting::TargetLossPlan& plan, nlohmann::json doc, Format format) {
  if (format == Format::kJson) {
    doc["target_loss"] = plan.target_loss;
    doc["best"] = plan.best;
    doc["rows"] = nlohmann::json::array();
    for (const auto& r : plan.rows)
      doc["rows"].push_back({{"label", r.label},
                             {"params", r.params},
                             {"tokens", r.tokens},
                             {"tokens_per_param", r.tokens_per_param},
                             {"training_flops", r.training_flops},
                             {"inference_flops", r.inference_flops},
                             {"total_flops", r.total_flops},
                             {"excess_cost", r.excess_cost},
                             {"best", r.best}});
    doc["unreachable"] = plan.unreachable;
    print_json(std::cout, doc);
    return;
  }
  const bool csv = format == Format::kCsv;
  Table t({"best", "label", "params", "tokens", "tokens_per_param", "training_flops",
           "inference_flops", "total_flops", "excess_cost"});
  for (const auto& r : plan.rows)
    t.add_row({Cell::text(r.best ? (csv ? "1" : "*") : (csv ? "0" : "")), Cell::text(r.label),
               number(r.params, format), number(r.tokens, format),
               number(r.tokens_per_param, format), number(r.training_flops, format),
               number(r.inference_flops, format), number(r.total_flops, format),
               csv ? Cell::fixed(r.excess_cost, 6)
                   : Cell::text(fmt::format("{:+.1f}%", 100 * r.excess_cost))});
  if (csv) {
    t.print_csv(std::cout);
    return;
  }
  std::cout << fmt::format("from {}: the D that reaches loss {} for each N, and its cost\n",
                           doc["source"].get<std::string>(), plan.target_loss);
  t.print_table(std::cout);
  std::cout << fmt::format("* best: the least total cost 6ND + 2NT with {} inference tokens\n",
                           format_si(plan.inference_tokens));
  for (const auto& label : plan.unreachable)
    std::cout << fmt::format("N = {} cannot reach loss {} with any D\n", label, plan.target_loss);
  std::cout << "point estimates (no intervals)\n";
}

}  // namespace

int run_compare(const Args& args) {
  OptionParser p(
      "scalelab compare (--law NAME | --fit ID) (CONFIG... | --csv FILE) [options]\n"
      "       scalelab compare (--law NAME | --fit ID) --target-loss L [N...] [options]",
      "Compares training configurations under one law. A CONFIG is N:D: parameters and\n"
      "tokens, with SI suffixes k, M, B (or G), T, or D as tokens per parameter: 50M:3.3B,\n"
      "25M:20x, 5e7:3.3e9. --csv FILE has columns N, D and optional label, unique_tokens\n"
      "(data-constrained fits), pretrained_tokens. For each row: the predicted loss (with the\n"
      "fit's bootstrap interval), C = 6ND, tokens per parameter, the compute-optimal N_opt,\n"
      "D_opt and loss at the same C, and the excess loss over that optimum. The best row (*)\n"
      "has the least excess loss: at one budget, the lowest loss.\n"
      "--law takes a published law (hoffmann2022, epoch2024: point estimates; kaplan2020 takes\n"
      "the non-embedding N, and its optimum at C is the minimum of its L(N, D) along C = 6ND,\n"
      "not its eq. 1.7 that `predict --budget` uses); --fit takes a law of N and D stored by\n"
      "`scalelab fit` (chinchilla, kaplan, data-constrained).\n\n"
      "Continued training: --pretrained-tokens D0 (or the CSV column, which wins) predicts a\n"
      "model already trained on D0 tokens and trained on D more at L(N, D0 + D), with its\n"
      "scratch_loss L(N, D) and the continued_gain between them. This treats the pretraining\n"
      "data as interchangeable with the new data (the calculators' simplification); C counts\n"
      "only the new D.\n\n"
      "Inference (Sardana et al. 2024, Beyond Chinchilla-Optimal): --inference-tokens T adds\n"
      "2NT inference FLOPs to each row's 6ND; each row is then compared with the cheapest\n"
      "configuration that reaches its loss, and the best row has the least excess cost.\n"
      "--target-loss L instead lists, for each N given (default: the cheapest N and 1/4, 1/2,\n"
      "2 and 4 times it), the D that reaches L and the total cost, cheapest marked.\n\n"
      "JSON (--format json), configurations: {source, law, level, inference_tokens, note?,\n"
      "best (row index), best_by (excess_loss or excess_cost), rows: [{label, params, tokens,\n"
      "pretrained_tokens, unique_tokens, tokens_per_param, loss, loss_interval, flops,\n"
      "params_opt, tokens_opt, loss_opt, loss_opt_interval, excess_loss, excess_loss_interval,\n"
      "scratch_loss, continued_gain, continued_gain_interval, inference_flops, total_flops,\n"
      "cheapest {params, tokens, training_flops, inference_flops, total_flops}, excess_cost,\n"
      "best}]}; intervals are [lo, hi] or null (no bootstrap), scratch_loss and\n"
      "continued_gain null without pretrained tokens, cheapest and excess_cost null without\n"
      "inference tokens. Target loss: {source, law, inference_tokens, target_loss, best,\n"
      "rows: [{label, params, tokens, tokens_per_param, training_flops, inference_flops,\n"
      "total_flops, excess_cost, best}], unreachable: [N that no D brings to the target]}.\n"
      "CSV: the same columns flattened (lo/hi columns, empty fields for null; best 1 or 0).");
  p.add_positional("config", -1);
  p.add()("config", po::value<std::vector<std::string>>(), "N:D (or N with --target-loss)");
  p.add()("law", po::value<std::string>(), "published law: hoffmann2022, epoch2024, kaplan2020");
  p.add()("fit", po::value<std::int64_t>(), "id of a stored fit (a law of N and D)");
  p.add()("csv", po::value<std::string>(), "configurations: columns N, D[, label, ...]");
  p.add()("pretrained-tokens", po::value<std::string>(),
          "D0 already trained, for every row without its own (e.g. 1T)");
  p.add()("inference-tokens", po::value<std::string>(),
          "T tokens to be served: adds 2NT FLOPs (e.g. 2T)");
  p.add()("target-loss", po::value<double>(), "list the D and cost that reach this loss");
  p.add()("level", po::value<double>(), "interval level (default: the fit's)");
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;
  const Format format = p.format();
  if (p.has("law") == p.has("fit")) throw InputError("give exactly one of --law NAME or --fit ID");
  const std::vector<std::string> items =
      p.has("config") ? p.get<std::vector<std::string>>("config") : std::vector<std::string>{};

  nlohmann::json doc;
  fitting::CompareLaw law;
  if (p.has("law")) {
    const PublishedLaw& pub = find_published_law(p.get<std::string>("law"));
    law = fitting::published_law_as_fit(pub);
    doc["source"] = pub.name;
    doc["citation"] = pub.citation;
    doc["note"] = "published point estimate: no intervals (fit data and use --fit ID for them)";
  } else {
    // The stored-fit path of `predict --fit`: one place that checks what a stored fit holds.
    const std::int64_t id = p.get<std::int64_t>("fit");
    db::Database db = db::open_existing_database(p.db_path());
    const db::FitRecord record = db::require_fit(db, id);
    law = sweeps::load_fitted_law(db, id);  // a degenerate fit is refused in compare_configs
    doc["source"] = fmt::format("fit:{} ({} on {})", id, record.law, record.source);
    doc["fit_id"] = id;
  }
  if (p.has("level")) law.level = p.get<double>("level");
  doc["law"] = law.law->name;
  double inference_tokens = 0;
  if (p.has("inference-tokens"))
    inference_tokens = parse_count(p.get<std::string>("inference-tokens"), "--inference-tokens");
  doc["inference_tokens"] = inference_tokens;

  if (p.has("target-loss")) {
    if (p.has("csv") || p.has("pretrained-tokens"))
      throw InputError(
          "--target-loss takes parameter counts N as arguments, not --csv or "
          "--pretrained-tokens");
    std::vector<double> params;
    for (const auto& item : items) {
      if (item.find(':') != std::string::npos)
        throw InputError(fmt::format(
            "CONFIG '{}': with --target-loss give N alone (its D is solved for), e.g. 50M", item));
      params.push_back(parse_count(item, fmt::format("N '{}'", item)));
    }
    const auto plan = fitting::plan_for_target_loss(law, p.get<double>("target-loss"),
                                                    inference_tokens, params, items);
    print_target_plan(plan, doc, format);
    return 0;
  }

  if (p.has("csv") == !items.empty())
    throw InputError("give the configurations as N:D arguments or --csv FILE (one of them)");
  std::vector<fitting::CompareConfig> configs;
  if (p.has("csv")) {
    configs = fitting::read_compare_csv(p.get<std::string>("csv"));
  } else {
    for (const auto& item : items) configs.push_back(fitting::parse_compare_config(item));
  }
  if (p.has("pretrained-tokens")) {
    const double d0 = parse_count(p.get<std::string>("pretrained-tokens"), "--pretrained-tokens");
    for (auto& c : configs)
      if (c.pretrained_tokens == 0) c.pretrained_tokens = d0;
  }
  bool continued = false;
  for (const auto& c : configs) continued = continued || c.pretrained_tokens > 0;
  fitting::CompareOptions options;
  options.level = law.level;
  options.inference_tokens = inference_tokens;
  doc["level"] = law.level;
  const auto comparison = fitting::compare_configs(law, configs, options);
  print_comparison(comparison, doc, format, continued, inference_tokens > 0);
  return 0;
}

}  // namespace scalelab::apps
