// Child processes for the local and command backends: each run in its own process group, so
// that a crash, an out-of-memory kill or a NaN abort of a run cannot take the coordinator
// down, and so that cancelling a run also stops whatever its command started.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::sweeps {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is an absolute path (no PATH search)
  std::string cwd;                // working directory of the child
  std::string log_path;           // stdout and stderr are appended here; stdin is /dev/null
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
  // The child gets SIGKILL when the coordinator dies (Linux PR_SET_PDEATHSIG), so that a
  // `kill -9` of the coordinator leaves no orphan training on; resume restarts the run from
  // its checkpoint.
  bool die_with_parent = true;
};

// A process's identity that survives PID reuse: "PID:STARTTIME" (clock ticks since boot,
// field 22 of /proc/PID/stat).
std::string process_identity(pid_t pid);
// True when the process that had `identity` is still alive (same pid and start time).
bool process_alive(const std::string& identity);
// SIGKILLs the process group of a live `identity` (as recorded by an earlier coordinator).
void kill_identity(const std::string& identity);

// Forks and execs; the child leads a new process group. Throws scalelab::Error when the log
// cannot be opened or fork fails; a failing exec shows up as exit status 127 with the reason
// in the log.
pid_t spawn_process(const SpawnOptions& options);

struct ExitStatus {
  int code = -1;   // exit code when the process exited
  int signal = 0;  // the signal that killed it, else 0
  bool ok() const { return signal == 0 && code == 0; }
  // "exit status 3", "killed by signal 9 (Killed)"
  std::string describe() const;
};

// Non-blocking wait: the status once the child has ended, else nullopt.
std::optional<ExitStatus> try_wait(pid_t pid);
// Sends `sig` to the child's whole process group.
void signal_group(pid_t pid, int sig);

// This executable's absolute path (/proc/self/exe).
std::string self_executable();

// The last `max_lines` non-empty lines of a text file, joined with " | " and cut to
// `max_chars` (for error messages that quote a run's log).
std::string log_tail(const std::string& path, int max_lines = 3, std::size_t max_chars = 400);

}  // namespace scalelab::sweeps
