#include "trainer/corpus.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "lib/error.hpp"
#include "trainer/data_prepare.hpp"

namespace scalelab::trainer {

namespace fs = std::filesystem;

bool is_builtin_corpus(std::string_view name) { return name == kBuiltinCorpus; }

fs::path cache_directory() {
  if (const char* d = std::getenv("SCALELAB_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "scalelab";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "scalelab";
  throw Error("no cache directory: set SCALELAB_CACHE_DIR, XDG_CACHE_HOME or HOME");
}

std::string builtin_corpus_text(std::string_view name) {
  if (!is_builtin_corpus(name))
    throw InputError(
        fmt::format("--data {}: unknown built-in corpus (accepted: {})", name, kBuiltinCorpus));
  std::FILE* p = ::popen("bible -f 'Gen1:1-Rev22:21' 2>/dev/null", "r");
  if (!p) throw Error("cannot run the `bible` program (install bible-kjv, bible-kjv-text)");
  std::string raw;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) raw.append(buf, n);
  const int status = ::pclose(p);
  if (status != 0 || raw.size() < 1000000)
    throw Error(
        fmt::format("`bible -f 'Gen1:1-Rev22:21'` failed (status {}, {} bytes): install "
                    "the bible-kjv and bible-kjv-text packages (scripts/install_deps.sh)",
                    status, raw.size()));
  // Each line is "<Book><chapter>:<verse> <text>": drop everything up to the first space.
  std::string text;
  text.reserve(raw.size());
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = raw.find('\n', pos);
    if (end == std::string::npos) end = raw.size();
    const std::size_t space = raw.find(' ', pos);
    const std::size_t from = space != std::string::npos && space < end ? space + 1 : pos;
    text.append(raw, from, end - from);
    text.push_back('\n');
    pos = end + 1;
  }
  return text;
}

fs::path prepare_builtin_corpus(std::string_view name) {
  const fs::path dir = cache_directory() / fmt::format("{}-byte", name);
  if (fs::exists(dir / "meta.json")) return dir;
  const std::string text = builtin_corpus_text(name);
  fs::create_directories(dir.parent_path());
  const fs::path tmp = dir.string() + fmt::format(".tmp{}", ::getpid());
  fs::remove_all(tmp);
  prepare_text(text, {"bible -f 'Gen1:1-Rev22:21' (references stripped)"}, tmp, PrepareOptions{});
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp);  // another process won the race: its copy is identical
  if (!fs::exists(dir / "meta.json"))
    throw Error(fmt::format("{}: could not prepare the built-in corpus", dir.string()));
  return dir;
}

}  // namespace scalelab::trainer
