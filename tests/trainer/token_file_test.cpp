// Token files: round trip, and one clear error per kind of corruption.
#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lib/error.hpp"
#include "trainer/token_file.hpp"

using namespace scalelab::trainer;
namespace fs = std::filesystem;

namespace {

fs::path temp_path(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("scalelab_token_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

void write_raw(const fs::path& p, std::array<std::int32_t, 3> head,
               const std::vector<std::uint16_t>& tokens, std::size_t cut_bytes = 0,
               std::size_t extra_bytes = 0) {
  std::array<std::int32_t, 256> header{};
  header[0] = head[0];
  header[1] = head[1];
  header[2] = head[2];
  std::string bytes(reinterpret_cast<const char*>(header.data()), sizeof(header));
  bytes.append(reinterpret_cast<const char*>(tokens.data()), tokens.size() * 2);
  bytes.resize(bytes.size() - cut_bytes + extra_bytes, '\0');
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string error_of(const fs::path& p, int vocab = 0) {
  try {
    TokenFile f(p, vocab);
  } catch (const scalelab::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("write and map a token file") {
  const fs::path p = temp_path("ok.bin");
  const std::vector<std::uint16_t> tokens = {1, 2, 3, 65535, 0};
  write_token_file(p, tokens);
  CHECK(fs::file_size(p) == 1024 + 10);
  TokenFile f(p);
  REQUIRE(f.size() == 5);
  CHECK(std::vector<std::uint16_t>(f.tokens().begin(), f.tokens().end()) == tokens);
  CHECK(!fs::exists(p.string() + ".tmp"));
}

TEST_CASE("each corruption gives its own one-line error naming the file") {
  const std::vector<std::uint16_t> tokens = {5, 6, 7, 8};
  const fs::path p = temp_path("bad.bin");
  auto check = [&](const std::string& expected, int vocab = 0) {
    const std::string e = error_of(p, vocab);
    CAPTURE(e);
    CHECK(e.find(p.string()) == 0);
    CHECK(e.find(expected) != std::string::npos);
    CHECK(e.find('\n') == std::string::npos);
  };
  write_raw(p, {20240521, 1, 4}, tokens);
  check("wrong magic 20240521");
  write_raw(p, {20240520, 2, 4}, tokens);
  check("unsupported version 2");
  write_raw(p, {20240520, 1, 4}, tokens, /*cut_bytes=*/3);
  check("truncated: the header promises 4 tokens");
  write_raw(p, {20240520, 1, 4}, tokens, 0, /*extra_bytes=*/6);
  check("6 trailing bytes");
  write_raw(p, {20240520, 1, -3}, {});
  check("negative token count");
  write_raw(p, {20240520, 1, 4}, tokens);
  CHECK(error_of(p, 9).empty());
  check("token 8 at index 3 is out of range (vocabulary size 8)", 8);
  { std::ofstream(p, std::ios::binary | std::ios::trunc) << "short"; }
  check("truncated header");
  CHECK(error_of(temp_path("missing.bin")).find("cannot open") != std::string::npos);
}
