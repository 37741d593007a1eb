#include "trainer/checkpoint.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "lib/atomic_file.hpp"
#include "lib/error.hpp"

namespace scalelab::trainer {

namespace {

constexpr char kMagic[8] = {'S', 'C', 'L', 'C', 'K', 'P', 'T', '1'};

// Closes the stream when reading ends, however it ends.
struct FileCloser {
  std::FILE* f;
  ~FileCloser() {
    if (f) std::fclose(f);
  }
};

}  // namespace

std::filesystem::path previous_checkpoint_path(const std::filesystem::path& path) {
  return path.string() + ".prev";
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& c) {
  const std::uint64_t n = c.params.size();
  if (c.adam_m.size() != n || c.adam_v.size() != n)
    throw Error(fmt::format("{}: checkpoint tensors of different sizes ({}, {}, {})", path.string(),
                            n, c.adam_m.size(), c.adam_v.size()));
  const std::string meta = c.meta.dump();
  const std::uint64_t meta_len = meta.size();
  AtomicFile file(path);
  file.write(kMagic, 8);
  file.write(&meta_len, 8);
  file.write(meta);
  file.write(&n, 8);
  for (const auto* v : {&c.params, &c.adam_m, &c.adam_v}) file.write(v->data(), n * sizeof(float));
  // Every byte on disk before the old checkpoints are touched: a full disk fails here and
  // leaves PATH and PATH.prev as they were.
  file.sync();
  // Keep the checkpoint being replaced as PATH.prev. A crash between these steps leaves PATH
  // whole (the new one is not visible before commit), with or without a PATH.prev.
  std::error_code ec;
  const std::filesystem::path prev = previous_checkpoint_path(path);
  std::filesystem::remove(prev, ec);
  if (std::filesystem::exists(path, ec)) std::filesystem::create_hard_link(path, prev, ec);
  file.commit();
}

Checkpoint read_checkpoint(std::FILE* f, const std::string& name) {
  auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", name, what)); };
  // The stream's length bounds every size in the header, so a damaged header is reported as
  // such instead of allocating what it claims.
  std::int64_t size = -1;
  if (std::fseek(f, 0, SEEK_END) == 0) size = std::ftell(f);
  if (size < 0 || std::fseek(f, 0, SEEK_SET) != 0) fail("cannot read (not a seekable file)");
  const auto left = [&]() -> std::uint64_t {
    const long at = std::ftell(f);
    return at < 0 || at > size ? 0 : static_cast<std::uint64_t>(size - at);
  };
  char magic[8];
  std::uint64_t meta_len = 0, n = 0;
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, kMagic, 8) != 0)
    fail("not a scalelab checkpoint (wrong magic)");
  if (std::fread(&meta_len, 8, 1, f) != 1 || meta_len > left()) fail("truncated metadata");
  std::string meta(meta_len, '\0');
  if (std::fread(meta.data(), 1, meta_len, f) != meta_len) fail("truncated metadata");
  Checkpoint c;
  c.meta = nlohmann::json::parse(meta, nullptr, /*allow_exceptions=*/false);
  if (c.meta.is_discarded() || !c.meta.is_object()) fail("metadata is not a JSON object");
  if (std::fread(&n, 8, 1, f) != 1) fail("truncated header");
  const std::uint64_t tensor_bytes = left();
  if (n > tensor_bytes / (3 * sizeof(float)))
    fail(fmt::format("truncated tensors (the header promises 3 x {} floats, {} bytes follow)", n,
                     tensor_bytes));
  for (auto* v : {&c.params, &c.adam_m, &c.adam_v}) {
    v->resize(n);
    if (std::fread(v->data(), sizeof(float), n, f) != n) fail("truncated tensors");
  }
  if (std::fgetc(f) != EOF) fail("trailing bytes after the tensors");
  return c;
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::FILE* f = std::fopen(name.c_str(), "rb");
  if (!f)
    throw InputError(fmt::format("{}: cannot open checkpoint ({})", name, std::strerror(errno)));
  FileCloser closer{f};
  return read_checkpoint(f, name);
}

std::optional<Checkpoint> read_latest_checkpoint(const std::filesystem::path& path,
                                                 std::FILE* warnings) {
  std::optional<std::string> damaged;  // why the newer one was not used
  for (const std::filesystem::path& p : {path, previous_checkpoint_path(path)}) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) continue;
    try {
      Checkpoint c = read_checkpoint(p);
      if (!c.meta.contains("step") || !c.meta["step"].is_number_integer() ||
          c.meta["step"].get<std::int64_t>() < 0 || !c.meta.contains("config"))
        throw InputError(fmt::format("{}: checkpoint metadata lacks config or step", p.string()));
      if (damaged && warnings)
        std::fprintf(warnings, "%s; resuming from %s (step %lld)\n", damaged->c_str(),
                     p.string().c_str(),
                     static_cast<long long>(c.meta["step"].get<std::int64_t>()));
      return c;
    } catch (const InputError& e) {
      if (damaged && warnings) std::fprintf(warnings, "%s\n", damaged->c_str());
      damaged = e.what();
    }
  }
  if (damaged && warnings)
    std::fprintf(warnings, "%s; no earlier checkpoint: training again from step 1\n",
                 damaged->c_str());
  return std::nullopt;
}

}  // namespace scalelab::trainer
