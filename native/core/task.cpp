#include "task.hpp"

#include <cmath>
#include <cstdio>
#include <numeric>

#include "rng.hpp"

namespace mimic {
namespace {

std::string number(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", d);
  return buf;
}

}  // namespace

const TaskEntry& find_task(const std::string& name) {
  const auto& tasks = task_registry();
  std::string list;
  for (const auto& t : tasks) {
    if (t.name == name) return t;
    list += (list.empty() ? "'" : ", '") + t.name + "'";
  }
  throw InvalidArgument("there is no task '" + name + "': the tasks are " + list);
}

TaskValues complete_settings(const std::vector<TaskSetting>& settings, const TaskValues& given) {
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const auto& s : settings) known = known || s.name == name;
    if (!known) {
      std::string list;
      for (const auto& s : settings) list += (list.empty() ? "" : ", ") + s.name;
      throw TaskOptionError(name, name + " is not a setting here" + (list.empty() ? std::string(" (there are none)") : ": expected one of " + list));
    }
  }
  TaskValues out;
  for (const auto& s : settings) {
    const auto it = given.find(s.name);
    const double v = it == given.end() ? s.value : it->second;
    if (!std::isfinite(v)) throw TaskOptionError(s.name, s.name + " must be a finite number but is " + number(v));
    if (s.integer && std::floor(v) != v) throw TaskOptionError(s.name, s.name + " must be an integer but is " + number(v));
    if (v < s.min || v > s.max)
      throw TaskOptionError(s.name, s.name + " must be between " + number(s.min) + " and " + number(s.max) + " but is " + number(v));
    out[s.name] = v;
  }
  return out;
}

std::shared_ptr<const SampleSource> make_task_source(const TaskEntry& task, const TaskValues& options, double dtMs) {
  if (!task.makeSource) throw InvalidArgument("the task '" + task.name + "' has no generator: its samples are imported");
  if (!(dtMs > 0) || !std::isfinite(dtMs)) throw InvalidArgument("dtMs must be a positive finite number");
  return task.makeSource(complete_settings(task.sourceOptions, options), dtMs);
}

std::shared_ptr<const DecisionRule> make_task_rule(const TaskEntry& task, const TaskValues& options) {
  return task.makeRule(complete_settings(task.ruleOptions, options));
}

Task make_task(const std::string& name, const TaskOptions& options) {
  const TaskEntry& t = find_task(name);
  Task out;
  if (t.makeSource) out.source = make_task_source(t, options.source, options.dtMs);
  out.rule = make_task_rule(t, options.rule);
  return out;
}

void score_outputs(const DecisionRule& rule, const TaskValues& fitted, const float* outputs, std::size_t count,
                   std::size_t steps, std::size_t width, const float* targets, const int8_t* labels, TaskScore& out,
                   float* smoothed, const Control* control) {
  const std::size_t n = count * width;
  out = TaskScore{};
  out.decisions.assign(n, 0);
  if (labels || targets) out.labels.assign(n, 0);
  const std::size_t sample = steps * width;
  for (std::size_t i = 0; i < count; ++i) {
    if (control) control->check();
    for (std::size_t k = 0; k < width; ++k) {
      const std::size_t at = i * width + k;
      const int8_t d = rule.decide(outputs + i * sample + k, steps, width, fitted);
      out.decisions[at] = d;
      if (d == 0) ++out.undecided;
      if (labels || targets) {
        const int8_t l = labels ? labels[at] : rule.label(targets + i * sample + k, steps, width);
        out.labels[at] = l;
        if (d == l) ++out.correct;
      }
      if (smoothed) rule.smoothed(outputs + i * sample + k, steps, width, smoothed + i * sample + k);
    }
  }
}

uint64_t training_draw_seed(uint64_t seed, uint64_t epoch) { return derive_seed(seed, epoch, 0); }

std::vector<std::size_t> dataset_epoch_order(std::size_t count, std::size_t perEpoch, bool shuffle, uint64_t seed, uint64_t epoch,
                                             uint64_t salt) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t(0));
  const bool part = perEpoch > 0 && perEpoch < count;
  if (shuffle) {
    Rng rng(derive_seed(seed, epoch, salt), 0);
    mimic::shuffle(order, rng);
    if (part) order.resize(perEpoch);
  } else if (part) {
    const std::size_t start = static_cast<std::size_t>((static_cast<unsigned __int128>(epoch) * perEpoch) % count);
    for (std::size_t i = 0; i < perEpoch; ++i) order[i] = (start + i) % count;
    order.resize(perEpoch);
  }
  return order;
}

TaskValues refit(const DecisionRule& rule, const TaskValues& fitted, const float* outputs, const int8_t* labels,
                 std::size_t count, std::size_t steps, std::size_t width, const Control& control) {
  TaskValues out = fitted;
  if (count == 0) return out;
  for (const auto& [name, value] : rule.fit(outputs, labels, count, steps, width, control)) out[name] = value;
  return out;
}

}  // namespace mimic
