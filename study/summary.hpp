// The study's headline numbers as plain lines (what plot, report and demo print).
#pragma once

#include <ostream>

#include "study/study.hpp"

namespace scalelab::study {

void print_study_summary(std::ostream& out, const Study& study);

}  // namespace scalelab::study
