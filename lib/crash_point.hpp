// Test-only crash points, in the spirit of SQLite's crash tests: named places where a process
// may be killed on purpose, so that a test can stop the coordinator inside an ingest
// transaction or between two steps of a run's state change, every time, instead of hoping a
// random kill lands there.
//
// With SCALELAB_CRASH_AT=NAME or NAME:K in the environment, the K-th passage (default: the
// first) of this process through crash_point("NAME") SIGKILLs the process's whole process
// group, as `kill -9 -PGID` from outside would. Unset (always, outside tests), a call costs
// one load of a flag. The names in use are listed in scripts/soak.sh.
#pragma once

#include <string_view>

namespace scalelab {

void crash_point(std::string_view name);

}  // namespace scalelab
