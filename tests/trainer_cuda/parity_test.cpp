// The CUDA backend against the CPU reference backend (llama.cpp's habit: every backend on
// the same inputs). Both start from initial_parameters(shape, seed) and see the same
// batches; the CPU runs in fp32.
//
// Tolerances, scaled to bf16 (unit roundoff u = 2^-9 ≈ 2e-3): every GEMM operand is rounded
// to bf16 on the GPU, so each matrix product carries a relative error of about u·sqrt(k)
// on random-sign sums, compounded over the ~4 GEMMs per layer of the forward and ~8 of the
// backward. We therefore ask, per gradient tensor:
//   - relative L2 error ||g_gpu - g_cpu|| / ||g_cpu|| <= 3e-2 (about 15 u), and
//   - elementwise |g_gpu - g_cpu| <= 5e-2 · |g_cpu| + 5e-2 · max|g_cpu| (errors of small
//     elements scale with the tensor, not with themselves),
// the loss within 5e-3 relative, and over 50 AdamW steps every loss within 1% (the issue's
// criterion). These bounds come from the arithmetic above, not yet from a GPU run: the first
// run on an H100 should record the observed errors next to them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "lib/error.hpp"
#include "tests/trainer_cuda/gpu_test_support.hpp"
#include "trainer/backend.hpp"
#include "trainer/cuda/cuda_backend.hpp"
#include "trainer/model_layout.hpp"

using scalelab::Arch;
using scalelab::ModelShape;
using namespace scalelab::trainer;

namespace {

constexpr int kBatch = 3;

ModelShape make_shape(Arch arch, int V, int T, int L, int d, int H, int hd, int f, bool tied) {
  ModelShape s;
  s.arch = arch;
  s.vocab_size = V;
  s.seq_len = T;
  s.n_layer = L;
  s.d_model = d;
  s.n_head = H;
  s.head_dim = hd;
  s.d_ff = f;
  s.tied_embeddings = tied;
  return s;
}

// A few shapes per family: odd vocabularies and lengths (not multiples of the kernels'
// tiles), tied and untied heads, head widths 16 to 128, a model narrower inside than out.
std::vector<ModelShape> shapes() {
  return {make_shape(Arch::kLlama, 97, 40, 2, 64, 4, 16, 176, false),
          make_shape(Arch::kLlama, 128, 64, 3, 128, 2, 64, 352, true),
          make_shape(Arch::kGpt2, 101, 48, 2, 96, 3, 32, 384, true),
          make_shape(Arch::kGpt2, 64, 33, 1, 128, 1, 128, 512, false),
          // d_model wider than q|k|v and the MLP: the column-sum scratch must fit d columns.
          make_shape(Arch::kLlama, 50, 24, 1, 64, 1, 16, 16, false)};
}

// Learnable but not trivial: token t+1 = (a·token t + b) mod V with noise, per sequence.
std::vector<std::int32_t> make_batch(const ModelShape& s, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(kBatch) * (s.seq_len + 1));
  for (int b = 0; b < kBatch; ++b) {
    std::int64_t x = static_cast<std::int64_t>(rng.below(s.vocab_size));
    for (int t = 0; t <= s.seq_len; ++t) {
      tokens[static_cast<std::size_t>(b) * (s.seq_len + 1) + t] = static_cast<std::int32_t>(x);
      x = rng.uniform() < 0.1 ? static_cast<std::int64_t>(rng.below(s.vocab_size))
                              : (5 * x + 3) % s.vocab_size;
    }
  }
  return tokens;
}

struct Pair {
  std::unique_ptr<Backend> cpu, gpu;
};

Pair make_pair(const ModelShape& s) {
  BackendOptions c;
  c.device = "cpu";
  c.max_batch = kBatch;
  BackendOptions g = c;
  g.device = "cuda:0";
  Pair p{make_backend(s, c), make_backend(s, g)};
  const auto init = initial_parameters(s, 1234);
  p.cpu->import_parameters(init);
  p.gpu->import_parameters(init);
  return p;
}

double norm(const std::vector<float>& v, std::int64_t off, std::int64_t n) {
  double s = 0;
  for (std::int64_t i = off; i < off + n; ++i) s += static_cast<double>(v[i]) * v[i];
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("forward loss and every gradient tensor match the CPU backend") {
  for (const ModelShape& s : shapes()) {
    CAPTURE(s.summary());
    Pair p = make_pair(s);
    const auto tokens = make_batch(s, 7);
    const TokenBatch batch{tokens.data(), kBatch};
    p.cpu->zero_grad();
    p.gpu->zero_grad();
    const double loss_cpu = p.cpu->forward_backward(batch, 1.0);
    const double loss_gpu = p.gpu->forward_backward(batch, 1.0);
    CHECK(loss_gpu == doctest::Approx(loss_cpu).epsilon(5e-3));
    CHECK(p.gpu->eval_loss(batch) == doctest::Approx(loss_cpu).epsilon(5e-3));

    const auto g_cpu = p.cpu->export_gradients();
    const auto g_gpu = p.gpu->export_gradients();
    for (const TensorInfo& t : model_layout(s).tensors) {
      CAPTURE(t.name);
      if (s.tied_embeddings && t.name == "head") continue;
      std::vector<float> a(g_gpu.begin() + t.offset, g_gpu.begin() + t.offset + t.size());
      std::vector<float> e(g_cpu.begin() + t.offset, g_cpu.begin() + t.offset + t.size());
      std::vector<float> diff(a.size());
      for (std::size_t i = 0; i < a.size(); ++i) diff[i] = a[i] - e[i];
      const double ref = norm(e, 0, static_cast<std::int64_t>(e.size()));
      const double err = norm(diff, 0, static_cast<std::int64_t>(diff.size()));
      INFO("relative L2 error " << err / ref);
      CHECK(err <= 3e-2 * ref + 1e-12);
      cuda::test::check_close(a, e, 5e-2, 5e-2 * cuda::test::max_abs(e), t.name);
    }
    // eval_loss must not have touched the gradient.
    CHECK(p.gpu->export_gradients() == g_gpu);
  }
}

TEST_CASE("50 AdamW steps with two micro-batches: losses agree within 1%") {
  for (const ModelShape& s : shapes()) {
    CAPTURE(s.summary());
    Pair p = make_pair(s);
    AdamWStep step;
    step.lr = 3e-3;
    const double clip = 1.0;
    double first = 0, last = 0;
    for (int k = 1; k <= 50; ++k) {
      CAPTURE(k);
      double loss[2] = {0, 0}, gnorm[2] = {0, 0};
      Backend* backends[2] = {p.cpu.get(), p.gpu.get()};
      for (int which = 0; which < 2; ++which) {
        Backend& be = *backends[which];
        be.zero_grad();
        for (int micro = 0; micro < 2; ++micro) {
          const auto tokens = make_batch(s, 1000 + 2 * k + micro);
          loss[which] += 0.5 * be.forward_backward({tokens.data(), kBatch}, 0.5);
        }
        gnorm[which] = be.grad_norm();
        AdamWStep st = step;
        st.step = k;
        st.grad_scale = std::min(1.0, clip / gnorm[which]);
        be.adamw_step(st);
      }
      CHECK(loss[1] == doctest::Approx(loss[0]).epsilon(1e-2));
      CHECK(gnorm[1] == doctest::Approx(gnorm[0]).epsilon(5e-2));
      if (k == 1) first = loss[0];
      last = loss[0];
    }
    CHECK(last < first);  // the run learns, so the comparison is not between two flat lines
    const auto tokens = make_batch(s, 99);
    const double e_cpu = p.cpu->eval_loss({tokens.data(), kBatch});
    CHECK(p.gpu->eval_loss({tokens.data(), kBatch}) == doctest::Approx(e_cpu).epsilon(1e-2));
  }
}

TEST_CASE("parameters and optimizer state round-trip through the host layout") {
  const ModelShape s = shapes()[0];
  Pair p = make_pair(s);
  const auto init = initial_parameters(s, 1234);
  CHECK(p.gpu->export_parameters() == init);
  std::vector<float> m(init.size()), v(init.size());
  for (std::size_t i = 0; i < init.size(); ++i) {
    m[i] = 1e-3f * static_cast<float>(i % 17);
    v[i] = 1e-6f * static_cast<float>(i % 5);
  }
  p.gpu->import_optimizer_state(m, v);
  std::vector<float> m2, v2;
  p.gpu->export_optimizer_state(m2, v2);
  CHECK(m2 == m);
  CHECK(v2 == v);
}

TEST_CASE("a shape that cannot fit is an input error naming the shape and the bytes") {
  ModelShape s = make_shape(Arch::kGpt2, 50257, 4096, 96, 4096, 32, 128, 16384, true);
  BackendOptions o;
  o.device = "cuda:0";
  o.max_batch = 64;
  try {
    make_backend(s, o);
    FAIL("expected an out-of-memory InputError");
  } catch (const scalelab::InputError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("out of memory") != std::string::npos);
    CHECK(message.find(s.summary()) != std::string::npos);
    CHECK(message.find("bytes") != std::string::npos);
  }
}

TEST_CASE("the CUDA backend is deterministic") {
  const ModelShape s = shapes()[2];
  Pair p = make_pair(s);
  const auto tokens = make_batch(s, 5);
  p.gpu->zero_grad();
  const double l1 = p.gpu->forward_backward({tokens.data(), kBatch}, 1.0);
  const auto g1 = p.gpu->export_gradients();
  p.gpu->zero_grad();
  const double l2 = p.gpu->forward_backward({tokens.data(), kBatch}, 1.0);
  CHECK(l1 == l2);
  CHECK(p.gpu->export_gradients() == g1);
}
