// The audio front end (native/core/audio.hpp; docs/method.md §2.2):
//   audioFeatures(samples Float32Array, {sampleRateHz, ...frontEnd, threads?}, onProgress?, cancel?)
//       -> Promise<{features Float32Array [steps, bands], steps, bands}>
//   audioResample(samples Float32Array, {fromHz, toHz}, onProgress?, cancel?) -> Promise<Float32Array>
//       (the front end's resampler: windowed sinc, docs/method.md §2.2)
//   audioFilterBank({rateHz?, ...frontEnd}) -> {bands: [{centreHz, lowHz, highHz}], sections Float64Array
//       [bands, 2, 5] (b0 b1 b2 a1 a2), envelope Float64Array [5]}   (synchronous; for tests and plots)
#include <napi.h>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "audio.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "options.hpp"

namespace mimic_binding {
namespace {

// An hour at 384 kHz.
constexpr double kMaxSamples = 3600.0 * 384000.0;

mimic::AudioFrontEndParams ReadFrontEnd(Napi::Env env, Napi::Object o, const std::string& name) {
  mimic::AudioFrontEndParams p;
  const double rate = p.rateHz, rbw = p.relativeBandwidth, minHz = p.minHz, maxF = p.maxFraction, envHz = p.envelopeHz;
  const int64_t bands = int64_t(p.bands);
  p.rateHz = Num(env, o, name, "rateHz", 2000, 384000, &rate);
  p.bands = size_t(Int(env, o, name, "bands", 1, 256, &bands));
  p.relativeBandwidth = Num(env, o, name, "relativeBandwidth", 0, 1, &rbw, true);
  // (the lowest centre at least 1 Hz: at 1e-30 Hz the band-pass design's coefficients are NaN)
  p.minHz = Num(env, o, name, "minHz", 1, 192000, &minHz);
  p.maxFraction = Num(env, o, name, "maxFraction", 0, 1, &maxF, true);
  p.envelopeHz = Num(env, o, name, "envelopeHz", 0, 192000, &envHz, true);
  try {
    mimic::check_audio_params(p);
  } catch (const mimic::InvalidArgument& e) {
    ThrowRange(env, name + "." + e.what());
  }
  return p;
}

struct FeaturesBaton {
  mimic::AudioFrontEndParams params;
  std::vector<float> samples;
  double sampleRateHz = 0;
  unsigned threads = 0;
  std::vector<float> out;
  std::size_t steps = 0;

  void Execute(const mimic::Control& control) {
    mimic::audio_features(params, samples.data(), samples.size(), sampleRateHz, threads, control, out);
    steps = out.size() / params.bands;
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("features", ToTyped(env, out));
    o.Set("steps", Napi::Number::New(env, double(steps)));
    o.Set("bands", Napi::Number::New(env, double(params.bands)));
    return o;
  }
};

Napi::Value AudioFeatures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[1], "options");
  CheckKeys(env, o, "options",
            {"sampleRateHz", "rateHz", "bands", "relativeBandwidth", "minHz", "maxFraction", "envelopeHz", "threads"});
  auto baton = std::make_unique<FeaturesBaton>();
  baton->params = ReadFrontEnd(env, o, "options");
  baton->sampleRateHz = Num(env, o, "options", "sampleRateHz", 1000, 384000);
  baton->threads = Threads(env, o, "options");
  if (!IsKind(info[0], napi_float32_array)) ThrowType(env, "a Float32Array", "samples", info[0]);
  const double n = double(info[0].As<Napi::Float32Array>().ElementLength());
  if (n > kMaxSamples) ThrowRange(env, "samples must have at most " + Fmt(kMaxSamples) + " elements (an hour at 384 kHz) but has " + Fmt(n) + ": cut the recording");
  const double resampled = n * baton->params.rateHz / baton->sampleRateHz;
  MemoryPlan plan;
  plan.add(n * 4).add(resampled * 4).add(2 * 2 * resampled / (baton->params.rateHz / 1000) * double(baton->params.bands) * 4);
  plan.check(env, "samples", "the features of " + Fmt(n) + " samples", "cut the recording into shorter pieces");
  baton->samples = ReadFloat32(env, info[0], "samples", -1);
  if (!info[2].IsUndefined() && !info[2].IsFunction()) ThrowType(env, "a function", "onProgress", info[2]);
  auto cancel = CancelToken::FromValue(env, info[3], "cancelToken");
  return AsyncJob<FeaturesBaton>::Start(env, std::move(baton), info[2], cancel, "audioFeatures");
}

struct ResampleBaton {
  std::vector<float> samples, out;
  double fromHz = 0, toHz = 0;
  void Execute(const mimic::Control& control) { mimic::resample(samples.data(), samples.size(), fromHz, toHz, out, control); }
  Napi::Value Result(Napi::Env env) { return ToTyped(env, out); }
};

Napi::Value AudioResample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[1], "options");
  CheckKeys(env, o, "options", {"fromHz", "toHz"});
  auto baton = std::make_unique<ResampleBaton>();
  baton->fromHz = Num(env, o, "options", "fromHz", 1000, 384000);
  baton->toHz = Num(env, o, "options", "toHz", 1000, 384000);
  if (!IsKind(info[0], napi_float32_array)) ThrowType(env, "a Float32Array", "samples", info[0]);
  const double n = double(info[0].As<Napi::Float32Array>().ElementLength());
  if (n > kMaxSamples) ThrowRange(env, "samples must have at most " + Fmt(kMaxSamples) + " elements (an hour at 384 kHz) but has " + Fmt(n) + ": cut the recording");
  MemoryPlan plan;
  plan.add(n * 4).add(2 * 4 * n * baton->toHz / baton->fromHz);
  plan.check(env, "samples", "resampling " + Fmt(n) + " samples", "cut the recording into shorter pieces");
  baton->samples = ReadFloat32(env, info[0], "samples", -1);
  if (!info[2].IsUndefined() && !info[2].IsFunction()) ThrowType(env, "a function", "onProgress", info[2]);
  auto cancel = CancelToken::FromValue(env, info[3], "cancelToken");
  return AsyncJob<ResampleBaton>::Start(env, std::move(baton), info[2], cancel, "audioResample");
}

Napi::Value AudioFilterBank(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options", {"rateHz", "bands", "relativeBandwidth", "minHz", "maxFraction", "envelopeHz"});
  const mimic::AudioFilterBank bank = mimic::design_filter_bank(ReadFrontEnd(env, o, "options"));
  auto bands = Napi::Array::New(env, bank.bands.size());
  std::vector<double> sections;
  for (uint32_t i = 0; i < bank.bands.size(); ++i) {
    const auto& b = bank.bands[i];
    auto e = Napi::Object::New(env);
    e.Set("centreHz", Napi::Number::New(env, b.centreHz));
    e.Set("lowHz", Napi::Number::New(env, b.lowHz));
    e.Set("highHz", Napi::Number::New(env, b.highHz));
    bands.Set(i, e);
    for (const auto& q : b.sections) sections.insert(sections.end(), {q.b0, q.b1, q.b2, q.a1, q.a2});
  }
  const auto& q = bank.envelope;
  auto r = Napi::Object::New(env);
  r.Set("bands", bands);
  r.Set("sections", ToTyped(env, sections));
  r.Set("envelope", ToTyped(env, std::vector<double>{q.b0, q.b1, q.b2, q.a1, q.a2}));
  return r;
}

}  // namespace

void InitAudio(Napi::Env env, Napi::Object exports) {
  Export<AudioFeatures>(env, exports, "audioFeatures");
  Export<AudioFilterBank>(env, exports, "audioFilterBank");
  Export<AudioResample>(env, exports, "audioResample");
}

}  // namespace mimic_binding
