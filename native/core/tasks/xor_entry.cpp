// The temporal XOR task as the trainers and scorers take it (task.hpp): its generator as a
// SampleSource, its read-out as a DecisionRule, and the settings of both.
#include <cmath>
#include <cstdio>
#include <string>

#include "task.hpp"
#include "xor_task.hpp"

namespace mimic {
namespace {

class XorSource final : public SampleSource {
 public:
  explicit XorSource(const XorParams& p) : p_(p), steps_(xor_steps(p)) {}
  std::size_t channels() const override { return 1; }
  std::size_t outputs() const override { return 1; }
  std::size_t steps() const override { return steps_; }
  void draw(uint64_t seed, std::size_t count, unsigned threads, const Control& control, TaskBatch& out) const override {
    generate_xor(p_, count, seed, threads, control, out);
  }
  // A step of a sample: the pulses and the two Gaussian convolutions of 8σ + 1 taps.
  double work_per_step() const override { return 6 + 8 * p_.inputSigmaSteps + 8 * p_.targetSigmaSteps; }
  double scratch_bytes() const override { return 4.0 * static_cast<double>(steps_); }

 private:
  XorParams p_;
  std::size_t steps_;
};

class XorRule final : public DecisionRule {
 public:
  XorRule(double alpha, double threshold, double labelThreshold)
      : alpha_(alpha), threshold_(threshold), labelThreshold_(labelThreshold) {}
  int8_t decide(const float* y, std::size_t steps, std::size_t stride, const TaskValues&) const override {
    return xor_decision(y, steps, stride, alpha_, threshold_);
  }
  int8_t label(const float* target, std::size_t steps, std::size_t stride) const override {
    return xor_label(target, steps, stride, labelThreshold_);
  }
  bool has_smoothed() const override { return true; }
  void smoothed(const float* y, std::size_t steps, std::size_t stride, float* out) const override {
    xor_smoothed(y, steps, stride, alpha_, out);
  }

 private:
  double alpha_, threshold_, labelThreshold_;
};

std::shared_ptr<const SampleSource> make_source(const TaskValues& o, double dtMs) {
  XorParams p;
  p.durationS = o.at("durationS");
  p.inputSigmaSteps = o.at("inputSigmaSteps");
  p.targetSigmaSteps = o.at("targetSigmaSteps");
  p.dtS = dtMs / 1000;
  const double steps = std::round(p.durationS / p.dtS);
  if (steps < 10) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", steps);
    throw TaskOptionError("durationS", "durationS / dtMs must give at least 10 steps but gives " + std::string(buf));
  }
  return std::make_shared<const XorSource>(p);
}

std::shared_ptr<const DecisionRule> make_rule(const TaskValues& o) {
  return std::make_shared<const XorRule>(o.at("alpha"), o.at("threshold"), o.at("labelThreshold"));
}

}  // namespace

TaskEntry xor_task() {
  const XorParams d;
  TaskEntry t;
  t.name = "xor";
  t.sourceOptions = {
      {"durationS", 0.01, 3600, d.durationS, false, "length of a sample (s)"},
      {"inputSigmaSteps", 0, 1e4, d.inputSigmaSteps, false, "Gaussian smoothing of the input pulses (steps)"},
      {"targetSigmaSteps", 0, 1e4, d.targetSigmaSteps, false, "Gaussian smoothing of the target pulse (steps)"},
  };
  t.ruleOptions = {
      {"alpha", 0, 1, 0.95, false, "smoothing of the read-out: y_s[t] = alpha·y_s[t−1] + (1 − alpha)·y[t]"},
      {"threshold", 0, 1e12, 0.5, false, "decision +1 where y_s > threshold, else −1 where y_s < −threshold"},
      {"labelThreshold", -1e12, 1e12, 0.5, false, "label +1 when the target ever exceeds it, else −1"},
  };
  t.makeSource = make_source;
  t.makeRule = make_rule;
  return t;
}

}  // namespace mimic
