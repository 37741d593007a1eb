// A stand-in for a user's trainer, driven by the command backend in tests: deterministic
// losses, a checkpoint it resumes from, and faults on request. It appends to metrics.jsonl
// without removing the lines an interrupted attempt left (the harder case for ingest: steps
// after the checkpoint appear twice in the file); with --rewrite-on-resume it first rewrites
// the file to the steps before its checkpoint, as the embedded trainer does.
//
//   fake_trainer --run-dir DIR --steps N [--checkpoint-every K] [--eval-every K]
//                [--sleep-ms MS] [--nan-at S] [--crash-once-at S] [--exit CODE]
//                [--scale X] [--no-summary] [--rewrite-on-resume]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <string>
#include <thread>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::string dir;
  long steps = 10, ckpt_every = 5, eval_every = 5, sleep_ms = 0, nan_at = -1, crash_at = -1;
  int exit_code = 0;
  double scale = 1.0;
  bool summary = true, rewrite_on_resume = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fake_trainer: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--run-dir")
      dir = next();
    else if (a == "--steps")
      steps = std::stol(next());
    else if (a == "--checkpoint-every")
      ckpt_every = std::stol(next());
    else if (a == "--eval-every")
      eval_every = std::stol(next());
    else if (a == "--sleep-ms")
      sleep_ms = std::stol(next());
    else if (a == "--nan-at")
      nan_at = std::stol(next());
    else if (a == "--crash-once-at")
      crash_at = std::stol(next());
    else if (a == "--exit")
      exit_code = std::stoi(next());
    else if (a == "--scale")
      scale = std::stod(next());
    else if (a == "--no-summary")
      summary = false;
    else if (a == "--rewrite-on-resume")
      rewrite_on_resume = true;
    else {
      std::fprintf(stderr, "fake_trainer: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (exit_code != 0) {
    std::fprintf(stderr, "fake_trainer: failing on request with status %d\n", exit_code);
    return exit_code;
  }
  const fs::path ckpt = fs::path(dir) / "fake.ckpt";
  long start = 1;
  if (std::ifstream in(ckpt); in) {
    long done = 0;
    if (in >> done) start = done + 1;
    std::printf("fake_trainer: resumed from checkpoint at step %ld\n", done);
  }
  const fs::path metrics_path = fs::path(dir) / "metrics.jsonl";
  if (rewrite_on_resume && start > 1 && fs::exists(metrics_path)) {
    std::ifstream in(metrics_path);
    std::ofstream out(metrics_path.string() + ".tmp");
    std::string line;
    while (std::getline(in, line)) {
      const std::size_t at = line.find("\"step\":");
      if (at != std::string::npos && std::stol(line.substr(at + 7)) < start) out << line << '\n';
    }
    out.close();
    fs::rename(metrics_path.string() + ".tmp", metrics_path);
  }
  std::FILE* metrics = std::fopen(metrics_path.c_str(), "a");
  if (!metrics) return 1;
  // The loss of the last step trained: on a resume past the end (a run that finished before
  // its coordinator recorded it), that of the final step, as a resumable trainer reports.
  double loss = 2.0 + scale * 3.0 / std::sqrt(static_cast<double>(std::max(1L, start - 1)));
  for (long s = start; s <= steps; ++s) {
    if (sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    if (s == crash_at && !fs::exists(fs::path(dir) / "crashed.marker")) {
      std::ofstream(fs::path(dir) / "crashed.marker") << s;
      std::fprintf(stderr, "fake_trainer: crashing on request at step %ld\n", s);
      std::abort();
    }
    loss = 2.0 + scale * 3.0 / std::sqrt(static_cast<double>(s));
    if (s == nan_at)
      std::fprintf(metrics, "{\"step\":%ld,\"tokens\":%ld,\"train_loss\":NaN}\n", s, s * 100);
    else
      std::fprintf(metrics,
                   "{\"step\":%ld,\"tokens\":%ld,\"train_loss\":%.17g,\"lr\":0.001,"
                   "\"grad_norm\":0.5,\"tokens_per_s\":1000}\n",
                   s, s * 100, loss);
    if (s % eval_every == 0 || s == steps)
      std::fprintf(metrics, "{\"kind\":\"eval\",\"step\":%ld,\"tokens\":%ld,\"eval_loss\":%.17g}\n",
                   s, s * 100, loss + 0.1);
    std::fflush(metrics);
    if (s % ckpt_every == 0 || s == steps) {
      std::ofstream(ckpt.string() + ".tmp") << s;
      fs::rename(ckpt.string() + ".tmp", ckpt);
    }
  }
  std::fclose(metrics);
  if (summary)
    std::ofstream(fs::path(dir) / "summary.json")
        << std::setprecision(17) << "{\"final_train_loss\":" << loss
        << ",\"final_eval_loss\":" << loss + 0.1 << "}\n";
  return 0;
}
