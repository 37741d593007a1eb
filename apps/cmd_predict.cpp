// scalelab predict: the loss of a run, or the compute-optimal split of a budget, from a
// published law or a stored fit (with bootstrap intervals for fits).
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/cli.hpp"
#include "db/fit_store.hpp"
#include "db/schema.hpp"
#include "fitting/prediction.hpp"
#include "lib/error.hpp"
#include "lib/scaling_law.hpp"
#include "sweeps/fitted_law.hpp"

namespace scalelab::apps {

namespace {

using fitting::Estimate;

// [lo, hi], an unbounded end as null (lib/output.hpp); null without bootstrap refits.
nlohmann::json interval_json(const Estimate& e) {
  if (!e.interval) return nullptr;
  auto end = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  return nlohmann::json::array({end(e.interval->lo), end(e.interval->hi)});
}

void add(nlohmann::json& doc, const char* key, const Estimate& e) {
  doc[key] = e.value;
  doc[std::string(key) + "_interval"] = interval_json(e);
}

Cell si_or_blank(const std::optional<fitting::Interval>& i, bool lo) {
  return i ? Cell::si(lo ? i->lo : i->hi) : Cell::text("");
}

void print(const nlohmann::json& doc, const std::vector<std::pair<std::string, Estimate>>& rows,
           Format format) {
  if (format == Format::kJson) {
    print_json(std::cout, doc);
    return;
  }
  Table t({"quantity", "value", "lo", "hi"});
  for (const auto& [name, e] : rows)
    t.add_row({Cell::text(name), Cell::si(e.value), si_or_blank(e.interval, true),
               si_or_blank(e.interval, false)});
  if (format == Format::kCsv) {
    t.print_csv(std::cout);
    return;
  }
  std::cout << "from " << doc["source"].get<std::string>() << '\n';
  t.print_table(std::cout);
  if (doc.contains("note")) std::cout << doc["note"].get<std::string>() << '\n';
}

}  // namespace

int run_predict(const Args& args) {
  OptionParser p(
      "scalelab predict (--law NAME | --fit ID) (--params N --tokens D | --budget C) [options]",
      "Predicts the loss of a run of N parameters trained on D tokens, or splits a budget of C\n"
      "FLOPs (C = 6ND) into the compute-optimal N_opt and D_opt with their loss and tokens per\n"
      "parameter. --law takes a published law (hoffmann2022, epoch2024, kaplan2020: point\n"
      "estimates, no intervals); --fit takes a fit stored by `scalelab fit`, whose bootstrap\n"
      "refits give percentile intervals. Kaplan's law takes the non-embedding N.\n"
      "A fit judged degenerate by `scalelab fit` (see its --help) is refused: exit 2 with one\n"
      "line naming the fit and the reason. An interval end that is unbounded prints as\n"
      "'unbounded' (JSON: null).\n"
      "A prediction from --fit ID is stored in the database beside the fit (its id is printed\n"
      "as prediction_id in JSON) so that `scalelab report` can list it.");
  p.add()("law", po::value<std::string>(), "published law: hoffmann2022, epoch2024, kaplan2020");
  p.add()("fit", po::value<std::int64_t>(), "id of a stored fit");
  p.add()("params", po::value<double>(), "parameters N");
  p.add()("tokens", po::value<double>(), "training tokens D");
  p.add()("unique-tokens", po::value<double>()->default_value(0),
          "unique tokens (data-constrained fits; 0: no repetition)");
  p.add()("budget", po::value<double>(), "compute budget C in FLOPs");
  p.add()("level", po::value<double>(), "interval level (default: the fit's)");
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;
  const Format format = p.format();
  if (p.has("law") == p.has("fit")) throw InputError("give exactly one of --law NAME or --fit ID");
  const bool at_budget = p.has("budget");
  if (at_budget == (p.has("params") || p.has("tokens")))
    throw InputError("give either --params N --tokens D, or --budget C");
  if (!at_budget && !(p.has("params") && p.has("tokens")))
    throw InputError("--params and --tokens go together");

  nlohmann::json doc;
  std::vector<std::pair<std::string, Estimate>> rows;
  fitting::FittedLaw law;  // a published Chinchilla-form law or a stored fit
  std::optional<KaplanLaw> kaplan;
  std::optional<db::Database> fit_db;  // open when predicting from a stored fit
  if (p.has("law")) {
    const PublishedLaw& pub = find_published_law(p.get<std::string>("law"));
    doc["source"] = pub.name;
    doc["citation"] = pub.citation;
    doc["note"] = "published point estimate: no intervals (fit data and use --fit ID for them)";
    if (pub.chinchilla) {
      law.law = &fitting::find_law("chinchilla");
      law.name = pub.name;
      law.x = fitting::chinchilla_parameters(*pub.chinchilla);
    } else {
      kaplan = *pub.kaplan;
    }
  } else {
    const std::int64_t id = p.get<std::int64_t>("fit");
    fit_db.emplace(db::open_existing_database(p.db_path()));
    const db::FitRecord record = db::require_fit(*fit_db, id);
    // Marked degenerate when it is: the predictions below refuse it (exit 2, one line).
    law = sweeps::load_fitted_law(*fit_db, id);
    doc["source"] = fmt::format("fit:{} ({} on {})", id, record.law, record.source);
    doc["fit_id"] = id;
  }
  if (p.has("level")) law.level = p.get<double>("level");
  if (!(law.level > 0 && law.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", law.level));
  doc["level"] = law.level;
  doc["law"] = kaplan ? "kaplan" : law.law->name;

  if (at_budget) {
    const double c = p.get<double>("budget");
    doc["budget"] = c;
    fitting::AllocationPrediction a;
    if (kaplan) {
      if (!(std::isfinite(c) && c > 0))
        throw InputError(fmt::format("--budget must be finite and positive, got {}", c));
      const Allocation k = kaplan->optimal_allocation(c);
      a.params.value = k.params;
      a.tokens.value = k.tokens;
      a.tokens_per_param.value = k.tokens_per_param();
      a.loss.value = kaplan->loss(k.params, k.tokens);
    } else {
      a = fitting::predict_allocation(law, c);
    }
    add(doc, "params_opt", a.params);
    add(doc, "tokens_opt", a.tokens);
    add(doc, "tokens_per_param", a.tokens_per_param);
    add(doc, "loss", a.loss);
    rows = {{"params_opt", a.params},
            {"tokens_opt", a.tokens},
            {"tokens_per_param", a.tokens_per_param},
            {"loss", a.loss}};
  } else {
    const double n = p.get<double>("params"), d = p.get<double>("tokens");
    doc["params"] = n;
    doc["tokens"] = d;
    Estimate loss;
    if (kaplan) {
      if (!(std::isfinite(n) && n > 0 && std::isfinite(d) && d > 0))
        throw InputError("--params and --tokens must be finite and positive");
      loss.value = kaplan->loss(n, d);
    } else {
      loss = fitting::predict_loss(law, n, d, p.get<double>("unique-tokens")).loss;
    }
    add(doc, "loss", loss);
    rows = {{"loss", loss}};
  }
  if (fit_db) {
    // Predictions from a stored fit are kept beside it, for `scalelab report` to list.
    db::PredictionRecord record;
    record.fit_id = p.get<std::int64_t>("fit");
    record.kind = at_budget ? "allocation" : "loss";
    if (at_budget) {
      record.flops = doc["budget"].get<double>();
      record.params = doc["params_opt"].get<double>();
      record.tokens = doc["tokens_opt"].get<double>();
    } else {
      record.params = doc["params"].get<double>();
      record.tokens = doc["tokens"].get<double>();
    }
    record.loss = doc["loss"].get<double>();
    if (doc["loss_interval"].is_array()) {
      // An unbounded end (null) is stored as NULL.
      const auto& interval = doc["loss_interval"];
      if (interval[0].is_number()) record.loss_lo = interval[0].get<double>();
      if (interval[1].is_number()) record.loss_hi = interval[1].get<double>();
    }
    record.result_json = doc.dump();
    db::insert_prediction(*fit_db, record);
    doc["prediction_id"] = record.id;
  }
  print(doc, rows, format);
  if (fit_db && format == Format::kTable)
    std::cout << fmt::format("stored as prediction {} of fit {} in {}\n",
                             doc["prediction_id"].get<std::int64_t>(), p.get<std::int64_t>("fit"),
                             p.db_path());
  return 0;
}

}  // namespace scalelab::apps
