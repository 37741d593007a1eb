#include "trainer/token_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>

#include "lib/atomic_file.hpp"
#include "lib/error.hpp"

namespace scalelab::trainer {

namespace {
constexpr std::size_t kHeaderBytes = kTokenFileHeaderInts * sizeof(std::int32_t);
}

TokenFile::TokenFile(const std::filesystem::path& path, int vocab_size) : path_(path) {
  const std::string name = path.string();
  const int fd = ::open(name.c_str(), O_RDONLY);
  if (fd < 0)
    throw InputError(fmt::format("{}: cannot open token file ({})", name, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(fmt::format("{}: not a regular file", name));
  }
  const auto bytes = static_cast<std::size_t>(st.st_size);
  if (bytes < kHeaderBytes) {
    ::close(fd);
    throw InputError(
        fmt::format("{}: truncated header ({} bytes, a token file starts with a "
                    "{}-byte header)",
                    name, bytes, kHeaderBytes));
  }
  map_ = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw Error(fmt::format("{}: mmap failed ({})", name, std::strerror(errno)));
  }
  map_bytes_ = bytes;
  std::array<std::int32_t, 3> header{};
  std::memcpy(header.data(), map_, sizeof(header));
  auto fail = [&](const std::string& message) {
    ::munmap(map_, map_bytes_);
    map_ = nullptr;
    throw InputError(fmt::format("{}: {}", name, message));
  };
  if (header[0] != kTokenFileMagic)
    fail(fmt::format("wrong magic {} (expected {}: not an llm.c token file)", header[0],
                     kTokenFileMagic));
  if (header[1] != kTokenFileVersion)
    fail(fmt::format("unsupported version {} (expected {}: uint16 tokens)", header[1],
                     kTokenFileVersion));
  if (header[2] < 0) fail(fmt::format("negative token count {} in the header", header[2]));
  const auto count = static_cast<std::size_t>(header[2]);
  const std::size_t expected = kHeaderBytes + count * sizeof(std::uint16_t);
  if (bytes < expected)
    fail(
        fmt::format("truncated: the header promises {} tokens ({} bytes) but the file has {} "
                    "bytes",
                    count, expected, bytes));
  if (bytes > expected)
    fail(fmt::format("{} trailing bytes after the {} tokens the header promises", bytes - expected,
                     count));
  tokens_ = reinterpret_cast<const std::uint16_t*>(static_cast<const char*>(map_) + kHeaderBytes);
  count_ = count;
  if (vocab_size > 0)
    for (std::size_t i = 0; i < count_; ++i)
      if (tokens_[i] >= vocab_size)
        fail(fmt::format("token {} at index {} is out of range (vocabulary size {})", tokens_[i], i,
                         vocab_size));
}

TokenFile::~TokenFile() {
  if (map_) ::munmap(map_, map_bytes_);
}

void write_token_file(const std::filesystem::path& path, std::span<const std::uint16_t> tokens) {
  if (tokens.size() > static_cast<std::size_t>(INT32_MAX))
    throw InputError(fmt::format("{}: {} tokens do not fit the int32 count of the llm.c header",
                                 path.string(), tokens.size()));
  std::array<std::int32_t, kTokenFileHeaderInts> header{};
  header[0] = kTokenFileMagic;
  header[1] = kTokenFileVersion;
  header[2] = static_cast<std::int32_t>(tokens.size());
  AtomicFile file(path);
  file.write(header.data(), header.size() * sizeof(std::int32_t));
  file.write(tokens.data(), tokens.size() * sizeof(std::uint16_t));
  file.commit();
}

}  // namespace scalelab::trainer
