// The figures of a study (plots/ draws them): IsoFLOP profiles, the compute-optimal frontier,
// the parity of Approach 3, the training curves with the stored extrapolations of runs stopped
// early, and loss against compute with the prediction at the target budget.
#pragma once

#include <filesystem>
#include <vector>

#include "plots/gnuplot.hpp"
#include "study/study.hpp"

namespace scalelab::study {

// Draws the figures of `study` into `dir` (data, scripts, PNG and SVG). Kinds without the fits
// they need are skipped (noted in study.notes) unless asked for by name (then InputError).
std::vector<plots::RenderedFigure> draw_study_figures(Study& study,
                                                      const std::filesystem::path& dir);

}  // namespace scalelab::study
