// Drawing a Figure with gnuplot (Debian's gnuplot-nox): the figure's numbers are written to
// DIR/name.dat, a script DIR/name.gp that draws them to DIR/name.png (pngcairo) and
// DIR/name.svg, and gnuplot is run on the script inside DIR. The .dat and .gp files stay, so
// a user can tweak the script and re-render with `cd DIR && gnuplot name.gp`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plots/figure.hpp"

namespace scalelab::plots {

struct GnuplotOptions {
  std::string executable = "gnuplot";   // looked up on PATH
  std::string font = "DejaVu Sans,13";  // pngcairo/svg font: legible at the default size
  bool png = true;                      // write name.png (pngcairo)
  bool svg = true;                      // write name.svg
};

struct RenderedFigure {
  std::string name;
  std::string title;
  std::filesystem::path script, data, png, svg;  // png/svg empty when not requested
  std::string warnings;            // what gnuplot printed on stderr although it succeeded
  std::vector<std::string> notes;  // fitted points left out as undrawable (clip_model_series)
};

// Writes the script and data of `figure` into `dir` (created if missing) without running
// gnuplot; model series are clipped first (clip_model_series, its lines in `notes`). Returns the
// paths it wrote and will write.
RenderedFigure write_figure_files(const Figure& figure, const std::filesystem::path& dir,
                                  const GnuplotOptions& options = {});

// write_figure_files, then runs gnuplot. Throws scalelab::Error naming the script when
// gnuplot is missing, fails, or does not produce the images.
RenderedFigure render_figure(const Figure& figure, const std::filesystem::path& dir,
                             const GnuplotOptions& options = {});

// The gnuplot script text for `figure` (what write_figure_files writes to name.gp).
std::string gnuplot_script(const Figure& figure, const GnuplotOptions& options);

}  // namespace scalelab::plots
