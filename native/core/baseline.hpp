// The paper's baseline spiking networks (docs/method.md §13): one LIF network model that the reservoir
// (liquid state machine) and the FORCE network share, and their two learners.
//
// Model, per neuron n, step dt (ms), exact exponential integration (stable for any τ ≥ dt/100):
//   I_n[t]   = bias_n + Σ_c wIn[n,c] x_c[t] + s_n[t] + Σ_o enc[n,o] y_o[t−1]
//   V_n[t]   = I_n + (V_n[t−1] − I_n)·exp(−dt/τmem_n)          (held at vReset while refractory)
//   spike when V_n ≥ vTh_n; then V_n = vReset_n ("set") or V_n −= vTh_n − vReset_n ("subtract")
//   s_n[t+1] = s_n[t]·exp(−dt/τsyn_n) + Σ_m wRec[m,n]·spike_m[t]   (event-driven: cost N per spike)
//   r_m[t]   = r_m[t−1]·exp(−dt/τout) + spike_m[t]·1000/τout   (the read-out synapse, in Hz)
//   y_o[t]   = Σ_m wOut[o,m] r_m[t] + outBias_o
// Perturbations of a run (docs/method.md §10, §13), as the spiking network's simulator has them (§8):
//   membrane noise: V_n += noiseStd·ξ after the integration step, ξ ~ N(0, 1) drawn for every neuron
//   every step from the sample's stream (after its initial V), not while refractory;
//   silencing: the listed neurons are held at V = vReset_n and cannot spike during [silenceStart, silenceEnd).
// wRec is row-major with ROW = presynaptic neuron (wRec[m*N + n] is the weight from m to n), so a
// spike adds one contiguous row. The FORCE network feeds its output back through the encoders; the
// reservoir has none (encoders empty).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cancel.hpp"
#include "task.hpp"

namespace mimic {

struct LifNet {
  std::size_t neurons = 0, channels = 0, outputs = 0;
  bool subtractReset = false;
  double tauOutMs = 70;
  std::vector<float> wIn;       // [N, C]
  std::vector<float> wRec;      // [N, N], row = presynaptic
  std::vector<float> wOut;      // [O, N]
  std::vector<float> outBias;   // [O]
  std::vector<float> encoders;  // [N, O] or empty (no output feedback)
  std::vector<float> tauMemMs, tauSynMs, vTh, vReset, bias, refractoryMs;  // [N] each
  // Throws InvalidArgument naming the first array whose size disagrees with the sizes, or a
  // non-positive time constant.
  void validate() const;
};

// Membrane noise and silencing of a run (none by default: the run is then the plain model, bit for bit).
struct LifPerturbation {
  double noiseStd = 0;              // std of the Gaussian added to V each step, in V units
  std::vector<int32_t> silenced;    // neurons held silent in steps [silenceStart, silenceEnd)
  std::size_t silenceStart = 0, silenceEnd = 0;
  // Throws InvalidArgument for a negative or non-finite noiseStd, a neuron out of range or an empty window order.
  void validate(std::size_t neurons) const;
};

struct LifRunStats {
  std::vector<float> outputs;       // [B, T, O]
  std::vector<int32_t> spikeCounts;  // [B, N]
  double totalSpikes = 0;
  double meanRateHz = 0;
  // set before the run: the spike events of the first recordSamples samples are kept, per sample in
  // step order (neurons in index order within a step): spikeSteps[b], spikeNeurons[b]
  std::size_t recordSamples = 0;
  std::vector<std::vector<int32_t>> spikeSteps, spikeNeurons;
  // set before the run: the potentials V of these neurons (after the step's spikes and resets) at every
  // `decimate`-th step (t = 0, decimate, ...): membrane [B, Tr, K], Tr = recordedSteps = ceil(T / decimate).
  // The binding checks them with its options' names (every neuron in [0, N), decimate >= 1); lif_run checks them again.
  std::vector<int32_t> membraneNeurons;
  std::size_t decimate = 1;
  std::vector<float> membrane;
  std::size_t recordedSteps = 0;  // set by the run: recorded_steps(T, decimate)
};

// Runs samples [B, T, C] with step dtMs; sample b starts from V uniform in [vReset, vTh) drawn from
// stream (seed, b), which then draws its membrane noise; samples in parallel over at most `threads` of
// the global pool (0 = all): the result does not depend on the thread count.
void lif_run(const LifNet& net, const float* inputs, std::size_t count, std::size_t steps, double dtMs, uint64_t seed,
             unsigned threads, LifRunStats& out, const Control& control, const LifPerturbation& perturbation = {});

// One sample's simulation with a hook after each step: the learners read the read-out traces r
// (and, for FORCE, change wOut between steps). `onStep(t, r, y)` may modify net.wOut.
struct LifState;
class LifSimulator {
 public:
  // `perturbation` (may be null: none) must outlive the simulator.
  LifSimulator(const LifNet& net, double dtMs, const LifPerturbation* perturbation = nullptr);
  ~LifSimulator();
  // Initial V uniform in [vReset, vTh) from Rng(seed, stream); the same stream then draws the noise.
  void reset(uint64_t seed, uint64_t stream);
  // Advances one step with input x [C]; returns the output y [O] and read-out traces r [N] of this step.
  void step(const float* x, float* y);
  const std::vector<double>& traces() const;
  std::size_t spikes() const;
  const std::vector<int32_t>& spikeCounts() const;  // per neuron since reset
  const std::vector<uint32_t>& fired() const;        // the neurons that spiked in the last step, in index order
  const std::vector<double>& potentials() const;     // V [N] after the last step (spikes reset)

 private:
  const LifNet& net_;
  double dtMs_;
  const LifPerturbation* perturbation_;
  std::unique_ptr<LifState> s_;
};

// ---- reservoir (liquid state machine) -------------------------------------------------------------

struct ReservoirOptions {
  std::size_t neurons = 320, channels = 1, outputs = 1, pools = 8;
  double connectivity = 0.041;   // within-pool connection probability
  double inhibitoryEvery = 5;    // every 5th neuron inhibitory
  double inhibitoryGain = 4.73;  // |inhibitory weight| / excitatory weight
  double weight = 0.5;           // excitatory weight (V units, into s)
  double inputScale = 3;         // wIn ~ N(0, inputScale²)
  double tauMinMs = 0.1, tauMaxMs = 112;  // τmem and τsyn spread (log-uniform) over [min, max]
  double tauOutMs = 256;
  double biasLo = 0.5, biasHi = 1.0;     // bias ~ U(lo, hi) (vTh = 1, vReset = 0)
  double refractoryMs = 2;
  double ridge = 100;            // λ of the read-out
  std::size_t stride = 1;        // every stride-th step enters the regression
  uint64_t seed = 0;
};

// The reservoir's fixed part (weights, per-neuron parameters) from the options' seed.
LifNet reservoir_build(const ReservoirOptions& o);
struct ReadoutFit {
  double trainMse = 0;  // of the fitted read-out on the training samples
  double meanRateHz = 0;
};
// Fits wOut and outBias by ridge regression of targets on the read-out traces (with a constant), solving
// (RᵀR + λI) w = RᵀY by a blocked Cholesky factorisation (Eigen's kernels per block; the trailing updates
// over the pool; cancellable and reporting progress per block of 128 columns; the constant's column is
// not penalised). Samples in parallel,
// reservoir_block_samples() at a time (the memory of that many (N+1)² Gram matrices; the sums do not
// depend on it, nor on the thread count).
std::size_t reservoir_block_samples();
ReadoutFit reservoir_fit(LifNet& net, const float* inputs, const float* targets, std::size_t count, std::size_t steps,
                         double dtMs, double ridge, std::size_t stride, uint64_t seed, unsigned threads,
                         const Control& control);

// ---- FORCE (Nicola & Clopath style) ----------------------------------------------------------------

struct ForceOptions {
  std::size_t neurons = 320, channels = 1, outputs = 1;
  // τ_syn (= τ_out), G and Q depart from the paper's 70 ms, 0.04 and 10: measured on the paper's smaller task,
  // docs/method.md §13 (the slow synapse is the memory the task needs)
  double tauMemMs = 10, tauSynMs = 200, vReset = -65, vPeak = -40, bias = -40, refractoryMs = 2;
  double g = 0.6, sparsity = 0.1;    // wRec = G·N(0,1)·Bernoulli(p)/(√N·p), rows zero-mean
  double encoderScale = 1;          // encoders ~ U(−q, q)
  double inputScale = 30;           // wIn ~ U(−s, s)
  double p0 = 1e-5;                 // P(0) = p0·I
  std::size_t rlsEvery = 1;         // steps between RLS updates (1: every step)
  uint64_t seed = 0;
};
LifNet force_build(const ForceOptions& o);

// Recursive least squares on one sample, every `every` steps:
//   k = P r;  c = 1/(1 + rᵀk);  P ← P − c k kᵀ;  wOut_o ← wOut_o − c e_o kᵀ   (e = y − target)
// P is symmetric and stored as its upper triangle (N(N+1)/2 doubles); one update costs about 2N²
// multiply-adds (P r: N², the rank-1 update: N²/2 ... N²) plus O·N for the read-out, so
// 2N² + O(N·O) per update: at N = 320, about 2·10⁵ per step.
class ForceRls {
 public:
  ForceRls(std::size_t neurons, double p0);
  // Trains net.wOut on one sample; returns the sample's squared error summed over steps and outputs.
  // Checks the cancel every step and reports (steps done, steps) every 32 steps.
  double train_sample(LifNet& net, const float* x, const float* target, std::size_t steps, double dtMs, std::size_t every,
                      uint64_t seed, uint64_t stream, const Control& control);

 private:
  std::size_t n_;
  std::vector<double> p_;  // upper triangle, row-major: (i, j ≥ i) at i*n − i(i−1)/2 + (j − i)
  std::vector<double> k_;
};

}  // namespace mimic
