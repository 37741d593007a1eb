#include "trainer/metrics_sink.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lib/atomic_file.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"

namespace scalelab::trainer {

void TeeSink::on_start(const RunStart& s) {
  for (auto* k : sinks_) k->on_start(s);
}
void TeeSink::on_step(const StepMetrics& m) {
  for (auto* k : sinks_) k->on_step(m);
}
void TeeSink::on_eval(const EvalMetrics& m) {
  for (auto* k : sinks_) k->on_eval(m);
}
void TeeSink::on_end(const RunEnd& e) {
  for (auto* k : sinks_) k->on_end(e);
}

namespace {

nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); }

}  // namespace

void JsonlMetricsSink::on_start(const RunStart& s) {
  if (file_) return;
  if (std::filesystem::exists(path_)) {
    std::ifstream in(path_);
    std::string kept, line;
    for (std::int64_t line_no = 1; std::getline(in, line); ++line_no) {
      const auto row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      // A torn last line (crash mid-write) or a damaged one is dropped, and said so; complete
      // rows are kept by step.
      if (row.is_discarded() || !row.contains("step") || !row["step"].is_number_integer()) {
        std::fprintf(stderr, "%s:%lld: dropped a damaged line (not a metrics row)\n", path_.c_str(),
                     static_cast<long long>(line_no));
        continue;
      }
      if (row["step"].get<std::int64_t>() < s.first_step) kept += line + '\n';
    }
    write_file_atomically(path_, kept);
  }
  file_ = std::fopen(path_.c_str(), "a");
  if (!file_) throw Error(fmt::format("{}: cannot open for appending", path_.string()));
}

JsonlMetricsSink::~JsonlMetricsSink() {
  if (file_) std::fclose(file_);
}

void JsonlMetricsSink::write_line(const std::string& line) {
  if (std::fputs(line.c_str(), file_) < 0 || std::fputc('\n', file_) < 0 || std::fflush(file_))
    throw Error(fmt::format("{}: write failed", path_.string()));
}

void JsonlMetricsSink::on_step(const StepMetrics& m) {
  nlohmann::ordered_json j;
  j["kind"] = "train";
  j["step"] = m.step;
  j["tokens"] = m.tokens;
  j["train_loss"] = number(m.train_loss);
  j["lr"] = number(m.lr);
  j["grad_norm"] = number(m.grad_norm);
  j["tokens_per_s"] = number(m.tokens_per_s);
  write_line(j.dump());
}

void JsonlMetricsSink::on_eval(const EvalMetrics& m) {
  nlohmann::ordered_json j;
  j["kind"] = "eval";
  j["step"] = m.step;
  j["tokens"] = m.tokens;
  j["eval_loss"] = number(m.eval_loss);
  write_line(j.dump());
}

ConsoleProgressSink::ConsoleProgressSink(std::FILE* out, bool live, std::int64_t print_every)
    : out_(out), live_(live), print_every_(print_every) {}

bool ConsoleProgressSink::is_terminal(std::FILE* out) { return ::isatty(::fileno(out)) == 1; }

void ConsoleProgressSink::on_start(const RunStart& s) {
  start_ = s;
  t0_ = std::chrono::steady_clock::now();
  if (print_every_ <= 0) print_every_ = std::max<std::int64_t>(1, s.total_steps / 50);
  fmt::print(out_, "{}\n", s.description);
  if (s.first_step > 1) fmt::print(out_, "resuming at step {}\n", s.first_step);
  std::fflush(out_);
}

std::string ConsoleProgressSink::eta(std::int64_t step) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const std::int64_t done = step - start_.first_step + 1;
  if (done <= 0) return "?";
  const auto left = static_cast<std::int64_t>(elapsed / done * (start_.total_steps - step));
  if (left >= 3600) return fmt::format("{}h{:02}m", left / 3600, left % 3600 / 60);
  return fmt::format("{}m{:02}s", left / 60, left % 60);
}

void ConsoleProgressSink::on_step(const StepMetrics& m) {
  const std::string line =
      fmt::format("step {}/{} | loss {:.4f}{} | lr {:.2e} | grad norm {:.3f} | {} tok/s | ETA {}",
                  m.step, start_.total_steps, m.train_loss,
                  last_eval_ >= 0 ? fmt::format(" | eval {:.4f}", last_eval_) : std::string(), m.lr,
                  m.grad_norm, format_si(m.tokens_per_s), eta(m.step));
  if (live_) {
    fmt::print(out_, "\r{}\x1b[K", line);
    line_open_ = true;
  } else if (m.step % print_every_ == 0 || m.step == start_.total_steps) {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

void ConsoleProgressSink::on_eval(const EvalMetrics& m) {
  last_eval_ = m.eval_loss;
  if (live_) return;  // shown on the live line
  fmt::print(out_, "eval step {} | tokens {} | eval loss {:.4f}\n", m.step, m.tokens, m.eval_loss);
  std::fflush(out_);
}

void ConsoleProgressSink::on_end(const RunEnd& e) {
  if (line_open_) fmt::print(out_, "\n");
  fmt::print(out_,
             "{}: {} steps, {} tokens, final train loss {:.4f}, final eval loss {:.4f}, "
             "{:.1f} s, {} tok/s{}\n",
             e.status, e.steps, format_si(static_cast<double>(e.tokens)), e.final_train_loss,
             e.final_eval_loss, e.wall_time_s, format_si(e.tokens_per_s),
             e.message.empty() ? "" : " (" + e.message + ")");
  std::fflush(out_);
}

}  // namespace scalelab::trainer

namespace scalelab::trainer {

LogFileSink::~LogFileSink() {
  inner_.reset();
  if (file_) std::fclose(file_);
}

void LogFileSink::on_start(const RunStart& s) {
  if (!file_) {
    file_ = std::fopen(path_.c_str(), "a");
    if (!file_) throw Error(fmt::format("{}: cannot open for appending", path_.string()));
    inner_.emplace(file_, /*live=*/false);
  }
  inner_->on_start(s);
}
void LogFileSink::on_step(const StepMetrics& m) {
  if (inner_) inner_->on_step(m);
}
void LogFileSink::on_eval(const EvalMetrics& m) {
  if (inner_) inner_->on_eval(m);
}
void LogFileSink::on_end(const RunEnd& e) {
  if (inner_) inner_->on_end(e);
}

}  // namespace scalelab::trainer
