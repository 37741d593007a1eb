// Checkpoints: the model, the AdamW moments and the loop's position, in one file written
// atomically (temp file + fsync + rename), so a crash leaves either the old or the new one.
//
// File layout (little-endian): 8 bytes "SCLCKPT1"; uint64 length of a JSON metadata block;
// the JSON (step, tokens, config, ...); uint64 parameter count n; n float parameters; n float
// first moments; n float second moments. The samplers are counter-based (data_source.hpp),
// so the step in the metadata is also the data position and the RNG state.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace scalelab::trainer {

struct Checkpoint {
  nlohmann::json meta;
  std::vector<float> params, adam_m, adam_v;
};

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
// Throws InputError naming the file for a wrong magic, a truncated file or bad metadata.
Checkpoint read_checkpoint(const std::filesystem::path& path);

}  // namespace scalelab::trainer
