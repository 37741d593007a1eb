// SIGINT/SIGTERM while a sweep runs: instead of dying mid-transaction, the coordinator sees a
// flag at its next round, stops its runs and requeues them (`sweep resume` goes on).
#pragma once

namespace scalelab::sweeps {

// Installs the handlers for its lifetime; the previous ones come back after.
class InterruptSignals {
 public:
  InterruptSignals();
  ~InterruptSignals();
  InterruptSignals(const InterruptSignals&) = delete;
  InterruptSignals& operator=(const InterruptSignals&) = delete;
  // The signal received (SIGINT or SIGTERM), else 0.
  int received() const;

 private:
  struct Saved;
  Saved* saved_;
};

}  // namespace scalelab::sweeps
