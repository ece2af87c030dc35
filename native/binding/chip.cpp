// The chip emulator (native/core/chip.hpp, docs/method.md §14).
//
// chipEmulate(config, input, options, onProgress?, cancelToken?) -> Promise<{neurons, steps, addresses,
//     spikeCounts, outputs?, spikes: {sample, step, neuron}, kernelSeconds}>
//   config: a deployed configuration (src/shared/board.ts): {weightScheme: 'se1' | 'se2',
//     cores: [{chip, core, neurons, params: {tauMemMs, refractoryMs, threshold, resetPotential, bias,
//     tauSynMs: [4], baseWeights: [4]}}], connections: [{pre, post, type, weight}]}
//   input: {samples: Float32Array [batch, steps, channels], batch, steps, channels, samplePeriodUs?}
//       or {events: {sample: Int32Array, timeUs: Uint32Array, channel: Uint32Array}, batch, durationUs}
//   options: {chips?, serialNumber?, mismatch?, mismatchScale?, dtUs?, threads?, spikesOf?, maxSpikeEvents? (2^25),
//     decode?: {weights: Float32Array [outputs × neurons], outputs, tauOutMs, periodUs? (default dtUs): outputs once per period},
//     noiseStd? (V per step of dtUs), noiseSeed?, silence?: {neurons: Int32Array (dense), startUs?, endUs?},
//     membraneNeurons?: Int32Array (dense): their V at the end of each decode period → membrane [batch × periods × K]}
//   Neurons are in dense order (the cores in configuration order); `addresses` maps them to chip addresses.
// chipInspect(config, options) -> {addresses: Uint32Array, tauMemMs: Float64Array, thresholds: Float64Array,
//     efficacies: Float64Array (one per connection, signed)}: the virtual chip after mismatch.
#include "chip_binding.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../core/chip.hpp"
#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "options.hpp"

namespace mimic_binding {
namespace {

namespace chip = mimic::chip;

constexpr int64_t kMaxChips = 16;
constexpr uint32_t kMaxConnections = 1u << 22;
constexpr std::size_t kMaxSerial = 200;
// ChipSession.advance() runs on the event loop: at most this many neuron-steps per call (about 0.3 s of
// a quiet chip on the 2-core VM of bench/README.md, a few seconds when every neuron fires every step).
constexpr double kMaxSyncNeuronSteps = double(1 << 26);
// Steps and spike counts are int32 in the results.
constexpr double kMaxRunSteps = double((int64_t(1) << 31) - 1);

void ReadFour(Napi::Env env, Napi::Object o, const std::string& pre, const char* key, double* out) {
  Napi::Value v = o.Get(key);
  const std::string name = Join(pre, key);
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 4) ThrowType(env, "an array of 4 numbers (one per synapse type)", name, v);
  auto a = v.As<Napi::Array>();
  for (uint32_t s = 0; s < 4; ++s) {
    Napi::Value e = a.Get(s);
    if (!e.IsNumber() || !std::isfinite(e.As<Napi::Number>().DoubleValue()))
      ThrowType(env, "a finite number", name + "[" + std::to_string(s) + "]", e);
    out[s] = e.As<Napi::Number>().DoubleValue();
  }
}

double Finite(Napi::Env env, Napi::Object o, const std::string& pre, const char* key) {
  return Num(env, o, pre, key, -1e300, 1e300);
}

chip::Configuration ReadConfig(Napi::Env env, Napi::Value value) {
  auto o = RequireObject(env, value, "config");
  CheckKeys(env, o, "config", {"weightScheme", "cores", "connections"});
  chip::Configuration c;
  Napi::Value scheme = o.Get("weightScheme");
  if (scheme.IsUndefined()) ThrowType(env, "'se1' or 'se2'", "config.weightScheme", scheme);
  c.scheme = Choice(env, o, "config", "weightScheme", {"se1", "se2"}, "se2") == "se1" ? chip::WeightScheme::SE1 : chip::WeightScheme::SE2;
  Napi::Value cores = o.Get("cores");
  if (!cores.IsArray()) ThrowType(env, "an array of core blocks", "config.cores", cores);
  auto ca = cores.As<Napi::Array>();
  const uint32_t nc = ca.Length();
  if (nc == 0 || nc > kMaxChips * 4) ThrowRange(env, "config.cores must hold 1 to " + std::to_string(kMaxChips * 4) + " core blocks but has " + std::to_string(nc));
  for (uint32_t i = 0; i < nc; ++i) {
    const std::string pre = "config.cores[" + std::to_string(i) + "]";
    auto k = RequireObject(env, ca.Get(i), pre);
    CheckKeys(env, k, pre, {"chip", "core", "neurons", "params"});
    chip::CoreConfig cc;
    cc.chip = static_cast<int>(Int(env, k, pre, "chip", 0, kMaxChips - 1));
    cc.core = static_cast<int>(Int(env, k, pre, "core", 0, 3));
    cc.neurons = static_cast<int>(Int(env, k, pre, "neurons", 1, 256));
    const std::string pp = pre + ".params";
    auto p = RequireObject(env, k.Get("params"), pp);
    CheckKeys(env, p, pp, {"tauMemMs", "refractoryMs", "threshold", "resetPotential", "bias", "tauSynMs", "baseWeights"});
    cc.params.tauMemMs = Finite(env, p, pp, "tauMemMs");
    cc.params.refractoryMs = Finite(env, p, pp, "refractoryMs");
    cc.params.threshold = Finite(env, p, pp, "threshold");
    cc.params.resetPotential = Finite(env, p, pp, "resetPotential");
    cc.params.bias = Finite(env, p, pp, "bias");
    ReadFour(env, p, pp, "tauSynMs", cc.params.tauSynMs);
    ReadFour(env, p, pp, "baseWeights", cc.params.baseWeights);
    c.cores.push_back(cc);
  }
  Napi::Value conns = o.Get("connections");
  if (!conns.IsArray()) ThrowType(env, "an array of connections {pre, post, type, weight}", "config.connections", conns);
  auto na = conns.As<Napi::Array>();
  const uint32_t nn = na.Length();
  if (nn > kMaxConnections) ThrowRange(env, "config.connections must hold at most " + std::to_string(kMaxConnections) + " connections but has " + std::to_string(nn));
  c.connections.resize(nn);
  for (uint32_t i = 0; i < nn; ++i) {
    const std::string pre = "config.connections[" + std::to_string(i) + "]";
    auto k = RequireObject(env, na.Get(i), pre);
    chip::Connection& cn = c.connections[i];
    cn.pre = static_cast<uint32_t>(Int(env, k, pre, "pre", 0, 0xFFFFFFFFll));
    cn.post = static_cast<uint32_t>(Int(env, k, pre, "post", 0, 0xFFFFFFFFll));
    cn.type = static_cast<int>(Int(env, k, pre, "type", 0, 3));
    cn.weight = static_cast<int>(Int(env, k, pre, "weight", 1, 64));
  }
  return c;
}

struct ChipSetup {
  chip::Geometry geometry;
  chip::MismatchOptions mismatch;
  double dtUs = 100;
};

ChipSetup ReadSetup(Napi::Env env, Napi::Object o, const chip::Configuration& c) {
  ChipSetup s;
  const int64_t oneChip = 1;
  s.geometry = chip::Geometry::dynapse(static_cast<int>(Int(env, o, "options", "chips", 1, kMaxChips, &oneChip)), c.scheme);
  Napi::Value serial = o.Get("serialNumber");
  if (!serial.IsUndefined()) {
    if (!serial.IsString()) ThrowType(env, "a string (the virtual chip's serial number)", "options.serialNumber", serial);
    s.mismatch.serial = serial.As<Napi::String>().Utf8Value();
    if (s.mismatch.serial.empty() || s.mismatch.serial.size() > kMaxSerial)
      ThrowRange(env, "options.serialNumber must have 1 to " + std::to_string(kMaxSerial) + " characters but has " + std::to_string(s.mismatch.serial.size()));
  }
  s.mismatch.enabled = Bool(env, o, "options", "mismatch", true);
  if (s.mismatch.enabled && serial.IsUndefined())
    ThrowRange(env, "options.serialNumber is missing: mismatch is frozen per virtual chip, so name the chip by its serial number, or set options.mismatch to false for the ideal chip");
  const double one = 1, hundred = 100;
  s.mismatch.scale = Num(env, o, "options", "mismatchScale", 0, 10, &one);
  s.dtUs = Num(env, o, "options", "dtUs", 1, 10000, &hundred);
  if (std::floor(s.dtUs) != s.dtUs) ThrowRange(env, "options.dtUs must be an integer number of µs but is " + Fmt(s.dtUs));
  return s;
}

std::unique_ptr<chip::Emulator> Build(Napi::Env env, const chip::Configuration& c, const ChipSetup& s) {
  try {
    return std::make_unique<chip::Emulator>(s.geometry, c, s.mismatch, s.dtUs);
  } catch (const mimic::InvalidArgument& e) {
    ThrowRange(env, std::string("config: ") + e.what());
  }
}

struct EmulateBaton {
  std::unique_ptr<chip::Emulator> emulator;
  std::vector<float> samples;
  std::vector<int32_t> evSample;
  std::vector<uint32_t> evTimes, evChannels;
  chip::BatchInput input;
  std::vector<float> decodeWeights;
  chip::Emulator::Decode decode;
  std::size_t spikesOf = 0, maxSpikeEvents = 0;
  unsigned threads = 0;
  chip::BatchOutput out;
  chip::Emulator::Perturbation perturbation;
  double kernelSeconds = 0;

  void Execute(const mimic::Control& control) {
    const auto t0 = std::chrono::steady_clock::now();
    chip::run_batch(*emulator, input, decode, spikesOf, threads, control, out, maxSpikeEvents);
    kernelSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("neurons", Napi::Number::New(env, static_cast<double>(emulator->neurons())));
    o.Set("steps", Napi::Number::New(env, static_cast<double>(out.steps)));
    o.Set("periods", Napi::Number::New(env, static_cast<double>(out.outSteps)));
    o.Set("addresses", ToTyped(env, emulator->addresses()));
    o.Set("spikeCounts", ToTyped(env, out.counts));
    if (decode.outputs > 0) o.Set("outputs", ToTyped(env, out.out));
    if (!input.membraneNeurons.empty()) o.Set("membrane", ToTyped(env, out.membrane));
    auto sp = Napi::Object::New(env);
    sp.Set("sample", ToTyped(env, out.spikeSample));
    sp.Set("step", ToTyped(env, out.spikeStep));
    sp.Set("neuron", ToTyped(env, out.spikeNeuron));
    o.Set("spikes", sp);
    o.Set("kernelSeconds", Napi::Number::New(env, kernelSeconds));
    return o;
  }
};

Napi::Value ChipEmulate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  chip::Configuration config = ReadConfig(env, info[0]);
  auto in = RequireObject(env, info[1], "input");
  auto o = RequireObject(env, info[2], "options");
  CheckKeys(env, o, "options", {"chips", "serialNumber", "mismatch", "mismatchScale", "dtUs", "threads", "spikesOf", "maxSpikeEvents", "decode", "noiseStd", "noiseSeed", "silence", "membraneNeurons"});
  auto baton = std::make_unique<EmulateBaton>();
  ChipSetup setup = ReadSetup(env, o, config);
  baton->threads = Threads(env, o, "options");
  const int64_t zero = 0;
  const int64_t batch = Int(env, in, "input", "batch", 1, 1 << 24);
  baton->spikesOf = static_cast<std::size_t>(Int(env, o, "options", "spikesOf", 0, batch, &zero));
  const int64_t defaultMaxEvents = int64_t(1) << 25;
  baton->maxSpikeEvents = static_cast<std::size_t>(Int(env, o, "options", "maxSpikeEvents", 0, int64_t(kMaxRunSteps), &defaultMaxEvents));
  // the steps of the run (int32 in the spikes and their counts)
  auto checkSteps = [&](double steps, const char* argument) {
    if (steps > kMaxRunSteps)
      ThrowRange(env, std::string(argument) + ": the run takes " + Fmt(steps) + " steps of " + Fmt(setup.dtUs) + " µs, more than " +
                          Fmt(kMaxRunSteps) + " (steps and spike counts are int32): emulate a shorter run or take larger options.dtUs");
  };
  baton->input.batch = static_cast<std::size_t>(batch);
  double steps = 0;
  if (!in.Get("samples").IsUndefined()) {
    CheckKeys(env, in, "input", {"samples", "batch", "steps", "channels", "samplePeriodUs"});
    const int64_t T = Int(env, in, "input", "steps", 1, 1 << 24);
    const int64_t C = Int(env, in, "input", "channels", 1, setup.geometry.inputChannels);
    const double period = Num(env, in, "input", "samplePeriodUs", 1, 1e7, &setup.dtUs);
    baton->samples = ReadArray<float>(env, in.Get("samples"), "input.samples", double(batch) * double(T) * double(C), "batch × steps × channels");
    baton->input.samples = baton->samples.data();
    baton->input.steps = static_cast<std::size_t>(T);
    baton->input.channels = static_cast<std::size_t>(C);
    baton->input.samplePeriodUs = period;
    steps = std::ceil(double(T) * period / setup.dtUs);
    checkSteps(steps, "input.steps");
  } else {
    CheckKeys(env, in, "input", {"events", "batch", "durationUs"});
    const double duration = Num(env, in, "input", "durationUs", 1, 1e10);
    checkSteps(std::ceil(duration / setup.dtUs), "input.durationUs");
    auto ev = RequireObject(env, in.Get("events"), "input.events");
    CheckKeys(env, ev, "input.events", {"sample", "timeUs", "channel"});
    Napi::Value s = ev.Get("sample"), t = ev.Get("timeUs"), ch = ev.Get("channel");
    if (!IsKind(s, napi_int32_array)) ThrowType(env, "an Int32Array", "input.events.sample", s);
    if (!IsKind(t, napi_uint32_array)) ThrowType(env, "a Uint32Array", "input.events.timeUs", t);
    if (!IsKind(ch, napi_uint32_array)) ThrowType(env, "a Uint32Array", "input.events.channel", ch);
    auto sa = s.As<Napi::Int32Array>();
    auto ta = t.As<Napi::Uint32Array>();
    auto cha = ch.As<Napi::Uint32Array>();
    const std::size_t n = sa.ElementLength();
    if (ta.ElementLength() != n || cha.ElementLength() != n)
      ThrowRange(env, "input.events.sample, timeUs and channel must have the same length (" + std::to_string(n) + ", " +
                          std::to_string(ta.ElementLength()) + ", " + std::to_string(cha.ElementLength()) + ")");
    baton->evSample.assign(sa.Data(), sa.Data() + n);
    baton->evTimes.assign(ta.Data(), ta.Data() + n);
    baton->evChannels.assign(cha.Data(), cha.Data() + n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string at = "input.events[" + std::to_string(i) + "]";
      if (baton->evSample[i] < 0 || baton->evSample[i] >= batch) ThrowRange(env, at + ".sample must be 0.." + std::to_string(batch - 1) + " but is " + std::to_string(baton->evSample[i]));
      if (baton->evChannels[i] >= static_cast<uint32_t>(setup.geometry.inputChannels))
        ThrowRange(env, at + ".channel must be below " + std::to_string(setup.geometry.inputChannels) + " but is " + std::to_string(baton->evChannels[i]));
      if (double(baton->evTimes[i]) >= duration) ThrowRange(env, at + ".timeUs must be below input.durationUs (" + Fmt(duration) + ") but is " + std::to_string(baton->evTimes[i]));
      if (i > 0 && (baton->evSample[i] < baton->evSample[i - 1] || (baton->evSample[i] == baton->evSample[i - 1] && baton->evTimes[i] < baton->evTimes[i - 1])))
        ThrowRange(env, at + " is out of order: events must be sorted by sample, then by time");
    }
    baton->input.eventSample = baton->evSample.data();
    baton->input.eventTimes = baton->evTimes.data();
    baton->input.eventChannels = baton->evChannels.data();
    baton->input.eventCount = n;
    baton->input.durationUs = duration;
    steps = std::ceil(duration / setup.dtUs);
  }
  baton->emulator = Build(env, config, setup);
  const double neurons = static_cast<double>(baton->emulator->neurons());
  Napi::Value dec = o.Get("decode");
  if (!dec.IsUndefined()) {
    auto d = RequireObject(env, dec, "options.decode");
    CheckKeys(env, d, "options.decode", {"weights", "outputs", "tauOutMs", "periodUs"});
    const int64_t outs = Int(env, d, "options.decode", "outputs", 1, 4096);
    baton->decode.tauOutMs = Num(env, d, "options.decode", "tauOutMs", 1e-3, 1e6);
    baton->decode.periodUs = Num(env, d, "options.decode", "periodUs", setup.dtUs, 1e7, &setup.dtUs);
    baton->decodeWeights = ReadArray<float>(env, d.Get("weights"), "options.decode.weights", double(outs) * neurons, "outputs × configured neurons");
    baton->decode.weights = baton->decodeWeights.data();
    baton->decode.outputs = static_cast<std::size_t>(outs);
  }
  // perturbations (robustness sweeps on the emulator): membrane noise and silenced neurons
  const double noZero = 0;
  baton->perturbation.noiseStd = Num(env, o, "options", "noiseStd", 0, 1e6, &noZero);
  baton->perturbation.noiseSeed = static_cast<uint64_t>(Int(env, o, "options", "noiseSeed", 0, (int64_t(1) << 53) - 1, &zero));
  Napi::Value sil = o.Get("silence");
  if (!sil.IsUndefined()) {
    auto so = RequireObject(env, sil, "options.silence");
    CheckKeys(env, so, "options.silence", {"neurons", "startUs", "endUs"});
    Napi::Value list = so.Get("neurons");
    if (!IsKind(list, napi_int32_array)) ThrowType(env, "an Int32Array (dense neuron indices)", "options.silence.neurons", list);
    auto ids = list.As<Napi::Int32Array>();
    baton->perturbation.silenced.assign(static_cast<std::size_t>(neurons), 0);
    for (std::size_t i = 0; i < ids.ElementLength(); ++i) {
      const int32_t j = ids[i];
      if (j < 0 || double(j) >= neurons)
        ThrowRange(env, "options.silence.neurons[" + std::to_string(i) + "] must be a configured neuron, 0.." + Fmt(neurons - 1) + ", but is " + std::to_string(j));
      baton->perturbation.silenced[static_cast<std::size_t>(j)] = 1;
    }
    const double start = 0, end = 1e300;
    baton->perturbation.silenceStartUs = Num(env, so, "options.silence", "startUs", 0, 1e300, &start);
    baton->perturbation.silenceEndUs = Num(env, so, "options.silence", "endUs", 0, 1e300, &end);
  }
  baton->input.perturbation = &baton->perturbation;
  Napi::Value mem = o.Get("membraneNeurons");
  if (!mem.IsUndefined()) {
    if (!IsKind(mem, napi_int32_array)) ThrowType(env, "an Int32Array (dense neuron indices)", "options.membraneNeurons", mem);
    auto ids = mem.As<Napi::Int32Array>();
    if (double(ids.ElementLength()) > neurons) ThrowRange(env, "options.membraneNeurons names " + std::to_string(ids.ElementLength()) + " neurons, more than the " + Fmt(neurons) + " configured");
    for (std::size_t i = 0; i < ids.ElementLength(); ++i) {
      const int32_t j = ids[i];
      if (j < 0 || double(j) >= neurons)
        ThrowRange(env, "options.membraneNeurons[" + std::to_string(i) + "] must be a configured neuron, 0.." + Fmt(neurons - 1) + ", but is " + std::to_string(j));
      baton->input.membraneNeurons.push_back(j);
    }
  }
  MemoryPlan memory;
  memory.add(2 * double(batch) * neurons, 4).add(2 * double(batch) * steps * double(baton->input.membraneNeurons.size()), 4).add(2 * double(batch) * steps * double(baton->decode.outputs), 4);
  memory.check(env, "input.batch", std::to_string(batch) + " runs of " + Fmt(steps) + " steps", "emulate fewer samples at once");
  if (baton->spikesOf > 0) {
    // at most one spike per neuron and step, at most maxSpikeEvents: each (step, neuron) in its run's vectors
    // as they grow (16 bytes) while the merged (sample, step, neuron) vectors grow (24), which are then
    // copied into V8 (12) after the runs' vectors are freed: 40 bytes at the peak
    const double runs = double(baton->spikesOf);
    const double kept = std::min(double(baton->maxSpikeEvents), runs * steps * neurons);
    MemoryPlan spikes;
    spikes.add(kept, 16 + 24);
    spikes.check(env, "options.maxSpikeEvents",
                 Fmt(runs) + (runs == 1 ? " run of " : " runs of ") + Fmt(steps) + " steps keeping up to " + Fmt(kept) + " spike events",
                 "keep the spikes of fewer samples (options.spikesOf) or lower options.maxSpikeEvents");
  }
  CheckCallback(env, info[3], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[4], "cancelToken");
  return AsyncJob<EmulateBaton>::Start(env, std::move(baton), info[3], cancel, "chipEmulate");
}

Napi::Value ChipInspect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  chip::Configuration config = ReadConfig(env, info[0]);
  auto o = RequireObject(env, info[1], "options");
  CheckKeys(env, o, "options", {"chips", "serialNumber", "mismatch", "mismatchScale", "dtUs"});
  ChipSetup setup = ReadSetup(env, o, config);
  auto e = Build(env, config, setup);
  auto r = Napi::Object::New(env);
  r.Set("addresses", ToTyped(env, e->addresses()));
  r.Set("tauMemMs", ToTyped(env, e->tau_mem_ms()));
  r.Set("thresholds", ToTyped(env, e->thresholds()));
  r.Set("efficacies", ToTyped(env, e->connection_efficacy()));
  return r;
}

// A configured virtual chip stepped by the caller (a board session streams its stimulus):
//   new ChipSession(config, setup)       setup as chipInspect's options
//   session.advance(steps, input) -> {step: Int32Array, neuron: Int32Array}  the spikes of these steps
//     (step relative to the call, neuron dense); input: {eventOffsets: Int32Array [steps + 1],
//     eventChannels: Uint32Array} (events of step k: eventChannels[eventOffsets[k] .. eventOffsets[k+1]))
//     and/or {samples: Float32Array [steps × channels], channels, hasSample: Uint8Array [steps]}
//   session.reset()                      every neuron and synapse at rest
//   session.neurons, session.addresses   the dense order
class ChipSession : public Napi::ObjectWrap<ChipSession> {
 public:
  static constexpr const char* kJsName = "ChipSession";
  static constexpr napi_type_tag kTypeTag = {0x6d696d6963636869ULL, 0x7073657373696f6eULL};
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, kJsName,
                       {Method<ChipSession, &ChipSession::Advance>("advance"), Method<ChipSession, &ChipSession::Reset>("reset"),
                        Getter<ChipSession, &ChipSession::Neurons>("neurons"), Getter<ChipSession, &ChipSession::Addresses>("addresses"),
                        Getter<ChipSession, &ChipSession::MaxSteps>("maxSteps")});
  }
  explicit ChipSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ChipSession>(info) {
    TagObject<ChipSession>(info.Env(), info.This().As<Napi::Object>());
    Guard(info.Env(), "new ChipSession", [&] {
      Napi::Env env = info.Env();
      chip::Configuration config = ReadConfig(env, info[0]);
      auto o = RequireObject(env, info[1], "options");
      CheckKeys(env, o, "options", {"chips", "serialNumber", "mismatch", "mismatchScale", "dtUs"});
      ChipSetup setup = ReadSetup(env, o, config);
      inputChannels_ = static_cast<uint32_t>(setup.geometry.inputChannels);
      emulator_ = Build(env, config, setup);
      emulator_->reset(state_);
    });
  }

 private:
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    emulator_->reset(state_);
    return info.Env().Undefined();
  }
  Napi::Value Neurons(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(emulator_->neurons())); }
  Napi::Value Addresses(const Napi::CallbackInfo& info) { return ToTyped(info.Env(), emulator_->addresses()); }
  // The most steps one advance() takes (kMaxSyncNeuronSteps of this chip's neurons, at most 10^7).
  double MaxStepsOf() const { return std::min(1e7, std::floor(kMaxSyncNeuronSteps / static_cast<double>(emulator_->neurons()))); }
  Napi::Value MaxSteps(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), MaxStepsOf()); }
  Napi::Value Advance(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber()) ThrowType(env, "a number of steps", "steps", info[0]);
    const double sd = info[0].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(sd) || std::floor(sd) != sd || sd < 0 || sd > 1e7) ThrowRange(env, "steps must be an integer from 0 to 10^7 but is " + Fmt(sd));
    const std::size_t steps = static_cast<std::size_t>(sd);
    const double neurons = static_cast<double>(emulator_->neurons()), work = sd * neurons;
    if (work > kMaxSyncNeuronSteps)
      ThrowRange(env, "steps: " + Fmt(sd) + " steps of " + Fmt(neurons) + " neurons are " + Fmt(work) + " neuron-steps, more than the " +
                          Fmt(kMaxSyncNeuronSteps) + " that advance() computes on the event loop: advance at most session.maxSteps = " +
                          Fmt(MaxStepsOf()) + " steps at a time");
    // at most one spike per neuron and step: (step, neuron) in vectors that grow, then their copies in V8
    MemoryPlan memory;
    memory.add(work, 8 * 3);
    memory.check(env, "steps", "the spikes of " + Fmt(sd) + " steps of " + Fmt(neurons) + " neurons", "advance fewer steps at a time");
    auto in = RequireObject(env, info[1], "input");
    CheckKeys(env, in, "input", {"eventOffsets", "eventChannels", "samples", "channels", "hasSample"});
    std::vector<int32_t> offsets;
    std::vector<uint32_t> channels;
    if (!in.Get("eventOffsets").IsUndefined()) {
      Napi::Value ov = in.Get("eventOffsets"), cv = in.Get("eventChannels");
      if (!IsKind(ov, napi_int32_array)) ThrowType(env, "an Int32Array", "input.eventOffsets", ov);
      if (!IsKind(cv, napi_uint32_array)) ThrowType(env, "a Uint32Array", "input.eventChannels", cv);
      auto oa = ov.As<Napi::Int32Array>();
      auto ca = cv.As<Napi::Uint32Array>();
      if (oa.ElementLength() != steps + 1) ThrowRange(env, "input.eventOffsets must have steps + 1 = " + std::to_string(steps + 1) + " elements but has " + std::to_string(oa.ElementLength()));
      offsets.assign(oa.Data(), oa.Data() + oa.ElementLength());
      channels.assign(ca.Data(), ca.Data() + ca.ElementLength());
      if (offsets[0] != 0 || static_cast<std::size_t>(offsets[steps]) != channels.size())
        ThrowRange(env, "input.eventOffsets must start at 0 and end at the number of eventChannels (" + std::to_string(channels.size()) + ")");
      for (std::size_t k = 0; k < steps; ++k)
        if (offsets[k + 1] < offsets[k]) ThrowRange(env, "input.eventOffsets must not decrease (element " + std::to_string(k + 1) + ")");
      for (std::size_t k = 0; k < channels.size(); ++k)
        if (channels[k] >= inputChannels_) ThrowRange(env, "input.eventChannels[" + std::to_string(k) + "] must be below " + std::to_string(inputChannels_) + " but is " + std::to_string(channels[k]));
    }
    std::vector<float> samples;
    std::vector<uint8_t> has;
    std::size_t C = 0;
    if (!in.Get("samples").IsUndefined()) {
      C = static_cast<std::size_t>(Int(env, in, "input", "channels", 1, inputChannels_));
      samples = ReadArray<float>(env, in.Get("samples"), "input.samples", double(steps) * double(C), "steps × channels");
      Napi::Value hv = in.Get("hasSample");
      if (!IsKind(hv, napi_uint8_array)) ThrowType(env, "a Uint8Array", "input.hasSample", hv);
      auto ha = hv.As<Napi::Uint8Array>();
      if (ha.ElementLength() != steps) ThrowRange(env, "input.hasSample must have steps = " + std::to_string(steps) + " elements but has " + std::to_string(ha.ElementLength()));
      has.assign(ha.Data(), ha.Data() + steps);
    }
    std::vector<int32_t> outStep, outNeuron;
    for (std::size_t k = 0; k < steps; ++k) {
      const uint32_t* ev = offsets.empty() ? nullptr : channels.data() + offsets[k];
      const std::size_t nEv = offsets.empty() ? 0 : static_cast<std::size_t>(offsets[k + 1] - offsets[k]);
      const float* x = !samples.empty() && has[k] ? samples.data() + k * C : nullptr;
      emulator_->step(state_, ev, nEv, x, C);
      for (int32_t i : state_.pending) {
        outStep.push_back(static_cast<int32_t>(k));
        outNeuron.push_back(i);
      }
    }
    auto r = Napi::Object::New(env);
    r.Set("step", ToTyped(env, outStep));
    r.Set("neuron", ToTyped(env, outNeuron));
    return r;
  }

  std::unique_ptr<chip::Emulator> emulator_;
  chip::Emulator::State state_;
  uint32_t inputChannels_ = 1024;
};

}  // namespace

void InitChip(Napi::Env env, Napi::Object exports) {
  Export<ChipEmulate>(env, exports, "chipEmulate");
  Export<ChipInspect>(env, exports, "chipInspect");
  exports.Set("ChipSession", ChipSession::Define(env));
}

}  // namespace mimic_binding
