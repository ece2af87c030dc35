// The wake-phrase decision rule (wake_task.hpp; docs/method.md §6).
#include "wake_task.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace mimic {
namespace {

class WakeRule final : public DecisionRule {
 public:
  WakeRule(double alpha, double level, double labelThreshold, double candidates)
      : alpha_(alpha), level_(level), labelThreshold_(labelThreshold), candidates_(std::size_t(candidates)) {}

  int8_t decide(const float* y, std::size_t steps, std::size_t stride, const TaskValues& fitted) const override {
    const double s = wake_score(y, steps, stride, alpha_, level_);
    if (std::isnan(s)) return 0;
    return s > fitted.at("boundary") ? 1 : -1;
  }
  int8_t label(const float* target, std::size_t steps, std::size_t stride) const override {
    for (std::size_t t = 0; t < steps; ++t)
      if (target[t * stride] > labelThreshold_) return 1;
    return -1;
  }
  bool has_smoothed() const override { return true; }
  void smoothed(const float* y, std::size_t steps, std::size_t stride, float* out) const override {
    double ys = 0;
    for (std::size_t t = 0; t < steps; ++t) {
      ys = alpha_ * ys + (1 - alpha_) * double(y[t * stride]);
      out[t * stride] = float(ys);
    }
  }
  TaskValues fit(const float* outputs, const int8_t* labels, std::size_t count, std::size_t steps, std::size_t width,
                 const Control& control) const override {
    // One boundary for all outputs (the task has one).
    std::vector<double> scores;
    std::vector<int8_t> ls;
    for (std::size_t i = 0; i < count; ++i) {
      control.check();
      for (std::size_t k = 0; k < width; ++k) {
        scores.push_back(wake_score(outputs + i * steps * width + k, steps, width, alpha_, level_));
        ls.push_back(labels[i * width + k]);
      }
    }
    return {{"boundary", fit_wake_boundary(scores.data(), ls.data(), scores.size(), candidates_)}};
  }

 private:
  double alpha_, level_, labelThreshold_;
  std::size_t candidates_;
};

std::shared_ptr<const DecisionRule> make_rule(const TaskValues& o) {
  return std::make_shared<const WakeRule>(o.at("alpha"), o.at("level"), o.at("labelThreshold"), o.at("candidates"));
}

}  // namespace

double wake_score(const float* y, std::size_t steps, std::size_t stride, double alpha, double level) {
  double ys = 0, run = 0, best = 0;
  for (std::size_t t = 0; t < steps; ++t) {
    const double v = double(y[t * stride]);
    if (std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
    ys = alpha * ys + (1 - alpha) * v;
    if (ys >= level) {
      run += ys;
      if (run > best) best = run;
    } else {
      run = 0;
    }
  }
  return best;
}

double fit_wake_boundary(const double* scores, const int8_t* labels, std::size_t count, std::size_t candidates) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < count; ++i)
    if (std::isfinite(scores[i])) lo = std::fmin(lo, scores[i]), hi = std::fmax(hi, scores[i]);
  if (!(lo <= hi)) return 0;
  if (candidates < 2 || lo == hi) candidates = 1;
  std::size_t bestCorrect = 0, runStart = 0, runEnd = 0;
  bool inRun = false, runClosed = false;
  for (std::size_t j = 0; j < candidates; ++j) {
    const double b = candidates == 1 ? lo : lo + (hi - lo) * double(j) / double(candidates - 1);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const int8_t d = std::isnan(scores[i]) ? 0 : (scores[i] > b ? 1 : -1);
      if (d == labels[i]) ++correct;
    }
    if (correct > bestCorrect || j == 0) {
      bestCorrect = correct, runStart = runEnd = j, inRun = true, runClosed = false;
    } else if (correct == bestCorrect && inRun && !runClosed && runEnd + 1 == j) {
      runEnd = j;
    } else if (correct < bestCorrect) {
      runClosed = true;
    }
  }
  const double mid = double(runStart + runEnd) / 2;
  return candidates == 1 ? lo : lo + (hi - lo) * mid / double(candidates - 1);
}

TaskEntry wake_phrase_task() {
  TaskEntry t;
  t.name = "wake-phrase";
  t.ruleOptions = {
      {"alpha", 0, 1, 0.95, false, "smoothing of the read-out: y_s[t] = alpha·y_s[t−1] + (1 − alpha)·y[t]"},
      {"level", -1e12, 1e12, 0.5, false, "y_s is summed over stretches where y_s ≥ level"},
      {"labelThreshold", -1e12, 1e12, 0.5, false, "label +1 when the target ever exceeds it, else −1"},
      {"candidates", 2, 1e6, 1000, true, "boundaries tried when fitting, evenly spaced between the smallest and largest validation score"},
  };
  t.fitted = {{"boundary", -1e12, 1e12, 0, false, "keyword when the largest sum of y_s over a stretch ≥ level exceeds it (steps)"}};
  t.makeRule = make_rule;
  return t;
}

}  // namespace mimic
