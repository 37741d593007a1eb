// scalelab sweep run|resume|show NAME: run a saved sweep to the end, continue one whose
// coordinator stopped, or print the config it was made from.
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli.hpp"
#include "db/schema.hpp"
#include "db/status_store.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"
#include "sweeps/coordinator.hpp"
#include "sweeps/progress_view.hpp"
#include "sweeps/sweep_config.hpp"

namespace scalelab::apps {
namespace {

std::vector<std::string> parse_gpu_list(const std::string& text) {
  if (text == "auto") return sweeps::detect_gpus();
  if (text == "none" || text.empty()) return {};
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos)
      throw InputError(
          fmt::format("--gpus: '{}' (accepted: auto, none or indices like 0,1)", text));
    out.push_back(item);
    start = comma + 1;
  }
  return out;
}

int show(const OptionParser& p, const std::string& name) {
  db::Database db = db::open_existing_database(p.db_path());
  const db::SweepRecord sweep = db::require_sweep(db, name);
  if (p.format() == Format::kJson) {
    nlohmann::json runs = nlohmann::json::object();
    for (const auto& c : db::sweep_counts(db))
      if (c.sweep.id == sweep.id)
        for (const db::RunStatus s : db::kRunStatuses)
          if (c.by_status[s] > 0) runs[std::string(db::run_status_name(s))] = c.by_status[s];
    nlohmann::json config = nlohmann::json::parse(sweep.config_json, nullptr, false);
    print_json(std::cout, {{"name", sweep.name},
                           {"created_at", sweep.created_at},
                           {"source", sweep.source},
                           {"config", config.is_discarded() ? nlohmann::json() : config},
                           {"yaml", sweeps::sweep_config_yaml(sweep)},
                           {"runs_by_status", runs}});
  } else {
    std::cout << sweeps::sweep_config_yaml(sweep);
  }
  return 0;
}

}  // namespace

int run_sweep_command(const Args& args) {
  OptionParser p(
      "scalelab sweep run|resume|show NAME [options]",
      "run: trains every pending run of sweep NAME (saved by `scalelab plan --save` or\n"
      "`--config`), each in its own process, ingesting its metrics into the database as it\n"
      "trains, until every run is done, stopped (early-stop mode), failed or diverged.\n"
      "Exit status 0 only then, when none failed; else 1, naming the runs left and their\n"
      "states. Crashed runs are retried up to --retries times from their last checkpoint; a\n"
      "NaN/inf or a loss spike marks a run diverged (not retried). On a terminal a live\n"
      "status shows progress and ETA; piped, plain lines.\n"
      "resume: the same for a sweep whose coordinator stopped (kill -9, reboot): done runs\n"
      "stay, interrupted runs continue from their checkpoints, no metric row is lost or\n"
      "duplicated.\n"
      "show: prints the YAML config the sweep was made from (--format json: with its stored\n"
      "options and run counts).\n\n"
      "Settings come from the sweep's YAML (backend, hyperparameters) and are overridden by\n"
      "the options below. Backends: local (`scalelab worker` per run; one per GPU with\n"
      "CUDA_VISIBLE_DEVICES, else --workers on the CPU), command (your trainer: --command\n"
      "'python train.py --lr {lr} --steps {steps} --out {run_dir}'; it must write\n"
      "{run_dir}/metrics.jsonl lines {\"step\":S,\"train_loss\":x,...}), slurm (an sbatch job\n"
      "array; --runs-dir must be on a filesystem the compute nodes share).");
  p.add()("action", po::value<std::string>()->required(), "run, resume or show")(
      "name", po::value<std::string>()->required(), "the sweep")(
      "backend", po::value<std::string>(),
      "local, command or slurm (default: the sweep's, else local)")(
      "workers", po::value<int>(), "runs at once (local: default one per GPU, else 1)")(
      "threads", po::value<int>(), "CPU threads per worker (default: cores / workers)")(
      "gpus", po::value<std::string>()->default_value("auto"),
      "local backend GPUs: auto (CUDA_VISIBLE_DEVICES or nvidia-smi), none, or 0,1,...")(
      "retries", po::value<int>(), "crashed attempts retried per run (default 2)")(
      "runs-dir", po::value<std::string>(),
      "run folders: DIR/SWEEP/RUN (default: scalelab-runs beside the database)")(
      "train-fraction", po::value<double>(),
      "early-stop mode: train each run to this fraction of its steps (schedule planned for all)")(
      "command", po::value<std::string>(), "command backend: the command template")(
      "partition", po::value<std::string>(), "slurm: partition")(
      "time-limit", po::value<std::string>(), "slurm: time limit per task, e.g. 04:00:00")(
      "gpus-per-task", po::value<int>(), "slurm: GPUs per task (0: CPU)")(
      "cpus-per-task", po::value<int>(), "slurm: CPUs per task (the worker's threads)")(
      "max-concurrent", po::value<int>(), "slurm: tasks running at once (the array's %K)")(
      "mem", po::value<std::string>(), "slurm: memory per task, e.g. 16G")(
      "sbatch-arg", po::value<std::vector<std::string>>()->composing(),
      "slurm: extra sbatch argument (repeatable), e.g. --sbatch-arg=--account=lm")(
      "poll", po::value<double>()->default_value(0.2), "seconds between ingest rounds")(
      "quiet,q", "print only the final summary");
  p.add_positional("action", 1);
  p.add_positional("name", 1);
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;

  const std::string action = p.get<std::string>("action");
  const std::string name = p.get<std::string>("name");
  if (action != "run" && action != "resume" && action != "show")
    throw InputError(
        fmt::format("sweep: unknown action '{}' (accepted: run, resume, show)", action));
  db::validate_sweep_name(name, "sweep name");
  if (action == "show") return show(p, name);

  db::Database db = db::open_existing_database(p.db_path());
  const db::SweepRecord sweep = db::require_sweep(db, name);
  sweeps::SweepConfig config = sweeps::saved_sweep_config(sweep);
  sweeps::BackendConfig& b = config.backend;
  if (p.has("backend")) b.kind = p.get<std::string>("backend");
  if (b.kind != "local" && b.kind != "command" && b.kind != "slurm")
    throw InputError(fmt::format("--backend: '{}' (accepted: local, command, slurm)", b.kind));
  if (p.has("workers")) b.workers = p.get<int>("workers");
  if (b.workers < 0) throw InputError(fmt::format("--workers: {} (accepted: >= 1)", b.workers));
  if (p.has("threads")) b.threads = p.get<int>("threads");
  if (b.threads < 0) throw InputError(fmt::format("--threads: {} (accepted: >= 0)", b.threads));
  if (p.has("retries")) b.retries = p.get<int>("retries");
  if (p.has("runs-dir")) b.runs_dir = p.get<std::string>("runs-dir");
  if (p.has("train-fraction")) b.train_fraction = p.get<double>("train-fraction");
  if (p.has("command")) b.command = p.get<std::string>("command");
  sweeps::SlurmOptions& s = b.slurm;
  if (p.has("partition")) s.partition = p.get<std::string>("partition");
  if (p.has("time-limit")) s.time_limit = p.get<std::string>("time-limit");
  if (p.has("gpus-per-task")) s.gpus_per_task = p.get<int>("gpus-per-task");
  if (p.has("cpus-per-task")) s.cpus_per_task = p.get<int>("cpus-per-task");
  if (p.has("max-concurrent")) s.max_concurrent = p.get<int>("max-concurrent");
  if (p.has("mem")) s.mem = p.get<std::string>("mem");
  if (p.has("sbatch-arg"))
    for (const auto& a : p.get<std::vector<std::string>>("sbatch-arg")) s.extra_args.push_back(a);
  if (s.gpus_per_task < 0 || s.cpus_per_task < 1 || s.max_concurrent < 0)
    throw InputError("--gpus-per-task >= 0, --cpus-per-task >= 1, --max-concurrent >= 0");
  const double poll = p.get<double>("poll");
  if (!(poll > 0 && poll <= 60))
    throw InputError(fmt::format("--poll: {} (accepted: 0 to 60 s)", poll));

  std::unique_ptr<sweeps::DispatchBackend> backend;
  if (b.kind == "local") {
    sweeps::LocalBackendOptions lo;
    lo.workers = b.workers;
    lo.gpus = parse_gpu_list(p.get<std::string>("gpus"));
    lo.threads_per_worker = b.threads;
    backend = sweeps::make_local_backend(lo);
  } else if (b.kind == "command") {
    sweeps::CommandBackendOptions co;
    co.command = b.command;
    co.workers = b.workers > 0 ? b.workers : 1;
    co.threads_per_worker = b.threads;
    backend = sweeps::make_command_backend(co);
  } else {
    backend = sweeps::make_slurm_backend(s);
  }

  sweeps::CoordinatorOptions o;
  o.resume = action == "resume";
  o.retries = b.retries;
  o.runs_dir = b.runs_dir.value_or(sweeps::default_runs_dir(p.db_path()));
  o.train_fraction = b.train_fraction;
  o.rules = config.hyperparameters;
  o.divergence = config.divergence;
  o.poll_seconds = poll;
  const auto view = p.has("quiet") ? sweeps::make_silent_progress_view()
                                   : sweeps::make_progress_view(std::cout, ::isatty(1) == 1);
  const sweeps::CoordinatorResult r = sweeps::run_sweep(db, name, *backend, o, *view);
  std::cout << fmt::format("sweep {}: {}; {} launch(es) in {}\n", name, r.counts.summary(),
                           r.launched, sweeps::format_duration(r.wall_seconds));
  // Exit 0 only when every run is in a final state (done, stopped, diverged, failed after its
  // retries) and none failed.
  if (!r.unfinished.empty()) throw Error(r.unfinished_message(name));
  if (r.failed > 0)
    throw Error(fmt::format("{} run(s) of sweep '{}' failed (`scalelab status {}` shows why)",
                            r.failed, name, name));
  return 0;
}

}  // namespace scalelab::apps
