// The CUDA backend. One training micro-batch runs entirely on one stream:
//
//   forward:  embedding -> per layer [norm1 -> qkv GEMM (+bias) -> RoPE (llama) -> fused
//             causal attention -> proj GEMM added onto the residual -> norm2 -> fc GEMM ->
//             GELU (+bias) or SwiGLU -> fc_proj GEMM added onto the residual] -> final norm
//             -> output layer in row chunks: logits GEMM, fused softmax cross-entropy that
//             writes the loss and dlogits, and at once the head's two backward GEMMs, so the
//             (N, V) logits never exist in full.
//   backward: the same layers in reverse, gradients accumulated in fp32.
//
// Precision: fp32 master weights, gradients, AdamW moments and residual stream; a bf16 copy
// of the weights (refreshed by the AdamW kernel) and bf16 GEMM operands; fp32 accumulation
// in every GEMM and kernel; losses and the gradient norm summed in double.
//
// Host synchronisation: forward_backward, eval_loss and grad_norm return numbers to the host
// through backend.hpp's interface, so each waits once for its own stream at its end (after
// all its work is queued); nothing else in a step synchronises. Not done yet: CUDA graphs
// (launch overhead of small models), tensor-core attention, cuBLASLt epilogue fusion.
#include "trainer/cuda/cuda_backend.hpp"

#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/error.hpp"
#include "trainer/cuda/cuda_check.hpp"
#include "trainer/cuda/device_buffer.hpp"
#include "trainer/cuda/gemm.hpp"
#include "trainer/cuda/kernels.hpp"
#include "trainer/model_layout.hpp"

namespace scalelab::trainer::cuda {

namespace {

// The output layer processes at most this many logits at a time (fp32 logits + bf16
// dlogits: 6 bytes each, 384 MiB).
constexpr std::int64_t kLogitsChunkElements = 64LL << 20;

enum class Use { kWeights, kActivations, kScratch };

struct LayerBuffers {
  DeviceBuffer<bf16> xn1, att, xn2, g;
  DeviceBuffer<float> mean1, rstd1, qkv, lse, resid_mid, mean2, rstd2, h;
};

// Every device allocation of the backend, listed once (visit_buffers) so that the memory
// plan and the allocation cannot disagree.
struct Buffers {
  DeviceBuffer<float> params, grads, m, v;
  DeviceBuffer<bf16> params_bf16;
  DeviceBuffer<std::uint8_t> decay_mask;
  DeviceBuffer<float> rope;
  std::vector<DeviceBuffer<float>> resid;  // n_layer + 1 residual streams (N, d)
  std::vector<LayerBuffers> layers;
  DeviceBuffer<bf16> xnf;
  DeviceBuffer<float> meanf, rstdf;
  DeviceBuffer<float> logits, losses;
  DeviceBuffer<bf16> dlogits;
  DeviceBuffer<float> dresid, dnorm, dg, datt, dqkv, delta, column_scratch;
  DeviceBuffer<bf16> dresid_bf16, dh_bf16, dqkv_bf16;
  DeviceBuffer<std::int32_t> token_data;  // inputs, targets, bucket ids, offsets, positions
  DeviceBuffer<double> results;           // loss sum, squared norm
  DeviceBuffer<double> norm_scratch;
};

std::int64_t logits_chunk_rows(const ModelShape& s, std::int64_t N) {
  return std::clamp<std::int64_t>(kLogitsChunkElements / s.vocab_size, 1, N);
}

template <typename Visit>
void visit_buffers(Buffers& b, const ModelShape& s, const ModelLayout& layout, int max_batch,
                   Visit&& visit) {
  const std::int64_t N = static_cast<std::int64_t>(max_batch) * s.seq_len;
  const std::int64_t P = layout.total, d = s.d_model, a = s.d_attn(), f = s.d_ff, V = s.vocab_size,
                     T = s.seq_len;
  const bool llama = s.arch == Arch::kLlama;
  const std::int64_t fc = llama ? 2 * f : f;
  visit(b.params, P, "fp32 parameters", Use::kWeights);
  visit(b.grads, P, "fp32 gradients", Use::kWeights);
  visit(b.m, P, "AdamW first moments", Use::kWeights);
  visit(b.v, P, "AdamW second moments", Use::kWeights);
  visit(b.params_bf16, P, "bf16 parameter copy", Use::kWeights);
  visit(b.decay_mask, P, "weight-decay mask", Use::kWeights);
  visit(b.rope, llama ? T * s.head_dim : 0, "RoPE table", Use::kWeights);
  b.resid.resize(static_cast<std::size_t>(s.n_layer) + 1);
  for (auto& r : b.resid) visit(r, N * d, "residual stream", Use::kActivations);
  b.layers.resize(static_cast<std::size_t>(s.n_layer));
  for (LayerBuffers& l : b.layers) {
    visit(l.xn1, N * d, "norm1 output", Use::kActivations);
    visit(l.mean1, llama ? 0 : N, "norm1 mean", Use::kActivations);
    visit(l.rstd1, N, "norm1 rstd", Use::kActivations);
    visit(l.qkv, N * 3 * a, "q|k|v", Use::kActivations);
    visit(l.lse, N * s.n_head, "attention log-sum-exp", Use::kActivations);
    visit(l.att, N * a, "attention output", Use::kActivations);
    visit(l.resid_mid, N * d, "mid-block residual", Use::kActivations);
    visit(l.xn2, N * d, "norm2 output", Use::kActivations);
    visit(l.mean2, llama ? 0 : N, "norm2 mean", Use::kActivations);
    visit(l.rstd2, N, "norm2 rstd", Use::kActivations);
    visit(l.h, N * fc, "MLP pre-activation", Use::kActivations);
    visit(l.g, N * f, "MLP activation", Use::kActivations);
  }
  visit(b.xnf, N * d, "final norm output", Use::kActivations);
  visit(b.meanf, llama ? 0 : N, "final norm mean", Use::kActivations);
  visit(b.rstdf, N, "final norm rstd", Use::kActivations);
  const std::int64_t R = logits_chunk_rows(s, N);
  visit(b.logits, R * V, "logits chunk", Use::kScratch);
  visit(b.dlogits, R * V, "dlogits chunk", Use::kScratch);
  visit(b.losses, N, "per-token losses", Use::kScratch);
  visit(b.dresid, N * d, "residual gradient", Use::kScratch);
  visit(b.dresid_bf16, N * d, "residual gradient (bf16)", Use::kScratch);
  visit(b.dnorm, N * d, "norm gradient", Use::kScratch);
  visit(b.dg, N * f, "MLP activation gradient", Use::kScratch);
  visit(b.dh_bf16, N * fc, "MLP pre-activation gradient", Use::kScratch);
  visit(b.datt, N * a, "attention output gradient", Use::kScratch);
  visit(b.dqkv, N * 3 * a, "q|k|v gradient", Use::kScratch);
  visit(b.dqkv_bf16, N * 3 * a, "q|k|v gradient (bf16)", Use::kScratch);
  visit(b.delta, N * s.n_head, "attention backward delta", Use::kScratch);
  // Column reductions run over d (norm weights, proj and fc_proj biases), f (fc bias) and 3a
  // (qkv bias) columns.
  visit(b.column_scratch, column_scratch_floats(static_cast<int>(std::max({d, fc, 3 * a}))),
        "column-sum scratch", Use::kScratch);
  visit(b.token_data, 5 * N + 1, "tokens", Use::kScratch);
  visit(b.results, 2, "results", Use::kScratch);
  visit(b.norm_scratch, kSumSquaresBlocks, "norm scratch", Use::kScratch);
}

struct MemoryPlan {
  std::int64_t weights = 0, activations = 0, scratch = 0;
  std::int64_t total() const { return weights + activations + scratch; }
};

MemoryPlan memory_plan(const ModelShape& shape, const ModelLayout& layout, int max_batch) {
  Buffers empty;
  MemoryPlan plan;
  visit_buffers(empty, shape, layout, max_batch,
                [&plan]<typename T>(DeviceBuffer<T>&, std::int64_t count, const char*, Use use) {
                  const auto bytes = static_cast<std::int64_t>(DeviceBuffer<T>::bytes_for(count));
                  (use == Use::kWeights       ? plan.weights
                   : use == Use::kActivations ? plan.activations
                                              : plan.scratch) += bytes;
                });
  return plan;
}

int parse_device_index(const std::string& device) {
  if (device == "cuda") return 0;
  const std::string digits = device.substr(5);  // after "cuda:"
  if (digits.empty() || digits.size() > 4 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw InputError(fmt::format(
        "--device {}: expected cuda or cuda:N with N a device index (accepted: auto, cpu, "
        "cuda, cuda:N)",
        device));
  return std::stoi(digits);
}

class CudaBackend final : public Backend {
 public:
  CudaBackend(const ModelShape& shape, int max_batch, int device)
      : shape_(shape), layout_(model_layout(shape)), max_batch_(max_batch), device_(device) {
    SCALELAB_CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop{};
    SCALELAB_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    device_name_ = prop.name;
    check_memory();
    SCALELAB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    blas_ = std::make_unique<Blas>(stream_);
    visit_buffers(buf_, shape_, layout_, max_batch_,
                  [](auto& buffer, std::int64_t count, const char* name, Use) {
                    using Buffer = std::remove_reference_t<decltype(buffer)>;
                    buffer = Buffer(count, name);
                  });
    const std::int64_t N = static_cast<std::int64_t>(max_batch) * shape.seq_len;
    tokens_host_ = PinnedBuffer<std::int32_t>(5 * N + 1);
    results_host_ = PinnedBuffer<double>(2);

    const std::vector<std::uint8_t> mask = weight_decay_mask(layout_);
    upload(buf_.decay_mask.get(), mask.data(), mask.size());
    if (shape.arch == Arch::kLlama) {
      // The CPU model's table (cpu_model.cpp): angles in double, stored as float.
      const int hd = shape.head_dim, half = hd / 2;
      std::vector<float> table(static_cast<std::size_t>(shape.seq_len) * hd);
      for (int t = 0; t < shape.seq_len; ++t)
        for (int i = 0; i < half; ++i) {
          const double theta = t * std::pow(10000.0, -2.0 * i / hd);
          table[static_cast<std::size_t>(t) * hd + 2 * i] = static_cast<float>(std::cos(theta));
          table[static_cast<std::size_t>(t) * hd + 2 * i + 1] = static_cast<float>(std::sin(theta));
        }
      upload(buf_.rope.get(), table.data(), table.size());
    }
    const std::size_t pbytes = sizeof(float) * static_cast<std::size_t>(layout_.total);
    for (float* p : {buf_.params.get(), buf_.grads.get(), buf_.m.get(), buf_.v.get()})
      SCALELAB_CUDA_CHECK(cudaMemsetAsync(p, 0, pbytes, stream_));
    SCALELAB_CUDA_CHECK(
        cudaMemsetAsync(buf_.params_bf16.get(), 0, sizeof(bf16) * layout_.total, stream_));
    synchronize("CudaBackend construction");
  }

  ~CudaBackend() override {
    cudaSetDevice(device_);
    cudaStreamSynchronize(stream_);
    buf_ = Buffers{};
    blas_.reset();
    cudaStreamDestroy(stream_);
  }

  std::string description() const override {
    return fmt::format("cuda:{} ({})", device_, device_name_);
  }
  const ModelShape& shape() const override { return shape_; }
  int max_batch() const override { return max_batch_; }

  void import_parameters(std::span<const float> params) override {
    select();
    check_size(params.size(), "import_parameters");
    upload(buf_.params.get(), params.data(), params.size());
    float_to_bf16(buf_.params_bf16.get(), buf_.params.get(), layout_.total, stream_);
    SCALELAB_CUDA_CHECK(cudaMemsetAsync(buf_.grads.get(), 0, grad_bytes(), stream_));
    synchronize("import_parameters");
  }
  std::vector<float> export_parameters() const override { return download(buf_.params.get()); }
  std::vector<float> export_gradients() const override { return download(buf_.grads.get()); }

  void export_optimizer_state(std::vector<float>& m, std::vector<float>& v) const override {
    m = download(buf_.m.get());
    v = download(buf_.v.get());
  }
  void import_optimizer_state(std::span<const float> m, std::span<const float> v) override {
    select();
    check_size(m.size(), "import_optimizer_state (m)");
    check_size(v.size(), "import_optimizer_state (v)");
    upload(buf_.m.get(), m.data(), m.size());
    upload(buf_.v.get(), v.data(), v.size());
  }

  void zero_grad() override {
    select();
    SCALELAB_CUDA_CHECK(cudaMemsetAsync(buf_.grads.get(), 0, grad_bytes(), stream_));
  }

  double forward_backward(const TokenBatch& batch, double grad_scale) override {
    select();
    stage_tokens(batch, true);
    const std::int64_t N = static_cast<std::int64_t>(batch.batch) * shape_.seq_len;
    forward(batch.batch, true, static_cast<float>(grad_scale / static_cast<double>(N)));
    backward(batch.batch);
    return mean_loss(N);
  }

  double eval_loss(const TokenBatch& batch) override {
    select();
    stage_tokens(batch, false);
    forward(batch.batch, false, 0.0f);
    return mean_loss(static_cast<std::int64_t>(batch.batch) * shape_.seq_len);
  }

  double grad_norm() override {
    select();
    sum_squares(buf_.results.get() + 1, buf_.norm_scratch.get(), buf_.grads.get(), layout_.total,
                stream_);
    SCALELAB_CUDA_CHECK(cudaMemcpyAsync(results_host_.get() + 1, buf_.results.get() + 1,
                                        sizeof(double), cudaMemcpyDeviceToHost, stream_));
    synchronize("grad_norm");
    return std::sqrt(results_host_.get()[1]);
  }

  void adamw_step(const AdamWStep& step) override {
    select();
    const AdamWOptions& o = step.options;
    AdamWParams p;
    p.lr = static_cast<float>(step.lr);
    p.beta1 = static_cast<float>(o.beta1);
    p.beta2 = static_cast<float>(o.beta2);
    p.eps = static_cast<float>(o.eps);
    p.weight_decay = static_cast<float>(o.weight_decay);
    p.grad_scale = static_cast<float>(step.grad_scale);
    const double s = static_cast<double>(step.step);
    p.inv_bias_correction1 = static_cast<float>(1.0 / (1.0 - std::pow(o.beta1, s)));
    p.inv_bias_correction2 = static_cast<float>(1.0 / (1.0 - std::pow(o.beta2, s)));
    adamw_update(buf_.params.get(), buf_.params_bf16.get(), buf_.grads.get(), buf_.m.get(),
                 buf_.v.get(), buf_.decay_mask.get(), layout_.total, p, stream_);
  }

 private:
  void select() const { SCALELAB_CUDA_CHECK(cudaSetDevice(device_)); }
  void synchronize(const char* where) const {
    check_cuda(cudaStreamSynchronize(stream_), where, __FILE__, __LINE__);
  }
  std::size_t grad_bytes() const { return sizeof(float) * static_cast<std::size_t>(layout_.total); }

  template <typename T>
  void upload(T* dst, const T* src, std::size_t count) const {
    SCALELAB_CUDA_CHECK(
        cudaMemcpyAsync(dst, src, count * sizeof(T), cudaMemcpyHostToDevice, stream_));
    synchronize("upload");  // the source may be pageable and short-lived
  }
  std::vector<float> download(const float* src) const {
    select();
    std::vector<float> out(static_cast<std::size_t>(layout_.total));
    SCALELAB_CUDA_CHECK(cudaMemcpyAsync(out.data(), src, out.size() * sizeof(float),
                                        cudaMemcpyDeviceToHost, stream_));
    synchronize("download");
    return out;
  }
  void check_size(std::size_t n, const char* what) const {
    if (static_cast<std::int64_t>(n) != layout_.total)
      throw std::invalid_argument(
          fmt::format("CudaBackend::{}: {} values, expected {}", what, n, layout_.total));
  }

  void check_memory() const {
    const MemoryPlan plan = memory_plan(shape_, layout_, max_batch_);
    std::size_t free = 0, total = 0;
    SCALELAB_CUDA_CHECK(cudaMemGetInfo(&free, &total));
    if (static_cast<std::size_t>(plan.total()) > free)
      throw InputError(fmt::format(
          "{}: out of memory for {} at a micro-batch of {}x{} tokens: needs {} ({} bytes: "
          "weights, gradients and AdamW state {}, activations {}, scratch {}) but {} of {} "
          "is free; lower the micro-batch or the model size",
          description(), shape_.summary(), max_batch_, shape_.seq_len,
          format_bytes(static_cast<double>(plan.total())), plan.total(),
          format_bytes(static_cast<double>(plan.weights)),
          format_bytes(static_cast<double>(plan.activations)),
          format_bytes(static_cast<double>(plan.scratch)), format_bytes(static_cast<double>(free)),
          format_bytes(static_cast<double>(total))));
  }

  // Inputs and targets (and, for a backward pass, the rows grouped by token id) in one
  // pinned buffer and one copy.
  void stage_tokens(const TokenBatch& batch, bool with_buckets) {
    if (batch.batch < 1 || batch.batch > max_batch_ || batch.tokens == nullptr)
      throw std::invalid_argument(fmt::format(
          "CudaBackend: batch of {} sequences (accepted 1 to {})", batch.batch, max_batch_));
    const int T = shape_.seq_len;
    const std::int64_t N = static_cast<std::int64_t>(batch.batch) * T;
    std::int32_t* host = tokens_host_.get();
    for (int b = 0; b < batch.batch; ++b)
      for (int t = 0; t < T; ++t) {
        const std::int32_t in = batch.tokens[static_cast<std::int64_t>(b) * (T + 1) + t];
        const std::int32_t out = batch.tokens[static_cast<std::int64_t>(b) * (T + 1) + t + 1];
        if (in < 0 || in >= shape_.vocab_size || out < 0 || out >= shape_.vocab_size)
          throw std::invalid_argument(fmt::format(
              "CudaBackend: token id out of range [0, {}) in sequence {}", shape_.vocab_size, b));
        host[static_cast<std::int64_t>(b) * T + t] = in;
        host[N + static_cast<std::int64_t>(b) * T + t] = out;
      }
    std::int64_t count = 2 * N;
    n_ids_ = 0;
    if (with_buckets) {
      const TokenBuckets buckets = bucket_tokens(host, N);
      n_ids_ = static_cast<int>(buckets.ids.size());
      // ids, offsets and positions at fixed offsets 2N, 3N, 4N + 1 (ids <= N, offsets <= N+1).
      std::copy(buckets.ids.begin(), buckets.ids.end(), host + 2 * N);
      std::copy(buckets.offsets.begin(), buckets.offsets.end(), host + 3 * N);
      std::copy(buckets.positions.begin(), buckets.positions.end(), host + 4 * N + 1);
      count = 5 * N + 1;
    }
    SCALELAB_CUDA_CHECK(cudaMemcpyAsync(buf_.token_data.get(), host,
                                        sizeof(std::int32_t) * static_cast<std::size_t>(count),
                                        cudaMemcpyHostToDevice, stream_));
    staged_n_ = N;
  }
  const std::int32_t* inputs() const { return buf_.token_data.get(); }
  const std::int32_t* targets() const { return buf_.token_data.get() + staged_n_; }

  double mean_loss(std::int64_t N) {
    sum_losses(buf_.results.get(), buf_.losses.get(), N, stream_);
    SCALELAB_CUDA_CHECK(cudaMemcpyAsync(results_host_.get(), buf_.results.get(), sizeof(double),
                                        cudaMemcpyDeviceToHost, stream_));
    synchronize("loss");  // the one wait of a micro-batch: the interface returns the loss
    return results_host_.get()[0] / static_cast<double>(N);
  }

  const float* P(std::int64_t off) const { return off < 0 ? nullptr : buf_.params.get() + off; }
  float* G(std::int64_t off) const { return off < 0 ? nullptr : buf_.grads.get() + off; }
  const bf16* W(std::int64_t off) const { return buf_.params_bf16.get() + off; }

  // with_grad: also the output layer's backward (dlogits scaled by dloss, the head's
  // gradient, and the final norm's output gradient in dnorm).
  void forward(int B, bool with_grad, float dloss) {
    const ModelShape& s = shape_;
    const int T = s.seq_len, d = s.d_model, a = s.d_attn(), f = s.d_ff, V = s.vocab_size,
              H = s.n_head, hd = s.head_dim;
    const std::int64_t N = static_cast<std::int64_t>(B) * T;
    const bool llama = s.arch == Arch::kLlama;
    cudaStream_t st = stream_;
    const Blas& blas = *blas_;

    embedding_forward(buf_.resid[0].get(), inputs(), P(layout_.wte), P(layout_.wpe), B, T, d, st);
    for (int l = 0; l < s.n_layer; ++l) {
      const LayerOffsets& o = layout_.layers[l];
      LayerBuffers& x = buf_.layers[l];
      const float* in = buf_.resid[l].get();
      if (llama)
        rmsnorm_forward(x.xn1.get(), x.rstd1.get(), in, P(o.norm1_w), N, d, st);
      else
        layernorm_forward(x.xn1.get(), x.mean1.get(), x.rstd1.get(), in, P(o.norm1_w), P(o.norm1_b),
                          N, d, st);
      blas.linear_forward(x.qkv.get(), x.xn1.get(), W(o.qkv_w), N, d, 3 * a);
      if (!llama) add_bias(x.qkv.get(), x.qkv.get(), P(o.qkv_b), N, 3 * a, st);
      if (llama) rope_forward(x.qkv.get(), buf_.rope.get(), B, T, H, hd, st);
      attention_forward(x.att.get(), x.lse.get(), x.qkv.get(), B, T, H, hd, st);
      // resid_mid = in + proj_b, then += att · proj_wᵀ (beta = 1).
      add_bias(x.resid_mid.get(), in, P(o.proj_b), N, d, st);
      blas.linear_forward(x.resid_mid.get(), x.att.get(), W(o.proj_w), N, a, d, 1.0f);
      if (llama) {
        rmsnorm_forward(x.xn2.get(), x.rstd2.get(), x.resid_mid.get(), P(o.norm2_w), N, d, st);
        blas.linear_forward(x.h.get(), x.xn2.get(), W(o.fc_w), N, d, 2 * f);
        swiglu_forward(x.g.get(), x.h.get(), N, f, st);
      } else {
        layernorm_forward(x.xn2.get(), x.mean2.get(), x.rstd2.get(), x.resid_mid.get(),
                          P(o.norm2_w), P(o.norm2_b), N, d, st);
        blas.linear_forward(x.h.get(), x.xn2.get(), W(o.fc_w), N, d, f);
        bias_gelu_forward(x.g.get(), x.h.get(), P(o.fc_b), N, f, st);
      }
      float* out = buf_.resid[l + 1].get();
      add_bias(out, x.resid_mid.get(), P(o.fc_proj_b), N, d, st);
      blas.linear_forward(out, x.g.get(), W(o.fc_proj_w), N, f, d, 1.0f);
    }
    const float* last = buf_.resid[s.n_layer].get();
    if (llama)
      rmsnorm_forward(buf_.xnf.get(), buf_.rstdf.get(), last, P(layout_.final_norm_w), N, d, st);
    else
      layernorm_forward(buf_.xnf.get(), buf_.meanf.get(), buf_.rstdf.get(), last,
                        P(layout_.final_norm_w), P(layout_.final_norm_b), N, d, st);

    const std::int64_t R = logits_chunk_rows(s, static_cast<std::int64_t>(max_batch_) * T);
    for (std::int64_t r0 = 0; r0 < N; r0 += R) {
      const std::int64_t rows = std::min(R, N - r0);
      const bf16* xr = buf_.xnf.get() + r0 * d;
      blas.linear_forward(buf_.logits.get(), xr, W(layout_.head), rows, d, V);
      crossentropy_forward_backward(buf_.losses.get() + r0,
                                    with_grad ? buf_.dlogits.get() : nullptr, buf_.logits.get(),
                                    targets() + r0, rows, V, dloss, st);
      if (with_grad) {
        blas.linear_backward_weight(G(layout_.head), buf_.dlogits.get(), xr, rows, d, V);
        blas.linear_backward_input(buf_.dnorm.get() + r0 * d, buf_.dlogits.get(), W(layout_.head),
                                   rows, d, V);
      }
    }
  }

  // Expects forward(B, true, ...) just before: dnorm holds d(final norm output).
  void backward(int B) {
    const ModelShape& s = shape_;
    const int T = s.seq_len, d = s.d_model, a = s.d_attn(), f = s.d_ff, H = s.n_head,
              hd = s.head_dim;
    const std::int64_t N = static_cast<std::int64_t>(B) * T;
    const bool llama = s.arch == Arch::kLlama;
    const int fc = llama ? 2 * f : f;
    cudaStream_t st = stream_;
    const Blas& blas = *blas_;
    float* scratch = buf_.column_scratch.get();
    float* dresid = buf_.dresid.get();
    bf16* dresid16 = buf_.dresid_bf16.get();

    norm_backward(dresid, dresid16, G(layout_.final_norm_w), G(layout_.final_norm_b), scratch,
                  buf_.dnorm.get(), buf_.resid[s.n_layer].get(), llama ? nullptr : buf_.meanf.get(),
                  buf_.rstdf.get(), P(layout_.final_norm_w), N, d, false, st);
    for (int l = s.n_layer - 1; l >= 0; --l) {
      const LayerOffsets& o = layout_.layers[l];
      LayerBuffers& x = buf_.layers[l];
      // MLP: dresid holds d(block output), which the residual passes on unchanged.
      blas.linear_backward_weight(G(o.fc_proj_w), dresid16, x.g.get(), N, f, d);
      if (!llama) column_sums(G(o.fc_proj_b), scratch, dresid, N, d, st);
      blas.linear_backward_input(buf_.dg.get(), dresid16, W(o.fc_proj_w), N, f, d);
      if (llama) {
        swiglu_backward(buf_.dh_bf16.get(), x.h.get(), buf_.dg.get(), N, f, st);
      } else {
        gelu_backward(buf_.dg.get(), buf_.dh_bf16.get(), x.h.get(), N * f, st);
        column_sums(G(o.fc_b), scratch, buf_.dg.get(), N, f, st);
      }
      blas.linear_backward_weight(G(o.fc_w), buf_.dh_bf16.get(), x.xn2.get(), N, d, fc);
      blas.linear_backward_input(buf_.dnorm.get(), buf_.dh_bf16.get(), W(o.fc_w), N, d, fc);
      norm_backward(dresid, dresid16, G(o.norm2_w), G(o.norm2_b), scratch, buf_.dnorm.get(),
                    x.resid_mid.get(), llama ? nullptr : x.mean2.get(), x.rstd2.get(), P(o.norm2_w),
                    N, d, true, st);
      // Attention: dresid now holds d(resid_mid).
      blas.linear_backward_weight(G(o.proj_w), dresid16, x.att.get(), N, a, d);
      if (!llama) column_sums(G(o.proj_b), scratch, dresid, N, d, st);
      blas.linear_backward_input(buf_.datt.get(), dresid16, W(o.proj_w), N, a, d);
      attention_backward(buf_.dqkv.get(), buf_.delta.get(), buf_.datt.get(), x.att.get(),
                         x.qkv.get(), x.lse.get(), B, T, H, hd, st);
      if (llama) rope_backward(buf_.dqkv.get(), buf_.rope.get(), B, T, H, hd, st);
      float_to_bf16(buf_.dqkv_bf16.get(), buf_.dqkv.get(), N * 3 * a, st);
      if (!llama) column_sums(G(o.qkv_b), scratch, buf_.dqkv.get(), N, 3 * a, st);
      blas.linear_backward_weight(G(o.qkv_w), buf_.dqkv_bf16.get(), x.xn1.get(), N, d, 3 * a);
      blas.linear_backward_input(buf_.dnorm.get(), buf_.dqkv_bf16.get(), W(o.qkv_w), N, d, 3 * a);
      norm_backward(dresid, dresid16, G(o.norm1_w), G(o.norm1_b), scratch, buf_.dnorm.get(),
                    buf_.resid[l].get(), llama ? nullptr : x.mean1.get(), x.rstd1.get(),
                    P(o.norm1_w), N, d, true, st);
    }
    const std::int32_t* tok = buf_.token_data.get();
    embedding_backward_wte(G(layout_.wte), dresid, tok + 2 * N, tok + 3 * N, tok + 4 * N + 1,
                           n_ids_, d, st);
    if (layout_.wpe >= 0) embedding_backward_wpe(G(layout_.wpe), dresid, B, T, d, st);
  }

  ModelShape shape_;
  ModelLayout layout_;
  int max_batch_;
  int device_;
  std::string device_name_;
  cudaStream_t stream_ = nullptr;
  std::unique_ptr<Blas> blas_;
  Buffers buf_;
  PinnedBuffer<std::int32_t> tokens_host_;
  PinnedBuffer<double> results_host_;
  std::int64_t staged_n_ = 0;
  int n_ids_ = 0;
};

void check_supported(const ModelShape& shape, const std::string& device) {
  if (shape.head_dim > kMaxHeadDim)
    throw InputError(fmt::format(
        "--device {}: head_dim {} is above {}, the CUDA attention kernel's limit (use a "
        "smaller head_dim or --device cpu)",
        device, shape.head_dim, kMaxHeadDim));
}

}  // namespace

int visible_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

std::string device_count_error() {
  int n = 0;
  const cudaError_t status = cudaGetDeviceCount(&n);
  cudaGetLastError();
  return status == cudaSuccess ? std::string() : cudaGetErrorString(status);
}

std::int64_t planned_device_bytes(const ModelShape& shape, int max_batch) {
  return memory_plan(shape, model_layout(shape), max_batch).total();
}

std::unique_ptr<Backend> make_cuda_backend(const ModelShape& shape, int max_batch,
                                           const std::string& device) {
  const int index = parse_device_index(device);
  const int count = visible_device_count();
  if (count == 0) {
    const std::string why = device_count_error();
    throw InputError(fmt::format("--device {}: no CUDA GPU is visible{}; use --device cpu or auto",
                                 device, why.empty() ? "" : " (" + why + ")"));
  }
  if (index >= count)
    throw InputError(fmt::format("--device {}: only {} CUDA device{} visible (cuda:0 to cuda:{})",
                                 device, count, count == 1 ? " is" : "s are", count - 1));
  shape.validate();
  check_supported(shape, device);
  if (max_batch < 1 || static_cast<std::int64_t>(max_batch) * shape.n_head > 65535)
    throw InputError(fmt::format("--device {}: micro-batch {} × {} heads must be 1 to 65535",
                                 device, max_batch, shape.n_head));
  return std::make_unique<CudaBackend>(shape, max_batch, index);
}

}  // namespace scalelab::trainer::cuda
