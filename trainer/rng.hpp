// A small deterministic random number generator whose whole state is one 64-bit word, so
// that it is identical on every platform. Nothing saves its state: the samplers draw from a
// fresh stream per (step, micro-batch, sequence) (derive_seed below), so a resumed run needs
// none.
// std::normal_distribution is implementation-defined, hence our own Box-Muller.
#pragma once

#include <cmath>
#include <cstdint>

namespace scalelab::trainer {

// SplitMix64 (Steele, Lea, Flood 2014): passes BigCrush, one word of state.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : state_(seed) {}

  std::uint64_t next_u64() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n); n > 0. Modulo bias is below n / 2^64: negligible here.
  std::uint64_t below(std::uint64_t n) { return next_u64() % n; }
  // Standard normal (Box-Muller; one value per call, the second is dropped for simplicity).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t state_;
};

// A seed for an independent stream derived from a base seed and up to three counters
// (step, micro-batch, sequence): samplers are counter-based, so a resumed run draws exactly
// the batches the uninterrupted run would have drawn.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                                 std::uint64_t c = 0) {
  Rng r(seed ^ 0x5CA1AB1E5CA1AB1EULL);
  std::uint64_t h = r.next_u64();
  for (std::uint64_t v : {a, b, c}) {
    Rng mix(h ^ (v * 0xD6E8FEB86659FD93ULL));
    h = mix.next_u64();
  }
  return h;
}

}  // namespace scalelab::trainer
