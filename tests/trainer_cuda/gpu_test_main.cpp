// main() of the GPU test binaries: exit 77 (ctest: skipped) when no CUDA device is visible,
// saying so on stdout, so that a machine without a GPU never reports these tests as passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "trainer/cuda/cuda_backend.hpp"

int main(int argc, char** argv) {
  if (scalelab::trainer::cuda::visible_device_count() == 0) {
    const std::string why = scalelab::trainer::cuda::device_count_error();
    std::printf("SKIPPED: no CUDA device visible (%s); GPU tests not run\n",
                why.empty() ? "0 devices" : why.c_str());
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
