// Finite-difference check of every parameter of a tiny model in double precision, for both
// families and every SIMD build of the kernels this CPU runs (the CPU reference must be right
// before anything is compared against it).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lib/compute.hpp"
#include "lib/simd_level.hpp"
#include "trainer/cpu/cpu_kernels.hpp"
#include "trainer/cpu/cpu_model.hpp"
#include "trainer/cpu/layers.hpp"
#include "trainer/model_layout.hpp"
#include "trainer/rng.hpp"

using scalelab::Arch;
using scalelab::ModelShape;
using namespace scalelab::trainer;

namespace {

ModelShape tiny(Arch arch, bool tied) {
  ModelShape s;
  s.arch = arch;
  s.vocab_size = 11;
  s.seq_len = 6;
  s.n_layer = 2;
  s.d_model = 8;
  s.n_head = 2;
  s.head_dim = 4;
  s.d_ff = 12;
  s.tied_embeddings = tied;
  return s;
}

// Random parameters far from the GPT-2 init (larger weights give peaked attention, norms
// and biases away from 1 and 0) so that no term of the gradient is degenerate.
void randomise(cpu::CpuModel<double>& model, std::uint64_t seed) {
  Rng rng(seed);
  for (const TensorInfo& t : model.layout().tensors)
    for (std::int64_t i = 0; i < t.size(); ++i)
      model.params()[t.offset + i] =
          t.weight_decay ? 0.5 * rng.normal() : t.init_value + 0.3 * rng.normal();
}

std::vector<std::int32_t> random_tokens(const ModelShape& s, int batch, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int32_t> tokens(batch * (s.seq_len + 1));
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(s.vocab_size));
  return tokens;
}

// Max over elements of |analytic - numeric| / max(|analytic|, |numeric|, kFloor).
// The numeric gradient is the fourth-order central difference
// (-L(θ+2h) + 8L(θ+h) - 8L(θ-h) + L(θ-2h)) / 12h: truncation ~ h⁴, round-off ~ 1e-16·L/h.
// kFloor keeps elements whose exact gradient is 0 (the key bias: softmax ignores a shift
// shared by all keys) from dividing that round-off by ~0; there the check is absolute.
double check_all_gradients(const ModelShape& shape, scalelab::SimdLevel level) {
  constexpr int kBatch = 3;
  constexpr double kStep = 3e-4;   // worst errors ~5e-7 here; 1e-3 lets h⁴ terms show
  constexpr double kFloor = 1e-5;  // absolute 1e-11 where the gradient is 0
  cpu::CpuModel<double> model(shape, kBatch, level);
  randomise(model, 7);
  const auto tokens = random_tokens(shape, kBatch, 11);
  model.zero_grads();
  model.forward(tokens.data(), kBatch);
  model.backward(1.0);
  const std::vector<double> analytic = model.grads();
  double worst = 0;
  for (const TensorInfo& t : model.layout().tensors) {
    double worst_tensor = 0;
    for (std::int64_t i = t.offset; i < t.offset + t.size(); ++i) {
      double& p = model.params()[i];
      const double saved = p;
      auto loss_at = [&](double delta) {
        p = saved + delta;
        return model.forward(tokens.data(), kBatch);
      };
      const double numeric =
          (-loss_at(2 * kStep) + 8 * loss_at(kStep) - 8 * loss_at(-kStep) + loss_at(-2 * kStep)) /
          (12 * kStep);
      p = saved;
      const double denom = std::max({std::abs(analytic[i]), std::abs(numeric), kFloor});
      worst_tensor = std::max(worst_tensor, std::abs(analytic[i] - numeric) / denom);
    }
    CAPTURE(t.name);
    CHECK(worst_tensor < 1e-6);
    worst = std::max(worst, worst_tensor);
  }
  MESSAGE(shape.summary() << ", " << std::string(scalelab::simd_level_name(level))
                          << " kernels: max relative error " << worst);
  return worst;
}

// The worst error over every kernel build this CPU runs.
double check_all_gradients(const ModelShape& shape) {
  double worst = 0;
  for (scalelab::SimdLevel level : cpu::cpu_kernel_levels()) {
    const std::string name = scalelab::simd_level_name(level);
    CAPTURE(name);
    worst = std::max(worst, check_all_gradients(shape, level));
  }
  return worst;
}

}  // namespace

TEST_CASE("layout matches lib/compute.hpp's parameter count") {
  for (Arch arch : {Arch::kLlama, Arch::kGpt2})
    for (bool tied : {false, true}) {
      const ModelShape s = tiny(arch, tied);
      CHECK(model_layout(s).total == scalelab::count_params(s).total);
    }
  ModelShape gpt2_small;
  gpt2_small.arch = Arch::kGpt2;
  gpt2_small.vocab_size = 50257;
  gpt2_small.seq_len = 1024;
  gpt2_small.n_layer = 12;
  gpt2_small.d_model = 768;
  gpt2_small.n_head = 12;
  gpt2_small.head_dim = 64;
  gpt2_small.d_ff = 3072;
  gpt2_small.tied_embeddings = true;
  CHECK(model_layout(gpt2_small).total == 124439808);
  CHECK(scalelab::count_params(gpt2_small).total == 124439808);
}

TEST_CASE("initial parameters are deterministic and follow the GPT-2 init") {
  const ModelShape s = tiny(Arch::kGpt2, true);
  CHECK(initial_parameters(s, 1) == initial_parameters(s, 1));
  CHECK(initial_parameters(s, 1) != initial_parameters(s, 2));
  const ModelLayout layout = model_layout(s);
  const auto p = initial_parameters(s, 1);
  for (const TensorInfo& t : layout.tensors)
    if (t.name.find("ln") != std::string::npos && t.name.ends_with(".w")) {
      CAPTURE(t.name);
      CHECK(p[t.offset] == 1.0f);
    }
}

TEST_CASE("gradient check, llama, untied") {
  CHECK(check_all_gradients(tiny(Arch::kLlama, false)) < 1e-6);
}
TEST_CASE("gradient check, llama, tied") {
  CHECK(check_all_gradients(tiny(Arch::kLlama, true)) < 1e-6);
}
TEST_CASE("gradient check, gpt2, tied") {
  CHECK(check_all_gradients(tiny(Arch::kGpt2, true)) < 1e-6);
}
TEST_CASE("gradient check, gpt2, untied") {
  CHECK(check_all_gradients(tiny(Arch::kGpt2, false)) < 1e-6);
}

TEST_CASE("float and double models agree on the loss and gradient") {
  const ModelShape s = tiny(Arch::kLlama, false);
  cpu::CpuModel<double> md(s, 2);
  cpu::CpuModel<float> mf(s, 2);
  const auto init = initial_parameters(s, 3);
  std::copy(init.begin(), init.end(), md.params().begin());
  std::copy(init.begin(), init.end(), mf.params().begin());
  const auto tokens = random_tokens(s, 2, 5);
  md.zero_grads();
  mf.zero_grads();
  const double ld = md.forward(tokens.data(), 2), lf = mf.forward(tokens.data(), 2);
  CHECK(lf == doctest::Approx(ld).epsilon(1e-5));
  // Untrained loss is about ln(V).
  CHECK(ld == doctest::Approx(std::log(11.0)).epsilon(0.05));
  md.backward(1.0);
  mf.backward(1.0f);
  double max_abs = 0, max_diff = 0;
  for (std::size_t i = 0; i < md.grads().size(); ++i) {
    max_abs = std::max(max_abs, std::abs(md.grads()[i]));
    max_diff = std::max(max_diff, std::abs(md.grads()[i] - mf.grads()[i]));
  }
  CHECK(max_diff < 1e-4 * max_abs);
}

TEST_CASE(
    "attention across several causal blocks: forward by direct sums, backward by differences") {
  using scalelab::trainer::cpu::attention_backward;
  using scalelab::trainer::cpu::attention_forward;
  constexpr int B = 1, T = 150, H = 2, hd = 4, a = H * hd;  // 150 rows: three blocks of 64
  Rng rng(5);
  std::vector<double> qkv(B * T * 3 * a), out(B * T * a), probs(B * H * T * T), weights(B * T * a);
  for (auto& x : qkv) x = rng.normal();
  for (auto& x : weights) x = rng.normal();
  attention_forward(out.data(), probs.data(), qkv.data(), B, T, H, hd);
  // Direct: out[t] = Σ_{s<=t} softmax_s(q_t·k_s / sqrt(hd)) v_s.
  double worst = 0;
  for (int h = 0; h < H; ++h)
    for (int t = 0; t < T; t += 7) {
      std::vector<double> w(t + 1);
      double mx = -1e300, sum = 0;
      for (int s = 0; s <= t; ++s) {
        double dot = 0;
        for (int i = 0; i < hd; ++i)
          dot += qkv[t * 3 * a + h * hd + i] * qkv[s * 3 * a + a + h * hd + i];
        w[s] = dot / 2.0;
        mx = std::max(mx, w[s]);
      }
      for (auto& x : w) sum += (x = std::exp(x - mx));
      for (int i = 0; i < hd; ++i) {
        double o = 0;
        for (int s = 0; s <= t; ++s) o += w[s] / sum * qkv[s * 3 * a + 2 * a + h * hd + i];
        worst = std::max(worst, std::abs(o - out[t * a + h * hd + i]));
      }
    }
  CHECK(worst < 1e-12);
  // Backward of L = Σ weights ∘ out against central differences at sampled qkv entries.
  std::vector<double> dqkv(qkv.size(), 0.0);
  attention_backward(dqkv.data(), weights.data(), qkv.data(), probs.data(), B, T, H, hd);
  auto loss = [&]() {
    attention_forward(out.data(), probs.data(), qkv.data(), B, T, H, hd);
    double l = 0;
    for (std::size_t i = 0; i < out.size(); ++i) l += weights[i] * out[i];
    return l;
  };
  double worst_rel = 0;
  for (int k = 0; k < 300; ++k) {
    const std::size_t i = rng.below(qkv.size());
    const double saved = qkv[i], h = 3e-4;
    auto at = [&](double delta) {
      qkv[i] = saved + delta;
      return loss();
    };
    const double numeric = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
    qkv[i] = saved;
    worst_rel = std::max(worst_rel, std::abs(numeric - dqkv[i]) /
                                        std::max({std::abs(numeric), std::abs(dqkv[i]), 1e-5}));
  }
  MESSAGE("attention T=150: max relative error " << worst_rel);
  CHECK(worst_rel < 1e-6);
}
