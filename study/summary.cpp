#include "study/summary.hpp"

#include <fmt/format.h>

#include "study/text.hpp"

namespace scalelab::study {

void print_study_summary(std::ostream& out, const Study& s) {
  out << fmt::format("{}: {} runs\n", s.runs.source, s.observations.size());
  if (s.chinchilla) {
    const auto& p = s.chinchilla->point;
    out << fmt::format(
        "approach 3: E={} A={} B={} alpha={} beta={} (objective {}, {} points, {})\n",
        number_text(p.value("E")), number_text(p.value("A")), number_text(p.value("B")),
        number_text(p.value("alpha")), number_text(p.value("beta")), number_text(p.objective),
        p.n_points, p.converged ? "converged" : "NOT converged");
  }
  const std::string problem = approach3_problem(s);
  if (s.isoflop)
    out << fmt::format("approach 2: {} budgets, N_opt ∝ C^{}, D_opt ∝ C^{}\n",
                       s.isoflop->profiles.size(), power_law_interval(s.isoflop->params_opt),
                       power_law_interval(s.isoflop->tokens_opt));
  if (s.envelope)
    out << fmt::format("approach 1: N_opt ∝ C^{}\n", power_law_interval(s.envelope->params_opt));
  if (s.chinchilla && !problem.empty())
    out << fmt::format("prediction at C = {}: none from Approach 3 ({})\n",
                       flops_text(s.target_budget), problem);
  else if (s.target)
    out << fmt::format("prediction at C = {}: loss {}, N_opt {}, D_opt {}\n",
                       flops_text(s.target_budget), loss_text(s.target->loss),
                       interval_text(s.target->params), interval_text(s.target->tokens));
  if (s.validation)
    out << fmt::format("validation (largest budget held out): mean |error| {:.2f}%\n",
                       100 * s.validation->mean_abs_relative_error);
  for (const auto& n : s.notes) out << "note: " << n << "\n";
}

}  // namespace scalelab::study
