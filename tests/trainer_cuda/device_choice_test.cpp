// --device semantics of make_backend in a CUDA build. These run everywhere: on a machine
// without a GPU they check that asking for CUDA is a one-line InputError and that auto falls
// back to the CPU; on a GPU machine they check that auto picks the GPU.
#include <doctest/doctest.h>

#include <string>

#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "trainer/backend.hpp"
#include "trainer/cuda/cuda_backend.hpp"

using scalelab::Arch;
using scalelab::InputError;
using scalelab::ModelShape;
using namespace scalelab::trainer;

namespace {

ModelShape small_shape() {
  ModelShape s;
  s.vocab_size = 64;
  s.seq_len = 16;
  s.n_layer = 1;
  s.d_model = 32;
  s.n_head = 2;
  s.head_dim = 16;
  s.d_ff = 64;
  return s;
}

std::string input_error_of(const std::string& device) {
  BackendOptions o;
  o.device = device;
  o.max_batch = 2;
  o.threads = 1;
  try {
    make_backend(small_shape(), o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("malformed cuda device strings are one-line input errors") {
  for (const char* bad : {"cuda:", "cuda:x", "cuda:-1", "cuda:1.5", "cuda:99999"}) {
    const std::string message = input_error_of(bad);
    CAPTURE(bad);
    CHECK(message.find(bad) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("without a GPU, cuda is an input error and auto is the CPU") {
  if (cuda::visible_device_count() > 0) {
    BackendOptions o;
    o.max_batch = 2;
    CHECK(make_backend(small_shape(), o)->description().starts_with("cuda:0"));
    const std::string message = input_error_of("cuda:64");
    CHECK(message.find("CUDA device") != std::string::npos);
    return;
  }
  for (const char* device : {"cuda", "cuda:0", "cuda:3"}) {
    const std::string message = input_error_of(device);
    CAPTURE(device);
    CHECK(message.find("no CUDA GPU is visible") != std::string::npos);
    CHECK(message.find("--device cpu") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  BackendOptions o;
  o.max_batch = 2;
  o.threads = 1;
  CHECK(make_backend(small_shape(), o)->description().starts_with("cpu"));
}

TEST_CASE("the memory plan counts weights, optimizer state and activations") {
  // GPT-2 small: 124M parameters at 19 bytes each (parameters, gradients and both AdamW
  // moments in fp32, a bf16 copy, the decay mask) = 2.4 GB, plus activations per sequence.
  ModelShape s;
  s.arch = Arch::kGpt2;
  s.vocab_size = 50257;
  s.seq_len = 1024;
  s.n_layer = 12;
  s.d_model = 768;
  s.n_head = 12;
  s.head_dim = 64;
  s.d_ff = 3072;
  s.tied_embeddings = true;
  const auto params = scalelab::count_params(s).total;
  CHECK(params == 124439808);
  const std::int64_t small = cuda::planned_device_bytes(s, 1);
  const std::int64_t big = cuda::planned_device_bytes(s, 16);
  CHECK(small > 19 * params);
  CHECK(big > small);
  // Activations grow linearly with the micro-batch (the logits chunk is capped, so less).
  CHECK(big - small < 15 * (cuda::planned_device_bytes(s, 2) - small));
}
