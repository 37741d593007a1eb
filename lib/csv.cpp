#include "lib/csv.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <istream>
#include <set>

#include "lib/error.hpp"

namespace scalelab {

namespace {

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

// Splits one physical line into fields. Throws on an unterminated quote.
std::vector<std::string> split_line(std::string_view line, const std::string& where) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;      // inside a quoted section
  bool was_quoted = false;  // the current field had quotes (keep its spaces)
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      was_quoted = true;
    } else if (c == ',') {
      fields.push_back(was_quoted ? field : trimmed(field));
      field.clear();
      was_quoted = false;
    } else {
      field += c;
    }
  }
  if (quoted) throw InputError(fmt::format("{}: unterminated quoted field", where));
  fields.push_back(was_quoted ? field : trimmed(field));
  return fields;
}

}  // namespace

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

std::string CsvTable::where(std::size_t line) const { return fmt::format("{}:{}", source, line); }

CsvTable read_csv_stream(std::istream& in, const std::string& source) {
  CsvTable table;
  table.source = source;
  std::string line;
  std::size_t number = 0;
  bool have_header = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = table.where(number);
    auto fields = split_line(line, where);
    if (!have_header) {
      std::set<std::string> seen;
      for (const auto& name : fields) {
        if (name.empty()) throw InputError(fmt::format("{}: empty column name in header", where));
        if (!seen.insert(name).second)
          throw InputError(fmt::format("{}: duplicate column '{}' in header", where, name));
      }
      table.header = std::move(fields);
      table.header_line = number;
      have_header = true;
      continue;
    }
    if (fields.size() != table.header.size())
      throw InputError(fmt::format("{}: {} fields, but the header (line {}) has {} columns", where,
                                   fields.size(), table.header_line, table.header.size()));
    table.rows.push_back({number, std::move(fields)});
  }
  if (in.bad()) throw Error(fmt::format("{}: read error", source));
  if (!have_header)
    throw InputError(fmt::format("{}: empty file (expected a header line)", source));
  return table;
}

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open file", path));
  return read_csv_stream(in, path);
}

std::optional<double> parse_double(std::string_view text) {
  const std::string s = trimmed(text);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;  // ERANGE overflow gives ±inf, which callers reject as non-finite
}

}  // namespace scalelab
