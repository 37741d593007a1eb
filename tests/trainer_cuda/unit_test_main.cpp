// doctest's main() for the CUDA backend's unit tests (which need no GPU).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
