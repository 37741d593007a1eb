#include "lib/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <type_traits>

#include "lib/error.hpp"

namespace scalelab {

Format parse_format(std::string_view text, std::string_view what) {
  if (text == "table") return Format::kTable;
  if (text == "csv") return Format::kCsv;
  if (text == "json") return Format::kJson;
  throw InputError(fmt::format("{}: unknown format '{}' (accepted: table, csv, json)", what, text));
}

const char* non_finite_word(double value) { return std::isnan(value) ? "n/a" : "unbounded"; }

std::string format_general(double value, int digits) {
  if (!std::isfinite(value)) return non_finite_word(value);
  return fmt::format("{:.{}g}", value, std::max(digits, 1));
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return non_finite_word(value);
  return fmt::format("{:.{}f}", value, std::max(decimals, 0));
}

std::string format_si(double value, int digits) {
  if (!std::isfinite(value)) return non_finite_word(value);
  static constexpr const char* kPrefixes[] = {"", "k", "M", "G", "T", "P", "E", "Z", "Y"};
  const double magnitude = std::fabs(value);
  if (magnitude < 1000.0) return fmt::format("{:.{}g}", value, std::max(digits, 1));
  const int exponent = static_cast<int>(std::floor(std::log10(magnitude) / 3.0));
  // Beyond Y (1e24) no prefix helps: "1.03e+198" instead of 175 digits and a Y.
  if (exponent > 8) return fmt::format("{:.{}g}", value, std::max(digits, 1));
  const double scaled = value / std::pow(1000.0, exponent);
  const int integer_digits = static_cast<int>(std::floor(std::log10(std::fabs(scaled)))) + 1;
  const int decimals = std::max(digits - integer_digits, 0);
  return fmt::format("{:.{}f}{}", scaled, decimals, kPrefixes[exponent]);
}

std::string format_exact(double value) {
  if (value == 0 && std::signbit(value)) return "-0.0";
  return fmt::format("{}", value);
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<Cell> row) {
  if (row.size() != headers_.size())
    throw std::logic_error(
        fmt::format("table row has {} cells for {} headers", row.size(), headers_.size()));
  rows_.push_back(std::move(row));
}

namespace {

std::string shown(const Cell& c) {
  if (const auto* s = std::get_if<std::string>(&c.value)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&c.value)) return fmt::format("{}", *i);
  const double v = std::get<double>(c.value);
  switch (c.style) {
    case Cell::Style::kFixed:
      return format_fixed(v, c.decimals);
    case Cell::Style::kInteger:
      return format_fixed(v, 0);
    default:
      return format_si(v);
  }
}

std::string exact(const Cell& c) {
  if (const auto* s = std::get_if<std::string>(&c.value)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&c.value)) return fmt::format("{}", *i);
  const double v = std::get<double>(c.value);
  return std::isfinite(v) ? format_exact(v) : std::string();  // CSV: empty for non-finite
}

std::string csv_quoted(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

}  // namespace

void Table::print_table(std::ostream& out) const {
  std::vector<std::size_t> width(headers_.size());
  std::vector<std::vector<std::string>> text;
  for (std::size_t c = 0; c < headers_.size(); ++c) width[c] = headers_[c].size();
  for (const auto& row : rows_) {
    auto& line = text.emplace_back();
    for (std::size_t c = 0; c < row.size(); ++c) {
      line.push_back(shown(row[c]));
      width[c] = std::max(width[c], line.back().size());
    }
  }
  auto emit = [&](const std::vector<std::string>& cells, const std::vector<Cell>* row) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const bool left = row == nullptr || (*row)[c].style == Cell::Style::kText;
      line += left ? fmt::format("{:<{}}", cells[c], width[c])
                   : fmt::format("{:>{}}", cells[c], width[c]);
      if (c + 1 < cells.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  emit(headers_, nullptr);
  for (std::size_t r = 0; r < rows_.size(); ++r) emit(text[r], &rows_[r]);
}

void Table::print_csv(std::ostream& out) const {
  for (std::size_t c = 0; c < headers_.size(); ++c)
    out << (c ? "," : "") << csv_quoted(headers_[c]);
  out << '\n';
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << csv_quoted(exact(row[c]));
    out << '\n';
  }
}

nlohmann::json Table::to_json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : rows_) {
    nlohmann::json obj = nlohmann::json::object();
    for (std::size_t c = 0; c < row.size(); ++c)
      std::visit(
          [&](const auto& v) {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, double>)
              if (!std::isfinite(v)) {
                obj[headers_[c]] = nullptr;  // the convention of output.hpp
                return;
              }
            obj[headers_[c]] = v;
          },
          row[c].value);
    rows.push_back(std::move(obj));
  }
  return rows;
}

void Table::print(std::ostream& out, Format format) const {
  switch (format) {
    case Format::kTable:
      print_table(out);
      break;
    case Format::kCsv:
      print_csv(out);
      break;
    case Format::kJson:
      print_json(out, to_json());
      break;
  }
}

void print_json(std::ostream& out, const nlohmann::json& doc) { out << doc.dump(2) << '\n'; }

}  // namespace scalelab
