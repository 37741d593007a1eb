#include "plots/gnuplot.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "lib/atomic_file.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"

namespace scalelab::plots {

namespace fs = std::filesystem;

namespace {

// A gnuplot double-quoted string: backslashes and quotes escaped (gnuplot removes one level
// of backslashes inside double quotes before enhanced text sees the string).
std::string gp_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string number(double v) { return format_exact(v); }

// Data range of one axis over every series (for choosing log-axis tic labels).
std::pair<double, double> data_range(const Figure& f, bool x_axis) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  auto take = [&](const std::vector<double>& v) {
    for (double d : v) {
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
  };
  for (const Series& s : f.series) {
    if (x_axis) {
      take(s.x);
      if (s.kind == Series::Kind::kXErrorBars) {
        take(s.lo);
        take(s.hi);
      }
    } else {
      take(s.y);
      if (s.kind != Series::Kind::kXErrorBars) {
        take(s.lo);
        take(s.hi);
      }
    }
  }
  const Axis& a = x_axis ? f.x : f.y;
  if (a.min) lo = *a.min;
  if (a.max) hi = *a.max;
  return {lo, hi};
}

// A "nice" step (1, 2 or 5 × 10^k) giving about `count` tics over [lo, hi].
double nice_step(double lo, double hi, int count) {
  const double raw = (hi - lo) / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

void write_axis(std::ostream& gp, const Figure& f, const Axis& a, const char* which) {
  gp << "set " << which << "label " << gp_string(a.label) << "\n";
  std::string lo_text = a.min ? number(*a.min) : "*";
  std::string hi_text = a.max ? number(*a.max) : "*";
  if (a.log) {
    gp << "set logscale " << which << " 10\n";
    auto [lo, hi] = data_range(f, which[0] == 'x');
    // gnuplot's log autoscale widens to whole decades, leaving most of the plot empty: pad
    // the data's own range by 4% of its span (in log space) instead.
    const double pad = std::max(1.03, std::pow(hi / lo, 0.04));
    if (!a.min) lo /= pad;
    if (!a.max) hi *= pad;
    lo_text = number(lo);
    hi_text = number(hi);
    if (hi / lo >= 10.0) {
      gp << "set format " << which << " \"10^{%L}\"\n";
    } else {
      // Within a decade gnuplot labels no log tic: place round values explicitly.
      const double step = nice_step(lo, hi, 5);
      std::string tics;
      for (double t = std::ceil(lo / step) * step; t <= hi; t += step)
        tics += (tics.empty() ? "" : ", ") + number(std::round(t / step) * step);
      gp << "set format " << which << " \"%g\"\nset " << which << "tics (" << tics << ")\n";
    }
  }
  gp << "set " << which << "range [" << lo_text << ":" << hi_text << "]\n";
}

std::string style_of(const Series& s) {
  using K = Series::Kind;
  const std::string color = s.color.empty() ? "" : " lc rgb " + gp_string(s.color);
  const std::string ps = fmt::format(" ps {}", s.point_size);
  const std::string lw = fmt::format(" lw {}", s.line_width);
  switch (s.kind) {
    case K::kPoints:
      return "using 1:2 with points pt 7" + ps + color;
    case K::kOpenPoints:
      return "using 1:2 with points pt 6" + ps + lw + color;
    case K::kLine:
      return "using 1:2 with lines dt 1" + lw + color;
    case K::kDashedLine:
      return "using 1:2 with lines dt 2" + lw + color;
    case K::kLinePoints:
      return "using 1:2 with linespoints pt 7" + ps + lw + color;
    case K::kBand:
      return "using 1:2:3 with filledcurves fs transparent solid 0.22 noborder" +
             (s.color.empty() ? std::string() : " fc rgb " + gp_string(s.color));
    case K::kErrorBars:
      return "using 1:2:3:4 with yerrorbars pt 7" + ps + lw + color;
    case K::kXErrorBars:
      return "using 1:2:3:4 with xerrorbars pt 7" + ps + lw + color;
    case K::kColoredPoints:
      return "using 1:2:3 with points pt 7" + ps + " lc palette";
  }
  return "";
}

std::string columns_of(Series::Kind k) {
  using K = Series::Kind;
  switch (k) {
    case K::kBand:
      return "x lo hi";
    case K::kErrorBars:
      return "x y lo hi";
    case K::kXErrorBars:
      return "x y x_lo x_hi";
    case K::kColoredPoints:
      return "x y value";
    default:
      return "x y";
  }
}

std::string data_text(const Figure& f) {
  std::ostringstream d;
  d << "# scalelab figure " << f.name
    << ": one block per series, in plot order (gnuplot `index I`)\n";
  for (std::size_t i = 0; i < f.series.size(); ++i) {
    const Series& s = f.series[i];
    if (i > 0) d << "\n\n";
    d << "# index " << i << ": " << (s.title.empty() ? "(unlabelled)" : s.title) << "\n";
    d << "# " << columns_of(s.kind) << "\n";
    using K = Series::Kind;
    for (std::size_t j = 0; j < s.x.size(); ++j) {
      d << number(s.x[j]);
      if (s.kind == K::kBand) {
        d << ' ' << number(s.lo[j]) << ' ' << number(s.hi[j]);
      } else {
        d << ' ' << number(s.y[j]);
        if (s.kind == K::kErrorBars || s.kind == K::kXErrorBars)
          d << ' ' << number(s.lo[j]) << ' ' << number(s.hi[j]);
        if (s.kind == K::kColoredPoints) d << ' ' << number(s.value[j]);
      }
      d << '\n';
    }
  }
  return d.str();
}

void write_file(const fs::path& path, const std::string& text) {
  write_file_atomically(path, text);
}

// Runs `executable script` inside `dir`; returns its exit status and what it printed.
int run_gnuplot(const std::string& executable, const fs::path& dir, const std::string& script,
                std::string& output) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw Error(fmt::format("pipe: {}", std::strerror(errno)));
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execlp(executable.c_str(), executable.c_str(), script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) output.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string first_lines(const std::string& text, int count) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (count > 0 && std::getline(in, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!out.empty()) out += " | ";
    out += line;
    --count;
  }
  return out;
}

}  // namespace

std::string gnuplot_script(const Figure& f, const GnuplotOptions& o) {
  std::ostringstream gp;
  gp << "# scalelab figure " << f.name << "\n"
     << "# Data: " << f.name << ".dat, one block per series (`index I` selects block I).\n"
     << "# Edit and re-render from this directory: gnuplot " << f.name << ".gp\n"
     << "set encoding utf8\n"
     << "set title " << gp_string(f.title) << "\n";
  write_axis(gp, f, f.x, "x");
  write_axis(gp, f, f.y, "y");
  if (f.colorbar) {
    gp << "set cblabel " << gp_string(f.colorbar->label) << "\n";
    // viridis: perceptually uniform and readable in grey and by colour-blind readers.
    gp << "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')\n";
    if (f.colorbar->log) gp << "set logscale cb 10\nset format cb \"10^{%L}\"\n";
    gp << "set cbrange [" << (f.colorbar->min ? number(*f.colorbar->min) : "*") << ":"
       << (f.colorbar->max ? number(*f.colorbar->max) : "*") << "]\n";
  } else {
    gp << "unset colorbox\n";
  }
  gp << "set grid xtics ytics mxtics mytics lt 1 lc rgb '#e4e4e4' lw 1, lt 1 lc rgb '#f2f2f2' lw "
        "1\n"
     << "set mxtics\nset mytics\n"
     << "set key " << f.key
     << " Left reverse box lc rgb '#bbbbbb' opaque spacing 1.15 samplen 2.5\n"
     << "set border lw 1.2\n"
     << "set tics nomirror out\nset border 3\n";
  if (f.square) gp << "set size square\n";
  if (f.y_reference)
    gp << "set arrow from graph 0, first " << number(*f.y_reference) << " to graph 1, first "
       << number(*f.y_reference) << " nohead back lc rgb '#666666' lw 1.5 dt 2\n";
  for (std::size_t i = 0; i < f.labels.size(); ++i) {
    const Label& l = f.labels[i];
    gp << "set label " << i + 1 << " " << gp_string(l.text) << " at first " << number(l.x)
       << ", first " << number(l.y) << " front offset 0.6,0.6"
       << (l.color.empty() ? "" : " tc rgb " + gp_string(l.color)) << "\n";
  }
  std::vector<std::string> formats;
  if (o.png) formats.push_back("png");
  if (o.svg) formats.push_back("svg");
  std::string list;
  for (const auto& fm : formats) list += (list.empty() ? "" : " ") + fm;
  gp << "\ndo for [fmt in \"" << list << "\"] {\n"
     << "  if (fmt eq \"png\") {\n"
     << "    set terminal pngcairo size " << f.width << "," << f.height << " enhanced font "
     << gp_string(o.font) << " linewidth 1.2\n"
     << "  } else {\n"
     << "    set terminal svg size " << f.width << "," << f.height << " enhanced font "
     << gp_string(o.font) << " linewidth 1.2 background '#ffffff'\n"
     << "  }\n"
     << "  set output " << gp_string(f.name + ".") << " . fmt\n"
     << "  plot \\\n";
  for (std::size_t i = 0; i < f.series.size(); ++i) {
    const Series& s = f.series[i];
    gp << "    " << gp_string(f.name + ".dat") << " index " << i << " " << style_of(s) << " "
       << (s.title.empty() ? "notitle" : "title " + gp_string(s.title))
       << (i + 1 < f.series.size() ? ", \\\n" : "\n");
  }
  gp << "  unset output\n}\n";
  return gp.str();
}

RenderedFigure write_figure_files(const Figure& figure, const fs::path& dir,
                                  const GnuplotOptions& o) {
  Figure f = figure;
  std::vector<std::string> notes = clip_model_series(f);
  check_figure(f);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  RenderedFigure r;
  r.name = f.name;
  r.title = f.title;
  r.script = dir / (f.name + ".gp");
  r.data = dir / (f.name + ".dat");
  if (o.png) r.png = dir / (f.name + ".png");
  if (o.svg) r.svg = dir / (f.name + ".svg");
  r.notes = std::move(notes);
  write_file(r.data, data_text(f));
  write_file(r.script, gnuplot_script(f, o));
  return r;
}

RenderedFigure render_figure(const Figure& f, const fs::path& dir, const GnuplotOptions& o) {
  RenderedFigure r = write_figure_files(f, dir, o);
  for (const fs::path& image : {r.png, r.svg})
    if (!image.empty()) fs::remove(image);
  std::string output;
  const int status = run_gnuplot(o.executable, dir, r.script.filename().string(), output);
  if (status == 127)
    throw Error(fmt::format("cannot run '{}' for {}: install gnuplot-nox (scripts/install_deps.sh)",
                            o.executable, r.script.string()));
  if (status != 0)
    throw Error(fmt::format("gnuplot failed (exit {}) on {}: {}", status, r.script.string(),
                            first_lines(output, 3)));
  for (const fs::path& image : {r.png, r.svg}) {
    if (image.empty()) continue;
    std::error_code ec;
    if (!fs::exists(image, ec) || fs::file_size(image, ec) == 0)
      throw Error(fmt::format("gnuplot did not write {} (script {}){}", image.string(),
                              r.script.string(),
                              output.empty() ? "" : ": " + first_lines(output, 3)));
  }
  r.warnings = output;
  return r;
}

}  // namespace scalelab::plots
