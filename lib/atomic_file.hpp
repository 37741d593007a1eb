// Replacing a file so that a crash at any instant leaves either the old file or the complete
// new one, never a mix or a torn tail: the bytes go to a temp file in the same directory
// (PATH.tmp), which is fsynced, renamed over PATH, and then the directory is fsynced so that
// the rename itself survives a power loss. The one way every writer of the project replaces
// a file (run specs, summaries, metrics rewrites, checkpoints, token files, figures, reports).
//
// On any failure (ENOSPC, EIO, a directory that vanished...) the temp file is removed, PATH is
// left as it was, and scalelab::Error says in one line what failed and on which file:
//   "runs/s/r/checkpoint.bin: cannot write (No space left on device)".
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace scalelab {

// A file being written; nothing is visible at `path` until commit().
class AtomicFile {
 public:
  // Creates PATH.tmp (replacing a stale one). Throws Error naming PATH.
  explicit AtomicFile(std::filesystem::path path);
  // Without commit(), the temp file is removed and PATH keeps its old content.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends bytes (buffered). Throws Error naming PATH; the temp file is removed then.
  void write(const void* data, std::size_t bytes);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // Flushes and fsyncs the temp file: every byte written so far is on disk (a full disk fails
  // here), PATH still untouched. Throws Error naming PATH; the temp file is removed then.
  void sync();
  // Flushes, fsyncs, renames over PATH and fsyncs the directory. Throws Error naming PATH.
  void commit();

  const std::filesystem::path& path() const { return path_; }

 private:
  [[noreturn]] void fail(const char* what, int err);
  void flush_buffer();
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  std::string buffer_;
};

// The whole content at once: AtomicFile(path), write(bytes), commit().
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace scalelab
