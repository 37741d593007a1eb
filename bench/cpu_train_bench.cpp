// CPU training throughput of the reference backend beside PyTorch eager on the same CPU,
// model and step, at 1 and 2 threads, with this CPU's measured fp32 ceiling.
//
// One step = zero_grad, forward_backward on B×T tokens, grad_norm and the AdamW update (what
// the training loop does per micro-batch step); PyTorch runs the same model and step in fp32
// (bench/torch_reference.py bench --device cpu: the model written independently, tensor for
// tensor, torch.optim.AdamW, clip_grad_norm_). FLOP/s use lib/compute.hpp's exact count
// (Chinchilla Appendix F, attention over the full T×T); fraction_of_peak divides ours by the
// FMA-loop ceiling at the same thread count (bench/fp32_peak.hpp).
//
// SCALELAB_KERNEL=avx2 (or generic) on a wider CPU stands in for a CPU of that level: the
// trainer runs that build, the ceiling is that build's FMA loop, and PyTorch is held to the
// same level (ATEN_CPU_CAPABILITY, OPENBLAS_CORETYPE; bench/torch_peer.hpp) unless
// `--peer-isa native` lets it keep its widest.
//
// Shapes: `--shapes demo` the main job's (2-layer llama, d_model 16-72, head 8, T 64, the
// batch sizes `scalelab demo` plans: 4-18 sequences); `--shapes all` (default) adds d_model
// 128-384 at T 256 and GPT-2 small at T 64. Also a peer: llm.c's train_gpt2.c (see the notes
// of the trainer issue for that harness).
//
// Run: cpu_train_bench [--shapes demo|all] [--shape arch:L:d:H:V:T:B ...] [--threads 1,2]
//      [--seconds 1] [--no-torch] [--python PATH] [--peer-isa match|native]
//      [--format table|csv|json]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_shape_args.hpp"
#include "bench/fp32_peak.hpp"
#include "bench/torch_peer.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "lib/simd_level.hpp"
#include "trainer/backend.hpp"
#include "trainer/model_layout.hpp"
#include "trainer/rng.hpp"

using namespace scalelab;
using namespace scalelab::trainer;

namespace {

struct BenchShape {
  ModelShape shape;
  int batch = 0;
};

// "gpt2:12:768:12:50257:64:4" = arch:n_layer:d_model:n_head:vocab:seq_len:batch.
BenchShape parse_shape(const std::string& text) {
  std::vector<std::string> f;
  std::size_t pos = 0;
  while (true) {
    const std::size_t c = text.find(':', pos);
    f.push_back(text.substr(pos, c - pos));
    if (c == std::string::npos) break;
    pos = c + 1;
  }
  if (f.size() != 7) throw InputError(fmt::format("--shape {}: expected arch:L:d:H:V:T:B", text));
  BenchShape b;
  ModelShape& s = b.shape;
  s.arch = parse_arch(f[0], "--shape");
  s.n_layer = std::stoi(f[1]);
  s.d_model = std::stoi(f[2]);
  s.n_head = std::stoi(f[3]);
  s.vocab_size = std::stoi(f[4]);
  s.seq_len = std::stoi(f[5]);
  b.batch = std::stoi(f[6]);
  s.head_dim = s.d_model / s.n_head;
  s.d_ff = default_d_ff(s.arch, s.d_model);
  s.tied_embeddings = s.arch == Arch::kGpt2;
  s.validate();
  return b;
}

// The main job's shapes and batches (`scalelab demo`'s plan: 2 layers, head_dim 8, T 64; the
// batch rule gives 4-12 sequences across its budgets and 18 for the 4x run).
const char* const kDemoShapes[] = {
    "llama:2:16:2:256:64:6",  "llama:2:24:3:256:64:7", "llama:2:32:4:256:64:9",
    "llama:2:40:5:256:64:12", "llama:2:48:6:256:64:7", "llama:2:56:7:256:64:9",
    "llama:2:72:9:256:64:12", "llama:2:40:5:256:64:18"};
const char* const kLargerShapes[] = {"llama:2:128:4:256:256:16", "gpt2:2:128:4:256:256:16",
                                     "llama:6:384:6:256:256:8", "gpt2:6:384:6:256:256:8",
                                     "gpt2:12:768:12:50257:64:4"};

std::vector<int> parse_thread_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const int t = bench::parse_int_option("--threads", item);
    if (t < 1) throw InputError(fmt::format("--threads {}: expected counts >= 1", text));
    out.push_back(t);
  }
  if (out.empty()) throw InputError("--threads: expected a list such as 1,2");
  return out;
}

struct OurRun {
  double tokens_per_s = 0;
  int steps = 0;
};

// Timed steps after one warm-up step, until `seconds` have passed (at least 3 steps).
OurRun run_ours(const BenchShape& b, int threads, double seconds) {
  const ModelShape& s = b.shape;
  BackendOptions o;
  o.device = "cpu";
  o.threads = threads;
  o.max_batch = b.batch;
  auto backend = make_backend(s, o);
  backend->import_parameters(initial_parameters(s, 1));
  Rng rng(7);
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(b.batch) * (s.seq_len + 1));
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(s.vocab_size));
  auto one_step = [&](int step) {
    backend->zero_grad();
    backend->forward_backward({tokens.data(), b.batch}, 1.0);
    const double norm = backend->grad_norm();
    backend->adamw_step({step, 1e-4, norm > 1 ? 1 / norm : 1.0, AdamWOptions{}});
  };
  one_step(1);
  OurRun r;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (r.steps < 3 || elapsed < seconds) {
    one_step(r.steps + 2);
    ++r.steps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  r.tokens_per_s = static_cast<double>(b.batch) * s.seq_len * r.steps / elapsed;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    double seconds = 1.0;
    std::vector<int> thread_counts = {1, 2};
    bool torch = true, peer_matches_level = true;
    std::string python = bench::default_python(), shape_set = "all";
    Format format = Format::kTable;
    std::vector<BenchShape> shapes;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--no-torch") {
        torch = false;
        continue;
      }
      if (a == "--help" || a == "-h") {
        std::cout << "usage: cpu_train_bench [--shapes demo|all] [--shape arch:L:d:H:V:T:B ...] "
                     "[--threads 1,2] [--seconds 1] [--no-torch] [--python PATH] "
                     "[--peer-isa match|native] [--format table|csv|json]\n"
                     "SCALELAB_KERNEL=avx2|generic runs that trainer build, measures that "
                     "build's ceiling and (--peer-isa match, default) holds PyTorch to the same "
                     "SIMD level.\n";
        return 0;
      }
      if (i + 1 >= argc) throw InputError(fmt::format("{}: unknown option or missing value", a));
      const std::string v = argv[++i];
      if (a == "--seconds") {
        seconds = bench::parse_positive_option(a, v);
      } else if (a == "--threads") {
        thread_counts = parse_thread_list(v);
      } else if (a == "--shape") {
        shapes.push_back(parse_shape(v));
      } else if (a == "--shapes") {
        if (v != "demo" && v != "all")
          throw InputError(fmt::format("--shapes {}: expected demo or all", v));
        shape_set = v;
      } else if (a == "--peer-isa") {
        if (v != "match" && v != "native")
          throw InputError(fmt::format("--peer-isa {}: expected match or native", v));
        peer_matches_level = v == "match";
      } else if (a == "--python") {
        python = v;
      } else if (a == "--format") {
        format = parse_format(v);
      } else {
        throw InputError(fmt::format(
            "unknown option {} (--shapes, --shape, --threads, --seconds, --no-torch, --python, "
            "--peer-isa, --format)",
            a));
      }
    }
    if (shapes.empty()) {
      for (const char* s : kDemoShapes) shapes.push_back(parse_shape(s));
      if (shape_set == "all")
        for (const char* s : kLargerShapes) shapes.push_back(parse_shape(s));
    }
    const SimdLevel level = selected_simd_level();
    const bool forced_lower = level < cpu_simd_level();
    const std::string peer_isa =
        forced_lower && peer_matches_level ? simd_level_name(level) : std::string();
    std::vector<bench::Fp32Peak> peaks;
    for (const int t : thread_counts) peaks.push_back(bench::measure_fp32_peak(t, 0.2, level));

    Table table({"shape", "params", "batch", "seq_len", "threads", "ours_tokens_per_s",
                 "torch_tokens_per_s", "ratio", "ours_gflops_per_s", "fraction_of_peak"});
    for (const BenchShape& b : shapes) {
      const ModelShape& s = b.shape;
      for (std::size_t k = 0; k < thread_counts.size(); ++k) {
        const int threads = thread_counts[k];
        const OurRun ours = run_ours(b, threads, seconds);
        bench::TorchRun peer;
        if (torch) {
          bench::TorchRunOptions o;
          o.python = python;
          o.source_dir = SCALELAB_SOURCE_DIR;
          o.device = "cpu";
          o.threads = threads;
          o.isa = peer_isa;
          o.warmup = 1;
          // About as long as ours took, at least 3 steps, at most 200.
          o.steps = std::clamp(ours.steps, 3, 200);
          peer = bench::run_torch_bench(s, b.batch, o);
          if (!peer.ok) std::cerr << "  torch reference failed: " << peer.error << "\n";
        }
        const double gflops = ours.tokens_per_s * flops_per_token(s).chinchilla / 1e9;
        table.add_row(
            {Cell::text(s.summary()), Cell::si(static_cast<double>(count_params(s).total)),
             Cell::integer(b.batch), Cell::integer(s.seq_len), Cell::integer(threads),
             Cell::si(ours.tokens_per_s), peer.ok ? Cell::si(peer.tokens_per_s) : Cell::text("n/a"),
             peer.ok ? Cell::fixed(ours.tokens_per_s / peer.tokens_per_s, 2) : Cell::text("n/a"),
             Cell::fixed(gflops, 2), Cell::fixed(gflops / peaks[k].gflops_per_s, 3)});
      }
    }
    if (format == Format::kTable) {
      std::string ceiling;
      for (const bench::Fp32Peak& p : peaks)
        ceiling += fmt::format("{}{} thread(s) {:.1f}", ceiling.empty() ? "" : ", ", p.threads,
                               p.gflops_per_s);
      std::cout << fmt::format(
          "# fp32 ceiling (FMA loop, {} build): {} GFLOP/s | ours: trainer kernels {} | peer: "
          "PyTorch eager fp32 ({}, {}) | FLOPs: lib/compute.hpp Chinchilla App. F\n",
          peaks.front().kernel, ceiling, simd_level_name(level), torch ? python : "not run",
          peer_isa.empty() ? "its own SIMD level" : "held to " + peer_isa);
    }
    table.print(std::cout, format);
    return 0;
  } catch (const Error& e) {
    std::cerr << "cpu_train_bench: error: " << e.what() << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "cpu_train_bench: error: " << e.what() << '\n';
    return 2;
  }
}
