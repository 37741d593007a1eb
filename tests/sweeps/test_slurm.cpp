// The Slurm backend against a real single-node cluster: slurmctld and slurmd started on
// localhost from a generated slurm.conf (with munge) in a temporary folder, stopped and
// removed at the end. Reported skipped (exit 77) where Slurm or munge is not installed or the
// daemons cannot start (e.g. no root, or a container without cgroups).
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sweep_cli_util.hpp"

using namespace scalelab;
using namespace scalelab::testing;
namespace fs = std::filesystem;

namespace {

int sh(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

[[noreturn]] void skip(const std::string& why) {
  std::cout << "SKIPPED: " << why << std::endl;
  std::exit(77);
}

// A one-node cluster in `dir`; the destructor stops the daemons and removes what it made.
class LocalCluster {
 public:
  explicit LocalCluster(const std::string& dir) : dir_(dir) {
    for (const char* tool : {"slurmctld", "slurmd", "munged", "sbatch", "squeue"})
      if (sh(std::string("command -v ") + tool + " >/dev/null 2>&1") != 0 &&
          !fs::exists(std::string("/usr/sbin/") + tool))
        skip(std::string(tool) + " is not installed (Debian: slurmctld slurmd slurm-client munge)");
    if (::geteuid() != 0) skip("starting slurmd needs root");
    const std::string host = capture("hostname -s");
    const std::string cpus = std::to_string(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    fs::create_directories(dir_ + "/state");
    fs::create_directories(dir_ + "/spool");
    // munge: our own key and socket, so nothing of the machine's is touched.
    sh("dd if=/dev/urandom of='" + dir_ + "/munge.key' bs=1024 count=1 2>/dev/null; chmod 600 '" +
       dir_ + "/munge.key'");
    fs::create_directories(dir_ + "/munge");
    ::chmod((dir_ + "/munge").c_str(), 0700);
    if (sh("munged --force --key-file='" + dir_ + "/munge.key' --socket='" + dir_ +
           "/munge/munge.socket' --pid-file='" + dir_ + "/munge/munged.pid' --log-file='" + dir_ +
           "/munge/munged.log' --seed-file='" + dir_ + "/munge/seed' 2>>'" + dir_ + "/err.log'") !=
        0)
      skip("munged does not start: " + read_text(dir_ + "/err.log"));
    munge_started_ = true;
    std::ofstream(dir_ + "/slurm.conf")
        << "ClusterName=scalelabtest\nSlurmctldHost=" << host << "\n"
        << "AuthType=auth/munge\nAuthInfo=socket=" << dir_ << "/munge/munge.socket\n"
        << "SlurmUser=root\nSlurmdUser=root\n"
        << "StateSaveLocation=" << dir_ << "/state\nSlurmdSpoolDir=" << dir_ << "/spool\n"
        << "SlurmctldPidFile=" << dir_ << "/slurmctld.pid\nSlurmdPidFile=" << dir_
        << "/slurmd.pid\n"
        << "SlurmctldPort=26817\nSlurmdPort=26818\n"
        << "SlurmctldLogFile=" << dir_ << "/slurmctld.log\nSlurmdLogFile=" << dir_
        << "/slurmd.log\n"
        << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
        << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
        << "SchedulerType=sched/backfill\nSelectType=select/cons_tres\n"
        << "SelectTypeParameters=CR_Core\nReturnToService=2\nMpiDefault=none\n"
        << "NodeName=" << host << " CPUs=" << cpus << " State=UNKNOWN\n"
        << "PartitionName=test Nodes=" << host << " Default=YES MaxTime=INFINITE State=UP\n";
    ::setenv("SLURM_CONF", (dir_ + "/slurm.conf").c_str(), 1);
    if (sh("slurmctld -i 2>>'" + dir_ + "/err.log'") != 0)
      skip("slurmctld does not start: " + read_text(dir_ + "/err.log"));
    ctld_started_ = true;
    if (sh("slurmd 2>>'" + dir_ + "/err.log'") != 0)
      skip("slurmd does not start: " + read_text(dir_ + "/err.log"));
    slurmd_started_ = true;
    const bool idle = wait_until(
        [&] { return capture("sinfo -h -o %t 2>/dev/null").find("idle") != std::string::npos; },
        30);
    if (!idle)
      skip("the node does not come up: " + capture("sinfo 2>&1") + " | " +
           read_text(dir_ + "/slurmd.log").substr(0, 2000));
  }

  ~LocalCluster() {
    // Only the daemons this test started, by their pid files.
    for (const char* pid_file : {"/slurmd.pid", "/slurmctld.pid", "/munge/munged.pid"}) {
      std::ifstream in(dir_ + pid_file);
      long pid = 0;
      if (in >> pid && pid > 1) ::kill(static_cast<pid_t>(pid), SIGTERM);
    }
    ::sleep(1);
    ::unsetenv("SLURM_CONF");
  }

 private:
  std::string dir_;
  bool munge_started_ = false, ctld_started_ = false, slurmd_started_ = false;
};

}  // namespace

TEST_CASE("slurm backend: a job array runs every run of a sweep on a local cluster") {
  const std::string dir = temp_dir("slurm");
  {
    LocalCluster cluster(dir + "/cluster");
    cli(dir,
        "plan --budget 3e8 --grid 2 --seq-len 32 --vocab 32 --data synthetic --save s "
        "--format csv");
    const auto r =
        cli(dir, "sweep run s --backend slurm --cpus-per-task 1 --max-concurrent 2 --poll 0.2");
    MESSAGE(r.out);
    CHECK(r.out.find("sweep s: 2 done, 0 failed") != std::string::npos);
    db::Database d = db::open_database(dir + "/scalelab.db");
    for (const auto& run : db::list_runs(d, db::require_sweep(d, "s").id)) {
      CHECK(run.status == db::RunStatus::kDone);
      const auto life = db::load_lifecycle(d, run.id);
      CHECK(*life.backend == "slurm");
      REQUIRE(life.backend_job);
      CHECK(life.backend_job->find('_') != std::string::npos);  // JOBID_TASK
      CHECK(fs::exists(*life.run_dir + "/exit_status"));
      CHECK(db::count_metrics(d, run.id) > 0);
      CHECK(std::isfinite(*run.final_train_loss));
    }

    // kill -9 of the coordinator while a task runs: the task goes on under Slurm, and resume
    // re-attaches to it instead of launching the run again.
    cli(dir,
        "plan --budget 2e10 --grid 1 --seq-len 32 --vocab 32 --data synthetic --save k "
        "--format csv");
    const pid_t coordinator =
        start_process({SCALELAB_BINARY, "sweep", "run", "k", "--backend", "slurm", "--poll", "0.2"},
                      dir, dir + "/coordinator.log");
    const bool running = wait_until(
        [&] {
          db::Database d = db::open_database(dir + "/scalelab.db");
          const auto run = db::list_runs(d, db::require_sweep(d, "k").id)[0];
          return db::load_lifecycle(d, run.id).backend_job.has_value() &&
                 db::count_metrics(d, run.id) > 0;
        },
        120);
    REQUIRE(running);
    ::kill(coordinator, SIGKILL);
    CHECK(wait_process(coordinator) == -SIGKILL);
    const auto resumed = cli(dir, "sweep resume k --backend slurm --poll 0.2");
    MESSAGE(resumed.out);
    CHECK(resumed.out.find("re-attached") != std::string::npos);
    const auto run = db::list_runs(d, db::require_sweep(d, "k").id)[0];
    CHECK(run.status == db::RunStatus::kDone);
    CHECK(run.attempts == 1);  // the one Slurm task trained it, never launched twice
    CHECK(db::count_metrics(d, run.id) ==
          nlohmann::json::parse(run.config_json)["launch"]["stop_steps"].get<std::int64_t>());
  }
  fs::remove_all(dir);
}
