#include "sweeps/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/error.hpp"

extern char** environ;

namespace scalelab::sweeps {
namespace {

std::optional<std::string> start_time(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The command name (field 2) may hold spaces; fields after it follow the last ')'.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  // Field 3 is the first after ')'; the start time is field 22.
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return field;
  return std::nullopt;
}

std::optional<pid_t> pid_of(const std::string& identity) {
  const std::size_t colon = identity.find(':');
  try {
    return static_cast<pid_t>(std::stol(identity.substr(0, colon)));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::string process_identity(pid_t pid) {
  return fmt::format("{}:{}", pid, start_time(pid).value_or("?"));
}

bool process_alive(const std::string& identity) {
  const auto pid = pid_of(identity);
  if (!pid || *pid <= 0) return false;
  const auto now = start_time(*pid);
  return now && identity == fmt::format("{}:{}", *pid, *now);
}

void kill_identity(const std::string& identity) {
  if (!process_alive(identity)) return;
  const pid_t pid = *pid_of(identity);
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

pid_t spawn_process(const SpawnOptions& o) {
  if (o.argv.empty()) throw Error("spawn: empty command");
  const int log_fd = ::open(o.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    throw Error(fmt::format("cannot open log '{}': {}", o.log_path, std::strerror(errno)));

  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [k, v] : o.env) overridden = overridden || k == key;
    if (!overridden) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : o.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = o.argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(log_fd);
    throw Error(fmt::format("cannot start '{}': fork: {}", o.argv[0], std::strerror(err)));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    if (o.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(125);  // the parent died before prctl
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) {
      const char msg[] = "scalelab: cannot change to the run directory\n";
      [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
      ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    const char* why = std::strerror(errno);
    const char msg[] = "scalelab: cannot execute the worker: ";
    [[maybe_unused]] auto n1 = ::write(2, msg, sizeof msg - 1);
    [[maybe_unused]] auto n2 = ::write(2, why, std::strlen(why));
    [[maybe_unused]] auto n3 = ::write(2, "\n", 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so that the group exists before we signal it
  ::close(log_fd);
  return pid;
}

std::string ExitStatus::describe() const {
  if (signal) return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit status {}", code);
}

std::optional<ExitStatus> try_wait(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return std::nullopt;
  ExitStatus s;
  if (r < 0) {
    s.code = 255;  // not our child any more (should not happen): treat as a crash
    return s;
  }
  if (WIFEXITED(status)) s.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
  return s;
}

void signal_group(pid_t pid, int sig) {
  if (::kill(-pid, sig) != 0) ::kill(pid, sig);
}

std::string self_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find this executable's path (/proc/self/exe): " + ec.message());
  return path.string();
}

std::string log_tail(const std::string& path, int max_lines, std::size_t max_chars) {
  std::ifstream in(path);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    last.push_back(line);
    if (static_cast<int>(last.size()) > max_lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += (out.empty() ? "" : " | ") + l;
  if (out.size() > max_chars) out = "..." + out.substr(out.size() - max_chars);
  return out;
}

}  // namespace scalelab::sweeps
