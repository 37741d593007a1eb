// Checkpoints: the model, the AdamW moments and the loop's position, in one file replaced
// atomically (lib/atomic_file.hpp: temp file, fsync, rename, fsync of the directory), so a
// crash leaves either the old or the new one. The one before it is kept as PATH.prev (a hard
// link, no copy), so that a checkpoint damaged after it was written (a truncated copy, a bad
// disk) still leaves one to resume from.
//
// File layout (little-endian): 8 bytes "SCLCKPT1"; uint64 length of a JSON metadata block;
// the JSON (step, tokens, config, ...); uint64 parameter count n; n float parameters; n float
// first moments; n float second moments. The samplers are counter-based (data_source.hpp),
// so the step in the metadata is also the data position and the RNG state.
#pragma once

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::trainer {

struct Checkpoint {
  nlohmann::json meta;
  std::vector<float> params, adam_m, adam_v;
};

// Throws Error naming `path` when it cannot be written (ENOSPC...): the temp file is removed
// and the checkpoint already at `path` is left as it was.
void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
// Throws InputError naming the file for a wrong magic, a truncated file, bad metadata, or
// sizes that disagree with the file's length.
Checkpoint read_checkpoint(const std::filesystem::path& path);
// The same from an open stream (`name` for messages); reads to its end.
Checkpoint read_checkpoint(std::FILE* file, const std::string& name);

// Where write_checkpoint keeps the previous checkpoint of `path`.
std::filesystem::path previous_checkpoint_path(const std::filesystem::path& path);

// The checkpoint a resumed run continues from: `path` when it reads back whole with an integer
// "step" and a "config" in its metadata, else PATH.prev when that does (a one-line warning on
// `warnings` names the damaged file and the step resumed from), else nullopt (a warning for
// each damaged file: the run starts again). nullopt without a warning when neither exists.
std::optional<Checkpoint> read_latest_checkpoint(const std::filesystem::path& path,
                                                 std::FILE* warnings);

}  // namespace scalelab::trainer
