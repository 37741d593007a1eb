// The interface between the training loop (train_loop.hpp) and a compute device.
//
// A backend owns, on its device, one model's parameters, their gradients and the AdamW
// moments, plus whatever activations and scratch it needs. The loop owns everything else:
// data, schedule, clipping policy, step counting, checkpoints and metrics. The CPU backend
// (cpu/cpu_backend.hpp) is the numerical reference; a CUDA backend implements the same
// contract and must agree with it (see the parity tests).
//
// Contract, in the order the loop calls it for each optimizer step s = 1, 2, ...:
//   zero_grad();
//   for each micro-batch:  loss_i = forward_backward(batch_i, 1 / n_micro);
//   norm = grad_norm();                          // of the accumulated gradient
//   adamw_step({s, lr(s), min(1, clip / norm), options});
// and, every K steps, eval_loss(batch) on held-out batches (which must not touch gradients
// or optimizer state).
//
// Layout: every vector crossing this interface (parameters, gradients, AdamW moments) is a
// host float vector in the flat layout of model_layout.hpp, of length
// count_params(shape()).total. A backend may store things differently on its device but
// converts at this boundary, so checkpoints are portable between backends.
//
// Tokens: a TokenBatch holds `batch` rows of `shape().seq_len + 1` int32 token ids,
// row-major; inputs are columns 0..T-1, targets columns 1..T. The loop guarantees
// 0 <= id < vocab_size and batch <= max_batch (checked by the backend too: a violation is a
// std::invalid_argument, a programming error, not user input).
//
// Determinism: for a fixed device, thread count and inputs, every call must give bitwise
// the same results (the CPU resume test checks losses bitwise across a checkpoint).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lib/model_shape.hpp"

namespace scalelab::trainer {

struct TokenBatch {
  const std::int32_t* tokens = nullptr;  // batch × (seq_len + 1)
  int batch = 0;
};

// AdamW (Loshchilov & Hutter 2019) with decoupled weight decay. Defaults follow GPT-3 /
// nanoGPT for small models.
struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  // Decoupled decay: θ -= lr · weight_decay · θ, applied only to the tensors whose
  // TensorInfo::weight_decay is set (matrices and embeddings; never norms or biases).
  double weight_decay = 0.1;
};

// One AdamW update. With g = grad_scale · (accumulated gradient):
//   m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
//   m̂ = m / (1 - β1^step);  v̂ = v / (1 - β2^step);
//   θ -= lr · (m̂ / (sqrt(v̂) + eps) + wd · θ)   (wd only on decayed tensors).
struct AdamWStep {
  std::int64_t step = 1;    // 1-based count of updates so far, for the bias correction
  double lr = 0;            // this step's learning rate (from schedule.hpp)
  double grad_scale = 1.0;  // gradient clipping factor min(1, max_norm / norm)
  AdamWOptions options;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu (2 threads)", "cuda:0 (NVIDIA H100 80GB HBM3)": for logs and summaries.
  virtual std::string description() const = 0;
  virtual const ModelShape& shape() const = 0;
  // Largest TokenBatch::batch that forward_backward and eval_loss accept.
  virtual int max_batch() const = 0;

  // Parameters in, parameters out (host floats, model_layout.hpp order). import_parameters
  // also zeroes the gradients; the loop calls it once with initial_parameters(shape, seed).
  virtual void import_parameters(std::span<const float> params) = 0;
  virtual std::vector<float> export_parameters() const = 0;
  // The accumulated gradient (for parity tests).
  virtual std::vector<float> export_gradients() const = 0;

  // AdamW first and second moments, for checkpoints. Import replaces both; a fresh backend
  // starts with zeros.
  virtual void export_optimizer_state(std::vector<float>& m, std::vector<float>& v) const = 0;
  virtual void import_optimizer_state(std::span<const float> m, std::span<const float> v) = 0;

  virtual void zero_grad() = 0;
  // Forward and backward on one micro-batch: adds grad_scale · d(mean loss)/dθ to the
  // gradient and returns the mean cross-entropy (nats per token) over batch · T targets.
  // The returned loss is not multiplied by grad_scale.
  virtual double forward_backward(const TokenBatch& batch, double grad_scale) = 0;
  // Forward only: the mean loss; gradients and optimizer state are left untouched.
  virtual double eval_loss(const TokenBatch& batch) = 0;
  // L2 norm of the accumulated gradient over all parameters (accumulated in double or
  // better). May be inf or NaN; the loop checks.
  virtual double grad_norm() = 0;
  // The AdamW update above; then the gradient is unspecified until zero_grad().
  virtual void adamw_step(const AdamWStep& step) = 0;
};

// Which backend `make_backend` builds.
struct BackendOptions {
  // "auto" (CUDA when built and a GPU is visible, else CPU), "cpu", "cuda", "cuda:N".
  std::string device = "auto";
  // CPU threads; 0 = OMP_NUM_THREADS if set, else every hardware thread.
  int threads = 0;
  // Sequences per forward pass that the backend must accept (the loop's micro-batch).
  int max_batch = 16;
};

// Builds the backend for `device`. Throws InputError for an unknown device string or a
// device this build cannot use (e.g. "cuda" before the CUDA backend exists).
std::unique_ptr<Backend> make_backend(const ModelShape& shape, const BackendOptions& options);

}  // namespace scalelab::trainer
