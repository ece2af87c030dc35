#include "task_args.hpp"

#include <cmath>

#include "args.hpp"
#include "options.hpp"

namespace mimic_binding {
namespace {

// Samples per epoch (int32-indexed where they are stored; bounded by memory before).
constexpr int64_t kMaxSamplesPerEpoch = (int64_t(1) << 31) - 1;

std::string TaskList() {
  std::string list;
  for (const auto& t : mimic::task_registry()) list += (list.empty() ? "'" : " or '") + t.name + "'";
  return list;
}

}  // namespace

std::string CountOf(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

const mimic::TaskEntry& ReadTaskName(Napi::Env env, Napi::Value v, const std::string& name) {
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    for (const auto& t : mimic::task_registry())
      if (t.name == s) return t;
  }
  ThrowType(env, "the name of a task (" + TaskList() + ")", name, v);
}

mimic::TaskValues ReadTaskValues(Napi::Env env, Napi::Object o, const std::string& prefix,
                                 const std::vector<mimic::TaskSetting>& settings, const std::vector<std::string>& otherKeys,
                                 const std::string& objectName) {
  std::vector<std::string> keys = otherKeys;
  for (const auto& s : settings) keys.push_back(s.name);
  CheckKeys(env, o, objectName.empty() ? prefix : objectName, keys);
  mimic::TaskValues given;
  for (const auto& s : settings) {
    if (o.Get(s.name).IsUndefined()) continue;
    given[s.name] = s.integer ? double(Int(env, o, prefix, s.name.c_str(), int64_t(s.min), int64_t(s.max)))
                              : Num(env, o, prefix, s.name.c_str(), s.min, s.max);
  }
  try {
    return mimic::complete_settings(settings, given);
  } catch (const mimic::TaskOptionError& e) {
    ThrowTaskOption(env, prefix, e);
  }
}

void ThrowTaskOption(Napi::Env env, const std::string& prefix, const mimic::TaskOptionError& e) {
  ThrowRange(env, prefix.empty() ? std::string(e.what()) : prefix + "." + e.what());
}

std::shared_ptr<const mimic::SampleSource> MakeSource(Napi::Env env, const mimic::TaskEntry& task,
                                                      const mimic::TaskValues& options, double dtMs,
                                                      const std::string& prefix) {
  try {
    return mimic::make_task_source(task, options, dtMs);
  } catch (const mimic::TaskOptionError& e) {
    ThrowTaskOption(env, prefix, e);
  } catch (const mimic::InvalidArgument& e) {
    ThrowRange(env, (prefix.empty() ? "" : prefix + ": ") + e.what());
  }
}

TaskData ReadTaskData(Napi::Env env, Napi::Value v, const std::string& pre, double dtMs, size_t channels,
                      size_t outputs, const std::string& network, const int64_t* defaultSamples) {
  auto o = RequireObject(env, v, pre);
  CheckKeys(env, o, pre, {"name", "options", "samplesPerEpoch"});
  TaskData d;
  d.task = &ReadTaskName(env, o.Get("name"), pre + ".name");
  if (!d.task->makeSource)
    ThrowRange(env, pre + ".name: the task '" + d.task->name + "' draws no samples (its data are imported): train on a dataset");
  d.samplesPerEpoch = static_cast<size_t>(Int(env, o, pre, "samplesPerEpoch", 1, kMaxSamplesPerEpoch, defaultSamples));
  const std::string po = pre + ".options";
  Napi::Value ov = o.Get("options");
  const mimic::TaskValues values = ov.IsUndefined() ? mimic::TaskValues{}
                                                    : ReadTaskValues(env, RequireObject(env, ov, po), po, d.task->sourceOptions);
  d.source = MakeSource(env, *d.task, values, dtMs, po);
  if (d.source->channels() != channels || d.source->outputs() != outputs)
    ThrowRange(env, pre + ": the task '" + d.task->name + "' draws samples of " + CountOf(d.source->channels(), "channel") +
                        " and " + CountOf(d.source->outputs(), "output") + " but " + network + " has " +
                        CountOf(channels, "channel") + " and " + CountOf(outputs, "output") +
                        ": pass a dataset, or a task whose samples fit");
  return d;
}

DecisionRulePlan ReadDecisionRule(Napi::Env env, Napi::Value v, const std::string& pre, const mimic::TaskEntry* fallback) {
  DecisionRulePlan p;
  if (v.IsNull() || (v.IsUndefined() && !fallback)) return p;
  mimic::TaskValues options;
  if (v.IsUndefined()) {
    p.task = fallback;
    p.fitted = mimic::complete_settings(fallback->fitted, {});
  } else {
    auto o = RequireObject(env, v, pre);
    CheckKeys(env, o, pre, {"task", "options", "fitted"});
    p.task = &ReadTaskName(env, o.Get("task"), pre + ".task");
    Napi::Value ov = o.Get("options"), fv = o.Get("fitted");
    if (!ov.IsUndefined())
      options = ReadTaskValues(env, RequireObject(env, ov, pre + ".options"), pre + ".options", p.task->ruleOptions);
    p.fitted = fv.IsUndefined() ? mimic::complete_settings(p.task->fitted, {})
                                : ReadTaskValues(env, RequireObject(env, fv, pre + ".fitted"), pre + ".fitted", p.task->fitted);
  }
  try {
    p.rule = mimic::make_task_rule(*p.task, options);
  } catch (const mimic::TaskOptionError& e) {
    ThrowTaskOption(env, pre + ".options", e);
  }
  return p;
}

}  // namespace mimic_binding
