#include "fitting/law_point.hpp"

#include <cmath>

namespace scalelab::fitting {

LawPoint make_point(double n, double d, double c, double loss, double unique_tokens) {
  LawPoint p;
  p.n = n;
  p.d = d;
  p.c = c;
  p.loss = loss;
  p.unique_tokens = unique_tokens > 0 ? unique_tokens : d;
  p.log_n = std::log(n);
  p.log_d = std::log(d);
  p.log_c = std::log(c);
  p.log_loss = std::log(loss);
  return p;
}

LawPoint make_point(const Observation& o) {
  return make_point(o.params, o.tokens, o.flops, o.loss, o.unique_tokens.value_or(0.0));
}

std::vector<LawPoint> make_points(const std::vector<Observation>& obs) {
  std::vector<LawPoint> out;
  out.reserve(obs.size());
  for (const auto& o : obs) out.push_back(make_point(o));
  return out;
}

}  // namespace scalelab::fitting
