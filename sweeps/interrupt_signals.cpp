#include "sweeps/interrupt_signals.hpp"

#include <signal.h>

#include <atomic>

namespace scalelab::sweeps {
namespace {

std::atomic<int> g_signal{0};
extern "C" void on_signal(int sig) { g_signal = sig; }

}  // namespace

struct InterruptSignals::Saved {
  struct sigaction int_ {};
  struct sigaction term_ {};
};

InterruptSignals::InterruptSignals() : saved_(new Saved) {
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &saved_->int_);
  sigaction(SIGTERM, &sa, &saved_->term_);
}

InterruptSignals::~InterruptSignals() {
  sigaction(SIGINT, &saved_->int_, nullptr);
  sigaction(SIGTERM, &saved_->term_, nullptr);
  delete saved_;
}

int InterruptSignals::received() const { return g_signal.load(); }

}  // namespace scalelab::sweeps
