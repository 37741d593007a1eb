#include "trainer/model_layout.hpp"

#include <algorithm>
#include <cmath>

#include "trainer/rng.hpp"

namespace scalelab::trainer {

namespace {

constexpr double kInitStd = 0.02;

class LayoutBuilder {
 public:
  explicit LayoutBuilder(ModelLayout& layout) : layout_(layout) {}
  std::int64_t matrix(std::string name, std::int64_t rows, std::int64_t cols, double std) {
    return add({std::move(name), 0, rows, cols, true, std, 0.0});
  }
  std::int64_t norm_weight(std::string name, std::int64_t n) {
    return add({std::move(name), 0, 1, n, false, 0.0, 1.0});
  }
  std::int64_t bias(std::string name, std::int64_t n) {
    return add({std::move(name), 0, 1, n, false, 0.0, 0.0});
  }

 private:
  std::int64_t add(TensorInfo t) {
    t.offset = layout_.total;
    layout_.total += t.size();
    layout_.tensors.push_back(std::move(t));
    return layout_.tensors.back().offset;
  }
  ModelLayout& layout_;
};

}  // namespace

ModelLayout model_layout(const ModelShape& s) {
  ModelLayout m;
  LayoutBuilder b(m);
  const std::int64_t V = s.vocab_size, T = s.seq_len, d = s.d_model, a = s.d_attn(), f = s.d_ff;
  const double residual_std = kInitStd / std::sqrt(2.0 * s.n_layer);
  const bool gpt2 = s.arch == Arch::kGpt2;
  m.wte = b.matrix("wte", V, d, kInitStd);
  if (gpt2) m.wpe = b.matrix("wpe", T, d, kInitStd);
  for (int l = 0; l < s.n_layer; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    LayerOffsets o;
    if (gpt2) {
      o.norm1_w = b.norm_weight(p + "ln1.w", d);
      o.norm1_b = b.bias(p + "ln1.b", d);
      o.qkv_w = b.matrix(p + "qkv.w", 3 * a, d, kInitStd);
      o.qkv_b = b.bias(p + "qkv.b", 3 * a);
      o.proj_w = b.matrix(p + "proj.w", d, a, residual_std);
      o.proj_b = b.bias(p + "proj.b", d);
      o.norm2_w = b.norm_weight(p + "ln2.w", d);
      o.norm2_b = b.bias(p + "ln2.b", d);
      o.fc_w = b.matrix(p + "fc.w", f, d, kInitStd);
      o.fc_b = b.bias(p + "fc.b", f);
      o.fc_proj_w = b.matrix(p + "fc_proj.w", d, f, residual_std);
      o.fc_proj_b = b.bias(p + "fc_proj.b", d);
    } else {
      o.norm1_w = b.norm_weight(p + "attn_norm.w", d);
      o.qkv_w = b.matrix(p + "wq", a, d, kInitStd);
      b.matrix(p + "wk", a, d, kInitStd);
      b.matrix(p + "wv", a, d, kInitStd);
      o.proj_w = b.matrix(p + "wo", d, a, residual_std);
      o.norm2_w = b.norm_weight(p + "ffn_norm.w", d);
      o.fc_w = b.matrix(p + "w1", f, d, kInitStd);
      b.matrix(p + "w3", f, d, kInitStd);
      o.fc_proj_w = b.matrix(p + "w2", d, f, residual_std);
    }
    m.layers.push_back(o);
  }
  if (gpt2) {
    m.final_norm_w = b.norm_weight("lnf.w", d);
    m.final_norm_b = b.bias("lnf.b", d);
  } else {
    m.final_norm_w = b.norm_weight("norm_f.w", d);
  }
  m.head = s.tied_embeddings ? m.wte : b.matrix("head", V, d, kInitStd);
  return m;
}

std::vector<float> initial_parameters(const ModelShape& shape, std::uint64_t seed) {
  const ModelLayout layout = model_layout(shape);
  std::vector<float> p(static_cast<std::size_t>(layout.total));
  Rng rng(seed);
  for (const TensorInfo& t : layout.tensors) {
    float* x = p.data() + t.offset;
    for (std::int64_t i = 0; i < t.size(); ++i)
      x[i] = t.init_std > 0 ? static_cast<float>(t.init_std * rng.normal())
                            : static_cast<float>(t.init_value);
  }
  return p;
}

std::vector<std::uint8_t> weight_decay_mask(const ModelLayout& layout) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(layout.total), 0);
  for (const TensorInfo& t : layout.tensors)
    if (t.weight_decay)
      std::fill(mask.begin() + t.offset, mask.begin() + t.offset + t.size(), std::uint8_t{1});
  return mask;
}

}  // namespace scalelab::trainer
