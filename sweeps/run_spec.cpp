#include "sweeps/run_spec.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"

namespace scalelab::sweeps {

void to_json(nlohmann::json& j, const RunSpec& s) {
  j = {{"run_id", s.run_id},
       {"sweep", s.sweep},
       {"name", s.name},
       {"shape", s.shape},
       {"params", s.params},
       {"tokens", s.tokens},
       {"budget_flops", s.budget_flops},
       {"data", s.data},
       {"hyperparameters", s.hp},
       {"stop_steps", s.stop_steps},
       {"device", s.device},
       {"threads", s.threads}};
}

void from_json(const nlohmann::json& j, RunSpec& s) {
  s.run_id = j.at("run_id").get<std::int64_t>();
  s.sweep = j.at("sweep").get<std::string>();
  s.name = j.at("name").get<std::string>();
  s.shape = j.at("shape").get<ModelShape>();
  s.params = j.at("params").get<double>();
  s.tokens = j.at("tokens").get<double>();
  s.budget_flops = j.at("budget_flops").get<double>();
  s.data = j.at("data").get<std::string>();
  s.hp = j.at("hyperparameters").get<RunHyperparameters>();
  s.stop_steps = j.at("stop_steps").get<std::int64_t>();
  s.device = j.at("device").get<std::string>();
  s.threads = j.at("threads").get<int>();
}

std::map<std::string, std::string> placeholders(const RunSpec& s, const std::string& run_dir) {
  auto num = [](double v) { return format_exact(v); };
  auto integer = [](std::int64_t v) { return std::to_string(v); };
  return {{"params", num(s.params)},
          {"tokens", num(s.tokens)},
          {"flops", num(training_flops_6nd(s.params, s.tokens))},
          {"budget_flops", num(s.budget_flops)},
          {"n_layer", integer(s.shape.n_layer)},
          {"d_model", integer(s.shape.d_model)},
          {"n_head", integer(s.shape.n_head)},
          {"head_dim", integer(s.shape.head_dim)},
          {"d_ff", integer(s.shape.d_ff)},
          {"vocab_size", integer(s.shape.vocab_size)},
          {"seq_len", integer(s.shape.seq_len)},
          {"arch", std::string(arch_name(s.shape.arch))},
          {"lr", num(s.hp.lr)},
          {"min_lr", num(s.hp.min_lr)},
          {"batch_tokens", integer(s.hp.batch_tokens)},
          {"batch_size", integer(s.hp.batch_sequences)},
          {"steps", integer(s.hp.total_steps)},
          {"stop_steps", integer(s.stop_steps)},
          {"warmup_steps", integer(s.hp.warmup_steps)},
          {"eval_every", integer(s.hp.eval_every)},
          {"checkpoint_every", integer(s.hp.checkpoint_every)},
          {"weight_decay", num(s.hp.weight_decay)},
          {"grad_clip", num(s.hp.grad_clip)},
          {"seed", std::to_string(s.hp.seed)},
          {"data", s.data},
          {"run_dir", run_dir},
          {"run_id", integer(s.run_id)},
          {"run_name", s.name},
          {"sweep", s.sweep},
          {"device", s.device},
          {"threads", integer(s.threads)}};
}

std::string expand_template(const std::string& text,
                            const std::map<std::string, std::string>& values,
                            const std::string& what) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      const std::size_t close = text.find('}', i);
      if (close == std::string::npos)
        throw InputError(
            fmt::format("{}: unclosed '{{' at character {} of '{}'", what, i + 1, text));
      const std::string name = text.substr(i + 1, close - i - 1);
      const auto found = values.find(name);
      if (found == values.end()) {
        std::string known;
        for (const auto& [k, v] : values) known += (known.empty() ? "" : ", ") + k;
        throw InputError(
            fmt::format("{}: unknown placeholder {{{}}} (known: {})", what, name, known));
      }
      out += found->second;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

std::string shell_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace scalelab::sweeps
