// The chip emulator: a DYNAP-SE-class mixed-signal chip (docs/method.md §14) as a leaky
// integrate-and-fire model with the chip's structure and its device mismatch.
//
// Structure: chips × 4 cores × 256 neurons. Every neuron of a core shares the core's nominal
// parameters (membrane and four synaptic time constants, threshold, reset potential, bias,
// refractory period, four base weights). Four synapse types, 0 fast excitatory (AMPA), 1 slow
// excitatory (NMDA), 2 fast inhibitory (GABA_A), 3 slow inhibitory (GABA_B); the sign comes from the
// type. A neuron takes at most `fanIn` CAM entries (SE1: a connection of count c takes c entries;
// SE2: one) and reaches at most `fanOut` distinct cores. Weights: SE1, a connection of count c
// adds c × baseWeights[type] (c repeated CAM entries); SE2, a 4-bit mask m adds Σ_{bit b of m}
// baseWeights[b]. The configuration format is the board protocol's (src/shared/board.ts).
//
// Dynamics, per neuron and step of dt (the same order and arithmetic as the reference chip,
// src/hardware/chip/reference.ts, in double precision):
//   I_s ← I_s · exp(−dt/τ_s), then + the efficacies of last step's spikes (sources ascending,
//   connections in configuration order), then + the inputs of this step (events in time order;
//   analog samples: channel ascending, x · efficacy · dt/1 ms)
//   refractory: V ← reset potential, count down; otherwise
//   V ← V + dt/τ_mem · (I_0 + I_1 + I_2 + I_3 + bias − V); spike when V ≥ threshold: V ← reset,
//   refractory for round(refractory / dt) steps. Spikes are stamped with their step.
//
// Mismatch (docs/method.md §14): a virtual chip is its serial number. Every neuron's parameters and
// every CAM entry's efficacy deviate from the core's nominal values by a draw made once, from a
// stream keyed by (serial, physical address), so the same serial always gives the same chip,
// whatever the configuration order or thread count, and different serials differ. Spreads:
//   τ_mem   σ = 0.034 · τ + 2.5 ms           (measured relation)
//   τ_syn, threshold gap (threshold − reset), bias, refractory period   σ = 0.2 · value
//   efficacy of a CAM entry: fast types CV 0.31, slow types CV 0.2
// All scaled by `mismatchScale` (1 = the chip's spreads; 0 or mismatch off = the ideal chip).
// Time constants are |N(τ, σ²)| floored at 1 % of nominal; efficacies (1 + CV·z) floored at 0
// (a synapse cannot change sign); a deviated threshold stays above the reset potential.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cancel.hpp"
#include "rng.hpp"

namespace mimic::chip {

enum class WeightScheme { SE1, SE2 };

inline constexpr uint32_t kInputAddressBit = 0x80000000u;

struct Geometry {
  int chips = 1;
  int coresPerChip = 4;
  int neuronsPerCore = 256;
  int fanIn = 64;
  int fanOut = 4;  // SE1: 3 usable
  int inputChannels = 1024;
  WeightScheme scheme = WeightScheme::SE2;
  static Geometry dynapse(int chips, WeightScheme scheme);
};

struct CoreParams {
  double tauMemMs = 20, refractoryMs = 0, threshold = 1, resetPotential = 0, bias = 0;
  double tauSynMs[4] = {5, 50, 5, 50};
  double baseWeights[4] = {0, 0, 0, 0};
};

struct CoreConfig {
  int chip = 0, core = 0, neurons = 0;
  CoreParams params;
};

struct Connection {
  uint32_t pre = 0;   // neuron address, or kInputAddressBit + channel
  uint32_t post = 0;  // neuron address
  int type = 0;       // 0..3
  int weight = 1;     // SE1 count 1..fanIn, SE2 mask 1..15
};

struct Configuration {
  WeightScheme scheme = WeightScheme::SE2;
  std::vector<CoreConfig> cores;
  std::vector<Connection> connections;
};

struct MismatchOptions {
  bool enabled = true;
  std::string serial;       // the virtual chip
  double scale = 1.0;       // multiplies every spread
};

// The spreads (see above), exposed for tests and docs.
struct Spreads {
  static constexpr double tauMemSlope = 0.034, tauMemOffsetMs = 2.5;
  static constexpr double relative = 0.2;  // τ_syn, threshold gap, bias, refractory
  static constexpr double fastEfficacyCv = 0.31, slowEfficacyCv = 0.2;
};

// The checks of the board protocol (docs/board-protocol.md §7), first failure thrown as
// InvalidArgument naming the core block or connection.
void check_configuration(const Geometry& g, const Configuration& c);

uint64_t serial_seed(const std::string& serial);

// A configured chip: dense neuron order = the cores in configuration order, neurons 0..n-1 of each.
class Emulator {
 public:
  Emulator(const Geometry& g, const Configuration& c, const MismatchOptions& m, double dtUs);

  std::size_t neurons() const { return t_.n; }
  const std::vector<uint32_t>& addresses() const { return address_; }
  double dt_us() const { return dtUs_; }
  // Effective per-neuron values after mismatch (for tests and displays).
  const std::vector<double>& tau_mem_ms() const { return tauMem_; }
  const std::vector<double>& thresholds() const { return t_.threshold; }
  // The efficacy of each configured connection in configuration order (sign included; after mismatch).
  const std::vector<double>& connection_efficacy() const { return connEff_; }

  // One run from rest. Input: analog samples [steps_in, C] (sample k covers [k·period, (k+1)·period))
  // or events (time µs non-decreasing, channel). decode: optional [O × n] matrix on spike traces
  // filtered with τ_out (unit area, 1/s) → out [periods × O].
  struct Input {
    const float* samples = nullptr;
    std::size_t sampleCount = 0, channels = 0;
    double samplePeriodUs = 0;
    const uint32_t* eventTimes = nullptr;
    const uint32_t* eventChannels = nullptr;
    std::size_t eventCount = 0;
  };
  // The decoded output once per period of periodUs (0: every step): r decays by exp(−period/τ_out)
  // at the start of a period and jumps by 1000/τ_out at each spike of a step that starts in it; out is
  // Σ_n w[o, n]·r_n at the period's end — what a client decodes from a board's spike times (a spike at
  // time t belongs to period floor(t/period)).
  struct Decode {
    const float* weights = nullptr;  // [O × n]
    std::size_t outputs = 0;
    double tauOutMs = 0;
    double periodUs = 0;
  };
  struct Recording {
    std::vector<int32_t> spikeSteps, spikeNeurons;  // dense indices
    bool keepSpikes = false;
    // the spikes kept by all the runs that share `keptEvents`: more than maxKeptEvents throws InvalidArgument
    std::atomic<std::size_t>* keptEvents = nullptr;
    std::size_t maxKeptEvents = 0;
    int32_t* counts = nullptr;   // [n], added to
    float* out = nullptr;        // [periods × O]
    // the membrane potentials of these dense neurons at the end of each decode period → [periods × K]
    const int32_t* membraneNeurons = nullptr;
    std::size_t membraneCount = 0;
    float* membrane = nullptr;
  };
  // Perturbations of a run, as the simulator applies them (docs/method.md §10, §14.1): membrane noise, a
  // Gaussian of noiseStd (V units, per step of dt) added to V after each integration step, drawn for
  // every neuron every step from stream `sample` of noiseSeed (so a run's noise does not depend on the
  // thread count or on which neurons are refractory or silenced); silenced neurons (a mask over the
  // dense order) held at their reset potential, unable to spike, in the steps that start in
  // [silenceStartUs, silenceEndUs) (neuron death).
  struct Perturbation {
    double noiseStd = 0;
    uint64_t noiseSeed = 0;
    std::vector<uint8_t> silenced;  // [n] or empty
    double silenceStartUs = 0, silenceEndUs = 0;
  };
  void run(const Input& in, std::size_t steps, const Decode& dec, Recording& rec, const Control& control,
           const Perturbation* perturbation = nullptr, std::size_t sample = 0) const;

  // The state of a run, for stepping one step at a time (a board session streams its input).
  struct State {
    std::vector<double> v;
    std::vector<double> syn;         // [4 × stride]: synapse type s of neuron i at s·stride + i (Tables::stride)
    std::vector<double> refractory;  // steps left (whole numbers)
    std::vector<int32_t> pending, spiked;  // after step(): pending = the dense indices that spiked in it
    // the step's scratch: each channel's x·dt, the noise deviates, the held and spiking masks
    std::vector<double> scale, noise, layerScale;
    std::vector<int32_t> activeLayers;
    std::vector<int64_t> held, spikes;
  };
  // Every neuron and synapse at rest (V = 0, no current, not refractory), no spike in flight.
  void reset(State& s) const;
  // One step: the input events of this step (their channels, in time order) or one analog sample
  // x[channels] (null: none); afterwards s.pending holds the step's spikes, delivered in the next step.
  void step(State& s, const uint32_t* evChannels, std::size_t nEv, const float* x, std::size_t channels) const {
    step(s, evChannels, nEv, x, channels, nullptr, 0, nullptr);
  }
  // One step with noise (noiseStd > 0: a deviate per neuron from `noise`) and the silenced neurons (`hold`: a mask, or null).
  void step(State& s, const uint32_t* evChannels, std::size_t nEv, const float* x, std::size_t channels, const uint8_t* hold,
            double noiseStd, Rng* noise) const;

  // What one step reads (chip_kernel-inl.hpp, compiled once per SIMD level).
  struct Rows {
    std::vector<int32_t> start;
    std::vector<int32_t> element;  // the synapse a connection adds to: type · stride + target
    std::vector<double> efficacy;
  };
  static constexpr std::size_t kBlock = 8;  // synapses per block of the layered analog input
  struct Tables {
    std::size_t n = 0;
    std::size_t stride = 0;  // n rounded up to kBlock: one synapse type's plane of State::syn
    double dtMs = 0.1;
    std::vector<double> dtOverTau, threshold, reset, bias, refractorySteps;
    std::vector<double> decay;  // [4 × stride], as State::syn (0 beyond n)
    Rows fromNeuron, fromInput;  // by source (neuron, input channel), configuration order within one
    // The analog input, in the order the rows by channel add it to each synapse (channel ascending,
    // configuration order within a channel), in two forms:
    // by synapse: the synapses any input channel reaches (ascending), and each one's connections
    std::vector<int32_t> analogElement, analogStart, analogChannel;
    std::vector<double> analogEfficacy;
    std::size_t analogChannels = 0;  // 1 + the highest channel with a connection
    // layered, for the vector loop: a layer is one channel's r-th connection to each synapse (layers in
    // channel order, then r), over the planes of the synapse types an input reaches, kept as
    // [plane][block of kBlock synapses][layer][kBlock] with NaN where a synapse has no such connection
    // (an efficacy is never NaN); empty when it would hold more than 12 slots per connection
    std::vector<int32_t> layerPlane, layerChannel;
    std::vector<double> layerEfficacy;
  };

 private:
  Tables t_;
  double dtUs_ = 100;
  std::vector<uint32_t> address_;
  std::vector<double> tauMem_;
  std::vector<double> connEff_;
};

// A batch of independent runs from rest (sample b on its own), spread over the pool; results do not
// depend on the thread count.
struct BatchInput {
  const float* samples = nullptr;  // [B, T, C]
  std::size_t batch = 0, steps = 0, channels = 0;
  double samplePeriodUs = 0;
  // events of all samples: sample index (non-decreasing), time, channel
  const int32_t* eventSample = nullptr;
  const uint32_t* eventTimes = nullptr;
  const uint32_t* eventChannels = nullptr;
  std::size_t eventCount = 0;
  double durationUs = 0;  // events: the run's duration
  const Emulator::Perturbation* perturbation = nullptr;  // sample b draws its noise from stream b
  std::vector<int32_t> membraneNeurons;  // dense neurons whose potential is kept once per decode period
};
struct BatchOutput {
  std::size_t steps = 0;
  std::size_t outSteps = 0;  // decoded periods (decode.periodUs; steps when 0)
  std::vector<int32_t> counts;  // [B, n]
  std::vector<float> out;       // [B, outSteps, O]
  std::vector<int32_t> spikeSample, spikeStep, spikeNeuron;  // of the first `spikesOf` samples
  std::vector<float> membrane;  // [B, outSteps, K] with BatchInput::membraneNeurons
};
// The decoded periods of a run of `steps` steps of dtUs.
std::size_t decode_periods(std::size_t steps, double dtUs, double periodUs);
// The spikes of the first `spikesOf` samples are kept, at most maxSpikeEvents in all (InvalidArgument beyond).
void run_batch(const Emulator& e, const BatchInput& in, const Emulator::Decode& dec, std::size_t spikesOf, unsigned threads,
               const Control& control, BatchOutput& out, std::size_t maxSpikeEvents = SIZE_MAX);

}  // namespace mimic::chip
