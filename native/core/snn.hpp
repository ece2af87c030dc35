// The spiking network ("network ADS", docs/method.md §4): N leaky integrate-and-fire neurons with a fast
// (fixed, EBN) and a slow (learned) recurrent current, exponential traces, and a linear decoder.
//
// Per neuron i, Euler with step dt (all time constants in ms, 1/tau in 1/s so kernels have unit area):
//   tau_mem dV/dt = V_rest - V + I_s + I_f + I_fb + I_in + b (+ noise)
//   tau_s dI_s/dt = -I_s + Ω_sᵀ s        Ω_s[pre, post]
//   tau_f dI_f/dt = -I_f + Ω_f s         Ω_f[post, pre]
//   tau_out dr/dt = -r + s               r in Hz
//   x̃ = decoder · r,  y = readout · x̃
// Update order within a step (docs/method.md §4): (1) currents from the previous step's state; (2) Euler
// update of V, not while refractory; (3) silencing (V = 0, and a silenced neuron cannot spike);
// (4) spike where V >= V_th; (5) traces I <- exp(-dt/tau) I + W̃ s with W̃ = W / tau_post, the same for
// r; (6) x̃; (7) reset of spiking neurons to V_reset and start of their refractory period.
//
// The exact float32 arithmetic (which the TypeScript reference in test/support reproduces):
//   ext_i   = (((I_in,i) + F[i,0]·ke_0) + F[i,1]·ke_1) ...   with I_in,i = Σ_c wIn[i,c]·c_c summed from 0 in
//             increasing c, ke_d = k·(x̂_d(t-1) - x̃_d(t-1)) (feedback; 0 at step 0)
//   I_i     = (I_s,i + I_f,i) + ext_i
//   V'_i    = V_i + g_i·((c0_i - V_i) + I_i)        g = dt/tau_mem, c0 = V_rest + b (both float32)
//   V'_i   += σ·ξ                                   (noise, when enabled)
//   traces  = e·trace, then + W̃[j, ·] for every spiking j in increasing j
//   x̃       = e_out·x̃ + Σ_j decoder[·, j]/tau_out  (event form, used when all tau_out are equal)
//           = Σ_i decoder[·, i]·r_i in increasing i (dense form, otherwise)
// Subnormal floats are flushed to zero while the kernel runs (FTZ/DAZ): decaying traces otherwise
// spend hundreds of steps as subnormals, which x86 handles ~100x slower; they never change a spike.
//
// Memory layout: the slow and fast weights are stored together per PRESYNAPTIC neuron j as one
// contiguous row [Ω_s[j, 0..N) / tau_s | Ω_f[0..N, j] / tau_f] (padded to a multiple of 16), and each
// sample's state keeps I_s and I_f adjacent, so a spike of j is one contiguous 2N-float add. Ω_s is
// given as [pre, post], so its rows are already contiguous; Ω_f ([post, pre]) is transposed once.
// Large matrices sit on transparent huge pages (spike rows land anywhere in them).
//
// Per-neuron state is SoA (one array per variable, per sample), and the per-neuron update is one
// branch-free pass that GCC vectorises at each SIMD level's width (all 16 variants of update_loop use
// xmm, ymm and zmm registers at the sse2, avx2 and avx512 levels: the simulation loop is compiled per
// level, snn_runner-inl.hpp and simd.hpp).
//
// Batches: samples are independent and spread over the pool; each thread steps its samples one after
// another (the default), or in lock-step blocks of up to 16 (SnnRunConfig::block). Each sample keeps
// its own contiguous state, so a spike is one contiguous row add. A block shares a weight row only when
// several of its samples fire the same neuron in the same step; at the few-Hz rates of these networks
// that is 1-2 % of the spikes, and a batch runs at about the per-sample speed of a single sample
// (measured in bench/README.md, with the ceiling any batching can reach on one thread).
// A sample-interleaved layout ([N][16] state) was rejected: with it a spike of one sample either
// touches N cache lines (stride-16 scatter) or costs a 16-lane masked add per neuron (16x the work of
// the contiguous add at these rates). Sample b's results depend only on its inputs and Rng(seed, b),
// never on the block size or the thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cancel.hpp"

namespace mimic {

// Float storage aligned to 64 bytes (one cache line, one AVX-512 vector).
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n);
  void deallocate(T* p, std::size_t) noexcept;
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const { return false; }
};
using FloatVec = std::vector<float, AlignedAllocator<float>>;
using IntVec = std::vector<int32_t, AlignedAllocator<int32_t>>;

// Parameters_ (NEST style): validated user values, one entry per neuron (mismatch is per neuron).
struct SnnParameters {
  std::size_t neurons = 0;
  std::vector<float> tauMemMs;      // membrane time constant, ms, > 0
  std::vector<float> tauSMs;        // slow synaptic time constant, ms, > 0
  std::vector<float> tauFMs;        // fast synaptic time constant, ms, > 0
  std::vector<float> tauOutMs;      // read-out trace time constant, ms, > 0
  std::vector<float> vTh;           // threshold (dimensionless), > vReset
  std::vector<float> vRest;         // resting potential
  std::vector<float> vReset;        // reset potential
  std::vector<float> bias;          // constant current b
  std::vector<float> refractoryMs;  // refractory period, ms, >= 0

  // Fills every array with one value (the docs/method.md §4 defaults unless changed).
  static SnnParameters uniform(std::size_t n, float tauMemMs = 50, float tauSMs = 70, float tauFMs = 1,
                               float tauOutMs = 70, float vTh = 1, float vRest = 0.5f, float vReset = 0,
                               float bias = 0, float refractoryMs = 0);
  // Throws InvalidArgument with a plain sentence naming the parameter and the neuron.
  void validate() const;
};

// The network's matrices, row-major, in the paper's index conventions.
struct SnnWeights {
  std::size_t neurons = 0, channels = 0, dims = 0, outputs = 0;
  std::vector<float> wIn;      // [N x C]: I_in = wIn · c
  std::vector<float> omegaF;   // [N x N]: Ω_f[post, pre] (fast, fixed)
  std::vector<float> omegaS;   // [N x N]: Ω_s[pre, post] (slow, learned)
  std::vector<float> decoder;  // [D x N]: x̃ = decoder · r
  std::vector<float> readout;  // [O x D]: y = readout · x̃ (O may be 0)
  std::vector<float> encoder;  // [N x D] or empty: F of the error feedback I_fb = k F e
  void validate(const Control* control = nullptr) const;  // with a control: cancellable (O(N²))
};

// State_: what evolves, for one sample.
struct SnnState {
  FloatVec v;       // membrane potential [Npad]
  FloatVec traces;  // [2 Npad]: I_s then I_f, adjacent so a spike row is one contiguous add
  FloatVec r;       // filtered spike trains, Hz [Npad]
  IntVec refractory;  // remaining refractory steps [Npad]
  FloatVec xHat;    // decoded x̃ [D] (event form)
  FloatVec ke;      // k·(x̂ - x̃) of the previous step [D] (feedback)
};

// Variables_: derived from the parameters and dt before a run.
struct SnnVariables {
  double dtMs = 1;
  FloatVec g;         // dt / tau_mem
  FloatVec c0;        // V_rest + b
  FloatVec decayS, decayF, decayOut;  // exp(-dt / tau)
  FloatVec vTh, vReset;
  IntVec refractorySteps;  // round(refractory / dt)
  bool uniformDecayOut = true;
};

// The network after preparation: the user's values plus the layouts the kernel uses. Immutable once
// built; a run keeps a shared_ptr to it, so the owner may replace it (or be freed) while a run is in flight.
class SnnModel {
 public:
  // With a control, its cancel flag is checked per row while the layouts are made (O(N²), seconds at N = 8192).
  SnnModel(SnnParameters params, SnnWeights weights, const Control* control = nullptr);
  const SnnParameters& params() const { return params_; }
  const SnnWeights& weights() const { return weights_; }
  std::size_t neurons() const { return n_; }
  std::size_t padded() const { return npad_; }
  SnnVariables variables(double dtMs) const;

  // Prepared layouts (see the header comment).
  std::size_t n_ = 0, npad_ = 0, rowStride_ = 0;
  bool hasSlow_ = false, hasFast_ = false;
  FloatVec rec_;       // [N][rowStride]: [Ω_s[j,:]/tau_s | Ω_f[:,j]/tau_f] (only the parts in use)
  std::size_t fastOffset_ = 0;  // where the fast part starts inside a row and inside the traces
  FloatVec wInT_;      // [C][Npad]
  FloatVec encT_;      // [D][Npad]  F transposed
  // F for the feedback product of each SIMD level: tiles of neurons (simd::feedback_tile), each tile
  // stored [d][its neurons], so one tile is one contiguous stream and one row d of it is contiguous.
  FloatVec encBlk_[3];
  FloatVec decT_;      // [N][D]     decoder transposed (dense x̃)
  FloatVec decScaled_; // [N][D]     decoder[:, j] / tau_out,j (event x̃)
  FloatVec invTauOut_; // [Npad]     1/tau_out in 1/s

 private:
  void prepare(const Control* control);
  SnnParameters params_;
  SnnWeights weights_;
};

enum class InitialV { Uniform, Rest, Reset, Given };

// One run: a batch of B samples of T steps. Pointers refer to the caller's (the baton's) storage.
struct SnnRunConfig {
  std::size_t batch = 0, steps = 0;
  double dtMs = 1;
  const float* inputs = nullptr;  // [B, T, C] (may be null when C = 0)
  unsigned threads = 0;           // 0 = the whole pool
  uint64_t seed = 0;              // initial V draws and noise: sample b uses Rng(seed, b)
  InitialV initialV = InitialV::Uniform;
  std::vector<float> initialValues;  // [N] (every sample) or [B, N] with InitialV::Given
  float noiseStd = 0;             // std of the Gaussian added to V each step, in V units
  std::vector<int32_t> silenced;  // neurons clamped to V = 0 in steps [silenceStart, silenceEnd)
  std::size_t silenceStart = 0, silenceEnd = 0;
  // Error feedback I_fb = k F (x̂(t-1) - x̃(t-1)); F is the model's encoder.
  const float* target = nullptr;  // [B, T, D] x̂, null = no feedback
  float gain = 0;                 // k when gainPerStep is empty
  std::vector<float> gainPerStep; // [T]
  // Recording.
  bool recordSpikes = true, recordDecoded = false, recordOutput = false;
  std::vector<int32_t> membraneNeurons;  // V after the step (after reset) of these neurons
  std::size_t decimate = 1;              // traces keep steps 0, decimate, 2·decimate, ...
  std::size_t maxSpikeEvents = std::size_t(1) << 25;  // 32 Mi events = 256 MB of (step, neuron) pairs
  // Samples stepped together in lock-step (1..16); 0 = automatic (1). Results do not depend on it.
  std::size_t block = 0;
};

struct SnnRunOutput {
  std::size_t recordedSteps = 0;
  std::vector<std::vector<int32_t>> spikeSteps, spikeNeurons;  // per sample, in time then neuron order
  std::vector<int32_t> spikeCounts;  // [B, N]
  uint64_t totalSpikes = 0;
  std::vector<float> decoded;   // [B, Tr, D]
  std::vector<float> output;    // [B, Tr, O]
  std::vector<float> membrane;  // [B, Tr, K]
};

// Number of recorded steps for a decimation factor: ceil(T / decimate).
std::size_t recorded_steps(std::size_t steps, std::size_t decimate);

// Validates the configuration against the model (throws InvalidArgument) and runs it.
void simulate(const SnnModel& model, const SnnRunConfig& config, const Control& control, SnnRunOutput& out);

}  // namespace mimic
