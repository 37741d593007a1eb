#include "sweeps/sweep_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "lib/error.hpp"

namespace scalelab::sweeps {

SweepLock::SweepLock(const std::filesystem::path& dir, const std::string& sweep) {
  const std::filesystem::path path = dir / ".coordinator.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(fmt::format("{}: cannot open the sweep's lock file ({})", path.string(),
                            std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    std::ifstream in(path);
    std::string pid;
    std::getline(in, pid);
    ::close(fd_);
    throw InputError(
        fmt::format("sweep '{}' is being run by another coordinator (pid {}); "
                    "wait for it or stop it first",
                    sweep, pid.empty() ? "?" : pid));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] auto n = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

SweepLock::~SweepLock() { ::close(fd_); }

}  // namespace scalelab::sweeps
