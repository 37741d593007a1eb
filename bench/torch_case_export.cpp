// torch_case_export: writes one test case for bench/torch_reference.py, so that PyTorch
// computes the loss and gradients of exactly our model on exactly our weights and batch:
//   OUT/case.json   shape, tensor layout (name, offset, rows, cols, weight_decay), batch
//                   size, seed, AdamW settings, and this backend's loss, gradient norm and
//                   the losses of --steps AdamW steps on the same batch
//   OUT/params.bin  initial_parameters(shape, seed): float32, little-endian, flat layout
//   OUT/tokens.bin  the batch: int32, batch × (seq_len + 1)
//   OUT/grads.bin   this backend's gradient of the mean loss at the initial parameters
// Usage: torch_case_export --out DIR [shape options] [--batch 4] [--seed 1] [--steps 10]
//        [--lr 1e-3] [--device cpu|cuda|cuda:N]
// then:  python3 bench/torch_reference.py check DIR
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_shape_args.hpp"
#include "lib/error.hpp"
#include "trainer/backend.hpp"
#include "trainer/model_layout.hpp"
#include "trainer/rng.hpp"

namespace {

using namespace scalelab;
using namespace scalelab::trainer;

template <typename T>
void write_binary(const std::filesystem::path& path, const std::vector<T>& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()),
            static_cast<std::streamsize>(data.size() * sizeof(T)));
  if (!out) throw Error(fmt::format("{}: write failed", path.string()));
}

int run(int argc, char** argv) {
  bench::ShapeArgs shape_args;
  std::string out_dir, device = "cpu";
  int batch = 4, steps = 10;
  std::uint64_t seed = 1;
  double lr = 1e-3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (shape_args.consume(argc, argv, i)) continue;
    if (a == "--help") {
      std::cout << "usage: torch_case_export --out DIR [--arch llama|gpt2 --vocab V --seq-len T "
                   "--n-layer L --d-model D --n-head H --head-dim K --d-ff F --tied|--untied] "
                   "[--batch B] [--seed S] [--steps K] [--lr LR] [--device cpu|cuda|cuda:N]\n";
      return 0;
    }
    if (i + 1 >= argc) throw InputError(fmt::format("{}: unknown option or missing value", a));
    const std::string v = argv[++i];
    if (a == "--out")
      out_dir = v;
    else if (a == "--device")
      device = v;
    else if (a == "--batch")
      batch = bench::parse_int_option(a, v);
    else if (a == "--steps")
      steps = bench::parse_int_option(a, v);
    else if (a == "--seed")
      seed = static_cast<std::uint64_t>(bench::parse_int_option(a, v));
    else if (a == "--lr")
      lr = bench::parse_positive_option(a, v);
    else
      throw InputError(fmt::format("{}: unknown option", a));
  }
  if (out_dir.empty()) throw InputError("--out DIR is required");
  if (batch < 1) throw InputError("--batch must be at least 1");
  const ModelShape shape = shape_args.finish();
  const ModelLayout layout = model_layout(shape);

  BackendOptions options;
  options.device = device;
  options.max_batch = batch;
  auto backend = make_backend(shape, options);
  const std::vector<float> params = initial_parameters(shape, seed);
  Rng rng(derive_seed(seed, 7));
  std::vector<std::int32_t> tokens(static_cast<std::size_t>(batch) * (shape.seq_len + 1));
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(shape.vocab_size));

  backend->import_parameters(params);
  backend->zero_grad();
  const TokenBatch tb{tokens.data(), batch};
  const double loss = backend->forward_backward(tb, 1.0);
  const std::vector<float> grads = backend->export_gradients();
  const double norm = backend->grad_norm();

  // Training steps on the same batch: loss before each update, clipping at 1.0.
  AdamWStep step;
  step.lr = lr;
  const double clip = 1.0;
  std::vector<double> losses{loss}, norms{norm};
  for (int k = 1; k <= steps; ++k) {
    if (k > 1) {
      backend->zero_grad();
      losses.push_back(backend->forward_backward(tb, 1.0));
      norms.push_back(backend->grad_norm());
    }
    step.step = k;
    step.grad_scale = std::min(1.0, clip / norms.back());
    backend->adamw_step(step);
  }

  nlohmann::json doc;
  doc["shape"] = shape;
  doc["batch"] = batch;
  doc["seed"] = seed;
  doc["device"] = backend->description();
  doc["loss"] = loss;
  doc["grad_norm"] = norm;
  doc["lr"] = lr;
  doc["clip"] = clip;
  doc["adamw"] = {{"beta1", step.options.beta1},
                  {"beta2", step.options.beta2},
                  {"eps", step.options.eps},
                  {"weight_decay", step.options.weight_decay}};
  doc["step_losses"] = steps > 0 ? losses : std::vector<double>{};
  doc["step_grad_norms"] = steps > 0 ? norms : std::vector<double>{};
  nlohmann::json tensors = nlohmann::json::array();
  for (const TensorInfo& t : layout.tensors)
    tensors.push_back({{"name", t.name},
                       {"offset", t.offset},
                       {"rows", t.rows},
                       {"cols", t.cols},
                       {"weight_decay", t.weight_decay}});
  doc["tensors"] = tensors;
  doc["total"] = layout.total;

  const std::filesystem::path dir(out_dir);
  std::filesystem::create_directories(dir);
  write_binary(dir / "params.bin", params);
  write_binary(dir / "tokens.bin", tokens);
  write_binary(dir / "grads.bin", grads);
  std::ofstream(dir / "case.json") << doc.dump(2) << "\n";
  std::cout << fmt::format("wrote {} ({}, {} parameters, loss {:.6f} on {})\n", dir.string(),
                           shape.summary(), layout.total, loss, backend->description());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const scalelab::Error& e) {
    std::fprintf(stderr, "torch_case_export: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torch_case_export: %s\n", e.what());
    return 2;
  }
}
