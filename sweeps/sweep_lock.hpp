// One coordinator per sweep: an flock on RUNS_DIR/SWEEP/.coordinator.lock, holding the pid of
// its owner. The kernel releases it when the process dies, however it dies (kill -9 too).
#pragma once

#include <filesystem>
#include <string>

namespace scalelab::sweeps {

class SweepLock {
 public:
  // Throws InputError naming the sweep and the owner's pid when another process holds it,
  // Error when the lock file cannot be opened.
  SweepLock(const std::filesystem::path& sweep_dir, const std::string& sweep);
  ~SweepLock();
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace scalelab::sweeps
