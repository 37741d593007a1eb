// How the study writes its numbers in the report and the summary (internal to study/).
#pragma once

#include <string>

#include "fitting/isoflop.hpp"
#include "fitting/prediction.hpp"

namespace scalelab::study {

// Every function here writes a non-finite value as lib/output.hpp's convention says
// ("unbounded" for +-infinity, "n/a" for NaN): no study text prints inf or nan.
// "1.23M [1.1M, 1.4M]": SI suffixes, the interval when there is one.
std::string interval_text(const fitting::Estimate& e, int digits = 3);
// Compute reads best in scientific notation (1.3e+23), as papers write it.
std::string flops_text(double c);
// "1.2345 [1.2000, 1.2600]".
std::string loss_text(const fitting::Estimate& e);
// "1.248" ({:.4g}).
std::string number_text(double v);
// A power law's exponent with its interval when the interval is finite.
std::string power_law_interval(const fitting::PowerLawFit& f);

}  // namespace scalelab::study
