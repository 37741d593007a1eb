#include <doctest/doctest.h>

#include "lib/compute.hpp"

using namespace scalelab;

namespace {

ModelShape gpt2_small() {
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
  return s;
}

}  // namespace

TEST_CASE("GPT-2 small has 124,439,808 parameters") {
  const ParamCounts c = count_params(gpt2_small());
  CHECK(c.total == 124439808);
  // wte 50257·768 + wpe 1024·768.
  CHECK(c.embedding == 38597376 + 786432);
  CHECK(c.non_embedding == c.total - c.embedding);
  // Kaplan's approximation 12·L·d² is within 0.2% of the exact non-embedding count.
  CHECK(c.non_embedding == doctest::Approx(12.0 * 12 * 768 * 768).epsilon(2e-3));
}

TEST_CASE("untied gpt2 adds a V·d head to the embedding count") {
  ModelShape s = gpt2_small();
  s.tied_embeddings = false;
  CHECK(count_params(s).total == 124439808 + 50257LL * 768);
  CHECK(count_params(s).non_embedding == count_params(gpt2_small()).non_embedding);
}

TEST_CASE("llama parameter count by hand") {
  // V 256, d 64, 2 layers, 4 heads of 16, d_ff 176, untied.
  ModelShape s;
  s.arch = Arch::kLlama;
  s.vocab_size = 256;
  s.seq_len = 128;
  s.n_layer = 2;
  s.d_model = 64;
  s.n_head = 4;
  s.head_dim = 16;
  s.d_ff = 176;
  s.tied_embeddings = false;
  // per layer: norms 2·64, q/k/v/o 4·64·64, w1/w3/w2 3·64·176
  const long per_layer = 128 + 4 * 4096 + 3 * 64 * 176;
  const ParamCounts c = count_params(s);
  CHECK(c.non_embedding == 2 * per_layer + 64);
  CHECK(c.embedding == 2 * 256 * 64);
  CHECK(c.total == c.non_embedding + c.embedding);
}

TEST_CASE("FLOPs per token by three conventions") {
  const ModelShape s = gpt2_small();
  const FlopsPerToken f = flops_per_token(s);
  CHECK(f.six_n == 6.0 * 124439808);
  CHECK(f.kaplan == 6.0 * 85056000 + 6.0 * 12 * 1024 * 768);
  // Appendix F by hand: embeddings 2Vd, per layer qkv 6d·a, QK 2Ta, softmax 3hT, ·V 2Ta,
  // out 2ad, MLP 4df; logits 2dV; ×3 for forward+backward.
  const double V = 50257, T = 1024, d = 768, a = 768, h = 12, ff = 3072;
  const double layer = 6 * d * a + 2 * T * a + 3 * h * T + 2 * T * a + 2 * a * d + 4 * d * ff;
  CHECK(f.chinchilla == doctest::Approx(3 * (2 * V * d + 12 * layer + 2 * d * V)).epsilon(1e-12));
  CHECK(training_flops_6nd(1e9, 2e10) == 1.2e20);
}

TEST_CASE("the 6ND convention: D from C and N, N·D from C, N from C and a ratio, inference 2NT") {
  CHECK(tokens_for_budget_6nd(1.2e20, 1e9) == doctest::Approx(2e10).epsilon(1e-15));
  CHECK(params_tokens_product_6nd(1.2e20) == doctest::Approx(2e19).epsilon(1e-15));
  // r = 20 at C = 1.2e20: N = sqrt(1.2e20 / 120) = 1e9, D = 20 N.
  const double n = params_at_tokens_per_param_6nd(1.2e20, 20);
  CHECK(n == doctest::Approx(1e9).epsilon(1e-15));
  CHECK(tokens_for_budget_6nd(1.2e20, n) == doctest::Approx(2e10).epsilon(1e-15));
  CHECK(training_flops_6nd(n, tokens_for_budget_6nd(1.2e20, n)) ==
        doctest::Approx(1.2e20).epsilon(1e-15));
  CHECK(inference_flops_2nt(7e9, 1e12) == 1.4e22);
}
