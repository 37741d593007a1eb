// Launchers of the CUDA backend's own kernels. Each mirrors a CPU reference function of
// trainer/cpu/layers.hpp (named in its comment) and is tested against it in
// tests/trainer_cuda/kernels_test.cpp.
//
// Precision scheme (see cuda_backend.cpp): the residual stream, every GEMM output and every
// saved activation that feeds an elementwise kernel is fp32; tensors that are only ever a
// GEMM operand (normalised activations, attention output, MLP activation, gradients going
// into a GEMM) are bf16. All arithmetic inside the kernels is fp32 (reductions of losses and
// norms in double).
//
// Conventions: row-major, N = B·T rows; `stream` last. Backward launchers say whether they
// overwrite (=) or accumulate (+=) each output. All reductions run in a fixed order, so
// results are bitwise reproducible on a given GPU.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

namespace scalelab::trainer::cuda {

using bf16 = __nv_bfloat16;

// ---- conversions ---------------------------------------------------------------------
void float_to_bf16(bf16* out, const float* in, std::int64_t n, cudaStream_t stream);

// ---- embedding (cpu::embedding_forward / embedding_backward) -------------------------------
// out (N, d) = wte[token] (+ wpe[t]); wpe may be null.
void embedding_forward(float* out, const std::int32_t* tokens, const float* wte, const float* wpe,
                       int B, int T, int d, cudaStream_t stream);

// The rows of a batch grouped by token id, built on the host (where the tokens already are)
// so that the scatter-add of the backward pass needs no atomics and is deterministic.
struct TokenBuckets {
  std::vector<std::int32_t> ids;        // distinct token ids, ascending
  std::vector<std::int32_t> offsets;    // ids.size() + 1 offsets into positions
  std::vector<std::int32_t> positions;  // row indices n, ascending within each id
};
TokenBuckets bucket_tokens(const std::int32_t* inputs, std::int64_t N);

// dwte[id] += Σ dout[n] over the rows n of each bucket (in row order). Device arrays.
void embedding_backward_wte(float* dwte, const float* dout, const std::int32_t* ids,
                            const std::int32_t* offsets, const std::int32_t* positions, int n_ids,
                            int d, cudaStream_t stream);
// dwpe[t] += Σ_b dout[b·T + t].
void embedding_backward_wpe(float* dwpe, const float* dout, int B, int T, int d,
                            cudaStream_t stream);

// ---- normalisation (cpu::layernorm_*, cpu::rmsnorm_*; eps 1e-5) ---------------------------
void layernorm_forward(bf16* out, float* mean, float* rstd, const float* inp, const float* w,
                       const float* b, std::int64_t N, int C, cudaStream_t stream);
void rmsnorm_forward(bf16* out, float* rstd, const float* inp, const float* w, std::int64_t N,
                     int C, cudaStream_t stream);

// Floats of scratch the column reductions below need for C columns.
std::int64_t column_scratch_floats(int C);

// dinp (= or += when accumulate) and its bf16 copy dinp_bf16 (=, of the final value; may be
// null); dw, db (+=). `mean` null selects RMSNorm (db unused).
void norm_backward(float* dinp, bf16* dinp_bf16, float* dw, float* db, float* scratch,
                   const float* dout, const float* inp, const float* mean, const float* rstd,
                   const float* w, std::int64_t N, int C, bool accumulate, cudaStream_t stream);

// acc[c] += Σ_n x[n, c] (bias gradients; cpu::column_sums).
void column_sums(float* acc, float* scratch, const float* x, std::int64_t N, int C,
                 cudaStream_t stream);

// out[n, c] = base[n, c] + bias[c]; bias may be null; out may alias base.
void add_bias(float* out, const float* base, const float* bias, std::int64_t N, int C,
              cudaStream_t stream);

// ---- rotary embedding (cpu::rope_forward / rope_backward), in place on a (N, 3a) q|k|v ---
// cos_sin: (T, hd/2) pairs of cos, sin, the CPU model's table.
void rope_forward(float* qkv, const float* cos_sin, int B, int T, int n_head, int hd,
                  cudaStream_t stream);
void rope_backward(float* dqkv, const float* cos_sin, int B, int T, int n_head, int hd,
                   cudaStream_t stream);

// ---- causal attention (cpu::attention_forward / attention_backward) -----------------------
// Flash-style: online softmax over key tiles, never materialising the T×T matrix; saves
// the log-sum-exp of each row, lse (B, n_head, T), for the backward pass. hd <= 128.
constexpr int kMaxHeadDim = 128;
void attention_forward(bf16* out, float* lse, const float* qkv, int B, int T, int n_head, int hd,
                       cudaStream_t stream);
// dqkv (N, 3a) = the gradient w.r.t. q|k|v (overwritten). Recomputes the probabilities from
// qkv and lse. delta: scratch of B·n_head·T floats. dout (N, a) fp32; out: the forward's
// output.
void attention_backward(float* dqkv, float* delta, const float* dout, const bf16* out,
                        const float* qkv, const float* lse, int B, int T, int n_head, int hd,
                        cudaStream_t stream);

// ---- MLP activations -----------------------------------------------------------------------
// gpt2: h += bias (kept for backward), g = gelu_tanh(h) (cpu::gelu_forward). bias may be null.
void bias_gelu_forward(bf16* g, float* h, const float* bias, std::int64_t N, int f,
                       cudaStream_t stream);
// In place: dg (in) becomes dh = gelu'(h) · dg (out, fp32) and dh_bf16 (=) its copy.
void gelu_backward(float* dg_to_dh, bf16* dh_bf16, const float* h, std::int64_t n,
                   cudaStream_t stream);
// llama: g (N, f) = silu(h1) ∘ h3 with h (N, 2f) = h1|h3 (cpu::swiglu_forward).
void swiglu_forward(bf16* g, const float* h, std::int64_t N, int f, cudaStream_t stream);
// dh_bf16 (N, 2f) (=) from dg (N, f) (cpu::swiglu_backward).
void swiglu_backward(bf16* dh_bf16, const float* h, const float* dg, std::int64_t N, int f,
                     cudaStream_t stream);

// ---- output layer: fused softmax cross-entropy (cpu::crossentropy_forward / _backward) -----
// For `rows` rows of fp32 logits (rows, V): losses[r] = logsumexp - logit[target] (=); when
// dlogits is not null also dlogits (=) = (softmax - onehot(target)) · dloss, in bf16.
void crossentropy_forward_backward(float* losses, bf16* dlogits, const float* logits,
                                   const std::int32_t* targets, std::int64_t rows, int V,
                                   float dloss, cudaStream_t stream);
// *out (=) = Σ losses in double, fixed order.
void sum_losses(double* out, const float* losses, std::int64_t N, cudaStream_t stream);

// ---- optimiser ------------------------------------------------------------------------------
// Doubles of scratch sum_squares needs.
constexpr int kSumSquaresBlocks = 256;
// *out (=) = Σ x² in double, fixed order (scratch: kSumSquaresBlocks doubles).
void sum_squares(double* out, double* scratch, const float* x, std::int64_t n, cudaStream_t stream);

struct AdamWParams {
  float lr = 0, beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0, grad_scale = 1;
  float inv_bias_correction1 = 1, inv_bias_correction2 = 1;  // 1/(1-β^step), from double
};
// trainer::adamw_update (adamw.hpp), plus params_bf16 (=) the bf16 copy of the new params
// (may be null).
void adamw_update(float* params, bf16* params_bf16, const float* grads, float* m, float* v,
                  const std::uint8_t* decay_mask, std::int64_t n, const AdamWParams& p,
                  cudaStream_t stream);

}  // namespace scalelab::trainer::cuda
