#include "trainer/markov_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "lib/error.hpp"
#include "trainer/rng.hpp"

namespace scalelab::trainer {

MarkovSource::MarkovSource(const MarkovOptions& o) : options_(o) {
  if (o.vocab_size < 2 || o.vocab_size > 65535)
    throw InputError(fmt::format("synthetic vocab_size {} (accepted: 2 to 65535)", o.vocab_size));
  if (o.order < 1) throw InputError(fmt::format("synthetic order {} (accepted: >= 1)", o.order));
  if (o.branching < 1 || o.branching > o.vocab_size)
    throw InputError(fmt::format("synthetic branching {} (accepted: 1 to vocab_size {})",
                                 o.branching, o.vocab_size));
  const double contexts = std::pow(static_cast<double>(o.vocab_size), o.order);
  if (contexts > (1 << 22))
    throw InputError(
        fmt::format("synthetic source: vocab_size^order = {} contexts (accepted: "
                    "at most 4194304)",
                    contexts));
  contexts_ = static_cast<std::int64_t>(std::llround(contexts));
  const int m = o.branching, V = o.vocab_size;
  next_.resize(contexts_ * m);
  cumulative_.resize(contexts_ * m);
  Rng rng(o.seed);
  std::vector<std::int32_t> perm(V);
  std::vector<double> entropy(contexts_);
  for (std::int64_t c = 0; c < contexts_; ++c) {
    // m distinct successors: a partial Fisher-Yates shuffle.
    std::iota(perm.begin(), perm.end(), 0);
    for (int i = 0; i < m; ++i) std::swap(perm[i], perm[i + rng.below(V - i)]);
    // Dirichlet(1, ..., 1) = normalised Exp(1) draws.
    double sum = 0;
    std::vector<double> wv(m);
    for (int i = 0; i < m; ++i) {
      double u = rng.uniform();
      while (u <= 0) u = rng.uniform();
      wv[i] = -std::log(u);
      sum += wv[i];
    }
    double acc = 0, h = 0;
    for (int i = 0; i < m; ++i) {
      const double p = wv[i] / sum;
      next_[c * m + i] = perm[i];
      acc += p;
      cumulative_[c * m + i] = acc;
      if (p > 0) h -= p * std::log(p);
    }
    cumulative_[c * m + m - 1] = 1.0;
    entropy[c] = h;
  }
  // Stationary distribution by lazy power iteration π <- (π + πP) / 2 from uniform: same
  // fixed points as πP = π, and it converges for periodic chains too.
  std::vector<double> pi(contexts_, 1.0 / contexts_), nxt(contexts_);
  for (int iter = 0; iter < 100000; ++iter) {
    std::fill(nxt.begin(), nxt.end(), 0.0);
    for (std::int64_t c = 0; c < contexts_; ++c) {
      double prev = 0;
      for (int i = 0; i < m; ++i) {
        const double p = cumulative_[c * m + i] - prev;
        prev = cumulative_[c * m + i];
        nxt[(c * V + next_[c * m + i]) % contexts_] += pi[c] * p;
      }
    }
    double diff = 0;
    for (std::int64_t c = 0; c < contexts_; ++c) {
      const double v = 0.5 * (pi[c] + nxt[c]);
      diff += std::abs(v - pi[c]);
      pi[c] = v;
    }
    if (diff < 1e-13) break;
  }
  const double total = std::accumulate(pi.begin(), pi.end(), 0.0);
  stationary_.resize(contexts_);
  stationary_cdf_.resize(contexts_);
  double acc = 0;
  entropy_rate_ = 0;
  for (std::int64_t c = 0; c < contexts_; ++c) {
    stationary_[c] = pi[c] / total;
    acc += stationary_[c];
    stationary_cdf_[c] = acc;
    entropy_rate_ += stationary_[c] * entropy[c];
  }
  stationary_cdf_.back() = 1.0;
}

void MarkovSource::sample(std::uint64_t seed, std::int32_t* out, std::int64_t n) const {
  Rng rng(seed);
  const int V = options_.vocab_size, k = options_.order, m = options_.branching;
  std::int64_t c = std::upper_bound(stationary_cdf_.begin(), stationary_cdf_.end(), rng.uniform()) -
                   stationary_cdf_.begin();
  c = std::min(c, contexts_ - 1);
  // The context's k tokens, oldest first.
  std::int64_t rest = c;
  std::vector<std::int32_t> first(k);
  for (int i = k - 1; i >= 0; --i) {
    first[i] = static_cast<std::int32_t>(rest % V);
    rest /= V;
  }
  std::int64_t i = 0;
  for (; i < n && i < k; ++i) out[i] = first[i];
  for (; i < n; ++i) {
    const double u = rng.uniform();
    const double* cum = cumulative_.data() + c * m;
    int j = 0;
    while (j < m - 1 && u >= cum[j]) ++j;
    const std::int32_t x = next_[c * m + j];
    out[i] = x;
    c = (c * V + x) % contexts_;
  }
}

}  // namespace scalelab::trainer
