// Every SIMD build of the CPU trainer's kernels that this CPU runs (trainer/cpu/cpu_kernels.hpp)
// against the generic build, on the same weights and tokens: the loss, every gradient tensor and
// the losses along a few AdamW steps. (Each build's double-precision gradient check is in
// gradient_check_test.cpp; its bitwise resume runs as trainer_train_loop_resume_<level>.)
//
// Tolerances. The builds differ only in rounding: FMA contraction, the order of the vector
// sums (8 or 16 lanes instead of 4) and Eigen's vector exp/tanh against the scalar tail. Each
// float result carries relative errors of a few ulp (6e-8) per operation, summed over at most
// a few hundred terms in these models (sqrt(K)·eps ≈ 1e-6). Observed on an AMD EPYC (AVX2
// against generic): loss 9e-10 and 4e-9, gradient tensors up to 5.5e-7 relative L2, losses
// along 5 AdamW steps up to 2e-8. The bounds leave 50-250x of margin for wider vectors and
// still fail on any real bug (a wrong term moves a gradient by O(1) relative).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "lib/error.hpp"
#include "lib/simd_level.hpp"
#include "trainer/backend.hpp"
#include "trainer/cpu/cpu_kernels.hpp"
#include "trainer/cpu/cpu_model.hpp"
#include "trainer/model_layout.hpp"
#include "trainer/rng.hpp"

using scalelab::Arch;
using scalelab::ModelShape;
using scalelab::SimdLevel;
using namespace scalelab::trainer;

namespace {

constexpr double kLossRtol = 1e-6;
constexpr double kGradRelL2 = 3e-5;
constexpr double kStepLossRtol = 1e-6;

// Widths that are not multiples of any vector width, so that every build's tails run.
ModelShape odd_gpt2() {
  ModelShape s;
  s.arch = Arch::kGpt2;
  s.vocab_size = 101;
  s.seq_len = 37;
  s.n_layer = 2;
  s.d_model = 40;
  s.n_head = 2;
  s.head_dim = 20;
  s.d_ff = 156;
  s.tied_embeddings = true;
  return s;
}

// A demo-like llama: d 64, four heads of 16, byte vocabulary, T 64.
ModelShape demo_llama() {
  ModelShape s;
  s.arch = Arch::kLlama;
  s.vocab_size = 256;
  s.seq_len = 64;
  s.n_layer = 2;
  s.d_model = 64;
  s.n_head = 4;
  s.head_dim = 16;
  s.d_ff = 176;
  s.tied_embeddings = false;
  return s;
}

std::vector<std::int32_t> random_tokens(const ModelShape& s, int batch, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(batch) * (s.seq_len + 1));
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(s.vocab_size));
  return tokens;
}

double rel_l2(const float* a, const float* b, std::int64_t n) {
  double diff = 0, ref = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    diff += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    ref += static_cast<double>(b[i]) * b[i];
  }
  return ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff);
}

void compare_with_generic(const ModelShape& shape, int batch, SimdLevel level) {
  cpu::CpuModel<float> ref(shape, batch, SimdLevel::kGeneric), got(shape, batch, level);
  REQUIRE(ref.kernel_level() == SimdLevel::kGeneric);
  REQUIRE(got.kernel_level() == level);
  const std::vector<float> init = initial_parameters(shape, 5);
  ref.params() = init;
  got.params() = init;
  const auto tokens = random_tokens(shape, batch, 9);
  const auto mask = weight_decay_mask(ref.layout());
  const std::int64_t n = ref.layout().total;
  std::vector<float> m_ref(n, 0.0f), v_ref(n, 0.0f), m_got(n, 0.0f), v_got(n, 0.0f);
  double worst_step_loss = 0;
  for (int step = 1; step <= 6; ++step) {
    ref.zero_grads();
    got.zero_grads();
    const double l_ref = ref.forward(tokens.data(), batch);
    const double l_got = got.forward(tokens.data(), batch);
    ref.backward(1.0f);
    got.backward(1.0f);
    const double rel = std::abs(l_got - l_ref) / std::abs(l_ref);
    if (step == 1) {
      // The first step: identical weights, so loss and gradients compare directly.
      CHECK(rel < kLossRtol);
      double worst = 0;
      for (const TensorInfo& t : ref.layout().tensors) {
        const double e =
            rel_l2(got.grads().data() + t.offset, ref.grads().data() + t.offset, t.size());
        CAPTURE(t.name);
        CHECK(e < kGradRelL2);
        worst = std::max(worst, e);
      }
      MESSAGE(shape.summary() << ", " << std::string(scalelab::simd_level_name(level))
                              << ": loss rel.err " << rel << ", worst gradient tensor rel. L2 "
                              << worst);
    } else {
      CHECK(rel < kStepLossRtol);
      worst_step_loss = std::max(worst_step_loss, rel);
    }
    AdamWStep s;
    s.step = step;
    s.lr = 1e-3;
    ref.kernels().adamw(ref.params().data(), ref.grads().data(), m_ref.data(), v_ref.data(),
                        mask.data(), n, s);
    got.kernels().adamw(got.params().data(), got.grads().data(), m_got.data(), v_got.data(),
                        mask.data(), n, s);
  }
  MESSAGE("  losses along 5 AdamW steps: worst rel.err " << worst_step_loss);
}

}  // namespace

TEST_CASE("the generic build is always there and comes first") {
  const auto levels = cpu::cpu_kernel_levels();
  REQUIRE(!levels.empty());
  CHECK(levels.front() == SimdLevel::kGeneric);
  for (SimdLevel l : levels) CHECK(l <= scalelab::cpu_simd_level());
  MESSAGE("this CPU: " << std::string(scalelab::simd_level_name(scalelab::cpu_simd_level()))
                       << "; builds run: " << levels.size());
}

TEST_CASE("every kernel build this CPU runs agrees with the generic one") {
  for (SimdLevel level : cpu::cpu_kernel_levels()) {
    if (level == SimdLevel::kGeneric) continue;
    const std::string name = scalelab::simd_level_name(level);
    CAPTURE(name);
    compare_with_generic(demo_llama(), 3, level);
    compare_with_generic(odd_gpt2(), 2, level);
  }
}

TEST_CASE("a kernel build this CPU cannot run is refused, not run") {
  if (scalelab::cpu_simd_level() == SimdLevel::kAvx512) return;  // every level runs here
  CHECK_THROWS_AS(cpu::cpu_kernels<float>(SimdLevel::kAvx512), scalelab::InputError);
  CHECK_THROWS_AS(cpu::CpuModel<float>(demo_llama(), 1, SimdLevel::kAvx512), scalelab::InputError);
}

TEST_CASE("the backend uses the selected build and names it") {
  const SimdLevel level = cpu::default_cpu_kernel_level();
  CHECK(level <= scalelab::selected_simd_level());
  BackendOptions o;
  o.device = "cpu";
  o.threads = 1;
  o.max_batch = 1;
  const auto backend = make_backend(demo_llama(), o);
  CHECK(backend->description() ==
        std::string("cpu (1 thread, ") + scalelab::simd_level_name(level) + " kernels)");
}
