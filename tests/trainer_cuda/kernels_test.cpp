// Each CUDA kernel against its CPU counterpart (trainer/cpu/layers.hpp, trainer/adamw.hpp)
// on random inputs. Tolerances:
//  - fp32 kernels whose only difference from the CPU is summation order or fused multiply-
//    add: rtol 1e-5 (a few float ulps) with an absolute floor scaled to the data;
//  - kernels that write a bf16 result: rtol 2^-8 = 3.9e-3, one bf16 ulp (the fp32 values
//    agree to ~1e-6, which can flip the final rounding by one ulp);
//  - GEMMs are fed bf16-rounded operands on both sides, so only the accumulation order
//    differs: rtol 1e-4 of the largest element;
//  - attention backward uses the bf16 attention output for rowsum(dO∘O): 1e-2 of the
//    largest element.
// These were chosen from the formats' unit roundoff; they have not yet been calibrated on a
// GPU (none was available when they were written).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "tests/trainer_cuda/gpu_test_support.hpp"
#include "trainer/adamw.hpp"
#include "trainer/cpu/layers.hpp"
#include "trainer/cuda/gemm.hpp"
#include "trainer/cuda/kernels.hpp"

using namespace scalelab::trainer;
using namespace scalelab::trainer::cuda;
using namespace scalelab::trainer::cuda::test;

namespace {
constexpr cudaStream_t kStream = nullptr;
constexpr double kBf16Rtol = 1.0 / 256;

std::vector<std::int32_t> random_ids(std::size_t n, int vocab, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int32_t> v(n);
  for (auto& x : v) x = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(vocab)));
  return v;
}
}  // namespace

TEST_CASE("embedding forward and backward") {
  const int B = 3, T = 17, d = 40, V = 23;
  const std::int64_t N = B * T;
  for (bool with_wpe : {false, true}) {
    CAPTURE(with_wpe);
    const auto tokens = random_ids(N, V, 1);
    const auto wte = random_vector(V * d, 2), wpe = random_vector(T * d, 3);
    std::vector<float> ref(N * d);
    cpu::embedding_forward(ref.data(), tokens.data(), wte.data(), with_wpe ? wpe.data() : nullptr,
                           B, T, d);
    auto tok_d = to_device(tokens);
    auto wte_d = to_device(wte), wpe_d = to_device(wpe);
    DeviceBuffer<float> out(N * d, "out");
    embedding_forward(out.get(), tok_d.get(), wte_d.get(), with_wpe ? wpe_d.get() : nullptr, B, T,
                      d, kStream);
    check_close(to_host(out), ref, 0, 0, "embedding_forward");  // a copy and one add: exact

    const auto dout = random_vector(N * d, 4);
    auto dwte_ref = random_vector(V * d, 5), dwpe_ref = random_vector(T * d, 6);
    auto dwte_d = to_device(dwte_ref), dwpe_d = to_device(dwpe_ref);  // accumulates onto these
    cpu::embedding_backward(dwte_ref.data(), with_wpe ? dwpe_ref.data() : nullptr, dout.data(),
                            tokens.data(), B, T, d);
    const TokenBuckets buckets = bucket_tokens(tokens.data(), N);
    auto ids = to_device(buckets.ids), offsets = to_device(buckets.offsets),
         positions = to_device(buckets.positions);
    auto dout_d = to_device(dout);
    embedding_backward_wte(dwte_d.get(), dout_d.get(), ids.get(), offsets.get(), positions.get(),
                           static_cast<int>(buckets.ids.size()), d, kStream);
    if (with_wpe) embedding_backward_wpe(dwpe_d.get(), dout_d.get(), B, T, d, kStream);
    check_close(to_host(dwte_d), dwte_ref, 1e-5, 1e-5, "embedding_backward wte");
    if (with_wpe) check_close(to_host(dwpe_d), dwpe_ref, 1e-5, 1e-5, "embedding_backward wpe");
  }
}

TEST_CASE("layernorm and rmsnorm forward and backward") {
  for (int C : {24, 96, 770}) {
    for (bool layer : {true, false}) {
      CAPTURE(C);
      CAPTURE(layer);
      const std::int64_t N = 37;
      const auto x = random_vector(N * C, 10, 2.0, 0.5);
      const auto w = random_vector(C, 11, 0.3, 1.0), b = random_vector(C, 12, 0.3);
      std::vector<float> out(N * C), mean(N), rstd(N);
      if (layer)
        cpu::layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(),
                               N, C);
      else
        cpu::rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), N, C);
      auto x_d = to_device(x), w_d = to_device(w), b_d = to_device(b);
      DeviceBuffer<bf16> out_d(N * C, "out");
      DeviceBuffer<float> mean_d(N, "mean"), rstd_d(N, "rstd");
      if (layer)
        layernorm_forward(out_d.get(), mean_d.get(), rstd_d.get(), x_d.get(), w_d.get(), b_d.get(),
                          N, C, kStream);
      else
        rmsnorm_forward(out_d.get(), rstd_d.get(), x_d.get(), w_d.get(), N, C, kStream);
      check_close(to_host_float(out_d), out, kBf16Rtol, 1e-6, "norm forward output");
      check_close(to_host(rstd_d), rstd, 1e-5, 0, "norm forward rstd");
      if (layer) check_close(to_host(mean_d), mean, 1e-5, 1e-6, "norm forward mean");

      const auto dout = random_vector(N * C, 13);
      auto dx = random_vector(N * C, 14), dw = random_vector(C, 15), db = random_vector(C, 16);
      auto dx_d = to_device(dx), dw_d = to_device(dw), db_d = to_device(db);
      if (layer)
        cpu::layernorm_backward(dx.data(), dw.data(), db.data(), dout.data(), x.data(), mean.data(),
                                rstd.data(), w.data(), N, C);
      else
        cpu::rmsnorm_backward(dx.data(), dw.data(), dout.data(), x.data(), rstd.data(), w.data(), N,
                              C);
      auto dout_d = to_device(dout);
      auto mean_ref = to_device(mean), rstd_ref = to_device(rstd);  // the CPU's statistics
      DeviceBuffer<bf16> dx16(N * C, "dx bf16");
      DeviceBuffer<float> scratch(column_scratch_floats(C), "scratch");
      norm_backward(dx_d.get(), dx16.get(), dw_d.get(), layer ? db_d.get() : nullptr, scratch.get(),
                    dout_d.get(), x_d.get(), layer ? mean_ref.get() : nullptr, rstd_ref.get(),
                    w_d.get(), N, C, true, kStream);
      const double scale = max_abs(dx);
      check_close(to_host(dx_d), dx, 1e-5, 1e-5 * scale, "norm backward dx (accumulated)");
      check_close(to_host_float(dx16), to_host(dx_d), kBf16Rtol, 0, "norm backward dx bf16 copy");
      check_close(to_host(dw_d), dw, 1e-5, 1e-5 * max_abs(dw), "norm backward dw");
      if (layer) check_close(to_host(db_d), db, 1e-5, 1e-5 * max_abs(db), "norm backward db");
    }
  }
}

TEST_CASE("column sums and bias add") {
  const std::int64_t N = 1000;
  const int C = 300;
  const auto x = random_vector(N * C, 20);
  auto acc = random_vector(C, 21);
  auto acc_d = to_device(acc), x_d = to_device(x);
  DeviceBuffer<float> scratch(column_scratch_floats(C), "scratch");
  cpu::column_sums(acc.data(), x.data(), N, C);
  column_sums(acc_d.get(), scratch.get(), x_d.get(), N, C, kStream);
  check_close(to_host(acc_d), acc, 1e-5, 1e-4, "column_sums");

  const auto bias = random_vector(C, 22);
  auto bias_d = to_device(bias);
  DeviceBuffer<float> out(N * C, "out");
  add_bias(out.get(), x_d.get(), bias_d.get(), N, C, kStream);
  std::vector<float> ref(x);
  for (std::int64_t n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) ref[n * C + c] += bias[c];
  check_close(to_host(out), ref, 0, 0, "add_bias");
}

TEST_CASE("rope forward and backward") {
  const int B = 2, T = 19, H = 3, hd = 16, a = H * hd;
  std::vector<float> table(T * hd);
  for (int t = 0; t < T; ++t)
    for (int i = 0; i < hd / 2; ++i) {
      const double theta = t * std::pow(10000.0, -2.0 * i / hd);
      table[t * hd + 2 * i] = static_cast<float>(std::cos(theta));
      table[t * hd + 2 * i + 1] = static_cast<float>(std::sin(theta));
    }
  auto qkv = random_vector(B * T * 3 * a, 30);
  auto qkv_d = to_device(qkv), table_d = to_device(table);
  cpu::rope_forward(qkv.data(), table.data(), B, T, H, hd);
  rope_forward(qkv_d.get(), table_d.get(), B, T, H, hd, kStream);
  check_close(to_host(qkv_d), qkv, 1e-6, 1e-6, "rope_forward");
  cpu::rope_backward(qkv.data(), table.data(), B, T, H, hd);
  rope_backward(qkv_d.get(), table_d.get(), B, T, H, hd, kStream);
  check_close(to_host(qkv_d), qkv, 1e-6, 1e-6, "rope_backward");
}

TEST_CASE("flash attention forward and backward against the materialised CPU attention") {
  struct Case {
    int B, T, H, hd;
  };
  // T not a multiple of the 32-key tile or the 16-row block; every supported head width.
  for (const Case c : {Case{2, 70, 2, 16}, Case{1, 33, 3, 64}, Case{2, 45, 1, 128},
                       Case{1, 130, 2, 32}, Case{1, 1, 1, 16}}) {
    CAPTURE(c.T);
    CAPTURE(c.hd);
    const int a = c.H * c.hd;
    const std::int64_t N = static_cast<std::int64_t>(c.B) * c.T;
    const auto qkv = random_vector(N * 3 * a, 40, 1.5);  // peaked enough to test the max
    std::vector<float> out(N * a), probs(static_cast<std::size_t>(c.B) * c.H * c.T * c.T);
    cpu::attention_forward(out.data(), probs.data(), qkv.data(), c.B, c.T, c.H, c.hd);
    auto qkv_d = to_device(qkv);
    DeviceBuffer<bf16> out_d(N * a, "out");
    DeviceBuffer<float> lse(N * c.H, "lse");
    attention_forward(out_d.get(), lse.get(), qkv_d.get(), c.B, c.T, c.H, c.hd, kStream);
    check_close(to_host_float(out_d), out, kBf16Rtol, 1e-5 * max_abs(out), "attention_forward");

    const auto dout = random_vector(N * a, 41);
    std::vector<float> dqkv(N * 3 * a, 0.0f);
    cpu::attention_backward(dqkv.data(), dout.data(), qkv.data(), probs.data(), c.B, c.T, c.H,
                            c.hd);
    auto dout_d = to_device(dout);
    DeviceBuffer<float> dqkv_d(N * 3 * a, "dqkv"), delta(N * c.H, "delta");
    attention_backward(dqkv_d.get(), delta.get(), dout_d.get(), out_d.get(), qkv_d.get(), lse.get(),
                       c.B, c.T, c.H, c.hd, kStream);
    check_close(to_host(dqkv_d), dqkv, 1e-2, 1e-2 * max_abs(dqkv), "attention_backward");
  }
}

TEST_CASE("gelu and swiglu forward and backward") {
  const std::int64_t N = 29;
  const int f = 70;
  {
    const auto h0 = random_vector(N * f, 50, 2.0);
    const auto bias = random_vector(f, 51);
    std::vector<float> h(h0);
    for (std::int64_t n = 0; n < N; ++n)
      for (int i = 0; i < f; ++i) h[n * f + i] += bias[i];
    std::vector<float> g(N * f);
    cpu::gelu_forward(g.data(), h.data(), N * f);
    auto h_d = to_device(h0), bias_d = to_device(bias);
    DeviceBuffer<bf16> g_d(N * f, "g");
    bias_gelu_forward(g_d.get(), h_d.get(), bias_d.get(), N, f, kStream);
    check_close(to_host(h_d), h, 0, 0, "bias_gelu_forward h + bias");
    check_close(to_host_float(g_d), g, kBf16Rtol, 1e-6, "bias_gelu_forward");
    const auto dg = random_vector(N * f, 52);
    std::vector<float> dh(N * f, 0.0f);
    cpu::gelu_backward(dh.data(), h.data(), dg.data(), N * f);
    auto dg_d = to_device(dg);
    DeviceBuffer<bf16> dh16(N * f, "dh bf16");
    gelu_backward(dg_d.get(), dh16.get(), h_d.get(), N * f, kStream);
    check_close(to_host(dg_d), dh, 1e-5, 1e-6, "gelu_backward");
    check_close(to_host_float(dh16), dh, kBf16Rtol, 1e-6, "gelu_backward bf16");
  }
  {
    const auto h = random_vector(N * 2 * f, 53, 2.0);
    std::vector<float> g(N * f);
    cpu::swiglu_forward(g.data(), h.data(), N, f);
    auto h_d = to_device(h);
    DeviceBuffer<bf16> g_d(N * f, "g");
    swiglu_forward(g_d.get(), h_d.get(), N, f, kStream);
    check_close(to_host_float(g_d), g, kBf16Rtol, 1e-6, "swiglu_forward");
    const auto dg = random_vector(N * f, 54);
    std::vector<float> dh(N * 2 * f, 0.0f);
    cpu::swiglu_backward(dh.data(), h.data(), dg.data(), N, f);
    auto dg_d = to_device(dg);
    DeviceBuffer<bf16> dh16(N * 2 * f, "dh");
    swiglu_backward(dh16.get(), h_d.get(), dg_d.get(), N, f, kStream);
    check_close(to_host_float(dh16), dh, kBf16Rtol, 1e-6, "swiglu_backward");
  }
}

TEST_CASE("fused cross-entropy and the loss sum") {
  const std::int64_t rows = 37;
  for (int V : {11, 300, 50257}) {
    CAPTURE(V);
    const auto logits = random_vector(rows * V, 60, 3.0);
    const auto targets = random_ids(rows, V, 61);
    std::vector<float> probs(logits), losses(rows);
    cpu::crossentropy_forward(losses.data(), probs.data(), targets.data(), rows, V);
    const float dloss = 0.25f;
    cpu::crossentropy_backward(probs.data(), targets.data(), dloss, rows, V);
    auto logits_d = to_device(logits);
    auto targets_d = to_device(targets);
    DeviceBuffer<float> losses_d(rows, "losses");
    DeviceBuffer<bf16> dlogits(rows * V, "dlogits");
    crossentropy_forward_backward(losses_d.get(), dlogits.get(), logits_d.get(), targets_d.get(),
                                  rows, V, dloss, kStream);
    check_close(to_host(losses_d), losses, 1e-5, 1e-5, "crossentropy loss");
    check_close(to_host_float(dlogits), probs, kBf16Rtol, 1e-7, "crossentropy dlogits");

    DeviceBuffer<double> sum(1, "sum");
    sum_losses(sum.get(), losses_d.get(), rows, kStream);
    const auto got = to_host(sum);
    double expected = 0;
    for (float l : to_host(losses_d)) expected += l;
    CHECK(got[0] == doctest::Approx(expected).epsilon(1e-12));
  }
}

TEST_CASE("gradient norm and AdamW") {
  const std::int64_t n = 300001;
  const auto g = random_vector(n, 70, 1e-2);
  auto g_d = to_device(g);
  DeviceBuffer<double> out(1, "out"), scratch(kSumSquaresBlocks, "scratch");
  sum_squares(out.get(), scratch.get(), g_d.get(), n, kStream);
  const double expected = l2_norm<float>(g);
  CHECK(std::sqrt(to_host(out)[0]) == doctest::Approx(expected).epsilon(1e-12));

  auto params = random_vector(n, 71, 0.1), m = random_vector(n, 72, 1e-3);
  auto v = random_vector(n, 73, 1e-4);
  for (float& x : v) x = std::fabs(x);
  std::vector<std::uint8_t> mask(n);
  for (std::int64_t i = 0; i < n; ++i) mask[i] = static_cast<std::uint8_t>(i % 3 != 0);
  auto p_d = to_device(params), m_d = to_device(m), v_d = to_device(v);
  auto mask_d = to_device(mask);
  DeviceBuffer<bf16> p16(n, "params bf16");
  AdamWStep step;
  step.step = 7;
  step.lr = 3e-3;
  step.grad_scale = 0.5;
  adamw_update<float>(params, g, m, v, mask, step);
  AdamWParams p;
  p.lr = static_cast<float>(step.lr);
  p.beta1 = static_cast<float>(step.options.beta1);
  p.beta2 = static_cast<float>(step.options.beta2);
  p.eps = static_cast<float>(step.options.eps);
  p.weight_decay = static_cast<float>(step.options.weight_decay);
  p.grad_scale = static_cast<float>(step.grad_scale);
  p.inv_bias_correction1 = static_cast<float>(1.0 / (1.0 - std::pow(step.options.beta1, 7.0)));
  p.inv_bias_correction2 = static_cast<float>(1.0 / (1.0 - std::pow(step.options.beta2, 7.0)));
  adamw_update(p_d.get(), p16.get(), g_d.get(), m_d.get(), v_d.get(), mask_d.get(), n, p, kStream);
  check_close(to_host(p_d), params, 1e-6, 1e-9, "adamw params");
  check_close(to_host(m_d), m, 1e-6, 1e-12, "adamw m");
  check_close(to_host(v_d), v, 1e-6, 1e-14, "adamw v");
  check_close(to_host_float(p16), params, kBf16Rtol, 0, "adamw bf16 copy");
}

TEST_CASE("bf16 GEMMs against the CPU matmul on the same rounded operands") {
  const std::int64_t N = 67;
  const int C = 48, OC = 200;
  const auto x = round_bf16(random_vector(N * C, 80));
  const auto w = round_bf16(random_vector(OC * C, 81, 0.1));
  std::vector<float> y(N * OC);
  cpu::matmul_forward(y.data(), x.data(), w.data(), static_cast<const float*>(nullptr), N, C, OC);
  auto x_d = to_device_bf16(x), w_d = to_device_bf16(w);
  DeviceBuffer<float> y_d(N * OC, "y");
  cudaStream_t stream = nullptr;
  Blas blas(stream);
  blas.linear_forward(y_d.get(), x_d.get(), w_d.get(), N, C, OC);
  check_close(to_host(y_d), y, 1e-4, 1e-4 * max_abs(y), "linear_forward");

  const auto dy = round_bf16(random_vector(N * OC, 82));
  std::vector<float> dx(N * C, 0.0f);
  auto dw = random_vector(OC * C, 83);
  auto dw_d = to_device(dw);
  cpu::matmul_backward(dx.data(), dw.data(), static_cast<float*>(nullptr), dy.data(), x.data(),
                       w.data(), N, C, OC);
  auto dy_d = to_device_bf16(dy);
  DeviceBuffer<float> dx_d(N * C, "dx");
  blas.linear_backward_input(dx_d.get(), dy_d.get(), w_d.get(), N, C, OC);
  blas.linear_backward_weight(dw_d.get(), dy_d.get(), x_d.get(), N, C, OC);
  check_close(to_host(dx_d), dx, 1e-4, 1e-4 * max_abs(dx), "linear_backward_input");
  check_close(to_host(dw_d), dw, 1e-4, 1e-4 * max_abs(dw), "linear_backward_weight (+=)");
}
