#include "plots/report.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "lib/atomic_file.hpp"
#include "lib/error.hpp"

namespace scalelab::plots {

namespace fs = std::filesystem;

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    const bool two = i + 1 < bytes.size();
    if (two) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += two ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Figure titles are gnuplot enhanced text: drop the markup for HTML captions.
std::string plain_title(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      out += text[++i];
    } else if (c != '{' && c != '}' && c != '_' && c != '^') {
      out += c;
    } else if (c == '^') {
      out += '^';
    }
  }
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(fmt::format("cannot read figure {}: {}", path.string(), std::strerror(errno)));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 1180px;
       padding: 1.5em 2em 4em; color: #1d1d1d; background: #ffffff; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
.subtitle { color: #555; margin-top: 0; }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: 0.2em; margin-top: 2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.8em 0 1.4em; font-size: 0.92em; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.6em; text-align: right; }
th { background: #eef3f8; }
td:first-child, th:first-child { text-align: left; }
pre { background: #f5f5f5; border: 1px solid #ddd; padding: 0.7em; overflow-x: auto; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e0e0e0; }
figcaption { color: #444; font-size: 0.92em; }
)";

}  // namespace

std::string report_html(const ReportData& r) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<title>" << escape_html(r.title) << "</title>\n<style>" << kStyle << "</style>\n"
    << "</head>\n<body>\n<h1>" << escape_html(r.title) << "</h1>\n";
  if (!r.subtitle.empty()) h << "<p class=\"subtitle\">" << escape_html(r.subtitle) << "</p>\n";
  h << "<nav>";
  for (const auto& s : r.sections)
    h << "<a href=\"#" << escape_html(s.id) << "\">" << escape_html(s.title) << "</a>";
  h << "</nav>\n";
  for (const auto& s : r.sections) {
    h << "<section id=\"" << escape_html(s.id) << "\">\n<h2>" << escape_html(s.title) << "</h2>\n";
    for (const auto& p : s.paragraphs) h << "<p>" << escape_html(p) << "</p>\n";
    for (const auto& t : s.tables) {
      h << "<table>\n";
      if (!t.caption.empty()) h << "<caption>" << escape_html(t.caption) << "</caption>\n";
      h << "<tr>";
      for (const auto& c : t.headers) h << "<th>" << escape_html(c) << "</th>";
      h << "</tr>\n";
      for (const auto& row : t.rows) {
        h << "<tr>";
        for (const auto& c : row) h << "<td>" << escape_html(c) << "</td>";
        h << "</tr>\n";
      }
      h << "</table>\n";
    }
    for (const auto& c : s.code) h << "<pre>" << escape_html(c) << "</pre>\n";
    for (const auto& f : s.figures) {
      const bool svg = !f.svg.empty() && fs::exists(f.svg);
      const fs::path image = svg ? f.svg : f.png;
      if (image.empty()) throw Error(fmt::format("figure {} has no image to inline", f.name));
      h << "<figure class=\"figure\" id=\"fig-" << escape_html(f.name) << "\">\n<img alt=\""
        << escape_html(plain_title(f.title))
        << "\" src=\"data:" << (svg ? "image/svg+xml" : "image/png") << ";base64,"
        << base64_encode(read_file(image)) << "\">\n<figcaption>"
        << escape_html(plain_title(f.title)) << " (" << escape_html(f.name) << "; script "
        << escape_html(f.script.filename().string()) << ")";
      for (const auto& note : f.notes) h << "<br>" << escape_html(plain_title(note));
      h << "</figcaption>\n</figure>\n";
    }
    h << "</section>\n";
  }
  // After loading, record how many figures the browser decoded (tests read it with
  // chromium --dump-dom): the page needs no script to be read.
  h << "<script>window.addEventListener('load', function () {\n"
       "  var imgs = document.querySelectorAll('figure img'), ok = 0;\n"
       "  imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0) ok++; });\n"
       "  document.body.setAttribute('data-figures-loaded', ok + '/' + imgs.length);\n"
       "});</script>\n";
  h << "</body>\n</html>\n";
  return h.str();
}

void write_report(const ReportData& r, const fs::path& path) {
  const std::string html = report_html(r);
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
  }
  write_file_atomically(path, html);
}

}  // namespace scalelab::plots
