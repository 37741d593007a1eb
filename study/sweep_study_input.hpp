// A sweep in the database as the input of a study (study/study.hpp), read through the
// documented JSON of `scalelab runs export --metrics` (sweeps/run_report.hpp): done runs with a
// final loss become the fits' runs, logged steps their training curves, and runs whose curve
// stops before their planned D (early-stop mode) are extrapolated.
#pragma once

#include <string>

#include "study/study.hpp"

namespace scalelab::study {

// Throws InputError for an unknown sweep (listing the known ones).
StudyInput sweep_study_input(const std::string& db_path, const std::string& sweep_name);

}  // namespace scalelab::study
