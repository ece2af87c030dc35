// Temporal XOR (METHOD.md §7): two smoothed pulses of random sign within the first two thirds of
// the sample; the target after the second pulse is +1 if the signs differ, -1 if they agree. Its
// decision rule (METHOD.md §6) reads a smoothed output. The task as the trainers take it (its
// SampleSource, DecisionRule and settings) is xor_task() in xor_entry.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cancel.hpp"
#include "task.hpp"

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

std::size_t xor_steps(const XorParams& p);

// count samples into out (1 channel, 1 output; labels +1 when the signs differ, else -1). Sample i is
// drawn from Rng(seed, i): the dataset does not depend on the thread count. The cancel flag is
// checked inside each sample too (a long sample with wide smoothing takes seconds).
void generate_xor(const XorParams& p, std::size_t count, uint64_t seed, unsigned threads,
                  const Control& control, TaskBatch& out);

// "same"-mode convolution with a Gaussian of standard deviation sigma (truncated at 4 sigma,
// normalised to unit sum), zero padding at both ends. Checks control's cancel flag every 64 outputs.
void gaussian_smooth(const float* in, float* out, std::size_t n, double sigma, const Control* control = nullptr);

// The read-out (METHOD.md §6) of one output trace y[t * stride] (t < steps):
// ys[t] = alpha ys[t-1] + (1 - alpha) y[t], ys[-1] = 0; returns 1 if ys > threshold anywhere, else -1
// if ys < -threshold anywhere, else 0 (no decision, counted as wrong).
int8_t xor_decision(const float* y, std::size_t steps, std::size_t stride, double alpha = 0.95,
                    double threshold = 0.5);
// The trace ys of xor_decision, into out[t * stride].
void xor_smoothed(const float* y, std::size_t steps, std::size_t stride, double alpha, float* out);
// True label: 1 if the target ever exceeds `threshold`, else -1.
int8_t xor_label(const float* target, std::size_t steps, std::size_t stride, double threshold = 0.5);

// The task: its generator (options durationS, inputSigmaSteps, targetSigmaSteps), its rule (alpha,
// threshold, labelThreshold), no fitted settings.
TaskEntry xor_task();

}  // namespace mimic
