// scalelab worker: train one run of a sweep in this process (the local and Slurm backends
// start it; see sweeps/worker.hpp).
#include "apps/cli.hpp"
#include "sweeps/worker.hpp"

namespace scalelab::apps {

int run_worker(const Args& args) {
  OptionParser p("scalelab worker --run-dir DIR",
                 "Trains the run described by DIR/run.json (written by `scalelab sweep run`)\n"
                 "with the embedded trainer, resuming from DIR's checkpoint when there is one.\n"
                 "Writes only to DIR: metrics.jsonl, summary.json, checkpoint.bin. Never opens\n"
                 "the database. Exit status: 0 trained, 2 bad config, 3 diverged, 1 failure.");
  p.add()("run-dir", po::value<std::string>()->required(), "the run's directory");
  if (!p.parse(args)) return 0;
  return sweeps::run_worker(p.get<std::string>("run-dir"));
}

}  // namespace scalelab::apps
