#include "lib/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "lib/error.hpp"

namespace scalelab {
namespace {

// Bytes gathered before a write(2): large enough that a checkpoint's tensors go out in few
// calls, small enough not to double the memory of a big one.
constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path)
    : path_(std::move(path)), tmp_(path_.string() + ".tmp") {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) fail("cannot create", errno);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicFile::fail(const char* what, int err) {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
  }
  throw Error(fmt::format("{}: {} ({})", path_.string(), what, std::strerror(err)));
}

void AtomicFile::flush_buffer() {
  const char* p = buffer_.data();
  std::size_t left = buffer_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write", n < 0 ? errno : ENOSPC);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void AtomicFile::write(const void* data, std::size_t bytes) {
  if (fd_ < 0) throw Error(fmt::format("{}: written after commit", path_.string()));
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const std::size_t room = kBufferBytes - buffer_.size();
    const std::size_t take = bytes < room ? bytes : room;
    buffer_.append(p, take);
    p += take;
    bytes -= take;
    if (buffer_.size() == kBufferBytes) flush_buffer();
  }
}

void AtomicFile::sync() {
  if (fd_ < 0) throw Error(fmt::format("{}: synced after commit", path_.string()));
  flush_buffer();
  if (::fsync(fd_) != 0) fail("cannot write", errno);
}

void AtomicFile::commit() {
  if (fd_ < 0) throw Error(fmt::format("{}: committed twice", path_.string()));
  flush_buffer();
  if (::fsync(fd_) != 0) fail("cannot write", errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp_.c_str());
    throw Error(fmt::format("{}: cannot write ({})", path_.string(), std::strerror(err)));
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_.c_str());
    throw Error(fmt::format("{}: cannot replace ({})", path_.string(), std::strerror(err)));
  }
  // The rename is durable once the directory is: fsync it (some filesystems refuse; the
  // rename has happened then, and is as durable as they make it).
  const std::filesystem::path dir = path_.has_parent_path() ? path_.parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace scalelab
