// Module entry: build information, the cancel token, and each binding file's functions.
#include <napi.h>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "guard.hpp"
#include "perturb_binding.hpp"
#include "thread_pool.hpp"

#ifndef MIMIC_BUILD_TYPE
#define MIMIC_BUILD_TYPE "unknown"
#endif
#ifndef MIMIC_BUILD_FLAGS
#define MIMIC_BUILD_FLAGS ""
#endif
#ifndef MIMIC_COMPILER
#define MIMIC_COMPILER "unknown"
#endif

namespace mimic_binding {
namespace {

const char* SimdLevel() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
  return "AVX2+FMA";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__AVX__)
  return "AVX";
#elif defined(__SSE4_2__)
  return "SSE4.2";
#elif defined(__SSE2__)
  return "SSE2";
#elif defined(__ARM_NEON)
  return "NEON";
#else
  return "none";
#endif
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("buildType", MIMIC_BUILD_TYPE);
  o.Set("flags", MIMIC_BUILD_FLAGS);
  o.Set("compiler", MIMIC_COMPILER);
  o.Set("simd", SimdLevel());
  o.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  o.Set("hardwareThreads", Napi::Number::New(env, mimic::ThreadPool::hardware_threads()));
  o.Set("poolThreads", Napi::Number::New(env, mimic::global_pool().size()));
  o.Set("runningJobs", Napi::Number::New(env, static_cast<double>(Data(env).jobs->running())));
  // The sizes the binding accepts (the memory budget may allow less): the workbench's schemas use the same.
  auto limits = Napi::Object::New(env);
  limits.Set("neurons", Napi::Number::New(env, double(kMaxNeurons)));
  limits.Set("units", Napi::Number::New(env, double(kMaxUnits)));
  o.Set("limits", limits);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  // When the environment goes away (process exit, worker thread end), stop ITS running kernels so
  // they do not keep writing into memory that is about to be freed. Jobs of other environments (the
  // main thread, other workers) are not touched: each environment has its own registry.
  std::shared_ptr<JobRegistry> jobs = data->jobs;
  env.AddCleanupHook([jobs] { jobs->cancel_all(); });

  auto cancelToken = CancelToken::Define(env);
  data->cancelToken = Napi::Persistent(cancelToken);
  exports.Set("CancelToken", cancelToken);
  Export<Info>(env, exports, "info");
  InitTasks(env, exports);
  InitSnn(env, exports);
  InitTeacher(env, exports);
  InitAds(env, exports);
  InitMemory(env, exports);
  InitPerturb(env, exports);
  return exports;
}

}  // namespace
}  // namespace mimic_binding

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return mimic_binding::Init(env, exports); }
NODE_API_MODULE(mimic_native, InitModule)
