// The memory budget: the most bytes one call may allocate. Every entry point adds up the bytes it
// would allocate (its copies of the arguments, the kernel's arrays, the result and its copy into
// V8) and refuses, before allocating anything, a call that needs more than the budget: a RangeError
// with code ERR_INVALID_ARG naming the argument, the bytes it needs and the limit.
//
// The budget is set by native/index.ts when it loads the addon: half of the machine's memory
// (os.totalmem(), or the cgroup limit process.constrainedMemory() when lower) or the configured maximum
// MIMIC_MAX_MEMORY. Until then (the raw binding loaded by hand) it is half of the physical memory.
#pragma once
#include <napi.h>

#include <cmath>

#include <string>

namespace mimic_binding {

struct MemoryBudget {
  double bytes = 0;
  std::string source;  // where it comes from, for messages ("half of this machine's 23.4 GB")
};

MemoryBudget GetMemoryBudget();
void SetMemoryBudget(double bytes, const std::string& source);

// "16.0 GB (16000000000 bytes)"
std::string FormatBytes(double bytes);

// Sums the bytes of a call: plan.add(bytes) for each array it allocates, then check().
class MemoryPlan {
 public:
  MemoryPlan& add(double bytes) {
    bytes_ += bytes;
    return *this;
  }
  // n elements of `size` bytes
  MemoryPlan& add(double n, double size) { return add(n * size); }
  double bytes() const { return bytes_; }
  // Throws "<argument>: <what> needs <bytes> but the memory limit is <limit> (<source>): <fix>".
  void check(Napi::Env env, const std::string& argument, const std::string& what, const std::string& fix) const;

 private:
  double bytes_ = 0;
};

// A network's values: 9 per-neuron parameters and the weights wIn [N x C], omegaF and omegaS [N x N],
// decoder [D x N], readout [O x D], encoder [N x D] (float32).
inline double NetworkValuesBytes(double N, double C, double D, double O, bool encoder) {
  return 4 * (9 * N + N * C + 2 * N * N + D * N + O * D + (encoder ? N * D : 0));
}
// A prepared SnnModel (snn.hpp): its own copy of the values plus the kernel's layouts (rows
// [N x 2 Npad], wIn and F transposed [C|D x Npad], the decoder twice [N x D], and with an encoder its
// tiled layout for each of the three SIMD levels [D x Npad]).
inline double NetworkModelBytes(double N, double C, double D, double O, bool encoder) {
  const double np = N + 16;
  return NetworkValuesBytes(N, C, D, O, encoder) +
         4 * (2 * N * np + (C + D + 1) * np + 2 * N * D + (encoder ? 3 * D * np : 0));
}

// The arrays of the events form of the online rule (native/core/ads_train.hpp: rule 'online' with a
// uniform tau_out) for samples of T steps: the explicit slow weights Ω_s [N x N] (double; `copies` of
// them: the learner's and a trainer's roll-back snapshot), M = F·decoder/tau_out [N x Npad] and F in
// panels [Npad x D] (float, made once, shared by copies), and the kernel's blocks of P
// [8 x 32 x Npad] (float), the window sums Q [ceil(T/256) x Npad] and H (double), the feedback
// [Npad] (float) and the per-neuron interval bookkeeping (ρ, a, window; 24 bytes).
inline double AdsEventsBytes(double N, double D, double T, double copies) {
  const double np = N + 16;
  return 8 * N * N * copies + 4 * (N * np + np * D) + 4 * 8 * 32 * np + 8 * (std::ceil(T / 256) + 1) * np + 4 * np + 24 * N;
}

// setMemoryBudget(bytes, source), memoryBudget() -> {bytes, source}
void InitMemory(Napi::Env env, Napi::Object exports);

}  // namespace mimic_binding
