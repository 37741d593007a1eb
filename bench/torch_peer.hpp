// The PyTorch peer of the trainer benchmarks: runs bench/torch_reference.py as a child
// process and reads its last JSON line. gpu_train_bench (bf16 on the GPU, eager and
// torch.compile) and cpu_train_bench (fp32 eager on the CPU at a thread count) share it.
// Bench programs only.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "lib/model_shape.hpp"

namespace scalelab::bench {

struct TorchRunOptions {
  std::string python = "python3";
  std::string source_dir;  // the repository root (holds bench/torch_reference.py)
  std::string device = "cuda";  // cuda | cpu
  std::string mode = "eager";   // eager | compile
  int threads = 0;              // CPU threads (0: torch's default)
  // CPU only: hold PyTorch to a SIMD level, as on a CPU that has no wider one: "avx2" or
  // "generic" (ATEN_CPU_CAPABILITY for ATen's own kernels; OPENBLAS_CORETYPE Haswell or
  // Nehalem, no AVX, for the BLAS, which Debian builds for every core type); empty: its own.
  std::string isa;
  int warmup = 3;
  int steps = 20;
};

struct TorchRun {
  bool ok = false;
  double tokens_per_s = 0;
  std::optional<std::int64_t> peak_memory_bytes;  // the GPU's only
  std::string error;  // the tail of the child's output when !ok
};

// `python` for the peers: Debian's interpreter, which has python3-torch, where present
// (a python3 earlier on PATH, e.g. pyenv's, may lack it).
inline std::string default_python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

// Runs `cmd` (stderr folded in) and returns the last line that starts with '{', parsed;
// on failure fills `error` with the output's tail.
inline std::optional<nlohmann::json> run_json_command(const std::string& cmd, std::string& error) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) {
    error = "popen failed";
    return std::nullopt;
  }
  std::string output, last_json;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe)) {
    const std::string line(buf.data());
    output += line;
    if (!line.empty() && line[0] == '{') last_json = line;
  }
  const int status = pclose(pipe);
  if (status != 0 || last_json.empty()) {
    error = output.size() > 300 ? output.substr(output.size() - 300) : output;
    if (error.empty()) error = fmt::format("`{}` exited with status {}", cmd, status);
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(last_json);
  } catch (const nlohmann::json::exception&) {
    error = "unreadable JSON: " + last_json;
    return std::nullopt;
  }
}

// One `torch_reference.py bench` run of `shape` at `batch` sequences.
inline TorchRun run_torch_bench(const ModelShape& s, int batch, const TorchRunOptions& o) {
  // On the CPU the thread count also goes to the BLAS PyTorch links (OpenBLAS keeps its own
  // pool, sized to every core, whatever torch.set_num_threads says) and to OpenMP.
  std::string env =
      o.device == "cpu" && o.threads > 0
          ? fmt::format("OPENBLAS_NUM_THREADS={0} OMP_NUM_THREADS={0} ", o.threads)
          : std::string();
  if (o.device == "cpu" && o.isa == "avx2")
    env += "ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell ";
  else if (o.device == "cpu" && o.isa == "generic")
    env += "ATEN_CPU_CAPABILITY=default OPENBLAS_CORETYPE=Nehalem ";
  const std::string cmd = env + fmt::format(
      "{} {}/bench/torch_reference.py bench --arch {} --vocab {} --seq-len {} --n-layer {} "
      "--d-model {} --n-head {} --head-dim {} --d-ff {} --{} --batch {} --warmup {} --steps {} "
      "--mode {} --device {} --threads {}",
      o.python, o.source_dir, arch_name(s.arch), s.vocab_size, s.seq_len, s.n_layer, s.d_model,
      s.n_head, s.head_dim, s.d_ff, s.tied_embeddings ? "tied" : "untied", batch, o.warmup,
      o.steps, o.mode, o.device, o.threads);
  TorchRun r;
  const auto doc = run_json_command(cmd, r.error);
  if (!doc) return r;
  r.ok = doc->contains("tokens_per_s") && (*doc)["tokens_per_s"].is_number();
  if (!r.ok) {
    r.error = "no tokens_per_s in " + doc->dump();
    return r;
  }
  r.tokens_per_s = (*doc)["tokens_per_s"].get<double>();
  if (doc->contains("peak_memory_bytes") && (*doc)["peak_memory_bytes"].is_number())
    r.peak_memory_bytes = (*doc)["peak_memory_bytes"].get<std::int64_t>();
  return r;
}

}  // namespace scalelab::bench
