// Errors a user can act on. Every message says what was wrong, where (argument, file and
// line, run id) and what is accepted; the CLI prints it on one line.
#pragma once

#include <stdexcept>
#include <string>

namespace scalelab {

// A failure of the tool or its environment (I/O, a solver that broke, a crashed worker).
// The CLI exits with status 1.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  virtual int exit_code() const { return 1; }
};

// Input the user must change: a malformed argument, a bad CSV row, a corrupt token file.
// The CLI exits with status 2 and writes nothing.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message) {}
  int exit_code() const override { return 2; }
};

}  // namespace scalelab
