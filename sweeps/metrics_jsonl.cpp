#include "sweeps/metrics_jsonl.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "lib/error.hpp"
#include "lib/output.hpp"

namespace scalelab::sweeps {
namespace {

using nlohmann::json;

// Rewrites the bare words NaN, Infinity, -Infinity, nan, inf, -inf outside strings as JSON
// strings, so that lines written by Python's json module parse.
std::string quote_bare_non_finite(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 8);
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < line.size()) {
        out += line[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    if (c == '-' || std::isalpha(static_cast<unsigned char>(c))) {
      std::size_t j = i + (c == '-' ? 1 : 0);
      while (j < line.size() && std::isalpha(static_cast<unsigned char>(line[j]))) ++j;
      const std::string_view word = line.substr(i, j - i);
      if (word == "NaN" || word == "nan" || word == "Infinity" || word == "-Infinity" ||
          word == "inf" || word == "-inf") {
        out += '"';
        out += word;
        out += '"';
        i = j - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

std::optional<double> value_of(const json& v, const char* key, const std::string& where) {
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf" || s == "infinity") return std::numeric_limits<double>::infinity();
    if (s == "-inf" || s == "-infinity") return -std::numeric_limits<double>::infinity();
  }
  throw InputError(fmt::format("{}: key '{}': {} (accepted: a number, NaN, Infinity or null)",
                               where, key, v.dump()));
}

}  // namespace

db::MetricRow parse_metrics_line(std::string_view line, const std::string& where) {
  json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded()) doc = json::parse(quote_bare_non_finite(line), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw InputError(
        fmt::format("{}: not a JSON object: '{}'", where, std::string(line.substr(0, 120))));
  db::MetricRow r;
  const auto step = doc.find("step");
  if (step == doc.end())
    throw InputError(fmt::format("{}: no 'step' key (every line needs an integer step)", where));
  if (step->is_number_integer() && step->get<std::int64_t>() >= 0) {
    r.step = step->get<std::int64_t>();
  } else if (step->is_number_float() && std::floor(step->get<double>()) == step->get<double>() &&
             step->get<double>() >= 0 && step->get<double>() < 9223372036854775808.0) {  // 2^63
    r.step = static_cast<std::int64_t>(step->get<double>());
  } else {
    throw InputError(
        fmt::format("{}: key 'step': {} (accepted: an integer >= 0)", where, step->dump()));
  }
  struct Field {
    const char* key;
    const char* alias;
    std::optional<double> db::MetricRow::*member;
  };
  static constexpr Field kFields[] = {
      {"tokens", nullptr, &db::MetricRow::tokens},
      {"train_loss", "loss", &db::MetricRow::train_loss},
      {"eval_loss", "val_loss", &db::MetricRow::eval_loss},
      {"lr", nullptr, &db::MetricRow::lr},
      {"grad_norm", nullptr, &db::MetricRow::grad_norm},
      {"tokens_per_s", nullptr, &db::MetricRow::tokens_per_s},
  };
  for (const Field& f : kFields) {
    auto it = doc.find(f.key);
    const char* key = f.key;
    if (it == doc.end() && f.alias) {
      it = doc.find(f.alias);
      key = f.alias;
    }
    if (it != doc.end()) r.*(f.member) = value_of(*it, key, where);
  }
  return r;
}

std::optional<db::MetricRow> parse_metrics_line_salvaging(std::string_view line,
                                                          const std::string& where) {
  // Rows hold no nested objects, so the whole row is the suffix from one of the last '{'s; a
  // few tries bound the work on a line of garbage.
  constexpr int kTries = 8;
  std::size_t end = line.size();
  for (int i = 0; i < kTries && end > 1; ++i) {
    const std::size_t at = line.rfind('{', end - 1);
    if (at == std::string_view::npos || at == 0) break;
    try {
      return parse_metrics_line(line.substr(at), where);
    } catch (const InputError&) {
      end = at;
    }
  }
  return std::nullopt;
}

std::string format_metrics_line(const db::MetricRow& r) {
  std::string out = fmt::format("{{\"step\":{}", r.step);
  auto add = [&](const char* key, const std::optional<double>& v) {
    if (!v) return;
    if (std::isfinite(*v))
      out += fmt::format(",\"{}\":{}", key, format_exact(*v));
    else
      out += fmt::format(",\"{}\":\"{}\"", key, std::isnan(*v) ? "nan" : (*v > 0 ? "inf" : "-inf"));
  };
  add("tokens", r.tokens);
  add("train_loss", r.train_loss);
  add("eval_loss", r.eval_loss);
  add("lr", r.lr);
  add("grad_norm", r.grad_norm);
  add("tokens_per_s", r.tokens_per_s);
  return out + "}";
}

NewLines read_new_lines(const std::string& path, const db::IngestCursor& cursor) {
  NewLines out;
  out.cursor = cursor;
  out.cursor.file = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  in.seekg(0, std::ios::end);
  const std::int64_t size = in.tellg();
  bool matches = cursor.byte_offset <= size;
  if (matches && cursor.byte_offset > 0) {
    const std::int64_t len = static_cast<std::int64_t>(cursor.last_line.size()) + 1;
    if (cursor.byte_offset < len) {
      matches = false;
    } else {
      std::string tail(static_cast<std::size_t>(len), '\0');
      in.seekg(cursor.byte_offset - len);
      in.read(tail.data(), len);
      matches = in && tail == cursor.last_line + "\n";
    }
  }
  if (!matches) {
    out.restarted = true;
    out.cursor = db::IngestCursor{path, 0, 0, ""};
  }
  const std::int64_t start = out.cursor.byte_offset;
  if (size <= start) return out;
  std::string data(static_cast<std::size_t>(size - start), '\0');
  in.clear();
  in.seekg(start);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  std::size_t pos = 0;
  while (true) {
    const std::size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // a line still being written
    std::string line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool blank = true;
    for (char c : line) blank = blank && std::isspace(static_cast<unsigned char>(c));
    if (!blank) out.before_last = out.cursor;
    ++out.cursor.line_count;
    out.cursor.byte_offset = start + static_cast<std::int64_t>(nl + 1);
    out.cursor.last_line = data.substr(pos, nl - pos);
    if (!blank) out.lines.emplace_back(out.cursor.line_count, std::move(line));
    pos = nl + 1;
  }
  return out;
}

}  // namespace scalelab::sweeps
