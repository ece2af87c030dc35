// Task generators: temporal XOR.
#include <napi.h>

#include <cmath>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "options.hpp"
#include "thread_pool.hpp"
#include "xor_task.hpp"

namespace mimic_binding {
namespace {

struct XorBaton {
  mimic::XorParams params;
  std::size_t count = 0;
  uint64_t seed = 0;
  unsigned threads = 0;
  mimic::XorBatch out;

  void Execute(const mimic::Control& control) { mimic::generate_xor(params, count, seed, threads, control, out); }

  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("count", Napi::Number::New(env, static_cast<double>(out.count)));
    o.Set("steps", Napi::Number::New(env, static_cast<double>(out.steps)));
    o.Set("inputs", ToTyped(env, out.inputs));
    o.Set("targets", ToTyped(env, out.targets));
    o.Set("labels", ToTyped(env, out.labels));
    return o;
  }
};

// Samples are indexed by int32 in the datasets that use them.
constexpr int64_t kMaxCount = (int64_t(1) << 31) - 1;

// xorGenerate(options, onProgress?, cancelToken?) -> Promise<{count, steps, inputs, targets, labels}>
Napi::Value XorGenerate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options", {"count", "seed", "durationS", "dtS", "inputSigmaSteps", "targetSigmaSteps", "threads"});
  auto baton = std::make_unique<XorBaton>();
  const mimic::XorParams d;
  baton->params.durationS = ReadNumber(env, o, "durationS", 0.01, 3600, &d.durationS);
  baton->params.dtS = ReadNumber(env, o, "dtS", 1e-5, 1, &d.dtS);
  baton->params.inputSigmaSteps = ReadNumber(env, o, "inputSigmaSteps", 0, 1e4, &d.inputSigmaSteps);
  baton->params.targetSigmaSteps = ReadNumber(env, o, "targetSigmaSteps", 0, 1e4, &d.targetSigmaSteps);
  const int64_t maxThreads = 1024, zero = 0;
  baton->count = static_cast<std::size_t>(ReadInteger(env, o, "count", 1, kMaxCount));
  baton->seed = ReadSeed(env, o, "seed");
  baton->threads = static_cast<unsigned>(ReadInteger(env, o, "threads", 0, maxThreads, &zero));
  const double steps = std::round(baton->params.durationS / baton->params.dtS);
  if (steps < 10) ThrowRange(env, "durationS / dtS must give at least 10 steps but gives " + FormatG(steps));
  // inputs and targets (float32) and labels, each again as the result's typed array, plus the
  // drawing scratch of each thread.
  const double count = double(baton->count);
  MemoryPlan plan;
  plan.add(2 * (2 * count * steps * 4 + count)).add(double(mimic::global_pool().size()) * steps, 4);
  plan.check(env, "count", "generating " + FormatG(count) + " samples of " + FormatG(steps) + " steps",
             "generate fewer or shorter samples (or several batches)");
  if (!info[1].IsUndefined() && !info[1].IsFunction()) ThrowType(env, "a function", "onProgress", info[1]);
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<XorBaton>::Start(env, std::move(baton), info[1], cancel, "xorGenerate");
}

}  // namespace

void InitTasks(Napi::Env env, Napi::Object exports) {
  Export<XorGenerate>(env, exports, "xorGenerate");
}

}  // namespace mimic_binding
