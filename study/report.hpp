// The content of a study's HTML report (plots/report.hpp writes it): the summary with the
// prediction and the target check, the figures, every fit with its intervals and flags, the
// predictions, the hold-out validation, the plan and the runs with where each loss came from.
#pragma once

#include <vector>

#include "plots/gnuplot.hpp"
#include "plots/report.hpp"
#include "study/study.hpp"

namespace scalelab::study {

plots::ReportData study_report(const Study& study,
                               const std::vector<plots::RenderedFigure>& figures);

}  // namespace scalelab::study
