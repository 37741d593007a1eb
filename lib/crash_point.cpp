#include "lib/crash_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace scalelab {
namespace {

struct CrashAt {
  std::string name;
  long count = 1;
  std::atomic<long> seen{0};
};

// Parsed once from SCALELAB_CRASH_AT; null when unset or malformed (no crash point then).
CrashAt* crash_at() {
  static CrashAt* const parsed = []() -> CrashAt* {
    const char* env = std::getenv("SCALELAB_CRASH_AT");
    if (!env || !*env) return nullptr;
    auto* c = new CrashAt;  // lives as long as the process
    const std::string text(env);
    const std::size_t colon = text.rfind(':');
    c->name = text.substr(0, colon);
    if (colon != std::string::npos) c->count = std::atol(text.c_str() + colon + 1);
    if (c->count < 1) c->count = 1;
    return c;
  }();
  return parsed;
}

}  // namespace

void crash_point(std::string_view name) {
  CrashAt* c = crash_at();
  if (!c || c->name != name) return;
  if (c->seen.fetch_add(1) + 1 == c->count) {
    ::kill(0, SIGKILL);
    ::_exit(137);  // not reached
  }
}

}  // namespace scalelab
