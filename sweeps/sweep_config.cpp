#include "sweeps/sweep_config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "lib/budget.hpp"
#include "lib/error.hpp"
#include "lib/hardware.hpp"
#include "trainer/schedule.hpp"

namespace scalelab::sweeps {
namespace {

// Reads typed values from YAML nodes, naming the file, line and key in every error.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& key,
                         const std::string& message) const {
    const int line = node.IsDefined() ? node.Mark().line + 1 : 0;
    throw InputError(fmt::format("{}:{}: key '{}': {}", source_, line, key, message));
  }

  // Every key of `map` must be one of `known`.
  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::set<std::string>& known) const {
    if (!map.IsMap()) fail(map, path, "expected a mapping of keys to values");
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.as<std::string>();
      if (!known.count(key)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        const std::string full = path.empty() ? key : path + "." + key;
        throw InputError(fmt::format("{}:{}: unknown key '{}' (known{}: {})", source_,
                                     it->first.Mark().line + 1, full,
                                     path.empty() ? "" : " in " + path, list));
      }
    }
  }

  template <typename T>
  void get(const YAML::Node& map, const char* key, const std::string& path, T& out,
           const char* expected) const {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull()) return;
    const std::string full = path.empty() ? key : path + "." + key;
    if (!node.IsScalar()) fail(node, full, fmt::format("expected {}", expected));
    try {
      out = node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, full, fmt::format("expected {}, got '{}'", expected, node.Scalar()));
    }
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

void read_power_rule(const Reader& r, const YAML::Node& node, const std::string& path,
                     PowerRule& rule) {
  if (!node.IsDefined() || node.IsNull()) return;
  r.check_keys(node, path, {"of", "coefficient", "reference", "exponent", "min", "max"});
  r.get(node, "of", path, rule.of, "'params' or 'flops'");
  r.get(node, "coefficient", path, rule.coefficient, "a number");
  r.get(node, "reference", path, rule.reference, "a number");
  r.get(node, "exponent", path, rule.exponent, "a number");
  r.get(node, "min", path, rule.min_value, "a number");
  r.get(node, "max", path, rule.max_value, "a number");
  try {
    rule.validate(path);
  } catch (const InputError& e) {
    r.fail(node, path, e.what());
  }
}

}  // namespace

namespace {
SweepConfig parse_sweep_document(const std::string& text, const std::string& source);
}  // namespace

// yaml-cpp's own exceptions (a key that is itself a map, a value it cannot convert) become one
// InputError naming the file and line, as every other mistake in the file does (found by
// tests/fuzz/fuzz_sweep_config).
SweepConfig parse_sweep_config(const std::string& text, const std::string& source) {
  try {
    return parse_sweep_document(text, source);
  } catch (const YAML::Exception& e) {
    throw InputError(
        fmt::format("{}:{}: not a valid sweep config: {}", source, e.mark.line + 1, e.msg));
  }
}

namespace {

SweepConfig parse_sweep_document(const std::string& text, const std::string& source) {
  const Reader r(source);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw InputError(fmt::format("{}:{}: not valid YAML: {}", source, e.mark.line + 1, e.msg));
  }
  SweepConfig c;
  if (root.IsNull()) return c;
  r.check_keys(
      root, "",
      {"budgets",    "rule",     "tokens_per_param", "grid",       "span",       "arch",
       "vocab_size", "seq_len",  "tied_embeddings",  "min_aspect", "max_aspect", "min_layers",
       "max_layers", "head_dim", "hardware",         "mfu",        "data",       "hyperparameters",
       "divergence", "backend"});
  PlanOptions& p = c.plan;
  r.get(root, "mfu", "", p.mfu, "a number in (0, 1]");
  try {
    validate_mfu(p.mfu, "mfu");
  } catch (const InputError& e) {
    r.fail(root["mfu"], "mfu", e.what());
  }
  if (const YAML::Node b = root["budgets"]; b.IsDefined() && !b.IsNull()) {
    std::vector<std::string> items;
    if (b.IsScalar()) {
      items.push_back(b.Scalar());
    } else if (b.IsSequence()) {
      for (const auto& item : b) {
        if (!item.IsScalar()) r.fail(item, "budgets", "each budget is a number or a string");
        items.push_back(item.Scalar());
      }
    } else {
      r.fail(b, "budgets", "expected a budget, a list of budgets or LO:HI:COUNT");
    }
    BudgetOptions bo;
    bo.mfu = p.mfu;
    bo.what = "budgets";
    try {
      p.budgets = parse_budget_list(items, bo);
    } catch (const InputError& e) {
      r.fail(b, "budgets", e.what());
    }
  }
  std::string rule = "ratio";
  double tokens_per_param = 20;
  r.get(root, "rule", "", rule, "a rule name");
  r.get(root, "tokens_per_param", "", tokens_per_param, "a number");
  try {
    p.rule = make_allocation_rule(rule, tokens_per_param, "rule");
  } catch (const InputError& e) {
    r.fail(root["rule"].IsDefined() ? root["rule"] : root["tokens_per_param"], "rule", e.what());
  }
  r.get(root, "grid", "", p.grid, "an integer");
  r.get(root, "span", "", p.span, "a number");
  std::string arch = std::string(arch_name(p.shape.arch));
  r.get(root, "arch", "", arch, "llama or gpt2");
  try {
    p.shape.arch = parse_arch(arch, "arch");
  } catch (const InputError& e) {
    r.fail(root["arch"], "arch", e.what());
  }
  r.get(root, "vocab_size", "", p.shape.vocab_size, "an integer");
  r.get(root, "seq_len", "", p.shape.seq_len, "an integer");
  if (root["tied_embeddings"].IsDefined()) {
    bool tied = false;
    r.get(root, "tied_embeddings", "", tied, "true or false");
    p.shape.tied_embeddings = tied;
  }
  r.get(root, "min_aspect", "", p.shape.min_aspect, "a number");
  r.get(root, "max_aspect", "", p.shape.max_aspect, "a number");
  r.get(root, "min_layers", "", p.shape.min_layers, "an integer");
  r.get(root, "max_layers", "", p.shape.max_layers, "an integer");
  r.get(root, "head_dim", "", p.shape.head_dim, "an even integer (0: by width)");
  std::string hardware = p.hardware.name;
  r.get(root, "hardware", "", hardware, "an accelerator name");
  try {
    p.hardware = find_accelerator(hardware, "hardware");
  } catch (const InputError& e) {
    r.fail(root["hardware"], "hardware", e.what());
  }
  r.get(root, "data", "", p.data, "a data source name");
  if (!p.budgets.empty()) {
    try {
      p.validate();
    } catch (const InputError& e) {
      r.fail(root, "", e.what());
    }
  }

  if (const YAML::Node h = root["hyperparameters"]; h.IsDefined() && !h.IsNull()) {
    const std::string path = "hyperparameters";
    r.check_keys(h, path,
                 {"lr", "batch_tokens", "warmup_fraction", "min_steps", "schedule",
                  "final_lr_fraction", "min_lr_ratio", "cooldown_fraction", "weight_decay", "beta2",
                  "grad_clip", "evals_per_run", "checkpoints_per_run", "eval_tokens", "seed"});
    HyperparameterRules& hp = c.hyperparameters;
    read_power_rule(r, h["lr"], path + ".lr", hp.lr);
    read_power_rule(r, h["batch_tokens"], path + ".batch_tokens", hp.batch_tokens);
    r.get(h, "warmup_fraction", path, hp.warmup_fraction, "a number");
    r.get(h, "min_steps", path, hp.min_steps, "an integer");
    if (h["schedule"].IsDefined() && !h["schedule"].IsNull()) {
      std::string kind;
      r.get(h, "schedule", path, kind, "cosine, wsd or constant");
      try {
        hp.schedule = trainer::parse_schedule(kind, path + ".schedule");
      } catch (const InputError& e) {
        r.fail(h["schedule"], path + ".schedule", e.what());
      }
    }
    // min_lr_ratio: the key's name before it matched the trainer's final_lr_fraction; sweeps
    // saved with it still load.
    if (h["final_lr_fraction"].IsDefined() && h["min_lr_ratio"].IsDefined())
      r.fail(h["min_lr_ratio"], path + ".min_lr_ratio",
             "give final_lr_fraction only (min_lr_ratio is its older name)");
    r.get(h, "final_lr_fraction", path, hp.final_lr_fraction, "a number");
    r.get(h, "min_lr_ratio", path, hp.final_lr_fraction, "a number");
    r.get(h, "cooldown_fraction", path, hp.cooldown_fraction, "a number");
    r.get(h, "weight_decay", path, hp.weight_decay, "a number");
    r.get(h, "beta2", path, hp.beta2, "a number");
    r.get(h, "grad_clip", path, hp.grad_clip, "a number");
    r.get(h, "evals_per_run", path, hp.evals_per_run, "an integer");
    r.get(h, "checkpoints_per_run", path, hp.checkpoints_per_run, "an integer");
    r.get(h, "eval_tokens", path, hp.eval_tokens, "an integer");
    r.get(h, "seed", path, hp.seed, "a non-negative integer");
    try {
      hp.validate();
    } catch (const InputError& e) {
      r.fail(h, path, e.what());
    }
  }

  if (const YAML::Node d = root["divergence"]; d.IsDefined() && !d.IsNull()) {
    r.check_keys(d, "divergence", {"spike_ratio", "min_steps", "patience"});
    r.get(d, "spike_ratio", "divergence", c.divergence.spike_ratio, "a number > 1");
    r.get(d, "min_steps", "divergence", c.divergence.min_steps, "an integer");
    r.get(d, "patience", "divergence", c.divergence.patience, "an integer >= 1");
    if (!(c.divergence.spike_ratio > 1))
      r.fail(d["spike_ratio"], "divergence.spike_ratio", "expected a number > 1");
    if (c.divergence.patience < 1)
      r.fail(d["patience"], "divergence.patience", "expected an integer >= 1");
  }

  if (const YAML::Node b = root["backend"]; b.IsDefined() && !b.IsNull()) {
    const std::string path = "backend";
    r.check_keys(b, path,
                 {"kind", "workers", "threads", "retries", "train_fraction", "runs_dir", "command",
                  "slurm"});
    BackendConfig& bc = c.backend;
    r.get(b, "kind", path, bc.kind, "local, command or slurm");
    if (bc.kind != "local" && bc.kind != "command" && bc.kind != "slurm")
      r.fail(b["kind"], "backend.kind",
             fmt::format("'{}' (accepted: local, command, slurm)", bc.kind));
    r.get(b, "workers", path, bc.workers, "an integer");
    r.get(b, "threads", path, bc.threads, "an integer");
    r.get(b, "retries", path, bc.retries, "an integer");
    r.get(b, "train_fraction", path, bc.train_fraction, "a number in (0, 1]");
    if (b["runs_dir"].IsDefined()) {
      std::string dir;
      r.get(b, "runs_dir", path, dir, "a path");
      bc.runs_dir = dir;
    }
    r.get(b, "command", path, bc.command, "a command template");
    if (bc.workers < 0) r.fail(b["workers"], "backend.workers", "expected an integer >= 0");
    if (bc.retries < 0) r.fail(b["retries"], "backend.retries", "expected an integer >= 0");
    if (!(bc.train_fraction > 0 && bc.train_fraction <= 1))
      r.fail(b["train_fraction"], "backend.train_fraction", "expected a number in (0, 1]");
    if (bc.kind == "command" && bc.command.empty())
      r.fail(b, "backend.command", "the command backend needs a command template");
    if (const YAML::Node s = b["slurm"]; s.IsDefined() && !s.IsNull()) {
      const std::string sp = "backend.slurm";
      r.check_keys(s, sp,
                   {"partition", "time_limit", "gpus_per_task", "cpus_per_task", "max_concurrent",
                    "mem", "extra_args", "executable"});
      SlurmOptions& so = bc.slurm;
      r.get(s, "partition", sp, so.partition, "a partition name");
      r.get(s, "time_limit", sp, so.time_limit, "a Slurm time such as \"04:00:00\"");
      r.get(s, "gpus_per_task", sp, so.gpus_per_task, "an integer");
      r.get(s, "cpus_per_task", sp, so.cpus_per_task, "an integer");
      r.get(s, "max_concurrent", sp, so.max_concurrent, "an integer");
      r.get(s, "mem", sp, so.mem, "a size such as 8G");
      r.get(s, "executable", sp, so.executable, "a path");
      if (const YAML::Node e = s["extra_args"]; e.IsDefined() && !e.IsNull()) {
        if (!e.IsSequence()) r.fail(e, sp + ".extra_args", "expected a list of strings");
        for (const auto& item : e) {
          if (!item.IsScalar()) r.fail(item, sp + ".extra_args", "expected a list of strings");
          so.extra_args.push_back(item.Scalar());
        }
      }
      if (so.gpus_per_task < 0 || so.cpus_per_task < 1 || so.max_concurrent < 0)
        r.fail(s, sp, "gpus_per_task >= 0, cpus_per_task >= 1 and max_concurrent >= 0");
    }
  }
  return c;
}

}  // namespace

SweepConfig load_sweep_config(const std::string& path, std::string& text) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("--config: cannot read '{}'", path));
  std::ostringstream s;
  s << in.rdbuf();
  text = s.str();
  return parse_sweep_config(text, path);
}

std::optional<std::string> saved_config_text(const db::SweepRecord& sweep) {
  const nlohmann::json doc = nlohmann::json::parse(sweep.config_json, nullptr, false);
  if (doc.is_object() && doc.contains("config_text") && doc["config_text"].is_string())
    return doc["config_text"].get<std::string>();
  return std::nullopt;
}

SweepConfig saved_sweep_config(const db::SweepRecord& sweep) {
  if (auto text = saved_config_text(sweep))
    return parse_sweep_config(*text, fmt::format("sweep '{}' (saved config)", sweep.name));
  return SweepConfig{};
}

}  // namespace scalelab::sweeps

namespace scalelab::sweeps {

std::string sweep_config_yaml(const db::SweepRecord& sweep) {
  if (auto text = saved_config_text(sweep)) return *text;
  const nlohmann::json doc = nlohmann::json::parse(sweep.config_json, nullptr, false);
  std::string out =
      fmt::format("# sweep '{}' ({}), created {}\n", sweep.name, sweep.source, sweep.created_at);
  if (!doc.is_object() || !doc.contains("options") || !doc["options"].is_object()) {
    out += "# no plan options stored: " + sweep.config_json + "\n";
    return out;
  }
  const nlohmann::json& o = doc["options"];
  // Keys as parse_sweep_config reads them; the plan's "rule" JSON holds the rule's name.
  static const char* kKeys[] = {
      "budgets",    "rule",       "tokens_per_param", "grid",       "span",
      "arch",       "vocab_size", "seq_len",          "min_aspect", "max_aspect",
      "min_layers", "max_layers", "head_dim",         "hardware",   "mfu",
      "data"};
  for (const char* key : kKeys) {
    if (!o.contains(key)) continue;
    const nlohmann::json& v = o[key];
    if (v.is_array()) {
      std::string items;
      for (const auto& item : v) items += (items.empty() ? "" : ", ") + item.dump();
      out += fmt::format("{}: [{}]\n", key, items);
    } else {
      out += fmt::format("{}: {}\n", key, v.dump());
    }
  }
  return out;
}

}  // namespace scalelab::sweeps
