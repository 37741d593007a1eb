#include "trainer/cpu/cpu_backend.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <stdexcept>

#include "trainer/adamw.hpp"
#include "trainer/cpu/cpu_model.hpp"

namespace scalelab::trainer::cpu {

namespace {

class CpuBackend final : public Backend {
 public:
  CpuBackend(const ModelShape& shape, int max_batch, int threads)
      : model_(shape, max_batch), threads_(threads) {
    const auto n = static_cast<std::size_t>(model_.layout().total);
    m_.assign(n, 0.0f);
    v_.assign(n, 0.0f);
    decay_mask_ = weight_decay_mask(model_.layout());
  }

  std::string description() const override {
    // train.log and summary.json show this: the kernel build in use is part of what a
    // result's bits depend on.
    return fmt::format("cpu ({} thread{}, {} kernels)", threads_, threads_ == 1 ? "" : "s",
                       simd_level_name(model_.kernel_level()));
  }
  const ModelShape& shape() const override { return model_.shape(); }
  int max_batch() const override { return model_.max_batch(); }

  void import_parameters(std::span<const float> params) override {
    check_size(params.size(), "import_parameters");
    std::copy(params.begin(), params.end(), model_.params().begin());
    model_.zero_grads();
  }
  std::vector<float> export_parameters() const override { return model_.params(); }
  std::vector<float> export_gradients() const override { return model_.grads(); }

  void export_optimizer_state(std::vector<float>& m, std::vector<float>& v) const override {
    m = m_;
    v = v_;
  }
  void import_optimizer_state(std::span<const float> m, std::span<const float> v) override {
    check_size(m.size(), "import_optimizer_state (m)");
    check_size(v.size(), "import_optimizer_state (v)");
    m_.assign(m.begin(), m.end());
    v_.assign(v.begin(), v.end());
  }

  void zero_grad() override { model_.zero_grads(); }

  double forward_backward(const TokenBatch& batch, double grad_scale) override {
    check_batch(batch);
    const double loss = model_.forward(batch.tokens, batch.batch);
    model_.backward(static_cast<float>(grad_scale));
    return loss;
  }

  double eval_loss(const TokenBatch& batch) override {
    check_batch(batch);
    return model_.forward(batch.tokens, batch.batch);
  }

  double grad_norm() override { return l2_norm<float>(model_.grads()); }

  void adamw_step(const AdamWStep& step) override {
    model_.kernels().adamw(model_.params().data(), model_.grads().data(), m_.data(), v_.data(),
                           decay_mask_.data(), model_.layout().total, step);
  }

 private:
  void check_size(std::size_t n, const char* what) const {
    if (static_cast<std::int64_t>(n) != model_.layout().total)
      throw std::invalid_argument(
          fmt::format("CpuBackend::{}: {} values, expected {}", what, n, model_.layout().total));
  }
  void check_batch(const TokenBatch& b) const {
    if (b.batch < 1 || b.batch > model_.max_batch() || b.tokens == nullptr)
      throw std::invalid_argument(fmt::format(
          "CpuBackend: batch of {} sequences (accepted 1 to {})", b.batch, model_.max_batch()));
  }

  CpuModel<float> model_;
  int threads_;
  std::vector<float> m_, v_;
  std::vector<std::uint8_t> decay_mask_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const ModelShape& shape, int max_batch, int threads) {
  if (threads <= 0) threads = omp_get_max_threads();  // honours OMP_NUM_THREADS
  omp_set_num_threads(threads);
  return std::make_unique<CpuBackend>(shape, max_batch, threads);
}

}  // namespace scalelab::trainer::cpu
