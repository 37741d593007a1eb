// The built-in corpus: prepared once into the cache, accepted by the trainer, reused.
// Needs Debian's bible-kjv (scripts/install_deps.sh installs it); exits 77 (skipped, shown
// as such by ctest) when the `bible` program is missing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "trainer/corpus.hpp"
#include "trainer/token_file.hpp"
#include "trainer/train.hpp"

using namespace scalelab::trainer;
namespace fs = std::filesystem;

TEST_CASE("kjv: prepared once into the cache, references stripped, trainable") {
  const fs::path cache =
      fs::temp_directory_path() / ("scalelab_corpus_test_" + std::to_string(::getpid()));
  fs::remove_all(cache);
  ::setenv("SCALELAB_CACHE_DIR", cache.c_str(), 1);
  const std::string text = builtin_corpus_text("kjv");
  CHECK(text.size() > 4'000'000);
  CHECK(text.rfind("In the beginning God created the heaven and the earth.\n", 0) == 0);
  CHECK(text.find("Ge1:1") == std::string::npos);

  const fs::path dir = prepare_builtin_corpus("kjv");
  CHECK(dir == cache / "kjv-byte");
  const TokenFile train_file(dir / "train.bin", 256), val_file(dir / "val.bin", 256);
  CHECK(train_file.size() + val_file.size() == text.size());
  CHECK(static_cast<double>(val_file.size()) / text.size() == doctest::Approx(0.05).epsilon(0.1));
  const auto stamp = fs::last_write_time(dir / "train.bin");
  CHECK(prepare_builtin_corpus("kjv") == dir);  // reused, not rebuilt
  CHECK(fs::last_write_time(dir / "train.bin") == stamp);

  TrainConfig c;
  c.shape.vocab_size = 256;
  c.shape.seq_len = 32;
  c.shape.n_layer = 1;
  c.shape.d_model = 32;
  c.shape.n_head = 2;
  c.shape.head_dim = 16;
  c.shape.d_ff = 96;
  c.data.source = "kjv";
  c.tokens = 20 * 256;
  c.batch_tokens = 256;
  c.micro_batch = 8;
  c.schedule.peak_lr = 1e-2;
  c.eval_tokens = 1024;
  c.out_dir = cache / "run";
  MemorySink sink;
  const TrainResult r = train(c, sink, {});
  CHECK(r.status == "done");
  CHECK(r.final_eval_loss < sink.steps.front().train_loss);  // it learns something
  CHECK(!r.entropy_rate.has_value());
  fs::remove_all(cache);
}

int main(int argc, char** argv) {
  if (std::system("command -v bible > /dev/null 2>&1") != 0) {
    std::fprintf(stderr, "skipped: the `bible` program (package bible-kjv) is not installed\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
