// The single-page HTML report: sections of text, tables, code blocks and figures, written as
// one self-contained file (figures inlined as base64 SVG, no external resources), readable
// offline and in any browser. A one-line script sets body[data-figures-loaded="K/N"] once the
// browser has decoded K of the N figures (checked by the headless-browser test).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plots/gnuplot.hpp"

namespace scalelab::plots {

struct ReportTable {
  std::string caption;
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;  // each row as wide as headers
};

struct ReportSection {
  std::string id;  // HTML anchor ("fits")
  std::string title;
  std::vector<std::string> paragraphs;  // plain text (escaped when written)
  std::vector<ReportTable> tables;
  std::vector<std::string> code;        // preformatted blocks (commands)
  std::vector<RenderedFigure> figures;  // inlined from their .svg (else .png)
};

struct ReportData {
  std::string title;
  std::string subtitle;  // e.g. the source and the date
  std::vector<ReportSection> sections;
};

// The HTML text. Throws scalelab::Error when a figure's image cannot be read.
std::string report_html(const ReportData& report);

// Writes report_html to `path` (through a temporary file renamed into place, so that a failure
// leaves no partial report). Throws scalelab::Error on I/O failure.
void write_report(const ReportData& report, const std::filesystem::path& path);

// RFC 4648 base64 (with padding).
std::string base64_encode(std::string_view bytes);

}  // namespace scalelab::plots
