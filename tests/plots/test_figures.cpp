// Every figure kind rendered by gnuplot from a tiny sweep: the PNG has a PNG signature, the
// SVG is well-formed with an <svg> root, the data and script files are written; and gnuplot's
// failures become scalelab::Error naming the script.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/error.hpp"
#include "plots/frontier_figure.hpp"
#include "plots/gnuplot.hpp"
#include "plots/isoflop_figure.hpp"
#include "plots/learning_curve_figure.hpp"
#include "plots/loss_compute_figure.hpp"
#include "plots/palette.hpp"
#include "plots/parity_figure.hpp"
#include "svg_check.hpp"
#include "tiny_study.hpp"

namespace fs = std::filesystem;
using namespace scalelab;
using namespace scalelab::plots;

namespace {

fs::path fresh_dir(const std::string& tag) {
  const fs::path dir =
      fs::temp_directory_path() / ("scalelab_plots_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_rendered(const RenderedFigure& r) {
  INFO("figure " << r.name);
  REQUIRE(fs::exists(r.png));
  REQUIRE(fs::exists(r.svg));
  CHECK(fs::file_size(r.script) > 0);
  CHECK(fs::file_size(r.data) > 0);
  const std::string png = slurp(r.png);
  REQUIRE(png.size() > 1000);  // an image, not an empty canvas header
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  const std::string svg = slurp(r.svg);
  CHECK(testing::check_svg(svg) == "");
  // gnuplot drew the data: every figure has a path or polyline besides its frame.
  CHECK(svg.find("<path") != std::string::npos);
  CHECK(r.warnings == "");
}

const testing::TinyFits& fits() {
  static const testing::TinyFits f;
  return f;
}

}  // namespace

TEST_CASE("the SVG checker rejects broken files") {
  CHECK(testing::check_svg("<?xml version=\"1.0\"?><svg a='>'><g></g><path/></svg>") == "");
  CHECK(testing::check_svg("<svg><g></svg>") != "");
  CHECK(testing::check_svg("<svg><g>") != "");
  CHECK(testing::check_svg("<html></html>") != "");
}

TEST_CASE("enhanced-text helpers") {
  CHECK(escape_enhanced("run_1^x{y}") == "run\\_1\\^x\\{y\\}");
  CHECK(sci_enhanced(1.5e21) == "1.5×10^{21}");
  CHECK(sci_enhanced(9.96e18) == "1.0×10^{19}");
  CHECK(sci_enhanced(3.25) == "3.2");
  CHECK(viridis(0) == "#440154");
  CHECK(viridis(1) == "#fde725");
}

TEST_CASE("IsoFLOP profiles: every run drawn in its budget, one parabola and minimum each") {
  const auto& f = fits();
  const IsoflopPlotData data = isoflop_plot_data(f.runs, f.isoflop, f.isoflop_options);
  REQUIRE(data.budgets.size() == 3);
  std::size_t runs = 0;
  for (const auto& b : data.budgets) {
    CHECK(b.profile.has_value());
    CHECK(b.params.size() == 5);
    runs += b.params.size();
  }
  CHECK(runs == f.runs.size());
  const Figure fig = isoflop_figure(data);
  // 3 × (runs + parabola) + minima.
  CHECK(fig.series.size() == 7);
  check_rendered(render_figure(fig, fresh_dir("isoflop")));
}

TEST_CASE("frontier, parity, residuals and loss against compute render") {
  const auto& f = fits();
  const fs::path dir = fresh_dir("fits");
  FrontierData d;
  d.isoflop = f.isoflop;
  d.c_min = 5e17;
  d.c_max = 1e20;
  d.parametric =
      parametric_frontier("Approach 3", fitting::find_law("chinchilla"), f.chinchilla.point.x,
                          f.chinchilla.bootstrap.samples, 0.95, d.c_min, d.c_max, 10);
  REQUIRE(d.parametric->params.front().interval.has_value());
  const auto frontier = frontier_figures(d);
  REQUIRE(frontier.size() == 2);
  for (const auto& fig : frontier) check_rendered(render_figure(fig, dir));

  const ParityData p = parity_data("Approach 3", f.chinchilla.point);
  REQUIRE(p.observed.size() == f.runs.size());
  for (std::size_t i = 0; i < p.observed.size(); ++i)
    CHECK(p.predicted[i] == doctest::Approx(p.observed[i]).epsilon(0.02));
  check_rendered(render_figure(parity_figure(p), dir));
  check_rendered(render_figure(residuals_figure(p), dir));

  LossComputeData l;
  for (const auto& r : f.runs) {
    l.flops.push_back(r.flops);
    l.loss.push_back(r.loss);
    l.params.push_back(r.params);
  }
  l.curves.push_back(loss_at_budget_curve("Approach 3", kColorFit, fitting::find_law("chinchilla"),
                                          f.chinchilla.point.x, f.chinchilla.bootstrap.samples,
                                          0.95, 5e17, 1e20, 10));
  l.target_flops = 6.4e19;
  l.target_prediction = l.curves.front().loss.back();
  l.target_observed = 2.9;
  check_rendered(render_figure(loss_compute_figure(l), dir));
}

TEST_CASE("learning curves with an envelope and an extrapolated run") {
  LearningCurvesData d;
  for (double n : {1e6, 4e6}) {
    LearningCurve c;
    c.params = n;
    for (int s = 1; s <= 20; ++s) {
      c.tokens.push_back(1e5 * s);
      c.loss.push_back(3 + 5 / std::sqrt(s * n / 1e6));
    }
    d.runs.push_back(c);
  }
  CurveExtrapolation x;
  x.tokens = {2e6, 3e6, 4e6};
  x.loss = {3.6, 3.55, 3.5};
  x.final_interval = fitting::Interval{3.4, 3.6};
  d.runs.back().extrapolation = x;
  fitting::EnvelopeResult env;
  env.points = {{1.2e12, 4.0, 1e6, 2e5, "a"}, {1e13, 3.5, 4e6, 4e5, "b"}};
  d.envelope = env;
  const auto figs = learning_curve_figures(d);
  REQUIRE(figs.size() == 2);
  const fs::path dir = fresh_dir("curves");
  for (const auto& fig : figs) check_rendered(render_figure(fig, dir));
  // The FLOPs figure puts tokens × 6N on x: the envelope lies on the same axis.
  CHECK(figs[1].series.front().x.front() == doctest::Approx(6 * 1e6 * 1e5));
}

TEST_CASE("gnuplot failures become scalelab::Error naming the script") {
  Figure fig;
  fig.name = "broken";
  fig.x = {"x", false, {}, {}};
  fig.y = {"y", false, {}, {}};
  Series s;
  s.x = {1, 2};
  s.y = {1, 2};
  fig.series.push_back(s);
  const fs::path dir = fresh_dir("errors");
  GnuplotOptions bad;
  bad.executable = "false";  // runs, exits 1
  try {
    render_figure(fig, dir, bad);
    FAIL("no error");
  } catch (const InputError&) {
    FAIL("a gnuplot failure is not bad input");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find((dir / "broken.gp").string()) != std::string::npos);
  }
  bad.executable = "scalelab-no-such-gnuplot";
  CHECK_THROWS_WITH_AS(render_figure(fig, dir, bad), doctest::Contains("gnuplot-nox"), Error);
  // A script gnuplot rejects: the error carries gnuplot's message and the script path.
  fig.key = "nonsense-keyword";
  try {
    render_figure(fig, dir);
    FAIL("no error");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("broken.gp") != std::string::npos);
    CHECK(what.find("gnuplot failed") != std::string::npos);
  }
}

TEST_CASE("a figure builder's inconsistent series is refused before anything is written") {
  Figure fig;
  fig.name = "bad";
  fig.x = {"x", true, {}, {}};
  fig.y = {"y", false, {}, {}};
  Series s;
  s.x = {0.0, 1.0};  // 0 on a log axis
  s.y = {1, 2};
  fig.series.push_back(s);
  const fs::path dir = fresh_dir("refused");
  CHECK_THROWS_AS(render_figure(fig, dir), std::logic_error);
  CHECK(!fs::exists(dir / "bad.gp"));
}

TEST_CASE("fitted series lose the points no axis can show; observed series are never touched") {
  Figure fig;
  fig.name = "clipped";
  fig.x = {"C", true, {}, {}};
  fig.y = {"N", true, {}, {}};
  Series data;  // observed: y from 10 to 1000
  data.x = {1, 2, 3};
  data.y = {10, 100, 1000};
  Series fit;  // fitted: a NaN, a negative value, one 3 decades above the data, two good ones
  fit.model = true;
  fit.kind = Series::Kind::kLine;
  fit.title = "fit";
  fit.x = {1, 2, 3, 4, 5};
  fit.y = {20, std::nan(""), -1, 1e6, 500};
  Series band;  // fitted band whose every bound is NaN: removed whole
  band.model = true;
  band.kind = Series::Kind::kBand;
  band.x = {1, 2};
  band.lo = {std::nan(""), std::nan("")};
  band.hi = {1, 2};
  fig.series = {data, fit, band};

  Figure clipped = fig;
  const std::vector<std::string> notes = clip_model_series(clipped);
  REQUIRE(clipped.series.size() == 2);
  CHECK(clipped.series[0].y == data.y);
  CHECK(clipped.series[1].x == std::vector<double>{1, 5});
  CHECK(clipped.series[1].y == std::vector<double>{20, 500});
  REQUIRE(notes.size() == 2);
  CHECK(notes[0] == "fit: 3 of 5 points outside the axes not drawn");
  CHECK(notes[1] == "a fitted band: not drawn (no value within the axes)");

  // Rendering clips the same way and reports it; the same NaN in observed data is a bug.
  const fs::path dir = fresh_dir("clipped");
  const RenderedFigure r = render_figure(fig, dir);
  CHECK(r.notes == notes);
  fig.series[0].y[1] = std::nan("");
  CHECK_THROWS_AS(render_figure(fig, fresh_dir("clipped_data")), std::logic_error);
}
