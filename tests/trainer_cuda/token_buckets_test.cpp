// bucket_tokens (host code behind the CUDA embedding backward's deterministic scatter-add):
// every row appears once, under its own token id, in ascending row order per id.
#include <doctest/doctest.h>

#include <vector>

#include "trainer/cuda/kernels.hpp"
#include "trainer/rng.hpp"

using namespace scalelab::trainer;

TEST_CASE("token buckets group rows by id in row order") {
  Rng rng(3);
  std::vector<std::int32_t> tokens(1000);
  for (auto& t : tokens) t = static_cast<std::int32_t>(rng.below(37));
  tokens[5] = 36;
  const cuda::TokenBuckets b = cuda::bucket_tokens(tokens.data(), 1000);
  REQUIRE(b.offsets.size() == b.ids.size() + 1);
  CHECK(b.offsets.front() == 0);
  CHECK(b.offsets.back() == 1000);
  std::vector<int> seen(1000, 0);
  for (std::size_t k = 0; k < b.ids.size(); ++k) {
    if (k > 0) CHECK(b.ids[k - 1] < b.ids[k]);
    CHECK(b.offsets[k] < b.offsets[k + 1]);  // no empty bucket
    for (int p = b.offsets[k]; p < b.offsets[k + 1]; ++p) {
      CHECK(tokens[b.positions[p]] == b.ids[k]);
      if (p > b.offsets[k]) CHECK(b.positions[p - 1] < b.positions[p]);
      ++seen[b.positions[p]];
    }
  }
  for (int s : seen) CHECK(s == 1);
}

TEST_CASE("token buckets of a single repeated id and of one row") {
  const std::vector<std::int32_t> same(64, 9);
  const cuda::TokenBuckets b = cuda::bucket_tokens(same.data(), 64);
  CHECK(b.ids == std::vector<std::int32_t>{9});
  CHECK(b.offsets == std::vector<std::int32_t>{0, 64});
  const std::int32_t one = 4;
  const cuda::TokenBuckets c = cuda::bucket_tokens(&one, 1);
  CHECK(c.ids == std::vector<std::int32_t>{4});
  CHECK(c.positions == std::vector<std::int32_t>{0});
}
