// Tasks (native/core/task.hpp), by name, whichever the registry holds:
//   taskGenerate(task, options, onProgress?, cancel?) -> Promise<batch>   a task's seeded samples
//   taskScore(task, data) -> {decisions, labels, accuracy, ...}          its decision rule on outputs (synchronous)
//   taskList() -> [{name, generator, sourceOptions, ruleOptions, fitted, channels?, outputs?}]
#include <napi.h>

#include <cmath>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "options.hpp"
#include "task.hpp"
#include "task_args.hpp"
#include "thread_pool.hpp"

namespace mimic_binding {
namespace {

// Samples are indexed by int32 in the datasets that use them.
constexpr int64_t kMaxCount = (int64_t(1) << 31) - 1;
// taskScore runs on the event loop: count·steps·outputs elements. 2^24 take about 40 ms on the
// 2-core VM of bench/README.md (2.5 ns each).
constexpr double kMaxSyncScore = double(1 << 24);

// ---- taskGenerate -------------------------------------------------------------------------------

struct GenerateBaton {
  std::shared_ptr<const mimic::SampleSource> source;
  std::size_t count = 0;
  uint64_t seed = 0;
  unsigned threads = 0;
  mimic::TaskBatch out;

  void Execute(const mimic::Control& control) { source->draw(seed, count, threads, control, out); }

  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("count", Napi::Number::New(env, static_cast<double>(out.count)));
    o.Set("steps", Napi::Number::New(env, static_cast<double>(out.steps)));
    o.Set("channels", Napi::Number::New(env, static_cast<double>(out.channels)));
    o.Set("outputs", Napi::Number::New(env, static_cast<double>(out.outputs)));
    o.Set("inputs", ToTyped(env, out.inputs));
    o.Set("targets", ToTyped(env, out.targets));
    o.Set("labels", ToTyped(env, out.labels));
    return o;
  }
};

// taskGenerate(task, {count, seed, threads?, dtMs?, trainingEpoch?, ...the task's generator options}, onProgress?, cancelToken?)
//   -> Promise<{count, steps, channels, outputs, inputs, targets, labels}>
Napi::Value TaskGenerate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const mimic::TaskEntry& task = ReadTaskName(env, info[0], "task");
  auto o = RequireObject(env, info[1], "options");
  if (!task.makeSource) ThrowRange(env, "task: the task '" + task.name + "' draws no samples (its data are imported)");
  const mimic::TaskValues values = ReadTaskValues(env, o, "", task.sourceOptions, {"count", "seed", "threads", "dtMs", "trainingEpoch"}, "options");
  auto baton = std::make_unique<GenerateBaton>();
  const double one = 1;
  const double dtMs = Num(env, o, "", "dtMs", 0.01, 1000, &one);
  baton->count = static_cast<std::size_t>(Int(env, o, "", "count", 1, kMaxCount));
  baton->seed = Seed(env, o, "", "seed", false);
  // trainingEpoch e: the samples a trainer seeded `seed` draws in epoch e (task.hpp training_draw_seed).
  if (o.Has("trainingEpoch") && !o.Get("trainingEpoch").IsUndefined())
    baton->seed = mimic::training_draw_seed(baton->seed, static_cast<uint64_t>(Int(env, o, "", "trainingEpoch", 0, 1e9)));
  baton->threads = Threads(env, o, "");
  baton->source = MakeSource(env, task, values, dtMs, "");
  // inputs, targets (float32) and labels, each again as the result's typed array, plus the drawing
  // scratch of each thread.
  const double count = double(baton->count), steps = double(baton->source->steps());
  const double C = double(baton->source->channels()), O = double(baton->source->outputs());
  MemoryPlan plan;
  plan.add(2 * (count * steps * (C + O) * 4 + count * O)).add(double(mimic::global_pool().size()) * baton->source->scratch_bytes());
  plan.check(env, "count", "generating " + FormatG(count) + " samples of " + FormatG(steps) + " steps",
             "generate fewer or shorter samples (or several batches)");
  if (!info[2].IsUndefined() && !info[2].IsFunction()) ThrowType(env, "a function", "onProgress", info[2]);
  auto cancel = CancelToken::FromValue(env, info[3], "cancelToken");
  return AsyncJob<GenerateBaton>::Start(env, std::move(baton), info[2], cancel, "taskGenerate");
}

// ---- taskScore (synchronous, O(count × steps × outputs)) ----------------------------------------------

// taskScore(task, {outputs Float32Array, shape [count, steps, outputs], targets?, labels?, options?, fitted?,
//           fit?, smoothed?}) -> {decisions, labels, correct, accuracy, undecided, fitted, smoothed?}
Napi::Value TaskScore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const mimic::TaskEntry& task = ReadTaskName(env, info[0], "task");
  auto o = RequireObject(env, info[1], "data");
  CheckKeys(env, o, "data", {"outputs", "shape", "targets", "labels", "options", "fitted", "fit", "smoothed"});
  // Each value is read once; the arrays' memory is taken last, when no more user code (a getter) can
  // run and detach a buffer.
  Napi::Value outputsValue = o.Get("outputs"), targetsValue = o.Get("targets"), sv = o.Get("shape");
  if (!sv.IsArray()) ThrowType(env, "an array [count, steps, outputs]", "data.shape", sv);
  auto shape = sv.As<Napi::Array>();
  if (shape.Length() != 3) ThrowType(env, "an array [count, steps, outputs]", "data.shape", sv);
  Napi::Object dims = Napi::Object::New(env);
  dims.Set("count", shape.Get(uint32_t(0)));
  dims.Set("steps", shape.Get(uint32_t(1)));
  dims.Set("outputs", shape.Get(uint32_t(2)));
  const size_t B = static_cast<size_t>(Int(env, dims, "data.shape", "count", 1, kMaxCount));
  const size_t T = static_cast<size_t>(Int(env, dims, "data.shape", "steps", 1, kMaxCount));
  const size_t O = static_cast<size_t>(Int(env, dims, "data.shape", "outputs", 1, kMaxCount));
  const double total = double(B) * double(T) * double(O);
  // The smoothed trace is written, then copied into V8: four times the work of a decision.
  const bool wantSmoothed = Bool(env, o, "data", "smoothed", false);
  const double bound = kMaxSyncScore / (wantSmoothed ? 4 : 1);
  if (total > bound)
    ThrowRange(env, "data.shape: count × steps × outputs must be at most " + Fmt(kMaxSyncScore) + " (" + Fmt(kMaxSyncScore / 4) +
                        " with data.smoothed; taskScore runs on the event loop, about 40 ms at the bound) but is " + Fmt(total) +
                        ": score fewer samples at a time");
  std::vector<int8_t> labels;
  Napi::Value lv = o.Get("labels"), ov = o.Get("options"), fv = o.Get("fitted");
  if (!lv.IsUndefined()) labels = ReadLabels(env, lv, "data", B, O);
  mimic::TaskValues options, fitted;
  if (!ov.IsUndefined()) options = ReadTaskValues(env, RequireObject(env, ov, "data.options"), "data.options", task.ruleOptions);
  fitted = fv.IsUndefined() ? mimic::complete_settings(task.fitted, {})
                            : ReadTaskValues(env, RequireObject(env, fv, "data.fitted"), "data.fitted", task.fitted);
  const bool fit = Bool(env, o, "data", "fit", false);
  if (fit && !fv.IsUndefined()) ThrowRange(env, "data.fit fits the settings that data.fitted gives: pass one of them");
  if (fit && targetsValue.IsUndefined() && labels.empty())
    ThrowRange(env, "data.fit needs data.labels or data.targets to fit the settings to");
  std::shared_ptr<const mimic::DecisionRule> rule;
  try {
    rule = mimic::make_task_rule(task, options);
  } catch (const mimic::TaskOptionError& e) {
    ThrowTaskOption(env, "data.options", e);
  }
  if (wantSmoothed && !rule->has_smoothed())
    ThrowRange(env, "data.smoothed: the rule of task '" + task.name + "' reads no smoothed trace");
  // Outputs and targets are read in place and may hold NaN (a diverged network decides nothing).
  const std::string sizeText = "count × steps × outputs (" + std::to_string(B) + " × " + std::to_string(T) + " × " +
                               std::to_string(O) + ")";
  auto f32 = [&](Napi::Value v, const char* name) -> const float* {
    if (!IsKind(v, napi_float32_array)) ThrowType(env, "a Float32Array", name, v);
    auto a = v.As<Napi::Float32Array>();
    if (double(a.ElementLength()) != total)
      ThrowRange(env, std::string(name) + " must have " + sizeText + " = " + Fmt(total) + " elements but has " +
                          std::to_string(a.ElementLength()));
    return a.Data();
  };
  const float* y = f32(outputsValue, "data.outputs");
  const float* targets = targetsValue.IsUndefined() ? nullptr : f32(targetsValue, "data.targets");
  const mimic::Control none;
  if (fit) {
    std::vector<int8_t> fitLabels = labels;
    if (fitLabels.empty()) {
      fitLabels.resize(B * O);
      for (size_t i = 0; i < B; ++i)
        for (size_t k = 0; k < O; ++k) fitLabels[i * O + k] = rule->label(targets + i * T * O + k, T, O);
    }
    try {
      fitted = mimic::complete_settings(task.fitted, rule->fit(y, fitLabels.data(), B, T, O, none));
    } catch (const mimic::TaskOptionError& e) {
      throw MakeError(env, "the rule of task '" + task.name + "' fitted a setting out of its range: " + e.what(), kErrNative);
    }
  }
  std::vector<float> smoothed;
  if (wantSmoothed) smoothed.resize(B * T * O);
  mimic::TaskScore s;
  mimic::score_outputs(*rule, fitted, y, B, T, O, targets, labels.empty() ? nullptr : labels.data(), s,
                       wantSmoothed ? smoothed.data() : nullptr);
  auto r = Napi::Object::New(env);
  const bool hasLabels = !s.labels.empty();
  r.Set("decisions", ToTyped(env, s.decisions));
  r.Set("labels", hasLabels ? Napi::Value(ToTyped(env, s.labels)) : env.Null());
  r.Set("correct", hasLabels ? Napi::Value(Napi::Number::New(env, double(s.correct))) : env.Null());
  r.Set("accuracy", hasLabels ? Napi::Value(Napi::Number::New(env, s.accuracy())) : env.Null());
  r.Set("undecided", Napi::Number::New(env, double(s.undecided)));
  auto f = Napi::Object::New(env);
  for (const auto& [k, v] : fitted) f.Set(k, Napi::Number::New(env, v));
  r.Set("fitted", f);
  if (wantSmoothed) r.Set("smoothed", ToTyped(env, smoothed));
  return r;
}

// ---- taskList -----------------------------------------------------------------------------------

Napi::Array SettingsToJs(Napi::Env env, const std::vector<mimic::TaskSetting>& settings) {
  auto a = Napi::Array::New(env, settings.size());
  for (uint32_t i = 0; i < settings.size(); ++i) {
    const auto& s = settings[i];
    auto o = Napi::Object::New(env);
    o.Set("name", s.name);
    o.Set("min", Napi::Number::New(env, s.min));
    o.Set("max", Napi::Number::New(env, s.max));
    o.Set("default", Napi::Number::New(env, s.value));
    o.Set("integer", Napi::Boolean::New(env, s.integer));
    o.Set("doc", s.doc);
    a.Set(i, o);
  }
  return a;
}

// taskList() -> the registered tasks, their settings, and the channels, outputs and steps of their
// samples at the default options and dtMs = 1 (null without a generator).
Napi::Value TaskList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& tasks = mimic::task_registry();
  auto a = Napi::Array::New(env, tasks.size());
  for (uint32_t i = 0; i < tasks.size(); ++i) {
    const auto& t = tasks[i];
    auto o = Napi::Object::New(env);
    o.Set("name", t.name);
    o.Set("generator", Napi::Boolean::New(env, t.makeSource != nullptr));
    std::shared_ptr<const mimic::SampleSource> source;
    if (t.makeSource) source = mimic::make_task_source(t, {}, 1.0);
    o.Set("channels", source ? Napi::Value(Napi::Number::New(env, double(source->channels()))) : env.Null());
    o.Set("outputs", source ? Napi::Value(Napi::Number::New(env, double(source->outputs()))) : env.Null());
    o.Set("steps", source ? Napi::Value(Napi::Number::New(env, double(source->steps()))) : env.Null());
    o.Set("sourceOptions", SettingsToJs(env, t.sourceOptions));
    o.Set("ruleOptions", SettingsToJs(env, t.ruleOptions));
    o.Set("fitted", SettingsToJs(env, t.fitted));
    a.Set(i, o);
  }
  return a;
}

}  // namespace

void InitTasks(Napi::Env env, Napi::Object exports) {
  Export<TaskGenerate>(env, exports, "taskGenerate");
  Export<TaskScore>(env, exports, "taskScore");
  Export<TaskList>(env, exports, "taskList");
}

}  // namespace mimic_binding
