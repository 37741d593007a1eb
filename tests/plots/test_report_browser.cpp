// `scalelab report --csv` opened in a real browser: chromium renders the page headless, the
// screenshot is decoded and must not be blank and must show figure colours, and the DOM after
// load must say every inlined figure was decoded. Reported skipped (exit 77) without chromium.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../apps/cli_runner.hpp"
#include "png_decode.hpp"

namespace fs = std::filesystem;

namespace {

std::string chromium_path() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    const std::string cmd = std::string("command -v ") + name + " 2>/dev/null";
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[512] = {0};
      const bool got = std::fgets(buf, sizeof buf, p) != nullptr;
      ::pclose(p);
      if (got) {
        std::string s(buf);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (!s.empty()) return s;
      }
    }
  }
  return "";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs chromium headless on `html` (as root, hence --no-sandbox) with a fresh profile.
std::string chromium(const std::string& mode, const fs::path& html, const fs::path& dir) {
  const fs::path profile = dir / ("profile_" + mode.substr(2, 6));
  fs::remove_all(profile);
  const fs::path out = dir / ("chromium_" + mode.substr(2, 6) + ".txt");
  const std::string cmd =
      "cd '" + dir.string() + "' && '" + chromium_path() +
      "' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--disable-dev-shm-usage --hide-scrollbars --user-data-dir='" +
      profile.string() + "' --window-size=1280,3000 --virtual-time-budget=10000 " + mode +
      " 'file://" + html.string() + "' > '" + out.string() + "' 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  REQUIRE_MESSAGE(rc == 0, "chromium failed: " << cmd);
  return slurp(out);
}

}  // namespace

TEST_CASE("the report renders in headless chromium with its figures") {
  const fs::path dir = scalelab::testing::fresh_dir("report_browser");
  // A tiny IsoFLOP sweep: 3 budgets × 5 sizes from L = E + A/N^α + B/D^β.
  {
    std::ofstream csv(dir / "tiny.csv");
    csv << "N,D,loss\n";
    int k = 0;
    for (double c : {1e18, 4e18, 1.6e19})
      for (double f : {0.25, 0.5, 1.0, 2.0, 4.0}) {
        const double n = 1.2e8 * std::sqrt(c / 1e18) * f, d = c / (6 * n);
        const double loss = (1.82 + 482 / std::pow(n, 0.348) + 2085 / std::pow(d, 0.366)) *
                            (1 + 0.004 * std::sin(1.7 * ++k));
        csv << n << "," << d << "," << loss << "\n";
      }
  }
  const auto r = scalelab::testing::run_cli(
      "report --csv tiny.csv --out report.html --bootstrap 50 --threads 2", dir.string());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path html = dir / "report.html";
  REQUIRE(fs::exists(html));
  const std::string page = slurp(html);
  long figures = 0;
  for (std::size_t at = page.find("<figure "); at != std::string::npos;
       at = page.find("<figure ", at + 1))
    ++figures;
  CHECK(figures >= 5);  // isoflop, frontier ×2, parity, residuals, loss vs compute

  // Every inlined figure decoded by the browser (set by the page's load handler).
  const std::string dom = chromium("--dump-dom", html, dir);
  CHECK(dom.find("data-figures-loaded=\"" + std::to_string(figures) + "/" +
                 std::to_string(figures) + "\"") != std::string::npos);

  // The screenshot: not blank, and coloured pixels (the figures' viridis points and lines,
  // beyond the few blue rules and links of the page itself).
  chromium("--screenshot=" + (dir / "shot.png").string(), html, dir);
  const auto img = scalelab::testing::decode_png(slurp(dir / "shot.png"));
  REQUIRE(img.width == 1280);
  std::size_t non_white = 0, coloured = 0;
  for (std::size_t i = 0; i < img.rgb.size(); i += 3) {
    const int r8 = img.rgb[i], g8 = img.rgb[i + 1], b8 = img.rgb[i + 2];
    if (r8 < 245 || g8 < 245 || b8 < 245) ++non_white;
    const int hi = std::max({r8, g8, b8}), lo = std::min({r8, g8, b8});
    if (hi - lo > 60 && g8 > b8 - 40 && !(b8 > 150 && r8 < 60 && g8 < 140)) ++coloured;
  }
  const double pixels = double(img.width) * img.height;
  MESSAGE("non-white " << non_white / pixels << ", coloured " << coloured / pixels);
  CHECK(non_white / pixels > 0.03);
  CHECK(coloured > 8000);  // the page alone has ~2,000 (links, rules)
}

int main(int argc, char** argv) {
  if (chromium_path().empty()) {
    std::puts("SKIPPED: chromium is not installed (scripts/install_deps.sh installs it)");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
