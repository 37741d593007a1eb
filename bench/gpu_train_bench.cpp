// gpu_train_bench: training throughput of the CUDA backend, side by side with the PyTorch
// reference (bench/torch_reference.py, eager and torch.compile) in the same run.
//
// For each shape, from tiny (d_model 128, 2 layers) to GPT-2 small (d_model 768, 12 layers,
// T 1024, gpt2 family): full optimizer steps as the training loop runs them (zero_grad,
// forward_backward, grad_norm, adamw_step), warm-up steps first, then timed steps.
//   tokens/s = steps · batch · T / seconds
//   MFU      = tokens/s · FLOPs per token / peak
// with FLOPs per token the exact count of lib/compute.hpp (flops_per_token().chinchilla:
// Chinchilla Appendix F, attention over the full T×T, backward = 2 × forward) and the peak
// the device's bf16 GEMM rate measured at startup with cuBLAS (measure_bf16_peak_flops).
// Memory: device memory in use after the timed steps minus before the backend was built
// (cudaMemGetInfo; includes cuBLAS's workspace); PyTorch reports
// torch.cuda.max_memory_allocated.
//
// Usage: gpu_train_bench [--steps 20] [--warmup 3] [--no-torch] [--python python3]
//                        [--format table|csv|json] [--only NAME]
#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_shape_args.hpp"
#include "bench/torch_peer.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "trainer/backend.hpp"
#include "trainer/cuda/cuda_backend.hpp"
#include "trainer/cuda/gemm.hpp"
#include "trainer/model_layout.hpp"
#include "trainer/rng.hpp"

namespace {

using namespace scalelab;
using namespace scalelab::trainer;

struct BenchShape {
  std::string name;
  ModelShape shape;
  int batch;
};

ModelShape shape_of(Arch arch, int V, int T, int L, int d) {
  ModelShape s;
  s.arch = arch;
  s.vocab_size = V;
  s.seq_len = T;
  s.n_layer = L;
  s.d_model = d;
  s.head_dim = default_head_dim(d);
  s.n_head = d / s.head_dim;
  s.d_ff = default_d_ff(arch, d);
  s.tied_embeddings = arch == Arch::kGpt2;
  return s;
}

std::vector<BenchShape> default_shapes() {
  return {
      {"tiny-llama", shape_of(Arch::kLlama, 256, 256, 2, 128), 32},
      {"tiny-gpt2", shape_of(Arch::kGpt2, 256, 256, 2, 128), 32},
      {"d256-llama", shape_of(Arch::kLlama, 256, 512, 4, 256), 16},
      {"d256-gpt2", shape_of(Arch::kGpt2, 256, 512, 4, 256), 16},
      {"d512-llama", shape_of(Arch::kLlama, 50257, 1024, 8, 512), 16},
      {"gpt2-small", shape_of(Arch::kGpt2, 50257, 1024, 12, 768), 16},
  };
}

std::int64_t device_used_bytes() {
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) return 0;
  return static_cast<std::int64_t>(total - free);
}

struct OurResult {
  double tokens_per_s = 0, mfu = 0, loss = 0;
  std::int64_t memory = 0;
};

OurResult run_ours(const BenchShape& b, int warmup, int steps, double peak) {
  const std::int64_t before = device_used_bytes();
  BackendOptions o;
  o.device = "cuda:0";
  o.max_batch = b.batch;
  auto backend = make_backend(b.shape, o);
  backend->import_parameters(initial_parameters(b.shape, 1));
  Rng rng(42);
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(b.batch) * (b.shape.seq_len + 1));
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(b.shape.vocab_size));
  const TokenBatch batch{tokens.data(), b.batch};
  OurResult r;
  auto one_step = [&](std::int64_t k) {
    backend->zero_grad();
    r.loss = backend->forward_backward(batch, 1.0);
    const double norm = backend->grad_norm();
    AdamWStep s;
    s.step = k;
    s.lr = 1e-4;
    s.grad_scale = std::min(1.0, 1.0 / norm);
    backend->adamw_step(s);
  };
  for (int k = 1; k <= warmup; ++k) one_step(k);
  cudaDeviceSynchronize();
  const auto t0 = std::chrono::steady_clock::now();
  for (int k = 1; k <= steps; ++k) one_step(warmup + k);
  cudaDeviceSynchronize();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.tokens_per_s = static_cast<double>(steps) * b.batch * b.shape.seq_len / seconds;
  r.mfu = r.tokens_per_s * flops_per_token(b.shape).chinchilla / peak;
  r.memory = device_used_bytes() - before;
  return r;
}

// PyTorch's run of the same shape and step (bench/torch_peer.hpp).
bench::TorchRun run_torch(const std::string& python, const BenchShape& b, const std::string& mode,
                          int warmup, int steps) {
  bench::TorchRunOptions o;
  o.python = python;
  o.source_dir = SCALELAB_SOURCE_DIR;
  o.device = "cuda";
  o.mode = mode;
  o.warmup = warmup;
  o.steps = steps;
  return bench::run_torch_bench(b.shape, b.batch, o);
}

int run(int argc, char** argv) {
  int steps = 20, warmup = 3;
  bool torch = true;
  std::string python = bench::default_python(), only;
  Format format = Format::kTable;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-torch") {
      torch = false;
      continue;
    }
    if (a == "--help") {
      std::cout << "usage: gpu_train_bench [--steps 20] [--warmup 3] [--no-torch] "
                   "[--python python3] [--only NAME] [--format table|csv|json]\n";
      return 0;
    }
    if (i + 1 >= argc) throw InputError(fmt::format("{}: unknown option or missing value", a));
    const std::string v = argv[++i];
    if (a == "--steps")
      steps = bench::parse_int_option(a, v);
    else if (a == "--warmup")
      warmup = bench::parse_int_option(a, v);
    else if (a == "--python")
      python = v;
    else if (a == "--only")
      only = v;
    else if (a == "--format")
      format = parse_format(v);
    else
      throw InputError(fmt::format("{}: unknown option", a));
  }
  if (steps < 1) throw InputError("--steps must be at least 1");
  if (cuda::visible_device_count() == 0)
    throw InputError(fmt::format("no CUDA GPU is visible ({}): gpu_train_bench needs one",
                                 cuda::device_count_error()));
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, 0);
  std::cerr << fmt::format("device cuda:0 {}; measuring the bf16 GEMM peak...\n", prop.name);
  const double peak = cuda::measure_bf16_peak_flops();
  std::cerr << fmt::format("measured bf16 peak: {:.1f} TFLOP/s (cuBLAS 8192^3)\n", peak / 1e12);

  Table table({"shape", "arch", "params", "batch", "seq_len", "tokens_per_s", "tflops", "mfu",
               "memory_bytes", "torch_eager_tokens_per_s", "torch_compile_tokens_per_s",
               "speedup_vs_compile", "torch_compile_memory_bytes"});
  for (const BenchShape& b : default_shapes()) {
    if (!only.empty() && b.name != only) continue;
    std::cerr << fmt::format("{} ({})...\n", b.name, b.shape.summary());
    const OurResult ours = run_ours(b, warmup, steps, peak);
    bench::TorchRun eager, compiled;
    if (torch) {
      eager = run_torch(python, b, "eager", warmup, steps);
      compiled = run_torch(python, b, "compile", warmup, steps);
      for (const bench::TorchRun* t : {&eager, &compiled})
        if (!t->ok) std::cerr << "  torch reference failed: " << t->error << "\n";
    }
    auto maybe = [](bool ok, double v) { return ok ? Cell::si(v) : Cell::text("n/a"); };
    table.add_row({Cell::text(b.name), Cell::text(std::string(arch_name(b.shape.arch))),
                   Cell::si(static_cast<double>(count_params(b.shape).total)),
                   Cell::integer(b.batch), Cell::integer(b.shape.seq_len),
                   Cell::si(ours.tokens_per_s),
                   Cell::fixed(ours.tokens_per_s * flops_per_token(b.shape).chinchilla / 1e12, 1),
                   Cell::fixed(ours.mfu, 3), Cell::si(static_cast<double>(ours.memory)),
                   maybe(eager.ok, eager.tokens_per_s), maybe(compiled.ok, compiled.tokens_per_s),
                   compiled.ok ? Cell::fixed(ours.tokens_per_s / compiled.tokens_per_s, 2)
                               : Cell::text("n/a"),
                   maybe(compiled.ok, static_cast<double>(compiled.peak_memory_bytes.value_or(0)))});
  }
  std::cout << fmt::format(
      "# {} | measured bf16 peak {:.1f} TFLOP/s | MFU from "
      "lib/compute.hpp chinchilla FLOPs/token | {} timed steps\n",
      prop.name, peak / 1e12, steps);
  table.print(std::cout, format);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const scalelab::Error& e) {
    std::fprintf(stderr, "gpu_train_bench: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu_train_bench: %s\n", e.what());
    return 1;
  }
}
