// Tasks (native/core/task.hpp) as the binding reads them, without naming one:
//   a task's name                                   'name' (one of the registry's)
//   fresh samples of a task each epoch (trainers)   {name, options?, samplesPerEpoch}
//   a task's decision rule                          {task, options?, fitted?}
// Options and fitted settings are read by the settings the task declares (names, ranges, integers,
// defaults); a combination the task itself refuses (TaskOptionError) is a RangeError that names the
// option by its path ("options.data.task.options.durationS / dtMs must give at least 10 steps ...").
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "task.hpp"

namespace mimic_binding {

// The registered task named by v; a TypeError listing the tasks otherwise.
const mimic::TaskEntry& ReadTaskName(Napi::Env env, Napi::Value v, const std::string& name);

// The values of `settings` in object `o` (named prefix.key), completed with the defaults. Keys of o
// that are neither settings nor `otherKeys` are refused (naming o `objectName`, default `prefix`).
mimic::TaskValues ReadTaskValues(Napi::Env env, Napi::Object o, const std::string& prefix,
                                 const std::vector<mimic::TaskSetting>& settings,
                                 const std::vector<std::string>& otherKeys = {}, const std::string& objectName = "");

// A task's refusal as a RangeError naming the option under `prefix` (empty prefix: the bare name).
[[noreturn]] void ThrowTaskOption(Napi::Env env, const std::string& prefix, const mimic::TaskOptionError& e);

// The task's source for samples of step dtMs (ms) from `options` (an object or undefined) named `prefix`.
std::shared_ptr<const mimic::SampleSource> MakeSource(Napi::Env env, const mimic::TaskEntry& task,
                                                      const mimic::TaskValues& options, double dtMs,
                                                      const std::string& prefix);

struct TaskData {
  const mimic::TaskEntry* task = nullptr;
  std::shared_ptr<const mimic::SampleSource> source;
  size_t samplesPerEpoch = 0;
};
// `pre` = {name, options?, samplesPerEpoch} (samplesPerEpoch defaults to *defaultSamples when given):
// fresh samples of the task at the step dtMs, which must have `channels` and `outputs` (the
// network's, called `network` in the message).
TaskData ReadTaskData(Napi::Env env, Napi::Value v, const std::string& pre, double dtMs, size_t channels,
                      size_t outputs, const std::string& network, const int64_t* defaultSamples = nullptr);

struct DecisionRulePlan {
  const mimic::TaskEntry* task = nullptr;  // null: no rule
  std::shared_ptr<const mimic::DecisionRule> rule;
  mimic::TaskValues fitted;  // complete
};
// `pre` = {task, options?, fitted?}; null: no rule; undefined: the rule of `fallback` with its defaults
// (no rule when fallback is null).
DecisionRulePlan ReadDecisionRule(Napi::Env env, Napi::Value v, const std::string& pre, const mimic::TaskEntry* fallback);

// "1 channel", "2 channels".
std::string CountOf(size_t n, const char* what);

}  // namespace mimic_binding
