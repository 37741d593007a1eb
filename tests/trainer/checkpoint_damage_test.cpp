// Damaged checkpoints (issue 16, item 4): a truncated or garbled checkpoint falls back to the
// one before it with a one-line warning naming the file; a full disk during a checkpoint write
// (simulated with RLIMIT_FSIZE in a child process: the write fails with EFBIG just as it would
// with ENOSPC) is one error naming the file and leaves both earlier checkpoints as they were.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "lib/error.hpp"
#include "tests/support/temp_files.hpp"
#include "trainer/checkpoint.hpp"

using namespace scalelab::trainer;
namespace fs = std::filesystem;

namespace {

Checkpoint checkpoint_at(std::int64_t step, std::size_t n) {
  Checkpoint c;
  c.meta = {{"step", step}, {"config", {{"d_model", 8}}}};
  c.params.assign(n, 0.25f * static_cast<float>(step));
  c.adam_m.assign(n, 0.5f);
  c.adam_v.assign(n, 0.75f);
  return c;
}

// What read_latest_checkpoint wrote to its warnings stream.
struct LatestRead {
  std::optional<Checkpoint> checkpoint;
  std::string warnings;
};

LatestRead read_latest(const fs::path& path) {
  std::FILE* log = std::tmpfile();
  REQUIRE(log != nullptr);
  LatestRead r;
  r.checkpoint = read_latest_checkpoint(path, log);
  std::rewind(log);
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, log)) > 0;)
    r.warnings.append(buffer, n);
  std::fclose(log);
  return r;
}

std::int64_t step_of(const Checkpoint& c) { return c.meta["step"].get<std::int64_t>(); }

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

TEST_CASE("a truncated checkpoint: resumed from the one before it, with one line naming it") {
  const fs::path dir = scalelab::testing::fresh_temp_dir("checkpoint_truncated");
  const fs::path path = dir / "checkpoint.bin";
  write_checkpoint(path, checkpoint_at(10, 1000));
  write_checkpoint(path, checkpoint_at(20, 1000));
  REQUIRE(fs::exists(previous_checkpoint_path(path)));
  fs::resize_file(path, fs::file_size(path) / 2);  // a copy cut short, a bad disk

  LatestRead r = read_latest(path);
  REQUIRE(r.checkpoint);
  CHECK(step_of(*r.checkpoint) == 10);
  CHECK(r.checkpoint->params.size() == 1000);
  CHECK(lines(r.warnings) == 1);
  CHECK_MESSAGE(r.warnings.find(path.string() + ": truncated tensors") == 0, r.warnings);
  CHECK_MESSAGE(r.warnings.find("resuming from " + previous_checkpoint_path(path).string() +
                                " (step 10)") != std::string::npos,
                r.warnings);
}

TEST_CASE("a garbled checkpoint and a damaged one before it: training starts again, said so") {
  const fs::path dir = scalelab::testing::fresh_temp_dir("checkpoint_garbled");
  const fs::path path = dir / "checkpoint.bin";
  write_checkpoint(path, checkpoint_at(10, 100));
  write_checkpoint(path, checkpoint_at(20, 100));
  // Break the link first: .prev is a hard link to the older file's bytes.
  const fs::path prev = previous_checkpoint_path(path);
  fs::copy_file(prev, dir / "copy");
  fs::remove(prev);
  fs::rename(dir / "copy", prev);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.write("XXXXXXXX", 8);  // the magic
  }
  fs::resize_file(prev, 12);  // inside the metadata length

  LatestRead r = read_latest(path);
  CHECK_FALSE(r.checkpoint);
  CHECK_MESSAGE(lines(r.warnings) == 2, r.warnings);
  CHECK(r.warnings.find(path.string() + ": not a scalelab checkpoint (wrong magic)\n") == 0);
  CHECK_MESSAGE(
      r.warnings.find(prev.string() + ": truncated metadata; no earlier checkpoint: "
                                      "training again from step 1\n") != std::string::npos,
      r.warnings);
}

TEST_CASE("a full disk during a checkpoint write: one error naming the file, nothing lost") {
  const fs::path dir = scalelab::testing::fresh_temp_dir("checkpoint_full_disk");
  const fs::path path = dir / "checkpoint.bin";
  write_checkpoint(path, checkpoint_at(10, 1000));  // 12 kB of tensors
  write_checkpoint(path, checkpoint_at(20, 1000));
  // Room for the checkpoints above, not for the next one's 240 kB, which fits in AtomicFile's
  // 1 MiB buffer: the write fails only when the buffer goes out, which must happen before the
  // old checkpoint is rotated to PATH.prev (a full disk fails the same way with ENOSPC).
  constexpr rlim_t kLimit = 64 * 1024;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);  // the write then fails with EFBIG instead of killing us
    const rlimit limit{kLimit, kLimit};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(4);
    int code = 3;  // the write went through: the limit did not bite
    std::string message;
    try {
      write_checkpoint(path, checkpoint_at(30, 20000));
    } catch (const scalelab::Error& e) {
      message = e.what();
      code = 0;
    }
    if (!message.empty() && ::write(pipe_fds[1], message.data(), message.size()) < 0) code = 5;
    ::_exit(code);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buffer[1024];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE_MESSAGE(WEXITSTATUS(status) == 0, "child exit " << WEXITSTATUS(status));

  CHECK(message == path.string() + ": cannot write (File too large)");
  CHECK(message.find('\n') == std::string::npos);
  // Both earlier checkpoints as they were, no temp file left behind.
  CHECK(step_of(read_checkpoint(path)) == 20);
  CHECK(step_of(read_checkpoint(previous_checkpoint_path(path))) == 10);
  CHECK_FALSE(fs::exists(path.string() + ".tmp"));
  LatestRead r = read_latest(path);
  REQUIRE(r.checkpoint);
  CHECK(step_of(*r.checkpoint) == 20);
  CHECK(r.warnings.empty());
}
