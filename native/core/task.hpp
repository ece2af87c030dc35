// Tasks as the trainers and scorers see them, without naming one (the tasks themselves live in
// native/core/tasks/, one file per task, and are listed in tasks/registry.cpp).
//
// A task is
//   - a SampleSource (may be absent: a task whose data are only imported): draws seeded samples
//     [count, steps, channels] with targets [count, steps, outputs] and labels [count, outputs];
//   - a DecisionRule: the decision (+1, −1, or 0 = none, counted as wrong) on one output trace, the
//     label a target trace stands for, optionally the trace the rule reads (e.g. a smoothed output),
//     and the settings it fits on validation data (e.g. a decision boundary; none by default).
// Both are made from numeric settings that the task declares (TaskSetting: name, range, default), so
// the binding reads and checks them without knowing the task: its generator's options, its rule's
// options and its fitted settings (whose defaults hold until they are fitted).
//
// Sources and rules are immutable once made: the trainers call them from several pool threads at once.
//
// Adding a task: native/core/tasks/<name>_task.{hpp,cpp} defining its source, rule and TaskEntry,
// and one include and one entry in native/core/tasks/registry.cpp. A rule with a setting fitted on
// validation data (a decision threshold) lists it in TaskEntry::fitted (name, range, default),
// implements DecisionRule::fit and reads it in decide(); test/support/task_fit_check.cpp is one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cancel.hpp"

namespace mimic {

// Samples of a task.
struct TaskBatch {
  std::size_t count = 0, steps = 0, channels = 0, outputs = 0;
  std::vector<float> inputs;   // [count, steps, channels]
  std::vector<float> targets;  // [count, steps, outputs]
  std::vector<int8_t> labels;  // [count, outputs], +1 or -1
};

// A numeric setting a task declares: an option of its generator or rule, or a fitted setting.
struct TaskSetting {
  std::string name;
  double min = 0, max = 0, value = 0;  // the range and the default
  bool integer = false;
  std::string doc;  // one line, with the unit
};

// Settings by name. A complete set (complete_settings) holds every declared setting.
using TaskValues = std::map<std::string, double>;

// A wrong option or setting of a task, named relative to the object it came from ("durationS"); the
// message starts with that name ("durationS / dtMs must give at least 10 steps but gives 3").
struct TaskOptionError : InvalidArgument {
  TaskOptionError(std::string option_, const std::string& message) : InvalidArgument(message), option(std::move(option_)) {}
  std::string option;
};

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual std::size_t channels() const = 0;
  virtual std::size_t outputs() const = 0;
  virtual std::size_t steps() const = 0;
  // Samples [0, count) of the stream `seed` into out (sized and overwritten). Sample i depends only on
  // (seed, i): not on the thread count (at most `threads` of the global pool, 0 = all). Checks the
  // cancel flag, and reports progress through control.
  virtual void draw(uint64_t seed, std::size_t count, unsigned threads, const Control& control, TaskBatch& out) const = 0;
  // For the binding's budgets: operations per sample step of drawing, scratch bytes per thread.
  virtual double work_per_step() const { return 1; }
  virtual double scratch_bytes() const { return 0; }
};

class DecisionRule {
 public:
  virtual ~DecisionRule() = default;
  // The decision on the output trace y[t * stride], t < steps: +1, −1, or 0 (no decision, counted as
  // wrong). `fitted` is complete (every fitted setting the task declares).
  virtual int8_t decide(const float* y, std::size_t steps, std::size_t stride, const TaskValues& fitted) const = 0;
  // The label a target trace stands for: +1 or −1.
  virtual int8_t label(const float* target, std::size_t steps, std::size_t stride) const = 0;
  // The trace the rule reads its decision off (written to out[t * stride]), when it has one.
  virtual bool has_smoothed() const { return false; }
  virtual void smoothed(const float* /*y*/, std::size_t /*steps*/, std::size_t /*stride*/, float* /*out*/) const {}
  // The settings fitted on validation outputs [count, steps, width] with labels [count, width]
  // (e.g. the threshold that separates them best); only the task's fitted settings. Default: none.
  virtual TaskValues fit(const float* /*outputs*/, const int8_t* /*labels*/, std::size_t /*count*/, std::size_t /*steps*/,
                         std::size_t /*width*/, const Control& /*control*/) const {
    return {};
  }
};

struct Task {
  std::shared_ptr<const SampleSource> source;  // null: the task draws no samples (imported data only)
  std::shared_ptr<const DecisionRule> rule;
};

// A task as the registry lists it. The make functions get complete, checked values and the time step
// (ms) of the network the samples are for; they throw TaskOptionError for combinations they refuse.
struct TaskEntry {
  std::string name;
  std::vector<TaskSetting> sourceOptions;  // empty and makeSource null: no generator
  std::vector<TaskSetting> ruleOptions;
  std::vector<TaskSetting> fitted;
  std::shared_ptr<const SampleSource> (*makeSource)(const TaskValues& options, double dtMs) = nullptr;
  std::shared_ptr<const DecisionRule> (*makeRule)(const TaskValues& options) = nullptr;
};

// The registered tasks (tasks/registry.cpp); the first is the default of callers that need one.
const std::vector<TaskEntry>& task_registry();
// The entry of `name`; throws InvalidArgument naming the registered tasks when there is none.
const TaskEntry& find_task(const std::string& name);
// `given` checked against `settings` (known names, ranges, integers; TaskOptionError otherwise) and
// completed with the defaults.
TaskValues complete_settings(const std::vector<TaskSetting>& settings, const TaskValues& given);

struct TaskOptions {
  TaskValues source, rule;  // given values (defaults for the others)
  double dtMs = 1;          // the time step of the samples
};
// The task's source (null when it has no generator) and rule, from checked, completed options.
Task make_task(const std::string& name, const TaskOptions& options);
std::shared_ptr<const SampleSource> make_task_source(const TaskEntry& task, const TaskValues& options, double dtMs);
std::shared_ptr<const DecisionRule> make_task_rule(const TaskEntry& task, const TaskValues& options);

// The stream seed of the fresh samples a trainer seeded `seed` draws in epoch `epoch` (0-based): the
// teacher and ADS trainers alike draw source->draw(training_draw_seed(seed, e), samplesPerEpoch, ...).
uint64_t training_draw_seed(uint64_t seed, uint64_t epoch);

// The training samples of epoch `epoch` (0-based) in dataset mode, as indices into a training split of
// `count` samples: with `shuffle`, the first `perEpoch` of a fresh permutation drawn from (seed, epoch);
// without, `perEpoch` consecutive samples of the stored order, epoch e starting at e·perEpoch (mod
// count). perEpoch 0 or ≥ count: every sample once (the whole split in that order). The teacher and ADS
// trainers alike (docs/method.md §5: the paper's epochs visited 10 % of the training set); the FORCE and
// BPTT baselines (always shuffled) with salts of their own, so that each keeps the orders its runs stored.
// The permutation is drawn from Rng(derive_seed(seed, epoch, salt), 0).
constexpr uint64_t kSaltEpochOrder = 0x5348554646ULL;  // the teacher's and ADS's (as before the fraction existed)
std::vector<std::size_t> dataset_epoch_order(std::size_t count, std::size_t perEpoch, bool shuffle, uint64_t seed, uint64_t epoch,
                                             uint64_t salt = kSaltEpochOrder);

// Decisions on outputs [count, steps, width] and their score.
struct TaskScore {
  std::vector<int8_t> decisions;  // [count, width]
  std::vector<int8_t> labels;     // [count, width]; empty without labels and targets
  std::size_t correct = 0;        // decisions equal to their label
  std::size_t undecided = 0;      // decisions 0
  // correct / (count · width), or −1 without labels
  double accuracy() const {
    return labels.empty() || decisions.empty() ? -1.0 : static_cast<double>(correct) / static_cast<double>(decisions.size());
  }
};
// Labels from `labels` [count, width] when given, else read from `targets` [count, steps, width] by the
// rule, else none. `smoothed` [count, steps, width], when not null, receives the rule's trace (the rule
// must have one). Checks control's cancel flag per sample when given.
void score_outputs(const DecisionRule& rule, const TaskValues& fitted, const float* outputs, std::size_t count,
                   std::size_t steps, std::size_t width, const float* targets, const int8_t* labels, TaskScore& out,
                   float* smoothed = nullptr, const Control* control = nullptr);

// `fitted` with the settings the rule fits on validation outputs [count, steps, width] and their labels
// [count, width] replaced by the fitted values (unchanged when the rule fits nothing: DecisionRule::fit returns none). The trainers call
// it before scoring each epoch's validation, so that model selection sees the boundary the network
// would get (docs/method.md §5: "tune the decision boundary" after every epoch).
TaskValues refit(const DecisionRule& rule, const TaskValues& fitted, const float* outputs, const int8_t* labels,
                 std::size_t count, std::size_t steps, std::size_t width, const Control& control);

}  // namespace mimic
