// The built-in real-text corpus: the King James Bible from Debian's bible-kjv-text package
// (scripts/install_deps.sh installs it), about 4.4 MB of English. `--data kjv` prepares it
// once with the byte tokenizer into the cache directory and reuses it afterwards.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace scalelab::trainer {

inline constexpr std::string_view kBuiltinCorpus = "kjv";

bool is_builtin_corpus(std::string_view name);

// $SCALELAB_CACHE_DIR, else $XDG_CACHE_HOME/scalelab, else $HOME/.cache/scalelab.
std::filesystem::path cache_directory();

// The corpus text: every verse of `bible -f 'Gen1:1-Rev22:21'` with its reference ("Ge1:1 ")
// stripped, one verse per line. Throws Error when the bible program is missing or fails.
std::string builtin_corpus_text(std::string_view name);

// CACHE/<name>-byte, prepared (byte tokenizer) on first use. Preparation goes to a temporary
// directory renamed into place, so concurrent workers never see half a corpus.
std::filesystem::path prepare_builtin_corpus(std::string_view name);

}  // namespace scalelab::trainer
