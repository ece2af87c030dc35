// Module entry: build information, the cancel token, and each binding file's functions.
#include <napi.h>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "cancel.hpp"
#include "guard.hpp"
#include "chip_binding.hpp"
#include "perturb_binding.hpp"
#include "simd.hpp"
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

// The vector extension the compiler was allowed to use everywhere (the base level's instructions).
const char* BaselineIsa() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__SSE2__)
  return "SSE2";
#elif defined(__ARM_NEON)
  return "NEON";
#else
  return "none";
#endif
}

Napi::Array Names(Napi::Env env, const std::vector<mimic::simd::Level>& levels) {
  auto a = Napi::Array::New(env, levels.size());
  for (uint32_t i = 0; i < levels.size(); ++i) a.Set(i, mimic::simd::name(levels[i]));
  return a;
}

// setSimd(level): makes `level` ("sse2", "avx2", "avx512") the level of the kernels started from now
// on, in this process (MIMIC_SIMD chooses it at load). Throws a RangeError naming the level and the
// available ones when the CPU or the build lacks it.
Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto levels = mimic::simd::available();
  std::string list;
  for (auto l : levels) list += std::string(list.empty() ? "" : ", ") + mimic::simd::name(l);
  if (info.Length() < 1 || !info[0].IsString())
    throw Napi::TypeError::New(env, "Expected a string for level (one of " + list + ")");
  const std::string text = info[0].As<Napi::String>().Utf8Value();
  mimic::simd::Level level;
  if (!mimic::simd::parse(text, level))
    throw Napi::RangeError::New(env, "level must be one of " + list + " but is \"" + text + "\"");
  try {
    mimic::simd::set_active(level);
  } catch (const mimic::InvalidArgument& e) {
    throw Napi::RangeError::New(env, e.what());
  }
  return Napi::String::New(env, mimic::simd::name(mimic::simd::active()));
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("buildType", MIMIC_BUILD_TYPE);
  o.Set("flags", MIMIC_BUILD_FLAGS);
  o.Set("compiler", MIMIC_COMPILER);
  o.Set("simd", mimic::simd::name(mimic::simd::active()));  // the level the kernels use now
  o.Set("simdLevels", Names(env, mimic::simd::available()));  // the levels this CPU can run
  o.Set("baselineIsa", BaselineIsa());
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
  // MIMIC_SIMD names a level this CPU or build cannot run: refuse to load, with the reason.
  if (!mimic::simd::startup_error().empty()) throw Napi::Error::New(env, mimic::simd::startup_error());
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
  Export<SetSimd>(env, exports, "setSimd");
  InitTasks(env, exports);
  InitSnn(env, exports);
  InitTeacher(env, exports);
  InitAds(env, exports);
  InitMemory(env, exports);
  InitPerturb(env, exports);
  InitAudio(env, exports);
  InitBaseline(env, exports);
  InitChip(env, exports);
  return exports;
}

}  // namespace
}  // namespace mimic_binding

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return mimic_binding::Init(env, exports); }
NODE_API_MODULE(mimic_native, InitModule)
