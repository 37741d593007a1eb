#include "trainer/backend.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"
#include "trainer/cpu/cpu_backend.hpp"
#ifdef SCALELAB_HAVE_CUDA
#include "trainer/cuda/cuda_backend.hpp"
#endif

namespace scalelab::trainer {

std::unique_ptr<Backend> make_backend(const ModelShape& shape, const BackendOptions& options) {
  const std::string& d = options.device;
#ifdef SCALELAB_HAVE_CUDA
  // auto: the first GPU when one is visible. cuda[:i] without a GPU is an InputError.
  if (d == "auto" && cuda::visible_device_count() > 0)
    return cuda::make_cuda_backend(shape, options.max_batch, "cuda:0");
  if (d == "cuda" || d.starts_with("cuda:"))
    return cuda::make_cuda_backend(shape, options.max_batch, d);
#endif
  if (d == "cpu" || d == "auto")
    return cpu::make_cpu_backend(shape, options.max_batch, options.threads);
  if (d == "cuda" || d.starts_with("cuda:"))
    throw InputError(
        fmt::format("--device {}: this build has no CUDA backend yet (use --device "
                    "cpu or auto)",
                    d));
  throw InputError(
      fmt::format("--device: unknown device '{}' (accepted: auto, cpu, cuda, cuda:N)", d));
}

}  // namespace scalelab::trainer
