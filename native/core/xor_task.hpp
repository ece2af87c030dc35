// Temporal XOR (METHOD.md §7): two smoothed pulses of random sign within the first two thirds of
// the sample; the target after the second pulse is +1 if the signs differ, -1 if they agree.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cancel.hpp"

namespace mimic {

struct XorParams {
  double durationS = 1.0;        // T, seconds
  double dtS = 0.001;            // time step, seconds
  double inputSigmaSteps = 10;   // Gaussian smoothing of the input, in samples
  double targetSigmaSteps = 20;  // Gaussian smoothing of the target, in samples
  double targetDelayS = 0.05;    // target starts this long after the end of pulse 2
  double targetLengthS = 0.3;    // and lasts until this long after the end of pulse 2
  double minGapS = 0.1;          // minimal gap between the end of pulse 1 and the start of pulse 2
};

struct XorBatch {
  std::size_t count = 0, steps = 0;
  std::vector<float> inputs;   // [count, steps, 1]
  std::vector<float> targets;  // [count, steps, 1]
  std::vector<int8_t> labels;  // [count], +1 (signs differ) or -1
};

std::size_t xor_steps(const XorParams& p);

// Sample i is drawn from Rng(seed, i): the dataset does not depend on the thread count. The cancel
// flag is checked inside each sample too (a long sample with wide smoothing takes seconds).
void generate_xor(const XorParams& p, std::size_t count, uint64_t seed, unsigned threads,
                  const Control& control, XorBatch& out);

// "same"-mode convolution with a Gaussian of standard deviation sigma (truncated at 4 sigma,
// normalised to unit sum), zero padding at both ends. Checks control's cancel flag every 64 outputs.
void gaussian_smooth(const float* in, float* out, std::size_t n, double sigma, const Control* control = nullptr);

}  // namespace mimic
