// The CPU trainer's hot code, one build per SIMD level: the forward pass, the backward pass and
// the AdamW update of CpuModel, compiled from one source (cpu_passes.inc) for baseline x86-64
// (generic: SSE2), AVX2+FMA and AVX-512, and chosen once per model at run time
// (lib/simd_level.hpp: the CPU's level, or SCALELAB_KERNEL=generic|avx2|avx512). One binary
// thus runs on every x86-64 CPU and uses the widest vectors of the one it runs on.
//
// Results are deterministic for a given (level, thread count); two levels differ in rounding
// (FMA contraction, vector width of sums and exp), as llm.c's or llama.cpp's builds do; the
// kernel test bounds that difference.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/simd_level.hpp"
#include "trainer/backend.hpp"
#include "trainer/model_layout.hpp"

namespace scalelab::trainer::cpu {

// One block's activations (row-major, N = batch·T rows) kept by the forward pass for the
// backward pass.
template <typename T>
struct LayerActivations {
  T *norm1, *mean1, *rstd1;  // (N, d), (N), (N): the attention input's norm
  T* qkv;                    // (N, 3a), q and k rotated (llama)
  T* probs;                  // (B, n_head, T, T) softmax probabilities
  T* att;                    // (N, a) attention output
  T* resid_mid;              // (N, d) residual stream after attention
  T *norm2, *mean2, *rstd2;  // the MLP input's norm
  T* h;                      // (N, f) gpt2 pre-GELU, (N, 2f) llama h1|h3
  T* g;                      // (N, f) MLP activation
};

// Everything a pass touches, as plain pointers and sizes: the kernel builds see no standard
// containers (whose out-of-line instances the linker could merge across builds). Buffers are
// 64-byte aligned, so rows sit at the same alignment in every run (the vectorised sums and
// exps of layers.hpp depend on it for bitwise reproducibility). Made by CpuModel.
template <typename T>
struct ModelView {
  bool llama = true;
  int n_layer = 0, seq_len = 0, d_model = 0, n_head = 0, head_dim = 0, d_ff = 0, vocab = 0;
  int max_batch = 0;
  // Offsets into params/grads (model_layout.hpp); -1 where the family has no such tensor.
  const LayerOffsets* offsets = nullptr;  // n_layer entries
  std::int64_t wte = 0, wpe = -1, final_norm_w = -1, final_norm_b = -1, head = 0;
  T* params = nullptr;
  T* grads = nullptr;
  const T* rope = nullptr;  // (T, hd/2) pairs of cos, sin (llama)
  std::int32_t *inputs = nullptr, *targets = nullptr;
  T* const* resid = nullptr;  // n_layer + 1 residual streams (N, d)
  const LayerActivations<T>* layers = nullptr;
  T *normf = nullptr, *meanf = nullptr, *rstdf = nullptr, *logits = nullptr, *losses = nullptr;
  // Backward scratch reused by every layer, and T×T per thread for attention (for up to
  // attention_scratch_threads OpenMP threads; with more, attention allocates its own).
  T *dresid = nullptr, *dnorm = nullptr, *dqkv = nullptr, *datt = nullptr, *dh = nullptr,
    *dg = nullptr, *attention_scratch = nullptr;
  int attention_scratch_threads = 0;
};

template <typename T>
struct CpuKernels {
  SimdLevel level;
  // tokens: batch rows of seq_len + 1 ids. Returns the mean loss; keeps the activations.
  double (*forward)(const ModelView<T>& m, const std::int32_t* tokens, int batch);
  // Adds d(scale · mean loss)/dθ of the last forward (on `batch` sequences) to m.grads.
  void (*backward)(const ModelView<T>& m, int batch, T scale);
  // trainer::adamw_update (adamw.hpp) on n elements.
  void (*adamw)(T* params, const T* grads, T* m, T* v, const std::uint8_t* decay_mask,
                std::int64_t n, const AdamWStep& step);
};

// The build of `level`. Throws InputError when this binary or this CPU lacks it.
template <typename T>
const CpuKernels<T>& cpu_kernels(SimdLevel level);

// Every level this binary has and this CPU runs, generic first (for tests and benches).
std::vector<SimdLevel> cpu_kernel_levels();

}  // namespace scalelab::trainer::cpu
