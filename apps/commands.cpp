// The table of subcommands. Each lives in its own cmd_<name>.cpp.
#include "apps/cli.hpp"

namespace scalelab::apps {

int run_plan(const Args& args);
int run_shape(const Args& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"plan", "plan a compute-optimal sweep for a budget (--save stores it)", run_plan},
      {"shape", "choose a model shape for N parameters, or count a given shape", run_shape},
  };
  return table;
}

}  // namespace scalelab::apps
