// A figure as plain data: axes and series of numbers, independent of how it is drawn.
// Every scientific figure of scalelab (plots/*_figure.hpp) is built as a Figure, and
// plots/gnuplot.hpp turns a Figure into a data file, a gnuplot script and PNG/SVG images.
//
// Text fields (titles, axis labels, legend entries) use gnuplot's enhanced-text syntax on
// purpose: "N_{opt}" is a subscript, "10^{21}" a superscript. Text that comes from users
// (file names, run labels) must go through escape_enhanced() first.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalelab::plots {

struct Axis {
  std::string label;               // with units: "parameters N", "loss (nats/token)"
  bool log = false;                // log10 scale, tics shown as 10^k
  std::optional<double> min, max;  // unset: autoscaled
};

struct Series {
  enum class Kind {
    kPoints,         // x, y
    kLine,           // x, y (solid)
    kDashedLine,     // x, y
    kLinePoints,     // x, y, drawn as a line with points
    kBand,           // x, lo, hi: a translucent filled band
    kErrorBars,      // x, y, lo, hi: points with vertical error bars (lo, hi on y)
    kXErrorBars,     // x, y, lo, hi: points with horizontal error bars (lo, hi on x)
    kColoredPoints,  // x, y, value: points coloured by `value` on the figure's colour bar
    kOpenPoints,     // x, y, hollow circles (e.g. data left out of a fit)
  };
  Kind kind = Kind::kPoints;
  std::string title;        // legend entry; empty: not in the legend
  std::string color;        // "#rrggbb"; empty: gnuplot's default colour cycle
  double point_size = 1.0;  // points and error bars
  double line_width = 2.0;  // lines
  // Computed from a fitted law rather than observed. A fit to thin or noisy data can give
  // values no axis can show (NaN bounds of a failed bootstrap, a negative loss, an exponent of
  // -200): clip_model_series() leaves such points out instead of failing the whole figure.
  bool model = false;
  std::vector<double> x, y, lo, hi, value;
};

// A text label placed at data coordinates.
struct Label {
  std::string text;
  double x = 0, y = 0;
  std::string color;  // empty: black
};

struct Figure {
  std::string name;   // file stem: name.png, name.svg, name.gp, name.dat
  std::string title;  // shown above the plot
  Axis x, y;
  // Set for figures with kColoredPoints series: the colour bar's label and scale.
  std::optional<Axis> colorbar;
  // Legend placement in gnuplot's words ("top right", "bottom left", "outside right").
  std::string key = "top right";
  bool square = false;  // equal aspect (parity plots)
  // Horizontal reference line (e.g. zero residual), drawn under the data.
  std::optional<double> y_reference;
  std::vector<Series> series;
  std::vector<Label> labels;
  int width = 960, height = 680;  // pixels of the PNG; the SVG has the same size
};

// Escapes the characters gnuplot's enhanced text treats specially (_ ^ { } @ & ~ \).
std::string escape_enhanced(std::string_view text);

// 1.5e21 -> "1.5×10^{21}" (enhanced text), `digits` significant digits; values in
// [0.01, 1e4) are written plainly.
std::string sci_enhanced(double value, int digits = 2);

// How far (in decades) a model point may lie beyond the observed data's range on a log axis
// and still be drawn: farther points would squash the data into a corner of the figure.
inline constexpr double kModelDecadesBeyondData = 2.0;

// Leaves out the points of model series that cannot be drawn: a non-finite value, a
// non-positive one on a log axis, or (on a log y axis, when the figure has observed series)
// one more than kModelDecadesBeyondData decades beyond the observed y range. Model series
// left without points are removed. Returns one line per series that lost points, for the
// figure's notes.
std::vector<std::string> clip_model_series(Figure& figure);

// Checks that every series has consistent column lengths, finite values (positive ones on
// log axes) and at least one point. Throws std::logic_error: a figure builder's bug.
void check_figure(const Figure& figure);

}  // namespace scalelab::plots
