// Runs the scalelab binary as a user would and captures what it prints.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/support/temp_files.hpp"

namespace scalelab::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// `arguments` is appended to the binary's path as shell words; run in `cwd`.
inline CliResult run_cli(const std::string& arguments, const std::string& cwd = ".") {
  const std::string err_file =
      (std::filesystem::temp_directory_path() / ("scalelab_cli_err_" + std::to_string(::getpid())))
          .string();
  const std::string command =
      "cd '" + cwd + "' && '" SCALELAB_BINARY "' " + arguments + " 2>'" + err_file + "'";
  CliResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    r.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* f = std::fopen(err_file.c_str(), "r")) {
    while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) r.err.append(buffer.data(), n);
    std::fclose(f);
  }
  std::filesystem::remove(err_file);
  return r;
}

// A fresh, empty temporary directory for one test.
inline std::string fresh_dir(const std::string& tag) { return fresh_temp_dir("cli_" + tag); }

}  // namespace scalelab::testing
