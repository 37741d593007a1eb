// scalelab: plan, train, store, fit and predict compute-optimal scaling-law sweeps.
#include <fmt/format.h>

#include <boost/program_options/errors.hpp>
#include <exception>
#include <iostream>

#include "apps/cli.hpp"
#include "lib/error.hpp"

namespace {

void print_usage() {
  std::cout << "Usage: scalelab <command> [options]\n\n"
               "Plans compute-optimal scaling-law sweeps, trains them with an embedded trainer,\n"
               "stores every loss in SQLite, fits scaling laws and predicts large runs.\n\n"
               "Commands:\n";
  for (const auto& c : scalelab::apps::commands())
    std::cout << fmt::format("  {:<12} {}\n", c.name, c.summary);
  std::cout << "\n`scalelab <command> --help` explains each command. Exit status: 0 ok,\n"
               "2 bad input (nothing written), 1 failure.\n"
               "Global: --help, --version.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const scalelab::apps::Args all(argv + 1, argv + argc);
  if (all.empty() || all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
    print_usage();
    return all.empty() ? 2 : 0;
  }
  if (all[0] == "--version" || all[0] == "-V") {
    std::cout << "scalelab " << SCALELAB_VERSION << '\n';
    return 0;
  }
  const std::string& name = all[0];
  for (const auto& command : scalelab::apps::commands()) {
    if (command.name != name) continue;
    try {
      return command.run(scalelab::apps::Args(all.begin() + 1, all.end()));
    } catch (const scalelab::Error& e) {
      std::cerr << "scalelab " << name << ": error: " << e.what() << '\n';
      return e.exit_code();
    } catch (const std::exception& e) {
      std::cerr << "scalelab " << name << ": error: " << e.what() << '\n';
      return 1;
    }
  }
  std::cerr << "scalelab: error: unknown command '" << name
            << "' (see `scalelab --help` for the list)\n";
  return 2;
}
