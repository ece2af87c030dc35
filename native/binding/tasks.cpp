// Task generators: temporal XOR.
#include <napi.h>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
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

// xorGenerate(options, onProgress?, cancelToken?) -> Promise<{count, steps, inputs, targets, labels}>
Napi::Value XorGenerate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  auto baton = std::make_unique<XorBaton>();
  const mimic::XorParams d;
  baton->params.durationS = ReadNumber(env, o, "durationS", 0.01, 3600, &d.durationS);
  baton->params.dtS = ReadNumber(env, o, "dtS", 1e-5, 1, &d.dtS);
  baton->params.inputSigmaSteps = ReadNumber(env, o, "inputSigmaSteps", 0, 1e4, &d.inputSigmaSteps);
  baton->params.targetSigmaSteps = ReadNumber(env, o, "targetSigmaSteps", 0, 1e4, &d.targetSigmaSteps);
  const int64_t maxThreads = 1024, zero = 0;
  baton->count = static_cast<std::size_t>(ReadInteger(env, o, "count", 1, 10'000'000));
  baton->seed = ReadSeed(env, o, "seed");
  baton->threads = static_cast<unsigned>(ReadInteger(env, o, "threads", 0, maxThreads, &zero));
  const double steps = baton->params.durationS / baton->params.dtS;
  if (steps < 10) ThrowRange(env, "durationS / dtS must give at least 10 steps but gives " + std::to_string(steps));
  // Refuse outputs that cannot be allocated as typed arrays (2 float arrays of count*steps).
  if (steps * static_cast<double>(baton->count) > 1.0e9)
    ThrowRange(env, "count * steps must be at most 1e9 but is " + std::to_string(steps * baton->count) +
                        ": generate fewer or shorter samples");
  if (!info[1].IsUndefined() && !info[1].IsFunction()) ThrowType(env, "a function", "onProgress", info[1]);
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<XorBaton>::Start(env, std::move(baton), info[1], cancel, "xorGenerate");
}

}  // namespace

void InitTasks(Napi::Env env, Napi::Object exports) {
  exports.Set("xorGenerate", Napi::Function::New(env, XorGenerate, "xorGenerate"));
}

}  // namespace mimic_binding
