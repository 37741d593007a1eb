#include "sweeps/progress_view.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ostream>

#include "lib/output.hpp"

namespace scalelab::sweeps {
namespace {

std::string overall_line(const SweepProgress& p) {
  std::string line = fmt::format("sweep {}: {}/{} done, {} running, {} pending", p.sweep, p.done,
                                 p.total, p.running, p.pending);
  if (p.failed) line += fmt::format(", {} failed", p.failed);
  if (p.diverged) line += fmt::format(", {} diverged", p.diverged);
  if (p.stopped) line += fmt::format(", {} stopped", p.stopped);
  line += fmt::format(" | {:.1f}% of FLOPs | elapsed {}", 100.0 * p.fraction,
                      format_duration(p.elapsed_s));
  line += p.eta_s ? fmt::format(" | ETA {}", format_duration(*p.eta_s)) : " | ETA ?";
  return line;
}

std::string run_line(const RunningRun& r) {
  return fmt::format("  {:<24} step {:>6}/{:<6} loss {:>7} {:>9} tok/s", r.name, r.step,
                     r.total_steps, r.train_loss ? fmt::format("{:.4f}", *r.train_loss) : "-",
                     r.tokens_per_s ? format_si(*r.tokens_per_s) : "-");
}

class TerminalView final : public ProgressView {
 public:
  explicit TerminalView(std::ostream& out) : out_(out) {}
  void event(const std::string& line) override {
    clear();
    out_ << line << '\n';
    draw();
  }
  void update(const SweepProgress& p) override {
    clear();
    last_ = p;
    draw();
  }
  void finish() override {
    drawn_ = 0;
    out_.flush();
  }

 private:
  void clear() {
    for (int i = 0; i < drawn_; ++i) out_ << "\x1b[1A\x1b[2K";
    out_ << '\r';
    drawn_ = 0;
  }
  void draw() {
    if (!last_) return;
    out_ << overall_line(*last_) << '\n';
    drawn_ = 1;
    for (const auto& r : last_->runs) {
      out_ << run_line(r) << '\n';
      ++drawn_;
    }
    out_.flush();
  }
  std::ostream& out_;
  std::optional<SweepProgress> last_;
  int drawn_ = 0;
};

class PlainView final : public ProgressView {
 public:
  PlainView(std::ostream& out, double interval) : out_(out), interval_(interval) {}
  void event(const std::string& line) override { out_ << line << std::endl; }
  void update(const SweepProgress& p) override {
    const auto now = std::chrono::steady_clock::now();
    if (printed_ && std::chrono::duration<double>(now - last_print_).count() < interval_) return;
    printed_ = true;
    last_print_ = now;
    std::string line = overall_line(p);
    for (const auto& r : p.runs)
      line += fmt::format(" | {} {}/{} loss {}", r.name, r.step, r.total_steps,
                          r.train_loss ? fmt::format("{:.4f}", *r.train_loss) : "-");
    out_ << line << std::endl;
  }
  void finish() override { out_.flush(); }

 private:
  std::ostream& out_;
  double interval_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point last_print_;
};

class SilentView final : public ProgressView {
 public:
  void event(const std::string&) override {}
  void update(const SweepProgress&) override {}
  void finish() override {}
};

}  // namespace

std::unique_ptr<ProgressView> make_progress_view(std::ostream& out, bool terminal,
                                                 double plain_interval_s) {
  if (terminal) return std::make_unique<TerminalView>(out);
  return std::make_unique<PlainView>(out, plain_interval_s);
}

std::unique_ptr<ProgressView> make_silent_progress_view() { return std::make_unique<SilentView>(); }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace scalelab::sweeps
