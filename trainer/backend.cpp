#include "trainer/backend.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"
#include "trainer/cpu/cpu_backend.hpp"

namespace scalelab::trainer {

std::unique_ptr<Backend> make_backend(const ModelShape& shape, const BackendOptions& options) {
  const std::string& d = options.device;
  if (d == "cpu" || d == "auto")
    return cpu::make_cpu_backend(shape, options.max_batch, options.threads);
  if (d == "cuda" || d.starts_with("cuda:"))
    throw InputError(fmt::format("--device {}: this build has no CUDA backend yet (use --device "
                                 "cpu or auto)",
                                 d));
  throw InputError(fmt::format("--device: unknown device '{}' (accepted: auto, cpu, cuda, cuda:N)", d));
}

}  // namespace scalelab::trainer
