#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>

#include "fitting/chinchilla_kernel.hpp"
#include "fitting/chinchilla_objective.hpp"
#include "fitting/huber.hpp"
#include "fitting/parametric_fit.hpp"
#include "synthetic.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

namespace {

std::vector<LawPoint> some_points() {
  std::mt19937_64 rng(7);
  const auto obs = testing::chinchilla_runs(kEpoch2024, 8, 5, 0.02, rng);
  return make_points(obs);
}

// Reference value of the objective by the textbook formula.
double reference_objective(const std::vector<LawPoint>& pts, const double* x, double delta) {
  double f = 0;
  for (const auto& p : pts) {
    const double u[3] = {x[kE], x[kA] - x[kAlpha] * p.log_n, x[kB] - x[kBeta] * p.log_d};
    const double m = std::max({u[0], u[1], u[2]});
    const double pred = m + std::log(std::exp(u[0] - m) + std::exp(u[1] - m) + std::exp(u[2] - m));
    f += huber(pred - p.log_loss, delta);
  }
  return f;
}

}  // namespace

TEST_CASE("Approach-3 objective: value matches the formula, gradient matches central differences") {
  const auto pts = some_points();
  // Points inside the Huber region, outside it, and at grid corners (α = 0, large a).
  const std::vector<std::vector<double>> xs = {{6.1, 7.6, 0.6, 0.35, 0.37},
                                               {0, 0, -1, 0, 0},
                                               {25, 5, 1, 2, 0.5},
                                               {6.0, 7.7, 0.59, 0.348, 0.366},
                                               {3, 12, 0.2, 0.1, 0.6}};
  for (double delta : {1e-3, 0.05}) {
    ChinchillaObjective f(pts, delta);
    for (const auto& x : xs) {
      CAPTURE(delta);
      CAPTURE(x[0]);
      double cost = 0, grad[5];
      REQUIRE(f.Evaluate(x.data(), &cost, grad));
      CHECK(cost == doctest::Approx(reference_objective(pts, x.data(), delta)).epsilon(1e-12));
      for (int k = 0; k < 5; ++k) {
        const double h = 1e-6 * std::max(1.0, std::fabs(x[k]));
        auto xp = x, xm = x;
        xp[k] += h;
        xm[k] -= h;
        double fp = 0, fm = 0;
        f.Evaluate(xp.data(), &fp, nullptr);
        f.Evaluate(xm.data(), &fm, nullptr);
        const double numeric = (fp - fm) / (2 * h);
        CAPTURE(k);
        CHECK(grad[k] == doctest::Approx(numeric).epsilon(1e-5).scale(std::max(1e-9, cost * 1e-3)));
      }
    }
  }
}

TEST_CASE("Approach-3 objective: the overflow-safe path takes over far from sensible laws") {
  const auto pts = some_points();
  ChinchillaObjective f(pts, 1e-3);
  // exp(800) overflows a double; the stable log-sum-exp path must still give a finite value.
  const double x[5] = {800, 5, 0.5, 1.0, 0.3};
  double cost = 0, grad[5];
  REQUIRE(f.Evaluate(x, &cost, grad));
  CHECK(std::isfinite(cost));
  CHECK(cost == doctest::Approx(reference_objective(pts, x, 1e-3)).epsilon(1e-6));
  for (double g : grad) CHECK(std::isfinite(g));
}

TEST_CASE("Approach-3 kernels: every build this CPU runs agrees with the generic one") {
  const auto pts = some_points();
  std::vector<double> ln, ld, ll;
  for (const auto& p : pts) {
    ln.push_back(p.log_n);
    ld.push_back(p.log_d);
    ll.push_back(p.log_loss);
  }
  const auto kernels = chinchilla_kernels();
  REQUIRE(std::string(kernels.front().first) == "generic");
  REQUIRE((kernels.front().second == chinchilla_kernel_generic));
  // The fits' kernel: the fastest unless SCALELAB_KERNEL forces one (lib/simd_level.hpp).
  const char* forced = std::getenv(kKernelEnvVar);
  if (forced == nullptr || *forced == '\0') {
    CHECK((kernels.back().second == best_chinchilla_kernel()));
    CHECK(std::string(selected_chinchilla_kernel_name()) == kernels.back().first);
  } else {
    CHECK(std::string(selected_chinchilla_kernel_name()) == forced);
  }
  // Every count of runs from 1 to all of them: the partial last packet of each build.
  for (std::size_t n = 1; n <= ln.size(); ++n)
    for (const auto& [name, kernel] : kernels) {
      CAPTURE(name);
      CAPTURE(n);
      const double x[5] = {6.1, 7.6, 0.6, 0.35, 0.37};
      ChinchillaSums a, b;
      REQUIRE(chinchilla_kernel_generic(ln.data(), ld.data(), ll.data(), n, x, std::exp(x[2]), 1e-3,
                                        true, &a));
      REQUIRE(kernel(ln.data(), ld.data(), ll.data(), n, x, std::exp(x[2]), 1e-3, true, &b));
      CHECK(a.f == doctest::Approx(b.f).epsilon(1e-12));
      CHECK(a.ga == doctest::Approx(b.ga).epsilon(1e-10));
      CHECK(a.gb == doctest::Approx(b.gb).epsilon(1e-10));
      CHECK(a.ge == doctest::Approx(b.ge).epsilon(1e-10));
      CHECK(a.galpha == doctest::Approx(b.galpha).epsilon(1e-10));
      CHECK(a.gbeta == doctest::Approx(b.gbeta).epsilon(1e-10));
    }
}

TEST_CASE("Approach-3 kernels by SIMD level: each level gives its own build") {
  const auto generic = chinchilla_kernel_for(SimdLevel::kGeneric);
  CHECK(std::string(generic.first) == "generic");
  CHECK((generic.second == chinchilla_kernel_generic));
  for (const auto& [name, kernel] : chinchilla_kernels()) {
    const SimdLevel level = std::string(name) == "avx512" ? SimdLevel::kAvx512
                            : std::string(name) == "avx2" ? SimdLevel::kAvx2
                                                          : SimdLevel::kGeneric;
    CHECK(std::string(chinchilla_kernel_for(level).first) == name);
    CHECK((chinchilla_kernel_for(level).second == kernel));
  }
}

TEST_CASE("Approach-3 fit: the optimum does not depend on the solver tolerances") {
  std::mt19937_64 rng(11);
  const auto obs = testing::chinchilla_runs(kEpoch2024, 10, 6, 0.01, rng);
  FitOptions o;
  o.grid = {{0, 10}, {0, 10}, {0, 1}, {0.5}, {0.5}};
  const auto& law = find_law("chinchilla");
  const FitResult tight = fit_law(law, obs, o);
  FitOptions tighter = o;
  tighter.lbfgs.function_tolerance /= 100;
  tighter.lbfgs.gradient_tolerance /= 100;
  tighter.lbfgs.parameter_tolerance /= 100;
  const FitResult t2 = fit_law(law, obs, tighter);
  REQUIRE(tight.converged);
  for (std::size_t i = 0; i < tight.x.size(); ++i)
    CHECK(tight.x[i] == doctest::Approx(t2.x[i]).epsilon(1e-5));
  CHECK(tight.objective == doctest::Approx(t2.objective).epsilon(1e-9));
}
