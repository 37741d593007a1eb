// The message of the InputError a call throws: the tests' one way to check a one-line error.
#pragma once

#include <string>

#include "lib/error.hpp"

namespace scalelab::testing {

// Calls `f`; returns the what() of the InputError it throws, or "no error" when it returns.
template <class F>
std::string input_error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace scalelab::testing
