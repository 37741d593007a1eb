// Command-line options that describe a model shape, shared by `plan`, `shape` and `train`.
#pragma once

#include "apps/cli.hpp"
#include "lib/model_shape.hpp"
#include "lib/shape_search.hpp"

namespace scalelab::apps {

// --arch, --vocab, --seq-len, --tied, --untied, --min-aspect, --max-aspect.
void add_shape_search_options(OptionParser& parser, int default_vocab = 256,
                              int default_seq_len = 256);
ShapeSearchOptions shape_search_options(const OptionParser& parser);

// --n-layer, --d-model, --n-head, --head-dim, --d-ff (a full shape; needs the options above).
void add_explicit_shape_options(OptionParser& parser);
// True when any of --n-layer/--d-model/--n-head was given.
bool has_explicit_shape(const OptionParser& parser);
// Builds and validates the shape; throws InputError naming a missing or bad option.
ModelShape explicit_shape(const OptionParser& parser);

}  // namespace scalelab::apps
