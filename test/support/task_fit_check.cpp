// A task whose decision rule fits a threshold on validation data, written on native/core/task.hpp as
// a task file would be (the wake phrase of issue 15 will be one), with its own registry in place of
// native/core/tasks/registry.cpp. It checks the home of a fitted setting: declared in the task's
// entry, checked and completed by complete_settings, found by DecisionRule::fit, used by decide()
// through score_outputs. Compiled with native/core/task.cpp only; prints one line per check and
// "checks N failures M".
#include <cmath>
#include <cstdio>
#include <string>

#include "task.hpp"

namespace mimic {
namespace {

// +1 when the output's peak exceeds the fitted threshold, else −1; the label: the target's peak above 0.5.
class PeakRule final : public DecisionRule {
 public:
  int8_t decide(const float* y, std::size_t steps, std::size_t stride, const TaskValues& fitted) const override {
    return peak(y, steps, stride) > fitted.at("threshold") ? 1 : -1;
  }
  int8_t label(const float* target, std::size_t steps, std::size_t stride) const override {
    return peak(target, steps, stride) > 0.5 ? 1 : -1;
  }
  // Halfway between the highest peak of a −1 sample and the lowest peak of a +1 sample.
  TaskValues fit(const float* outputs, const int8_t* labels, std::size_t count, std::size_t steps, std::size_t width,
                 const Control&) const override {
    double hiNeg = -1e9, loPos = 1e9;
    for (std::size_t i = 0; i < count; ++i) {
      const double p = peak(outputs + i * steps * width, steps, width);
      if (labels[i * width] < 0) hiNeg = std::fmax(hiNeg, p);
      else loPos = std::fmin(loPos, p);
    }
    return {{"threshold", (hiNeg + loPos) / 2}};
  }

 private:
  static double peak(const float* y, std::size_t steps, std::size_t stride) {
    double m = -1e30;
    for (std::size_t t = 0; t < steps; ++t) m = std::fmax(m, double(y[t * stride]));
    return m;
  }
};

std::shared_ptr<const DecisionRule> make_rule(const TaskValues&) { return std::make_shared<const PeakRule>(); }

}  // namespace

const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> tasks = {[] {
    TaskEntry t;
    t.name = "peak";
    t.fitted = {{"threshold", -10, 10, 0.5, false, "decision threshold on the output's peak"}};
    t.makeRule = make_rule;
    return t;
  }()};
  return tasks;
}

}  // namespace mimic

static int checks = 0, failures = 0;
static void check(bool ok, const std::string& what) {
  ++checks;
  if (!ok) ++failures;
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
}

int main() {
  using namespace mimic;
  const TaskEntry& entry = find_task("peak");
  check(complete_settings(entry.fitted, {}) == TaskValues{{"threshold", 0.5}}, "the fitted setting's default completes an empty set");
  try {
    complete_settings(entry.fitted, {{"threshold", 11}});
    check(false, "a fitted value out of its range is refused");
  } catch (const TaskOptionError& e) {
    check(e.option == "threshold" && std::string(e.what()) == "threshold must be between -10 and 10 but is 11",
          std::string("a fitted value out of its range is refused: ") + e.what());
  }
  try {
    complete_settings(entry.fitted, {{"boundary", 0}});
    check(false, "an unknown fitted setting is refused");
  } catch (const TaskOptionError& e) {
    check(e.option == "boundary", std::string("an unknown fitted setting is refused: ") + e.what());
  }
  try {
    find_task("nope");
    check(false, "an unknown task is refused");
  } catch (const InvalidArgument& e) {
    check(std::string(e.what()) == "there is no task 'nope': the tasks are 'peak'", std::string("an unknown task is refused: ") + e.what());
  }
  const Task task = make_task("peak", {});
  check(task.source == nullptr && task.rule != nullptr, "a task without a generator: no source, a rule");

  // 4 validation samples of 3 steps: peaks 0.6, 0.65 (labels −1) and 0.8, 0.9 (labels +1).
  const float outputs[] = {0.1f, 0.6f, 0.2f, 0.65f, 0.0f, 0.0f, 0.3f, 0.8f, 0.1f, 0.9f, 0.9f, 0.2f};
  const int8_t labels[] = {-1, -1, 1, 1};
  TaskScore before;
  score_outputs(*task.rule, complete_settings(entry.fitted, {}), outputs, 4, 3, 1, nullptr, labels, before);
  check(before.correct == 2 && before.accuracy() == 0.5, "with the default threshold 0.5 half the samples are right");
  const TaskValues fitted = complete_settings(entry.fitted, task.rule->fit(outputs, labels, 4, 3, 1, Control()));
  check(std::fabs(fitted.at("threshold") - 0.725) < 1e-6, "fit finds the threshold between the classes: " + std::to_string(fitted.at("threshold")));
  TaskScore after;
  score_outputs(*task.rule, fitted, outputs, 4, 3, 1, nullptr, labels, after);
  check(after.correct == 4 && after.undecided == 0 && after.accuracy() == 1.0, "with the fitted threshold every sample is right");
  std::printf("checks %d failures %d\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
