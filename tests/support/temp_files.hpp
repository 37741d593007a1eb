// Temporary directories and files for tests: one helper for every test area.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace scalelab::testing {

// A fresh, empty directory under the system's temporary directory, named
// scalelab_<tag>_<pid> so that concurrent ctest processes never share one.
inline std::string fresh_temp_dir(const std::string& tag) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("scalelab_" + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// Writes `text` to `path` (replacing it) and returns the path.
inline std::string write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path.string();
}

}  // namespace scalelab::testing
