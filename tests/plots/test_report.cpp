// The HTML report: self-contained (figures inlined as base64 SVG), escaped, written whole.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/error.hpp"
#include "plots/gnuplot.hpp"
#include "plots/report.hpp"

namespace fs = std::filesystem;
using namespace scalelab;
using namespace scalelab::plots;

TEST_CASE("base64 matches RFC 4648's test vectors") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("the report inlines its figures and escapes text") {
  const fs::path dir =
      fs::temp_directory_path() / ("scalelab_report_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Figure fig;
  fig.name = "line";
  fig.title = "A line";
  fig.x = {"x", false, {}, {}};
  fig.y = {"y", false, {}, {}};
  Series s;
  s.kind = Series::Kind::kLine;
  s.x = {1, 2, 3};
  s.y = {1, 4, 9};
  fig.series.push_back(s);
  const RenderedFigure r = render_figure(fig, dir);

  ReportData report;
  report.title = "runs <&> fits";
  ReportSection sec{"fits", "Fits", {"E = 1.82 \"fitted\""}, {}, {"scalelab plot --csv a.csv"},
                    {r}};
  sec.tables.push_back({"cap", {"a", "b"}, {{"1", "<2>"}}});
  report.sections.push_back(sec);
  const fs::path out = dir / "report.html";
  write_report(report, out);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  const std::string html = text.str();
  CHECK(html.find("<title>runs &lt;&amp;&gt; fits</title>") != std::string::npos);
  CHECK(html.find("<td>&lt;2&gt;</td>") != std::string::npos);
  CHECK(html.find("data:image/svg+xml;base64,") != std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);  // nothing fetched from elsewhere
  CHECK(!fs::exists(out.string() + ".tmp"));

  // A figure whose image vanished: an Error, and the old report is left as it was.
  ReportData broken = report;
  fs::remove(r.svg);
  fs::remove(r.png);
  CHECK_THROWS_AS(write_report(broken, out), Error);
  std::ifstream again(out);
  std::stringstream kept;
  kept << again.rdbuf();
  CHECK(kept.str() == html);
}
