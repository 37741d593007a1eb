#include <doctest/doctest.h>

#include <cmath>

#include "lib/error.hpp"
#include "lib/shape_search.hpp"

using namespace scalelab;

TEST_CASE("shape search lands near the target inside the aspect band") {
  for (double target : {1e6, 1e7, 1.2e8, 1e9, 7e9}) {
    CAPTURE(target);
    ShapeSearchOptions o;
    o.arch = Arch::kGpt2;
    o.vocab_size = 50257;
    o.seq_len = 1024;
    if (target < 1e7) o.vocab_size = 256, o.seq_len = 256;
    const ShapeChoice c = choose_shape(target, o);
    CHECK(std::fabs(c.deviation) < 0.1);
    CHECK(c.in_aspect_band);
    const ModelShape& s = c.shape;
    const double aspect = static_cast<double>(s.d_model) / s.n_layer;
    CHECK(aspect >= 32);
    CHECK(aspect <= 128);
    CHECK(s.n_head * s.head_dim == s.d_model);
    CHECK(s.d_ff == 4 * s.d_model);
    CHECK(s.d_model % (s.d_model < 256 ? 16 : 64) == 0);
    CHECK(c.counts.total == count_params(s).total);
  }
}

TEST_CASE("tiny llama shapes exist and follow the size rules") {
  ShapeSearchOptions o;  // llama, vocab 256
  for (double target : {1e4, 3e4, 1e5, 3e5, 1e6}) {
    CAPTURE(target);
    const ShapeChoice c = choose_shape(target, o);
    const ModelShape& s = c.shape;
    CHECK(s.d_model % 16 == 0);
    CHECK(s.head_dim == (s.d_model < 128 ? 16 : 32));
    CHECK(s.d_ff % 16 == 0);
    CHECK(s.d_ff >= 8 * s.d_model / 3);
    CHECK_FALSE(s.tied_embeddings);
    CHECK(std::fabs(c.deviation) < 0.35);
    // Outside the band only by the little that tiny models need.
    const double aspect = static_cast<double>(s.d_model) / s.n_layer;
    CHECK(aspect >= 8);
    CHECK(aspect <= 128);
  }
  // Larger models: head_dim 64, then 128 from d_model 2048; d_ff a multiple of 64.
  const ShapeChoice big = choose_shape(7e9, [] {
    ShapeSearchOptions o;
    o.vocab_size = 32000;
    o.seq_len = 4096;
    return o;
  }());
  CHECK(big.shape.d_model >= 2048);
  CHECK(big.shape.head_dim == 128);
  CHECK(big.shape.d_ff % 64 == 0);
}

TEST_CASE("shape search rejects nonsense") {
  CHECK_THROWS_AS(choose_shape(0), InputError);
  CHECK_THROWS_AS(choose_shape(-1), InputError);
  CHECK_THROWS_AS(choose_shape(NAN), InputError);
  ShapeSearchOptions o;
  o.min_aspect = 200;
  o.max_aspect = 100;
  CHECK_THROWS_AS(choose_shape(1e6, o), InputError);
}

TEST_CASE("a fixed depth and head width: a fine ladder of tiny models") {
  ShapeSearchOptions o;
  o.seq_len = 64;
  o.min_layers = o.max_layers = 2;
  o.head_dim = 8;
  o.min_aspect = 4;
  for (double target : {1.5e4, 2.6e4, 6e4, 1.1e5}) {
    const ShapeChoice c = choose_shape(target, o);
    CHECK(c.shape.n_layer == 2);
    CHECK(c.shape.head_dim == 8);
    CHECK(c.shape.d_model % 8 == 0);
    CHECK(std::fabs(c.deviation) < 0.25);  // steps of 8 in d_model: N within 25%
  }
  CHECK(choose_shape(6e4, o).shape.d_model == 40);  // 60,360 parameters, not d 48's 80k
  o.min_layers = 3;
  CHECK_THROWS_AS(choose_shape(6e4, o), InputError);  // min above max
  o.min_layers = 2;
  o.head_dim = 7;
  CHECK_THROWS_AS(choose_shape(6e4, o), InputError);
}
