// The options of a scaling-law study (study/study.hpp) shared by `scalelab plot`, `report` and
// `demo`: bootstrap, level, dropped runs, IsoFLOP bins, the target budget, threads.
#pragma once

#include "apps/cli.hpp"
#include "study/study.hpp"

namespace scalelab::apps {

// Adds --bootstrap, --seed, --level, --drop-highest, --bins-per-decade, --budget, --threads.
void add_study_options(OptionParser& p);
// Reads them back; throws InputError naming the option for a value out of range.
study::StudyOptions study_options(const OptionParser& p);

}  // namespace scalelab::apps
