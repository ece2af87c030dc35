// The BPTT spiking baseline of docs/method.md §13: a feed-forward LIF layer (n1 neurons, taking the
// input) → a recurrent LIF layer (n2 neurons) → an exponential-synapse read-out, trained by
// backpropagation through time with a surrogate gradient, the MSE loss with weight regularisation,
// and Adam, batches in parallel over the thread pool.
//
// The network is a LifNet (baseline.hpp) of N = n1 + n2 neurons with threshold 0, subtractive reset
// by 1 (vReset = −1) and no refractory period, so it runs, is stored and is perturbed as the other
// LIF baselines are: wIn has non-zero rows only for layer 1, wRec only the blocks layer 1 → layer 2
// and layer 2 → layer 2, wOut only columns of layer 2. The forward pass here is the runner's step
// written with states kept for the backward pass:
//   I[t] = b + wIn x[t] + S[t];  Vpre[t] = a Vpost[t−1] + (1−a) I[t];  s[t] = H(Vpre[t] − θ)
//   Vpost[t] = Vpre[t] − s[t];   S[t+1] = aS S[t] + wRecᵀ s[t];  r[t] = aO r[t−1] + s[t]·1000/τout
//   y[t] = wOut r[t] + outBias
// Backward: H' is replaced by the surrogate 1(Vpre − θ > −0.5) (docs/method.md §13). In the smooth
// mode (tests), s = sigmoid(β(Vpre − θ)) forward and its exact derivative backward, so the gradient
// is the exact gradient of that smooth network and can be checked against finite differences.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "baseline.hpp"
#include "cancel.hpp"

namespace mimic {

struct BpttOptions {
  std::size_t n1 = 320, n2 = 320, channels = 1, outputs = 1;
  double tauMem1Ms = 100, tauSyn1Ms = 100, tauMem2Ms = 50, tauSyn2Ms = 70, tauOutMs = 70;
  double inputScale = 5;  // wIn ~ N(0, (inputScale/√C)²)
  double ffScale = 5;     // layer 1 → 2 ~ N(0, (ffScale/√n1)²); layer 2 → 2 starts at 0
  uint64_t seed = 0;
};
LifNet bptt_build(const BpttOptions& o);

struct BpttLoss {
  double lambdaMse = 1e3;   // λ·mean((y − target)²)
  double lambdaWeights = 0;  // λ_w·mean over trained weights of w²
  double lambdaRate = 0;     // λ_r·mean over neurons and samples of (rate/1000 Hz)² (a rate penalty)
};

// The trained parameters' gradient, shaped as the LifNet's arrays (entries outside the trained blocks are 0).
struct BpttGrad {
  std::vector<double> wIn, wRec, wOut, outBias;
  void resize(const LifNet& net);
  void zero();
  void add(const BpttGrad& o);
};

struct BpttSampleResult {
  double loss = 0, mse = 0;
  std::size_t spikes = 0;
};

// Loss and gradient of one sample (added to grad, scaled by 1/batch for the mean), initial potentials
// from stream (seed, stream). smoothBeta > 0: the smooth network of slope β (no surrogate). The cancel
// is looked at every step; a cancelled sample returns early with an unfinished gradient (the caller
// checks the cancel and throws).
BpttSampleResult bptt_sample_gradient(const LifNet& net, std::size_t n1, const float* x, const float* target, std::size_t steps,
                                      double dtMs, const BpttLoss& loss, double batchScale, double smoothBeta, uint64_t seed,
                                      uint64_t stream, BpttGrad& grad, const Control& control = Control());

struct BpttBatchResult {
  double loss = 0, mse = 0, meanRateHz = 0;
};
// Mean loss and gradient over samples [count] (parallel over at most `threads` pool threads; the
// per-sample gradients are summed in sample order, so the result does not depend on the threads).
// Reports (samples done, count) after each sample; throws Cancelled when cancelled.
BpttBatchResult bptt_batch_gradient(const LifNet& net, std::size_t n1, const float* inputs, const float* targets,
                                    const std::size_t* samples, std::size_t count, std::size_t steps, double dtMs,
                                    const BpttLoss& loss, double smoothBeta, uint64_t seed, unsigned threads, BpttGrad& grad,
                                    const Control& control);

}  // namespace mimic
