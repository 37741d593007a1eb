// scalelab plan: compute-optimal points and IsoFLOP grids for one or more budgets.
#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "apps/cli.hpp"
#include "apps/shape_options.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/budget.hpp"
#include "lib/error.hpp"
#include "lib/units.hpp"
#include "sweeps/branch_plan.hpp"
#include "sweeps/fitted_law.hpp"
#include "sweeps/plan.hpp"
#include "sweeps/plan_store.hpp"
#include "sweeps/sweep_config.hpp"

namespace scalelab::apps {
namespace {

void print_plan_table(const sweeps::Plan& plan) {
  for (const sweeps::BudgetPlan& b : plan.budgets) {
    const sweeps::PlannedRun& o = b.optimal;
    std::cout << fmt::format(
        "budget {} FLOPs ({} PF-days), rule {}: optimal N {} (non-embedding {}), D {}, "
        "{} tokens/param, predicted loss {}\n",
        format_general(b.compute_flops, 3), format_si(b.compute_flops / kFlopsPerPfDay),
        plan.options.rule.name, format_si(o.params), format_si(o.non_embedding_params),
        format_si(o.tokens), format_fixed(o.tokens_per_param(), 1),
        format_fixed(o.predicted_loss, 4));
    Table t({"params", "non_embedding_params", "tokens", "tokens_per_param", "flops_exact",
             "exact_vs_6nd", "predicted_loss", "shape", "shape_deviation", "hours"});
    for (const sweeps::PlannedRun& r : b.grid)
      t.add_row({Cell::si(r.params), Cell::si(r.non_embedding_params), Cell::si(r.tokens),
                 Cell::fixed(r.tokens_per_param(), 1), Cell::si(r.flops_exact),
                 Cell::text(fmt::format("{:+.1f}%", 100.0 * (r.flops_exact / r.flops_6nd - 1))),
                 Cell::fixed(r.predicted_loss, 4), Cell::text(r.shape.shape.summary()),
                 Cell::text(fmt::format("{:+.1f}%", 100.0 * r.shape.deviation)),
                 Cell::si(r.hours)});
    t.print_table(std::cout);
    std::cout << '\n';
  }
  std::cout << fmt::format("hours: {}-hours at {:.0f}% MFU for the exact FLOPs\n",
                           plan.options.hardware.name, 100 * plan.options.mfu);
}

void print_plan_csv(const sweeps::Plan& plan) {
  Table t({"compute_flops",
           "kind",
           "params",
           "non_embedding_params",
           "tokens",
           "tokens_per_param",
           "flops_6nd",
           "flops_exact",
           "predicted_loss",
           "hours",
           "arch",
           "n_layer",
           "d_model",
           "n_head",
           "head_dim",
           "d_ff",
           "vocab_size",
           "seq_len",
           "tied_embeddings",
           "shape_params",
           "shape_deviation"});
  for (const sweeps::BudgetPlan& b : plan.budgets) {
    auto add = [&](const sweeps::PlannedRun& r, const char* kind) {
      const ModelShape& s = r.shape.shape;
      t.add_row({Cell::si(b.compute_flops),
                 Cell::text(kind),
                 Cell::si(r.params),
                 Cell::si(r.non_embedding_params),
                 Cell::si(r.tokens),
                 Cell::si(r.tokens_per_param()),
                 Cell::si(r.flops_6nd),
                 Cell::si(r.flops_exact),
                 Cell::si(r.predicted_loss),
                 Cell::si(r.hours),
                 Cell::text(std::string(arch_name(s.arch))),
                 Cell::integer(s.n_layer),
                 Cell::integer(s.d_model),
                 Cell::integer(s.n_head),
                 Cell::integer(s.head_dim),
                 Cell::integer(s.d_ff),
                 Cell::integer(s.vocab_size),
                 Cell::integer(s.seq_len),
                 Cell::text(s.tied_embeddings ? "true" : "false"),
                 Cell::integer(r.shape.counts.total),
                 Cell::si(r.shape.deviation)});
    };
    add(b.optimal, "optimal");
    for (const auto& r : b.grid) add(r, "grid");
  }
  t.print_csv(std::cout);
}

// The compute of the plan's runs trained independently and as cooldown branches, per budget
// and in total, and the shapes that recur.
void print_branch_summary(std::ostream& out, const sweeps::Plan& plan,
                          const sweeps::BranchPlan& bp) {
  out << fmt::format("\ncooldown branches ({:.0f}% of each D in its cooldown): {} stable runs "
                     "for {} grid runs\n",
                     100 * bp.cooldown_fraction, bp.groups.size(),
                     [&] {
                       std::size_t n = 0;
                       for (const auto& g : bp.groups) n += g.points.size();
                       return n;
                     }());
  Table t({"budget", "independent FLOPs", "with branches", "saving"});
  for (std::size_t b = 0; b < plan.budgets.size(); ++b)
    t.add_row({Cell::si(plan.budgets[b].compute_flops), Cell::si(bp.independent_flops[b]),
               Cell::si(bp.branched_flops[b]),
               Cell::text(fmt::format("{:.0f}%", 100 * (1 - bp.branched_flops[b] /
                                                                bp.independent_flops[b])))});
  t.add_row({Cell::text("total"), Cell::si(bp.total_independent), Cell::si(bp.total_branched),
             Cell::text(fmt::format("{:.0f}%", 100 * bp.saving()))});
  t.print_table(out);
}

}  // namespace

int run_plan(const Args& args) {
  OptionParser p(
      "scalelab plan --budget C [--budget C2 | LO:HI:COUNT ...] [options]\n"
      "       scalelab plan --config sweep.yaml [--save NAME]",
      "For each compute budget C (training FLOPs, C = 6·N·D) prints the compute-optimal split\n"
      "into parameters N and tokens D under --rule, and an IsoFLOP grid of --grid concrete\n"
      "model shapes log-spaced from N_opt/--span to N_opt·--span, each with D = C/(6N), its\n"
      "exact FLOPs (Chinchilla Appendix F), the loss the rule's law predicts, and the\n"
      "accelerator-hours on --hardware at --mfu. --save NAME stores the grid as a sweep of\n"
      "pending runs in the database.\n\n"
      "Budgets: 1e21, '1e21 FLOPs', '3.5 PF-days', '1000 H100-hours' (uses --mfu), or a\n"
      "log-spaced range LO:HI:COUNT such as 1e17:1e19:5.\n"
      "Rules: ratio (N = sqrt(C/(6r)), D = r·N, r = --tokens-per-param, default 20; losses\n"
      "predicted with epoch2024), hoffmann2022, epoch2024 (closed form of E + A/N^a + B/D^b),\n"
      "kaplan2020 (N_opt = 1.3e9·(C/PF-day)^0.73), fit:ID (a Chinchilla law fitted by\n"
      "`scalelab fit`; a fit judged degenerate is refused, exit 2, naming it and the reason).\n"
      "--config FILE reads the whole sweep from YAML instead (budgets, grid, arch, data,\n"
      "hyperparameter rules, backend; keys in sweeps/sweep_config.hpp); the saved sweep keeps\n"
      "the file's text (`scalelab sweep show NAME`).");
  p.add()("budget,b", po::value<std::vector<std::string>>()->multitoken(),
          "compute budget(s); repeatable")(
      "config", po::value<std::string>(),
      "read the sweep from a YAML file (no other plan options)")(
      "rule", po::value<std::string>()->default_value("ratio"),
      "allocation rule: ratio, hoffmann2022, epoch2024, kaplan2020, or fit:ID (a Chinchilla "
      "law stored by `scalelab fit`)")("tokens-per-param", po::value<double>()->default_value(20.0),
                                       "r for --rule ratio (Chinchilla's rule of thumb: 20)")(
      "grid", po::value<int>()->default_value(5), "model sizes per budget")(
      "span", po::value<double>()->default_value(4.0),
      "grid spans N_opt/span to N_opt·span (log-spaced)")(
      "hardware", po::value<std::string>()->default_value("H100"),
      "accelerator for the hours estimate: H100, H200, A100, B200")(
      "mfu", po::value<double>()->default_value(0.4),
      "model-FLOP utilisation for hours and for '... H100-hours' budgets")(
      "data", po::value<std::string>()->default_value("kjv"),
      "data the sweep trains on (default: the built-in corpus, byte-level, vocab 256)")(
      "save", po::value<std::string>(), "store the grid as a sweep named NAME (runs pending)")(
      "branches",
      "plan cooldown branches: grids aligned so that shapes recur across budgets, and per "
      "budget and in total the FLOPs of independent runs beside one stable run per shape with "
      "a cooldown branch per D (saving such a sweep is not supported yet)")(
      "cooldown-fraction", po::value<double>()->default_value(0.2),
      "--branches: the share of each run's D in its 1-sqrt cooldown");
  add_shape_search_options(p, 256, 256);
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;

  // Everything is parsed and validated before anything is written.
  const Format format = p.format();
  std::string config_text;
  sweeps::PlanOptions o;
  if (p.has("config")) {
    for (const char* option :
         {"budget", "rule", "tokens-per-param", "grid", "span", "hardware", "mfu", "data", "arch",
          "vocab", "seq-len", "min-aspect", "max-aspect", "tied", "untied"})
      if (p.has(option))
        throw InputError(
            fmt::format("--config: give the plan in the file or on the command "
                        "line, not both (--{} given)",
                        option));
    const std::string path = p.get<std::string>("config");
    o = sweeps::load_sweep_config(path, config_text).plan;
    if (o.budgets.empty()) throw InputError(fmt::format("{}: no 'budgets' key", path));
  } else {
    if (!p.has("budget"))
      throw InputError("--budget: no budget given (e.g. --budget 1e19), or --config FILE");
    o.mfu = p.get<double>("mfu");
    validate_mfu(o.mfu);
    BudgetOptions bo;
    bo.mfu = o.mfu;
    o.budgets = parse_budget_list(p.get<std::vector<std::string>>("budget"), bo);
    const std::string rule = p.get<std::string>("rule");
    if (std::int64_t fit_id = 0; sweeps::parse_fit_reference(rule, fit_id)) {
      db::Database db = db::open_existing_database(p.db_path());
      o.rule = sweeps::fitted_rule(db, fit_id);
    } else {
      o.rule = make_allocation_rule(rule, p.get<double>("tokens-per-param"));
    }
    o.grid = p.get<int>("grid");
    o.span = p.get<double>("span");
    o.hardware = find_accelerator(p.get<std::string>("hardware"));
    o.shape = shape_search_options(p);
    o.data = p.get<std::string>("data");
  }
  const bool branches = p.has("branches");
  if (branches && p.has("save"))
    throw InputError(
        "--branches with --save: a sweep of cooldown branches cannot be saved yet (the "
        "coordinator does not dispatch branches); plan it without --save to see its saving");
  if (!branches && p.has("cooldown-fraction"))
    throw InputError("--cooldown-fraction: only with --branches");
  o.align_grid = o.align_grid || branches;
  const sweeps::Plan plan = sweeps::make_plan(o);
  std::optional<sweeps::BranchPlan> branch_plan;
  if (branches) branch_plan = sweeps::plan_branches(plan, p.get<double>("cooldown-fraction"));

  if (p.has("save")) {
    const std::string name = p.get<std::string>("save");
    db::validate_sweep_name(name, "--save");
    db::Database db = db::open_database(p.db_path());
    if (p.has("config"))
      sweeps::save_plan(db, name, plan, "config", config_text);
    else
      sweeps::save_plan(db, name, plan);
  }

  switch (format) {
    case Format::kJson: {
      nlohmann::json doc = sweeps::plan_to_json(plan);
      if (branch_plan) doc["branches"] = sweeps::branch_plan_to_json(plan, *branch_plan);
      print_json(std::cout, doc);
      break;
    }
    case Format::kCsv:
      print_plan_csv(plan);
      if (branch_plan) print_branch_summary(std::cerr, plan, *branch_plan);
      break;
    case Format::kTable:
      print_plan_table(plan);
      if (branch_plan) print_branch_summary(std::cout, plan, *branch_plan);
      break;
  }
  if (p.has("save")) {
    std::size_t runs = 0;
    for (const auto& b : plan.budgets) runs += b.grid.size();
    std::cerr << fmt::format("saved sweep '{}' with {} pending runs in {}\n",
                             p.get<std::string>("save"), runs, p.db_path());
  }
  return 0;
}

}  // namespace scalelab::apps
