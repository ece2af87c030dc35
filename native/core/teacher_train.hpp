// Training the teacher by BPTT and Adam (docs/method.md §3): epochs of samples in batches; per-sample
// gradients in parallel on the global pool, reduced in sample order (results do not depend on the
// thread count). The trainer keeps its state between calls of run_epochs, and a cancelled epoch is
// rolled back, so n epochs in one call or in several calls, cancelled or not, give the same result.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "adam.hpp"
#include "cancel.hpp"
#include "task.hpp"
#include "teacher.hpp"

namespace mimic {

struct TeacherDataset {
  std::size_t count = 0, steps = 0;
  std::vector<float> inputs;   // [count, steps, channels]
  std::vector<float> targets;  // [count, steps, outputs]
  std::vector<int8_t> labels;  // [count, outputs] for the accuracy; empty = derived from targets
};

struct TeacherTrainOptions {
  TeacherLossOptions loss;
  AdamOptions adam;
  double clipNorm = 0;  // global gradient norm limit; 0 = no clipping
  // Step-size schedule over epochs: 0 = constant; E > 0 = cosine from the step size in epoch 1 down to
  // stepSizeFloor times it in epoch E (and after): stepSize * (f + (1 - f) * (1 + cos(pi (e-1)/(E-1))) / 2).
  std::size_t cosineEpochs = 0;
  double stepSizeFloor = 0.05;
  bool trainWIn = true, trainWRec = true, trainWOut = true, trainBias = true, trainTau = true;
  // Adam works on tau in seconds (as the authors' code, whose step size 1e-4 was chosen for it), so
  // a step moves tau by up to stepSize * 1000 ms. false: Adam works on tau in ms (1000x slower).
  bool tauStepInSeconds = true;
  std::size_t batchSize = 1;
  unsigned threads = 0;  // 0 = all threads of the pool
  uint64_t seed = 0;     // training data: a task's samples of epoch e come from (seed, e); shuffling too
  bool shuffle = true;   // dataset mode: a fresh permutation per epoch
  std::size_t epochSamples = 0;  // dataset mode: training samples per epoch (0: all; dataset_epoch_order)
  // Data: fresh samples of a task each epoch (source set; the samples' labels are read from their
  // targets by the rule), or the trainer's dataset.
  std::shared_ptr<const SampleSource> source;
  std::size_t samplesPerEpoch = 500;
  // Accuracy by a task's decision rule on every output channel, with its fitted settings (complete);
  // null: no accuracy (then keepBest keeps the lowest validation MSE).
  std::shared_ptr<const DecisionRule> rule;
  TaskValues fitted;
  bool keepBest = false;  // keep the parameters with the best validation accuracy (ties: lower MSE)
};

struct TeacherEpochRecord {
  uint64_t epoch = 0;  // 1-based number of this epoch since the trainer was created
  std::size_t samples = 0, batches = 0;
  double loss = 0;   // mean over batches of the total batch loss
  TeacherLossTerms terms;  // mean over batches (mse unweighted)
  double accuracy = -1;    // training accuracy of the outputs seen during the epoch (-1 = not computed)
  double gradNorm = 0;     // mean global gradient norm before clipping
  bool hasValidation = false;
  double valMse = 0, valAccuracy = -1;  // valAccuracy -1 without a rule
  bool best = false;  // this epoch's parameters are the new best (keepBest)
  double seconds = 0;
  double tauMinMs = 0, tauMaxMs = 0;
  double stepSize = 0;  // the Adam step size of this epoch (the schedule's)
};

class TeacherTrainer {
 public:
  TeacherTrainer(TeacherParams params, TeacherTrainOptions options, std::shared_ptr<const TeacherDataset> train,
                 std::shared_ptr<const TeacherDataset> validation);

  // Runs n epochs. onEpoch is called after each completed epoch (on the calling thread). Cancelling
  // (control.cancel) between batches restores the state of the end of the last completed epoch and
  // throws Cancelled.
  void run_epochs(std::size_t n, const Control& control, const std::function<void(const TeacherEpochRecord&)>& onEpoch);

  const TeacherParams& params() const { return params_; }
  const TeacherParams* best_params() const { return hasBest_ ? &best_ : nullptr; }
  uint64_t best_epoch() const { return bestEpoch_; }
  uint64_t epochs_done() const { return epoch_; }
  uint64_t adam_steps() const { return adam_.steps(); }
  const TeacherTrainOptions& options() const { return o_; }
  std::size_t samples_per_epoch() const;

  // Validation metrics of given parameters (MSE, accuracy; -1 without a rule), forward passes in parallel.
  void evaluate(const TeacherParams& p, const TeacherDataset& d, double& mse, double& accuracy,
                const Control& control) const;

 private:
  TeacherEpochRecord run_epoch(const Control& control, std::size_t doneBefore, std::size_t totalSamples);
  // One Adam step on the batch's gradient; stepFactor scales the step size (the schedule's factor of
  // the running epoch, step_factor).
  void apply_step(const TeacherGradT<float>& grad, double stepFactor, TeacherEpochRecord& rec);
  // The schedule's factor of the step size in epoch `epoch` (1-based).
  double step_factor(uint64_t epoch) const;

  TeacherParams params_;
  TeacherTrainOptions o_;
  std::shared_ptr<const TeacherDataset> train_, validation_;
  Adam adam_;
  uint64_t epoch_ = 0;
  TeacherParams best_;
  bool hasBest_ = false;
  uint64_t bestEpoch_ = 0;
  double bestAcc_ = -1, bestMse_ = 0;
};

}  // namespace mimic
