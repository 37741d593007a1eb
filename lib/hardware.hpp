// Accelerator peak throughput, for wall-clock estimates and MFU.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scalelab {

struct Accelerator {
  std::string name;            // as typed by users: "H100"
  double peak_bf16_flops = 0;  // dense bf16 tensor-core peak, FLOP/s (no sparsity)
};

// H100 SXM and H200: 989 TFLOP/s; A100: 312 TFLOP/s; B200: 2250 TFLOP/s (vendor data sheets).
const std::vector<Accelerator>& accelerators();
// Case-insensitive; throws InputError naming `what` and the accepted names.
const Accelerator& find_accelerator(std::string_view name, std::string_view what = "--hardware");

// Hours on one accelerator for `flops` at model-FLOP utilisation `mfu` (0 < mfu <= 1).
double accelerator_hours(double flops, const Accelerator& acc, double mfu);

// Throws InputError unless 0 < mfu <= 1.
void validate_mfu(double mfu, std::string_view what = "--mfu");

}  // namespace scalelab
