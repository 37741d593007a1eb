// CPU training throughput of the reference backend: tokens/s and achieved FLOP/s for a table
// of shapes, with the thread count. One step = zero_grad, forward_backward on B×T tokens,
// grad_norm and the AdamW update (what the training loop does per micro-batch step).
// FLOP/s use lib/compute.hpp's Chinchilla Appendix F count (attention over the full T×T).
//
// Peer: llm.c's train_gpt2.c (karpathy/llm.c), built outside this repository with the same
// compiler flags and timed on the same gpt2 shape, T, B and thread count (see the notes of
// the trainer issue for the harness). Run: cpu_train_bench [--steps N] [--threads K]
// [--shape arch:L:d:H:V:T:B ...] [--format table|csv|json]
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  try {
    int steps = 5, threads = 0;
    Format format = Format::kTable;
    std::vector<BenchShape> shapes;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        if (i + 1 >= argc) throw InputError(fmt::format("{}: missing value", a));
        return argv[++i];
      };
      if (a == "--steps")
        steps = std::stoi(next());
      else if (a == "--threads")
        threads = std::stoi(next());
      else if (a == "--shape")
        shapes.push_back(parse_shape(next()));
      else if (a == "--format")
        format = parse_format(next());
      else
        throw InputError(
            fmt::format("unknown option {} (--steps, --threads, --shape, --format)", a));
    }
    if (shapes.empty())
      for (const char* s :
           {"llama:2:128:4:256:256:16", "gpt2:2:128:4:256:256:16", "llama:6:384:6:256:256:8",
            "gpt2:6:384:6:256:256:8", "gpt2:12:768:12:50257:64:4"})
        shapes.push_back(parse_shape(s));
    Table table({"shape", "params", "batch", "seq_len", "threads", "tokens_per_s", "gflops_per_s",
                 "s_per_step"});
    for (const BenchShape& b : shapes) {
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
      double total = 0;
      for (int step = 0; step <= steps; ++step) {  // step 0 warms up
        const auto t0 = std::chrono::steady_clock::now();
        backend->zero_grad();
        backend->forward_backward({tokens.data(), b.batch}, 1.0);
        const double norm = backend->grad_norm();
        backend->adamw_step({step + 1, 1e-4, norm > 1 ? 1 / norm : 1.0, AdamWOptions{}});
        const double dt =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (step > 0) total += dt;
      }
      const double tokens_per_s = static_cast<double>(b.batch) * s.seq_len * steps / total;
      const int used_threads = std::stoi(backend->description().substr(5));
      table.add_row({Cell::text(s.summary()), Cell::si(static_cast<double>(count_params(s).total)),
                     Cell::integer(b.batch), Cell::integer(s.seq_len), Cell::integer(used_threads),
                     Cell::si(tokens_per_s),
                     Cell::fixed(tokens_per_s * flops_per_token(s).chinchilla / 1e9, 2),
                     Cell::fixed(total / steps, 4)});
    }
    table.print(std::cout, format);
    if (format == Format::kTable)
      std::cout << fmt::format(
          "{} timed steps per shape after one warm-up step; FLOPs: "
          "lib/compute.hpp Chinchilla App. F count\n",
          steps);
    return 0;
  } catch (const Error& e) {
    std::cerr << "cpu_train_bench: error: " << e.what() << '\n';
    return e.exit_code();
  }
}
