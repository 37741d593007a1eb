#include "apps/study_options.hpp"

#include <fmt/format.h>

#include "lib/budget.hpp"
#include "lib/error.hpp"

namespace scalelab::apps {

void add_study_options(OptionParser& p) {
  p.add()("bootstrap", po::value<int>()->default_value(1000),
          "bootstrap resamples for intervals and bands (0: point estimates only)");
  p.add()("seed", po::value<std::uint64_t>()->default_value(0), "bootstrap seed");
  p.add()("level", po::value<double>()->default_value(0.95), "interval level");
  p.add()("drop-highest", po::value<int>()->default_value(0),
          "Approach 3: drop the K runs with the highest loss first");
  p.add()("bins-per-decade", po::value<double>()->default_value(4),
          "IsoFLOP compute bins per decade of C for imported data");
  p.add()("budget", po::value<std::string>(),
          "predict at this budget and extend L(C) to it (default: 10x the largest C)");
  p.add()("threads", po::value<int>()->default_value(0), "threads (0: all cores)");
}

study::StudyOptions study_options(const OptionParser& p) {
  study::StudyOptions o;
  o.bootstrap = p.get<int>("bootstrap");
  o.seed = p.get<std::uint64_t>("seed");
  o.level = p.get<double>("level");
  o.drop_highest = p.get<int>("drop-highest");
  o.bins_per_decade = p.get<double>("bins-per-decade");
  o.threads = p.get<int>("threads");
  if (o.bootstrap < 0)
    throw InputError(fmt::format("--bootstrap: must be >= 0, got {}", o.bootstrap));
  if (!(o.level > 0 && o.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", o.level));
  if (!(o.bins_per_decade > 0))
    throw InputError(fmt::format("--bins-per-decade: must be positive, got {}", o.bins_per_decade));
  if (p.has("budget")) o.target_budget = parse_budget(p.get<std::string>("budget"));
  return o;
}

}  // namespace scalelab::apps
