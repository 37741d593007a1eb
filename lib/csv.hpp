// A small RFC 4180 reader: comma-separated fields, optional double quotes ("" inside quotes is
// one quote; quoted fields may hold commas but not line breaks), CRLF or LF line ends, blank
// lines skipped. Every row keeps the file line it came from so that callers can report
// "file:line: ..." for a bad value. A row whose field count differs from the header's is
// rejected with InputError naming the file and line.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalelab {

struct CsvRow {
  std::size_t line = 0;             // 1-based line number in the file
  std::vector<std::string> fields;  // one per header column, unquoted
};

struct CsvTable {
  std::string source;               // file path (or a name given to read_csv_stream)
  std::size_t header_line = 0;      // line of the header
  std::vector<std::string> header;  // column names as written (surrounding spaces trimmed)
  std::vector<CsvRow> rows;

  // Index of the column named `name` (exact match), or nullopt.
  std::optional<std::size_t> column(std::string_view name) const;
  // "source:line" for messages.
  std::string where(std::size_t line) const;
};

// Reads a CSV file whose first non-blank line is the header. Throws InputError when the file
// cannot be opened, is empty, has an unterminated quote, a duplicate or empty column name,
// or a ragged row (all with file:line).
CsvTable read_csv(const std::string& path);
// The same from a stream; `source` names it in messages.
CsvTable read_csv_stream(std::istream& in, const std::string& source);

// Parses a whole field as a finite or non-finite double ("nan", "inf" are parsed, callers
// decide); nullopt when the text is not a number (surrounding spaces allowed).
std::optional<double> parse_double(std::string_view text);

}  // namespace scalelab
