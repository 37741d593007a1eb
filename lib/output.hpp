// Results printed as an aligned table, CSV or JSON (`--format table|csv|json`).
// Tables round and use SI suffixes; CSV carries full precision with snake_case headers.
// JSON documents are built by each command with nlohmann::json and printed with print_json.
//
// Non-finite numbers are never printed as "inf", "nan" or "-nan". A value that feeds a result
// is refused where it is made (e.g. a degenerate fit: fitting/degeneracy.hpp); what can still
// reach an output is an honest "no bound" (an interval whose bootstrap draws run to infinity)
// or "no value". The one convention, in every format:
//   table / text   +-infinity -> "unbounded", NaN -> "n/a"   (format_si, format_general,
//                  format_fixed and every Cell style)
//   CSV            an empty field                            (Table::print_csv)
//   JSON           null                                      (nlohmann writes non-finite
//                                                            doubles as null; documented
//                                                            per command)
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace scalelab {

enum class Format { kTable, kCsv, kJson };

// Accepts "table", "csv", "json"; throws InputError naming `what` otherwise.
Format parse_format(std::string_view text, std::string_view what = "--format");

// The word a table or message shows for a non-finite value: "unbounded" for +-infinity,
// "n/a" for NaN (see the convention above).
const char* non_finite_word(double value);

// 1234567 -> "1.23M", 1e21 -> "1.00Z", 0.5 -> "0.5"; `digits` significant digits.
// Non-finite: non_finite_word.
std::string format_si(double value, int digits = 3);
// printf's %.{digits}g (1393.85 -> "1394" at 4 digits); non-finite: non_finite_word.
std::string format_general(double value, int digits);
// printf's %.{decimals}f; non-finite: non_finite_word.
std::string format_fixed(double value, int decimals);
// Shortest text that reads back as the same double (CSV, logs, JSON lines). Negative zero is
// "-0.0", not fmt's "-0", which a JSON reader takes for the integer 0 and returns as +0.0
// (found by the metrics.jsonl fuzzer). Non-finite values give "inf"/"nan": callers writing
// results use the convention above instead.
std::string format_exact(double value);

// One table cell: its value and how a table shows it.
struct Cell {
  enum class Style { kText, kSi, kFixed, kInteger };
  std::variant<std::string, double, std::int64_t> value;
  Style style = Style::kText;
  int decimals = 3;  // kFixed only

  static Cell text(std::string s) { return {std::move(s), Style::kText, 0}; }
  static Cell si(double v) { return {v, Style::kSi, 0}; }
  static Cell fixed(double v, int decimals) { return {v, Style::kFixed, decimals}; }
  static Cell integer(std::int64_t v) { return {v, Style::kInteger, 0}; }
};

class Table {
 public:
  // `headers` are snake_case names; CSV uses them as they are.
  explicit Table(std::vector<std::string> headers);
  // Throws std::logic_error when the row's width differs from the headers'.
  void add_row(std::vector<Cell> row);
  std::size_t rows() const { return rows_.size(); }

  void print_table(std::ostream& out) const;
  void print_csv(std::ostream& out) const;
  // kJson prints an array of objects keyed by header (numbers as numbers).
  void print(std::ostream& out, Format format) const;
  nlohmann::json to_json() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

// Pretty JSON followed by a newline; doubles at full precision.
void print_json(std::ostream& out, const nlohmann::json& doc);

}  // namespace scalelab
