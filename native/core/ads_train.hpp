// Training network ADS by the local learning rule (docs/method.md §4-6), natively.
//
// The network (build_ads_network): an EBN (ebn.hpp) with dims = teacher units, wIn = A·F·F̂ (F̂ the
// teacher's input weights, A = inputGain), decoder Fᵀ, encoder F, read-out = the teacher's wOut (so
// ỹ = D̂ᵀ x̃), Ω_s = 0. The target of sample s is the teacher's trajectory x̂ = tanh(x) (teacher.hpp).
//
// One training sample (batch 1: the rule is sequential), Euler steps t = 0..T-1 in the simulator's
// order (snn.hpp), with the error feedback I_fb(t) = k·F·e(t-1), e = x̂ − x̃, and the ONLINE rule
//   Ω_s[i, j] += η·r_i(t)·(F e(t))_j      i ≠ j (i pre, j post), after step t's x̃ and e,
// so the update of step t first acts on the slow current of spikes from step t+1 on. A spike of i at
// step t adds row i of the Ω_s of that moment (divided by tau_s) to I_s, as the simulator does.
//
// The rule is computed in one of three forms, all of them this rule in real arithmetic (they differ
// in rounding only); the TypeScript reference of the naive O(N²)-per-step rule in
// test/support/ads-reference.ts gives the same spikes and Ω_s within a relative 1e-5 on the tests (the
// events form 3e-5: its H is double where the simulator's x̃ is float; test/unit/native-ads.test.ts):
//
// 'online' with a uniform tau_out (the default; "events"): nothing of size N x D per step.
//   q(t) = F e(t) = P(t) − H(t) in N-space, with
//   - P = X̂ Fᵀ (T x N): one matrix-matrix product per sample, in blocks of kPBlock steps, computed
//     ahead on a second thread of the pool when one is free (AdsLearner::set_threads) and by the
//     training thread itself otherwise; float, each sum over d in order, no FMA (every level alike);
//   - H(t) = F x̃(t) = γ H(t−1) + Σ_{spikes j} M[:, j], M = F·decoder/tau_out (N x N, once per
//     learner), γ = exp(−dt/tau_out): O(N) per step and per spike (double);
//   - the feedback of step t+1 is k·q(t) (O(N)), added to the input current;
//   - Ω_s is kept explicitly (N x N, double, as the naive form), but row j is brought up to date only
//     when j spikes (it is needed then) and at the end of the sample: between two spikes of j,
//     r_j(u) = ρ_j γ^(u − a_j), so its increment is ρ_j γ^(−(a_j − w)) (Q(b) − Q(a_j − 1)) with the
//     N-vector prefix sum Q(t) = Σ_{v=w}^{t} γ^(v − w) η q(v) of the current window (w its first step;
//     windows of kWindow steps keep γ^(−(a − w)) ≤ γ^(−kWindow)). The part −c·Q(a_j − 1) is subtracted
//     from the row when the interval starts (so no history of Q is kept), and the sums Q of ended
//     windows are kept for neurons whose interval spans windows. A spike of j adds the row (all i ≠ j,
//     divided by tau_s,i) to I_s, as the naive form; the diagonal stays 0.
//   Per step: the simulation, O(N) for q, Q, H and the feedback, O(N) per spike; the product P
//   (T·N·D multiply-adds per sample, the same count as the per-step products it replaces, but as one
//   compute-bound matrix product instead of N x D matrix-vector products whose matrix streams from L2).
// 'online-lowrank' (and 'online' with per-neuron tau_out): the form before, kept for comparisons and
//   for reproducing runs made with it. Σ_t η r(t) (F e(t))ᵀ = (Σ_t η r(t) e(t)ᵀ) Fᵀ, so
//   Ω_s = Ω_0 + Ã Fᵀ (off the diagonal) with the low-rank accumulator Ã = Σ_t η r(t) e(t)ᵀ (N x D).
//   - Ã without a per-step N x D update (when all tau_out are equal): between two spikes of neuron i,
//     r_i(u) = ρ_i γ^(u − a_i), so its share of Ã is ρ_i·γ^(−a_i)·Σ_u γ^u η e(u), a difference of one
//     D-vector prefix sum G (a history of kWindow steps, re-based at window ends). Unequal tau_out:
//     Ã += η r eᵀ every step.
//   - The slow current without rows (when all tau_s are equal): the low-rank part of I_s,j is
//     Σ_spikes γ_s^(t−s) (Ã[i_s,:]·F[j,:])/tau_s = (F z)_j with the D-vector z = Σ γ_s^(t−s) Ã[i_s,:]/tau_s,
//     so it joins the feedback in one N x D product per step, F·(k e + z). The diagonal is removed by
//     subtracting (Ã[i,:]·F[i,:])/tau_s from I_s,i at i's own spike. Unequal tau_s: the spike adds the
//     row Ã[i,:]·Fᵀ (O(N·D) per spike).
//   Per step: the simulation, the N x D product F·u, O(D) for learning; per spike O(D).
// 'online-naive': Ω_s explicit, the O(N²) update every step; for checks and benchmarks.
//
// BATCHED variant (docs/method.md §5): Ω_s fixed during a sample; M = Σ_t r(t) e(t)ᵀ (as Ã, without η);
// at the end of the sample ΔΩ = M Fᵀ, diagonal zeroed, divided by the mean |ΔΩ| over all N² entries,
// Ω_s += η ΔΩ.
//
// Schedules (t = 0-based index of the training sample since the trainer was created): k constant or a
// staircase of `blocks` equal blocks over kTotalSamples from kStart down by kStart/blocks (never below
// kStart/blocks); η constant or η0·exp(−t/b) + c. Each epoch: samplesPerEpoch samples (fresh draws of
// a task from (seed, epoch) or a dataset in a seeded order), then validation with k = 0 and no learning
// on fixed samples (ads_evaluate: the simulator, in parallel), model selection by the lowest validation
// reconstruction error or the highest validation accuracy. A cancelled epoch is rolled back.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cancel.hpp"
#include "snn.hpp"
#include "task.hpp"
#include "teacher.hpp"

namespace mimic {

// ---- network ----------------------------------------------------------------------------------------

struct AdsNetwork {
  SnnParameters params;
  SnnWeights weights;  // encoder F [N x D] set; omegaS [pre, post]
};

struct AdsBuildOptions {
  std::size_t neurons = 0;
  uint64_t seed = 0;        // EBN draws (ebn.hpp)
  bool ebn = true;          // false: Ω_f = 0 ("no-EBN")
  double g = 0.5;           // fast weight gain (ebn.hpp); the paper: 0.5 for the smaller task
  double mu = 5e-4, nu = 1e-4;
  double inputGain = 200;   // A in wIn = A·F·F̂; the paper: 10/tau_mem(s) (smaller task), 50/tau_mem(s) (wake phrase)
  SnnParameters params;     // per neuron, validated; the EBN uses the mean tau_mem and mean vTh − vRest
};

AdsNetwork build_ads_network(const TeacherParams& teacher, const AdsBuildOptions& o, const Control& control = Control());

// ---- schedules and options --------------------------------------------------------------------------

// Online: the events form when tau_out is uniform, else the low-rank form; OnlineLowRank: always the
// low-rank form (the kernel before the events form).
enum class AdsRule { Online, OnlineLowRank, OnlineNaive, Batched };

// The name of a rule as the binding takes it ('online', 'online-lowrank', 'online-naive', 'batched').
const char* ads_rule_name(AdsRule rule);
enum class AdsSelection { Reconstruction, Accuracy };

struct AdsSchedule {
  double k = 75;                 // constant k, or kStart of the staircase
  bool kStaircase = false;
  std::size_t kTotalSamples = 0; // staircase length in samples
  std::size_t kBlocks = 8;
  double eta = 1e-6;             // η, or η0 of the exponential
  bool etaExponential = false;
  double etaDecaySamples = 1;    // b
  double etaFloor = 0;           // c
  double k_at(uint64_t sample) const;
  double eta_at(uint64_t sample) const;
};

struct AdsDataset {
  std::size_t count = 0, steps = 0;
  std::vector<float> inputs;   // [count, steps, channels]
  std::vector<float> targets;  // [count, steps, outputs], may be empty (no accuracy, no output MSE)
  std::vector<int8_t> labels;  // [count, outputs], may be empty (then from targets by labelThreshold)
};

struct AdsTrainOptions {
  AdsSchedule schedule;
  AdsRule rule = AdsRule::Online;
  std::shared_ptr<const SampleSource> source;  // fresh samples of a task each epoch; null: the dataset
  std::size_t samplesPerEpoch = 500;  // with a source; dataset mode: the dataset's count
  bool shuffle = true;                // dataset mode: a fresh order per epoch
  std::size_t epochSamples = 0;       // dataset mode: training samples per epoch (0: all; dataset_epoch_order)
  // Neuron death while training (docs/method.md §10, "death in training"): each training sample runs with
  // round(trainDeath·N) neurons, drawn afresh per sample, clamped to V = 0 as the simulator's silencing;
  // validation and test run the whole network. 0 = off.
  double trainDeath = 0;
  uint64_t seed = 0;                  // data streams and initial membrane potentials
  unsigned threads = 0;               // teacher forward passes and validation; 0 = the whole pool
  AdsSelection selection = AdsSelection::Reconstruction;
  std::shared_ptr<const DecisionRule> decision;  // validation accuracy by a task's rule; null: none
  TaskValues fitted;                             // the rule's fitted settings (complete)
  double dtMs = 1;
};

struct AdsEpochRecord {
  uint64_t epoch = 0;  // 1-based since the trainer was created
  std::size_t samples = 0;
  double trainReconstructionError = 0;  // mean over the epoch's samples (feedback on, learning on)
  double trainMeanRateHz = 0;
  bool hasValidation = false;
  double valReconstructionError = 0, valAccuracy = -1, valOutputMse = -1, valMeanRateHz = 0;
  double k = 0, eta = 0;  // used for the epoch's last sample
  double seconds = 0;
  bool best = false;      // this epoch's network became the best
};

// ---- evaluation -------------------------------------------------------------------------------------

struct AdsEvalOptions {
  uint64_t seed = 0;        // initial V of sample b from Rng(seed, b), as simulate() with 'uniform'
  unsigned threads = 0;
  double dtMs = 1;
  std::shared_ptr<const DecisionRule> decision;  // decisions (and accuracy with targets/labels); null: none
  TaskValues fitted;                             // the rule's fitted settings (complete)
  bool recordDecoded = false, recordOutput = false, recordSmoothed = false;  // smoothed: the rule's trace
  std::size_t recordSpikeSamples = 0;  // spike events of samples [0, n)
  std::size_t chunk = 0;               // samples per simulator call; 0 = ~64 MB of recordings (results do not depend on it)
};

struct AdsEvalResult {
  std::size_t count = 0, steps = 0;
  std::vector<double> reconstructionError;  // [B], NaN without x̂
  std::vector<double> outputMse;            // [B], NaN without targets
  std::vector<double> rateHz;               // [B]
  std::vector<int8_t> predictions, labels;  // [B, O]; empty without a rule, labels also without targets/labels
  double accuracy = -1, meanReconstructionError = -1, meanOutputMse = -1, meanRateHz = 0;
  uint64_t totalSpikes = 0;
  std::vector<float> decoded, output, smoothed;  // [B, T, D], [B, T, O], [B, T, O] when recorded
  std::vector<int32_t> spikeSteps, spikeNeurons, spikeOffsets;  // samples [0, n)
};

// x̂ of samples [first, first + count) into out [count, T, D] (e.g. from the teacher).
using AdsTargetProvider = std::function<void(std::size_t first, std::size_t count, float* out)>;

// Runs the network (k = 0, no learning) on B samples in chunks over the pool. targets [B, T, O] and
// labels [B, O] may be null; xhat is optional; decisions by o.decision when set. Results do not depend
// on the thread count or the chunk.
void ads_evaluate(const SnnModel& model, const float* inputs, std::size_t B, std::size_t T,
                  const AdsTargetProvider* xhat, const float* targets, const int8_t* labels,
                  const AdsEvalOptions& o, const Control& control, AdsEvalResult& out);

// x̂ = tanh(x) of the teacher for samples [first, first+count) of inputs [., T, C] (sample indices[k]
// when indices is given), into out [count, T, D], in parallel.
void teacher_trajectories(const TeacherParams& teacher, const float* inputs, std::size_t first, std::size_t count,
                          std::size_t T, unsigned threads, const Control& control, float* out);
void teacher_trajectories(const TeacherParams& teacher, const float* inputs, const std::size_t* indices,
                          std::size_t first, std::size_t count, std::size_t T, unsigned threads,
                          const Control& control, float* out);

// ---- one training sample (exposed for the benchmark) ---------------------------------------------------

// Wall-clock split of the training loop (filled when profiling is on; costs ~5 % then).
struct AdsProfile {
  double simulation = 0;  // input current, neuron update, spike rows, x̃ and e
  double feedback = 0;    // low-rank, naive, batched: the N x D product F·(k e + z). Events: the blocks of
                          // P the training thread computed or waited for, H and the q / feedback pass
  double learning = 0;    // everything of the rule (G or Q, flushes, z, windows, naive O(N²), batched end)
  double helperCpu = 0;   // events: seconds the second thread spent on blocks of P (not in the above)
  uint64_t steps = 0, spikes = 0;
  uint64_t blocks = 0, helperBlocks = 0;  // events: blocks of P, of which the second thread computed
};

class AdsKernel;          // ads_train.cpp
struct AdsEventsLayout;   // ads_train.cpp: M = F·decoder/tau_out and F in panels, shared by copies

// The learning state and the per-sample loop. Not thread-safe; one sample at a time.
class AdsLearner {
 public:
  AdsLearner(const AdsNetwork& net, AdsRule rule, double dtMs);
  ~AdsLearner();
  AdsLearner(const AdsLearner&);
  AdsLearner& operator=(const AdsLearner&);

  struct SampleResult {
    double reconstructionError = 0;
    uint64_t spikes = 0;
    uint64_t blocks = 0, helperBlocks = 0;  // events: blocks of P, of which the second thread computed
  };
  // Spike events of a sample (in time, then neuron order), when asked for.
  struct SpikeRecord {
    std::vector<int32_t> steps, neurons;
  };
  // Trains on one sample: input [T, C], x̂ [T, D]; initial V = initialV [N] when given, else uniform in
  // [vReset, vTh] from Rng(vSeed, vStream) (the draws of simulate() with seed vSeed for sample vStream).
  // keep [N] (optional): 0 for a neuron silenced for the whole sample (V = 0, no spike), 1 otherwise.
  SampleResult train_sample(const float* input, const float* xhat, std::size_t T, double k, double eta,
                            uint64_t vSeed, uint64_t vStream, const Control& control, AdsProfile* profile = nullptr,
                            const float* initialV = nullptr, SpikeRecord* record = nullptr,
                            const float* keep = nullptr);
  // The calling thread takes half of the feedback product F·u of the samples this learner trains on
  // another thread (the forms other than events, at N·D ≥ kFeedbackSplit), until `done`; each step's
  // half is claimed by whichever thread gets to it first, so the results are the same whether or not
  // (and how often) it helps. train_sample does this itself when the pool has a free second thread.
  static constexpr std::size_t kFeedbackSplit = 1 << 16;
  void serve_feedback(const std::atomic<bool>& done);
  // The network with the current Ω_s (materialised: events and naive O(N²); low-rank Ω_0 + Ã Fᵀ,
  // O(N²·D); zero diagonal; cancellable).
  AdsNetwork network(const Control& control = Control()) const;
  std::vector<float> slow_weights(const Control& control = Control()) const;
  std::size_t neurons() const { return net_.weights.neurons; }
  std::size_t dims() const { return net_.weights.dims; }
  // Makes what the events form derives from the network once (M = F·decoder/tau_out: O(N²·D)); the
  // first sample does it otherwise. Copies made after share it. Cancellable.
  void prepare(const Control& control = Control());
  // Threads of the global pool the events form may use for the product P (0 = the whole pool, 1 = the
  // training thread only). Results never depend on it.
  void set_threads(unsigned threads) { threads_ = threads; }
  // The form that computes the rule: "online-events", "online-lowrank", "online-naive" or "batched".
  const char* variant() const;

 private:
  void rebuild_model();
  AdsRule rule_;
  double dtMs_;
  AdsNetwork net_;                       // omegaS = Ω_0 (low-rank) or the current Ω_s (batched)
  std::shared_ptr<const SnnModel> model_;
  bool events_ = false;                  // the events form (rule Online with a uniform tau_out)
  unsigned threads_ = 0;
  std::vector<double> acc_;              // Ã (low-rank) or M (batched): [N x D]
  std::vector<double> omega_;            // events and online-naive: Ω_s [N x N], double
  std::shared_ptr<const AdsEventsLayout> layout_;  // events: made at the first sample (cancellable)
  std::unique_ptr<AdsKernel> kernel_;    // scratch
  std::vector<float> keepPad_;           // train_sample's keep mask at the padded width
};

// ---- the trainer ------------------------------------------------------------------------------------

class AdsTrainer {
 public:
  // validation may be null (no validation, no model selection); train is null with a source.
  AdsTrainer(TeacherParams teacher, AdsNetwork network, AdsTrainOptions options,
             std::shared_ptr<const AdsDataset> train, std::shared_ptr<const AdsDataset> validation);

  // Runs n epochs; onEpoch after each (calling thread). Cancelling restores the state of the last
  // completed epoch and throws Cancelled.
  void run_epochs(std::size_t n, const Control& control, const std::function<void(const AdsEpochRecord&)>& onEpoch);

  // The network after the last completed epoch (materialised at the end of each epoch on the training
  // thread, so that reading it is a copy, not O(N²·D) work on the caller's thread).
  const AdsNetwork& network() const { return *current_; }
  const AdsNetwork* best_network() const { return best_ ? best_.get() : nullptr; }
  uint64_t best_epoch() const { return bestEpoch_; }
  uint64_t epochs_done() const { return epoch_; }
  uint64_t samples_done() const { return samplesDone_; }
  std::size_t samples_per_epoch() const;
  // the progress count of one epoch: its training samples and its validation's share (validation_work)
  std::size_t validation_work() const;

  // count fresh samples of a task from a stream of `seed` that the training data never uses.
  static std::shared_ptr<AdsDataset> validation_set(const SampleSource& source, std::size_t count, uint64_t seed,
                                                    unsigned threads, const Control& control);

  // Validation metrics of a network on the trainer's validation set (k = 0, no learning).
  void validate(const AdsNetwork& net, AdsEvalResult& out, const Control& control) const;

 private:
  AdsEpochRecord run_epoch(const Control& control, std::size_t doneBefore, std::size_t total);

  TeacherParams teacher_;
  AdsTrainOptions o_;
  std::shared_ptr<const AdsDataset> train_, validation_;
  AdsLearner learner_;
  uint64_t epoch_ = 0, samplesDone_ = 0;
  std::shared_ptr<const AdsNetwork> current_, best_;
  uint64_t bestEpoch_ = 0;
  double bestRecon_ = 0, bestAcc_ = -1;
};

}  // namespace mimic
