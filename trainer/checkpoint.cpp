#include "trainer/checkpoint.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "lib/error.hpp"

namespace scalelab::trainer {

namespace {
constexpr char kMagic[8] = {'S', 'C', 'L', 'C', 'K', 'P', 'T', '1'};
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& c) {
  const std::string tmp = path.string() + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(fmt::format("{}: cannot create ({})", tmp, std::strerror(errno)));
  const std::string meta = c.meta.dump();
  const std::uint64_t meta_len = meta.size(), n = c.params.size();
  bool ok = c.adam_m.size() == n && c.adam_v.size() == n;
  ok = ok && std::fwrite(kMagic, 1, 8, f) == 8 && std::fwrite(&meta_len, 8, 1, f) == 1 &&
       std::fwrite(meta.data(), 1, meta.size(), f) == meta.size() && std::fwrite(&n, 8, 1, f) == 1;
  for (const auto* v : {&c.params, &c.adam_m, &c.adam_v})
    ok = ok && std::fwrite(v->data(), sizeof(float), n, f) == n;
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  std::fclose(f);
  if (!ok) {
    std::remove(tmp.c_str());
    throw Error(fmt::format("{}: checkpoint write failed", tmp));
  }
  std::filesystem::rename(tmp, path);
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::FILE* f = std::fopen(name.c_str(), "rb");
  if (!f)
    throw InputError(fmt::format("{}: cannot open checkpoint ({})", name, std::strerror(errno)));
  auto fail = [&](const std::string& what) {
    std::fclose(f);
    throw InputError(fmt::format("{}: {}", name, what));
  };
  char magic[8];
  std::uint64_t meta_len = 0, n = 0;
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, kMagic, 8) != 0)
    fail("not a scalelab checkpoint (wrong magic)");
  if (std::fread(&meta_len, 8, 1, f) != 1 || meta_len > (1u << 30)) fail("truncated metadata");
  std::string meta(meta_len, '\0');
  if (std::fread(meta.data(), 1, meta_len, f) != meta_len) fail("truncated metadata");
  Checkpoint c;
  c.meta = nlohmann::json::parse(meta, nullptr, /*allow_exceptions=*/false);
  if (c.meta.is_discarded()) fail("metadata is not valid JSON");
  if (std::fread(&n, 8, 1, f) != 1 || n > (std::uint64_t{1} << 36)) fail("truncated header");
  for (auto* v : {&c.params, &c.adam_m, &c.adam_v}) {
    v->resize(n);
    if (std::fread(v->data(), sizeof(float), n, f) != n) fail("truncated tensors");
  }
  if (std::fgetc(f) != EOF) fail("trailing bytes after the tensors");
  std::fclose(f);
  return c;
}

}  // namespace scalelab::trainer
