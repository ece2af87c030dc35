// The paper's baseline spiking networks (native/core/baseline.hpp): running one (lifRun), building
// and fitting a reservoir (reservoirTrain), and training a FORCE network by RLS (forceTrain). Every
// argument is checked here, naming the field, before any work starts.
#include <napi.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "guard.hpp"
#include "baseline.hpp"
#include "adam.hpp"
#include "bptt_snn.hpp"
#include "memory.hpp"
#include "options.hpp"
#include "rng.hpp"
#include "snn.hpp"
#include "task_args.hpp"
#include "thread_pool.hpp"

namespace mimic_binding {
namespace {

constexpr int64_t kMaxSamples = (int64_t(1) << 31) - 1;
constexpr int64_t kMaxOutputs = 1024;
constexpr int64_t kMaxChannels = 4096;
// The shortest time constant of an option (ms; 1 µs, as chipEmulate's decode.tauOutMs): a shorter one
// overflows the traces (1/τ per spike) and the run returns Infinity or NaN, or the ridge system fails.
constexpr double kMinTauMs = 1e-3;
// The salts of the FORCE and BPTT epoch orders (mimic::dataset_epoch_order): their own since they were
// written, so that a stored run's seed still gives its order.
constexpr uint64_t kSaltForceOrder = 0x0DE5, kSaltBpttOrder = 0xB0DE;

Napi::Object NetToJs(Napi::Env env, const mimic::LifNet& n) {
  auto o = Napi::Object::New(env);
  o.Set("neurons", Napi::Number::New(env, double(n.neurons)));
  o.Set("channels", Napi::Number::New(env, double(n.channels)));
  o.Set("outputs", Napi::Number::New(env, double(n.outputs)));
  o.Set("subtractReset", Napi::Boolean::New(env, n.subtractReset));
  o.Set("tauOutMs", Napi::Number::New(env, n.tauOutMs));
  o.Set("wIn", ToTyped(env, n.wIn));
  o.Set("wRec", ToTyped(env, n.wRec));
  o.Set("wOut", ToTyped(env, n.wOut));
  o.Set("outBias", ToTyped(env, n.outBias));
  if (!n.encoders.empty()) o.Set("encoders", ToTyped(env, n.encoders));
  o.Set("tauMemMs", ToTyped(env, n.tauMemMs));
  o.Set("tauSynMs", ToTyped(env, n.tauSynMs));
  o.Set("vTh", ToTyped(env, n.vTh));
  o.Set("vReset", ToTyped(env, n.vReset));
  o.Set("bias", ToTyped(env, n.bias));
  o.Set("refractoryMs", ToTyped(env, n.refractoryMs));
  return o;
}

mimic::LifNet ReadNet(Napi::Env env, Napi::Value v, const std::string& pre) {
  Napi::Object o = RequireObject(env, v, pre);
  CheckKeys(env, o, pre,
            {"neurons", "channels", "outputs", "subtractReset", "tauOutMs", "wIn", "wRec", "wOut", "outBias", "encoders",
             "tauMemMs", "tauSynMs", "vTh", "vReset", "bias", "refractoryMs"});
  mimic::LifNet n;
  n.neurons = size_t(Int(env, o, pre, "neurons", 1, kMaxNeurons));
  n.channels = size_t(Int(env, o, pre, "channels", 1, kMaxChannels));
  n.outputs = size_t(Int(env, o, pre, "outputs", 1, kMaxOutputs));
  n.subtractReset = Bool(env, o, pre, "subtractReset", false);
  n.tauOutMs = Num(env, o, pre, "tauOutMs", kMinTauMs, 1e6);
  const double N = double(n.neurons), C = double(n.channels), O = double(n.outputs);
  const std::string sN = std::to_string(n.neurons), sC = std::to_string(n.channels), sO = std::to_string(n.outputs);
  MemoryPlan plan;
  plan.add(2 * (N * N + N * C + 2 * N * O + 6 * N), 4);
  plan.check(env, Join(pre, "neurons"), "a network of " + Fmt(N) + " neurons", "use fewer neurons");
  n.wIn = ReadArray<float>(env, o.Get("wIn"), Join(pre, "wIn"), N * C, "neurons × channels (" + sN + " × " + sC + ")");
  n.wRec = ReadArray<float>(env, o.Get("wRec"), Join(pre, "wRec"), N * N, "neurons × neurons (" + sN + " × " + sN + ")");
  n.wOut = ReadArray<float>(env, o.Get("wOut"), Join(pre, "wOut"), O * N, "outputs × neurons (" + sO + " × " + sN + ")");
  n.outBias = ReadArray<float>(env, o.Get("outBias"), Join(pre, "outBias"), O, "outputs (" + sO + ")");
  if (!o.Get("encoders").IsUndefined())
    n.encoders = ReadArray<float>(env, o.Get("encoders"), Join(pre, "encoders"), N * O, "neurons × outputs (" + sN + " × " + sO + ")");
  const std::string per = "neurons (" + sN + ")";
  n.tauMemMs = ReadArray<float>(env, o.Get("tauMemMs"), Join(pre, "tauMemMs"), N, per);
  n.tauSynMs = ReadArray<float>(env, o.Get("tauSynMs"), Join(pre, "tauSynMs"), N, per);
  n.vTh = ReadArray<float>(env, o.Get("vTh"), Join(pre, "vTh"), N, per);
  n.vReset = ReadArray<float>(env, o.Get("vReset"), Join(pre, "vReset"), N, per);
  n.bias = ReadArray<float>(env, o.Get("bias"), Join(pre, "bias"), N, per);
  n.refractoryMs = ReadArray<float>(env, o.Get("refractoryMs"), Join(pre, "refractoryMs"), N, per);
  for (size_t i = 0; i < n.neurons; ++i) {
    if (!(n.tauMemMs[i] > 0)) ThrowRange(env, Join(pre, "tauMemMs") + " must hold positive time constants (ms) but element " + std::to_string(i) + " is " + Fmt(n.tauMemMs[i]));
    if (!(n.tauSynMs[i] > 0)) ThrowRange(env, Join(pre, "tauSynMs") + " must hold positive time constants (ms) but element " + std::to_string(i) + " is " + Fmt(n.tauSynMs[i]));
    if (!(n.refractoryMs[i] >= 0)) ThrowRange(env, Join(pre, "refractoryMs") + " must not hold negative values but element " + std::to_string(i) + " is " + Fmt(n.refractoryMs[i]));
    if (!(n.vTh[i] > n.vReset[i])) ThrowRange(env, Join(pre, "vTh") + " must lie above vReset for every neuron but neuron " + std::to_string(i) + " has vTh " + Fmt(n.vTh[i]) + " and vReset " + Fmt(n.vReset[i]));
  }
  return n;
}

struct Samples {
  size_t count = 0, steps = 0;
  std::vector<float> inputs, targets;
};

// {inputs, targets?, count, steps}
std::shared_ptr<Samples> ReadSamples(Napi::Env env, Napi::Value v, const std::string& pre, size_t channels, size_t outputs, bool needTargets) {
  Napi::Object o = RequireObject(env, v, pre);
  CheckKeys(env, o, pre, {"inputs", "targets", "count", "steps"});
  auto s = std::make_shared<Samples>();
  s->count = size_t(Int(env, o, pre, "count", 1, kMaxSamples));
  s->steps = size_t(Int(env, o, pre, "steps", 1, kMaxSamples));
  const double cs = double(s->count) * double(s->steps);
  MemoryPlan plan;
  plan.add(cs * double(channels + (needTargets ? outputs : 0)), 4);
  plan.check(env, Join(pre, "count"), "copying " + Fmt(double(s->count)) + " samples of " + Fmt(double(s->steps)) + " steps", "use fewer or shorter samples");
  const std::string base = std::to_string(s->count) + " × " + std::to_string(s->steps);
  s->inputs = ReadArray<float>(env, o.Get("inputs"), Join(pre, "inputs"), cs * double(channels), "count × steps × channels (" + base + " × " + std::to_string(channels) + ")");
  if (needTargets)
    s->targets = ReadArray<float>(env, o.Get("targets"), Join(pre, "targets"), cs * double(outputs), "count × steps × outputs (" + base + " × " + std::to_string(outputs) + ")");
  return s;
}

// " (its default)" when an option that conflicts with another one has its default value (perhaps not given).
std::string ItsDefault(double value, double fallback) { return value == fallback ? " (its default)" : ""; }

Napi::Object OptionsOf(Napi::Env env, Napi::Value v) { return v.IsUndefined() ? Napi::Object::New(env) : RequireObject(env, v, "options"); }

// ---- lifRun ---------------------------------------------------------------------------------------

struct RunBaton {
  mimic::LifNet net;
  std::shared_ptr<Samples> data;
  double dtMs = 1;
  uint64_t seed = 0;
  unsigned threads = 0;
  mimic::LifPerturbation perturbation;
  mimic::LifRunStats out;
  double seconds = 0;
  void Execute(const mimic::Control& control) {
    const auto t0 = std::chrono::steady_clock::now();
    mimic::lif_run(net, data->inputs.data(), data->count, data->steps, dtMs, seed, threads, out, control, perturbation);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("outputs", ToTyped(env, out.outputs));
    o.Set("spikeCounts", ToTyped(env, out.spikeCounts));
    o.Set("totalSpikes", Napi::Number::New(env, out.totalSpikes));
    o.Set("meanRateHz", Napi::Number::New(env, out.meanRateHz));
    o.Set("kernelSeconds", Napi::Number::New(env, seconds));
    if (!out.membraneNeurons.empty()) {
      o.Set("membrane", ToTyped(env, out.membrane));
      o.Set("membraneNeurons", ToTyped(env, out.membraneNeurons));
      o.Set("recordedSteps", Napi::Number::New(env, double(out.recordedSteps)));
    }
    if (out.recordSamples > 0) {
      // the recorded samples' events: steps and neurons in sample order, offsets[b] .. offsets[b + 1]
      std::vector<int32_t> steps, neurons, offsets{0};
      for (std::size_t b = 0; b < out.spikeSteps.size(); ++b) {
        steps.insert(steps.end(), out.spikeSteps[b].begin(), out.spikeSteps[b].end());
        neurons.insert(neurons.end(), out.spikeNeurons[b].begin(), out.spikeNeurons[b].end());
        offsets.push_back(static_cast<int32_t>(steps.size()));
      }
      auto sp = Napi::Object::New(env);
      sp.Set("steps", ToTyped(env, steps));
      sp.Set("neurons", ToTyped(env, neurons));
      sp.Set("offsets", ToTyped(env, offsets));
      o.Set("spikes", sp);
    }
    return o;
  }
};

// A list of neuron indices (Int32Array or an array of integers), each in [0, n), named by `name` (lif_run
// checks its recorded neurons again, without the option's name, for callers other than this binding).
std::vector<int32_t> ReadNeurons(Napi::Env env, Napi::Value v, const std::string& name, size_t n) {
  std::vector<int32_t> out;
  // entry i, checked before it is stored (an array's entry may not fit an int32)
  auto inRange = [&](size_t i, double d) {
    if (d < 0 || d >= double(n)) ThrowRange(env, name + "[" + std::to_string(i) + "] is neuron " + Fmt(d) + " but the network has neurons 0.." + std::to_string(n - 1));
  };
  if (IsKind(v, napi_int32_array)) {
    auto a = v.As<Napi::TypedArray>();
    const size_t len = a.ElementLength();
    if (len > n) ThrowRange(env, name + " has " + std::to_string(len) + " entries but the network has only " + std::to_string(n) + " neurons");
    const int32_t* p = reinterpret_cast<const int32_t*>(static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
    for (size_t i = 0; i < len; ++i) inRange(i, double(p[i]));
    out.assign(p, p + len);
  } else if (v.IsArray()) {
    auto a = v.As<Napi::Array>();
    const uint32_t len = a.Length();  // read once: a getter may change the array while it is copied
    if (len > n) ThrowRange(env, name + " has " + std::to_string(len) + " entries but the network has only " + std::to_string(n) + " neurons");
    for (uint32_t i = 0; i < len; ++i) {
      Napi::Value e = a.Get(i);
      const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
      if (!std::isfinite(d) || std::floor(d) != d) ThrowType(env, "an integer", name + "[" + std::to_string(i) + "]", e);
      inRange(i, d);
      out.push_back(int32_t(d));
    }
  } else {
    ThrowType(env, "an Int32Array or an array of neuron indices", name, v);
  }
  return out;
}

// lifRun(net, batch {inputs, count, steps}, options {seed, threads, dtMs, noiseStd, silence {neurons, startStep, endStep},
//        recordSpikes, recordMembrane, decimate},
//        onProgress?, cancel?)
Napi::Value LifRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto b = std::make_unique<RunBaton>();
  b->net = ReadNet(env, info[0], "net");
  b->data = ReadSamples(env, info[1], "batch", b->net.channels, b->net.outputs, false);
  Napi::Object o = OptionsOf(env, info[2]);
  CheckKeys(env, o, "options", {"seed", "threads", "dtMs", "noiseStd", "silence", "recordSpikes", "recordMembrane", "decimate"});
  b->seed = Seed(env, o, "", "seed", true);
  b->threads = Threads(env, o, "");
  const double one = 1, zero = 0;
  b->dtMs = Num(env, o, "", "dtMs", 0, 1000, &one, true);
  b->perturbation.noiseStd = Num(env, o, "", "noiseStd", 0, 1e6, &zero);
  if (!o.Get("silence").IsUndefined()) {
    Napi::Object s = RequireObject(env, o.Get("silence"), "options.silence");
    CheckKeys(env, s, "options.silence", {"neurons", "startStep", "endStep"});
    b->perturbation.silenced = ReadNeurons(env, s.Get("neurons"), "options.silence.neurons", b->net.neurons);
    const int64_t first = 0, end = int64_t(b->data->steps);
    b->perturbation.silenceStart = size_t(Int(env, s, "options.silence", "startStep", 0, end, &first));
    b->perturbation.silenceEnd = size_t(Int(env, s, "options.silence", "endStep", 0, end, &end));
    if (b->perturbation.silenceEnd < b->perturbation.silenceStart)
      ThrowRange(env, "options.silence.endStep (" + std::to_string(b->perturbation.silenceEnd) + ") must not be before startStep (" +
                          std::to_string(b->perturbation.silenceStart) + ")");
  }
  const int64_t none = 0;
  b->out.recordSamples = size_t(Int(env, o, "", "recordSpikes", 0, int64_t(b->data->count), &none));
  if (!o.Get("recordMembrane").IsUndefined()) b->out.membraneNeurons = ReadNeurons(env, o.Get("recordMembrane"), "options.recordMembrane", b->net.neurons);
  const int64_t oneStep = 1;
  b->out.decimate = size_t(Int(env, o, "", "decimate", 1, std::max<int64_t>(1, int64_t(b->data->steps)), &oneStep));
  MemoryPlan plan;
  plan.add(2 * double(b->data->count) * double(mimic::recorded_steps(b->data->steps, b->out.decimate)) * double(b->out.membraneNeurons.size()), 4);
  plan.add(2 * double(b->data->count) * (double(b->data->steps) * double(b->net.outputs) + double(b->net.neurons)), 4);
  // at most one spike per neuron and step, two integers each (and the copy the result makes)
  plan.add(4 * double(b->out.recordSamples) * double(b->data->steps) * double(b->net.neurons), 4);
  plan.check(env, "batch.count", "the outputs of " + Fmt(double(b->data->count)) + " samples", "use fewer or shorter samples");
  CheckCallback(env, info[3], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[4], "cancelToken");
  return AsyncJob<RunBaton>::Start(env, std::move(b), info[3], cancel, "lifRun");
}

// ---- reservoirTrain -------------------------------------------------------------------------------

struct ReservoirBaton {
  mimic::ReservoirOptions options;
  std::shared_ptr<Samples> train;
  double dtMs = 1;
  unsigned threads = 0;
  mimic::LifNet net;
  mimic::ReadoutFit fit;
  void Execute(const mimic::Control& control) {
    net = mimic::reservoir_build(options);
    fit = mimic::reservoir_fit(net, train->inputs.data(), train->targets.data(), train->count, train->steps, dtMs, options.ridge,
                               options.stride, mimic::derive_seed(options.seed, 0, 0x7E5), threads, control);
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("network", NetToJs(env, net));
    o.Set("trainMse", Napi::Number::New(env, fit.trainMse));
    o.Set("meanRateHz", Napi::Number::New(env, fit.meanRateHz));
    return o;
  }
};

// reservoirTrain(options {neurons, channels, outputs, seed, pools, connectivity, ..., train, dtMs, threads}, onProgress?, cancel?)
Napi::Value ReservoirTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options",
            {"neurons", "channels", "outputs", "seed", "pools", "connectivity", "inhibitoryEvery", "inhibitoryGain", "weight",
             "inputScale", "tauMinMs", "tauMaxMs", "tauOutMs", "biasLo", "biasHi", "refractoryMs", "ridge", "stride", "train",
             "dtMs", "threads"});
  auto b = std::make_unique<ReservoirBaton>();
  auto& p = b->options;
  const mimic::ReservoirOptions d;
  p.neurons = size_t(Int(env, o, "", "neurons", 2, kMaxNeurons));
  p.channels = size_t(Int(env, o, "", "channels", 1, kMaxChannels));
  p.outputs = size_t(Int(env, o, "", "outputs", 1, kMaxOutputs));
  p.seed = Seed(env, o, "", "seed", false);
  const int64_t pools = int64_t(d.pools);
  p.pools = size_t(Int(env, o, "", "pools", 1, int64_t(p.neurons), &pools));
  // (the default is not range-checked by Int: a reservoir of fewer neurons than the default pools)
  if (p.pools > p.neurons)
    ThrowRange(env, "pools must be between 1 and neurons (" + std::to_string(p.neurons) + ") but is " + std::to_string(p.pools) +
                        " (the default): give pools");
  p.connectivity = Num(env, o, "", "connectivity", 0, 1, &d.connectivity);
  p.inhibitoryEvery = Num(env, o, "", "inhibitoryEvery", 1, 1e9, &d.inhibitoryEvery);
  p.inhibitoryGain = Num(env, o, "", "inhibitoryGain", 0, 1e6, &d.inhibitoryGain);
  p.weight = Num(env, o, "", "weight", 0, 1e6, &d.weight);
  p.inputScale = Num(env, o, "", "inputScale", 0, 1e6, &d.inputScale);
  p.tauMinMs = Num(env, o, "", "tauMinMs", 0.01, 1e5, &d.tauMinMs);
  p.tauMaxMs = Num(env, o, "", "tauMaxMs", 0.01, 1e5, &d.tauMaxMs);
  if (p.tauMaxMs < p.tauMinMs)
    ThrowRange(env, "tauMaxMs must be at least tauMinMs (" + Fmt(p.tauMinMs) + ") but is " + Fmt(p.tauMaxMs) + ItsDefault(p.tauMaxMs, d.tauMaxMs));
  p.tauOutMs = Num(env, o, "", "tauOutMs", kMinTauMs, 1e6, &d.tauOutMs);
  p.biasLo = Num(env, o, "", "biasLo", -1e6, 1e6, &d.biasLo);
  p.biasHi = Num(env, o, "", "biasHi", -1e6, 1e6, &d.biasHi);
  if (p.biasHi < p.biasLo)
    ThrowRange(env, "biasHi must be at least biasLo (" + Fmt(p.biasLo) + ") but is " + Fmt(p.biasHi) + ItsDefault(p.biasHi, d.biasHi));
  p.refractoryMs = Num(env, o, "", "refractoryMs", 0, 1000, &d.refractoryMs);
  p.ridge = Num(env, o, "", "ridge", 0, 1e12, &d.ridge);
  const int64_t stride = 1;
  p.stride = size_t(Int(env, o, "", "stride", 1, 1000000, &stride));
  const double one = 1;
  b->dtMs = Num(env, o, "", "dtMs", 0, 1000, &one, true);
  b->threads = Threads(env, o, "");
  b->train = ReadSamples(env, o.Get("train"), "options.train", p.channels, p.outputs, true);
  // Per sample of a block (reservoir_block_samples at a time): its Gram matrix (N+1)² and RᵀY; per
  // thread a chunk of trace rows [at most 1024 × (N+1)]; the sums and the system's factor, two (N+1)²; in doubles.
  const double F = double(p.neurons) + 1;
  const double block = double(std::min<std::size_t>(b->train->count, mimic::reservoir_block_samples()));
  const double chunkRows = double(std::min<std::size_t>((b->train->steps + p.stride - 1) / p.stride, 1024));
  MemoryPlan plan;
  plan.add((block + 2) * F * (F + double(p.outputs)) + double(mimic::global_pool().size()) * (F + double(p.outputs)) * chunkRows, 8);
  plan.check(env, "options.train.count", "a ridge read-out of " + Fmt(F) + " features over " + Fmt(double(b->train->count)) + " samples",
             "use fewer samples or neurons, or a larger stride");
  CheckCallback(env, info[1], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<ReservoirBaton>::Start(env, std::move(b), info[1], cancel, "reservoirTrain");
}

// ---- forceTrain -----------------------------------------------------------------------------------

/** An epoch's validation scores (MSE, mean rate, accuracy by the task's rule) of a LIF network, into `rec`. */
template <typename Epoch>
void validateEpoch(const mimic::LifNet& net, const Samples& validation, double dtMs, uint64_t seed, unsigned threads,
                   const DecisionRulePlan& rule, const mimic::Control& control, Epoch& rec) {
  mimic::LifRunStats out;
  mimic::lif_run(net, validation.inputs.data(), validation.count, validation.steps, dtMs, seed, threads, out,
                 control.cancel_only());
  double vse = 0;
  for (size_t i = 0; i < out.outputs.size(); ++i) {
    const double d = double(out.outputs[i]) - validation.targets[i];
    vse += d * d;
  }
  rec.valMse = vse / double(out.outputs.size());
  rec.valMeanRateHz = out.meanRateHz;
  if (rule.rule) {
    mimic::TaskScore score;
    mimic::score_outputs(*rule.rule, rule.fitted, out.outputs.data(), validation.count, validation.steps, net.outputs,
                         validation.targets.data(), nullptr, score, nullptr, nullptr);
    rec.valAccuracy = score.accuracy();
  }
}

struct ForceEpoch {
  double epoch = 0, trainMse = 0, valMse = NAN, valAccuracy = NAN, valMeanRateHz = NAN, seconds = 0;
};

Napi::Value ForceEpochToJs(Napi::Env env, const ForceEpoch& e) {
  auto r = Napi::Object::New(env);
  r.Set("epoch", Napi::Number::New(env, e.epoch));
  r.Set("trainMse", Napi::Number::New(env, e.trainMse));
  r.Set("valMse", Napi::Number::New(env, e.valMse));
  r.Set("valAccuracy", Napi::Number::New(env, e.valAccuracy));
  r.Set("valMeanRateHz", Napi::Number::New(env, e.valMeanRateHz));
  r.Set("seconds", Napi::Number::New(env, e.seconds));
  return r;
}

struct ForceBaton {
  mimic::ForceOptions options;
  std::shared_ptr<Samples> train, validation;
  size_t epochs = 3, patience = 2;
  size_t epochSamples = 0;  // training samples per epoch: the first of the epoch's order (0: all; docs/method.md §13)
  double dtMs = 1;
  unsigned threads = 0;
  DecisionRulePlan rule;
  mimic::LifNet net, best;
  std::vector<ForceEpoch> records;
  size_t bestEpoch = 0;
  using EpochRecord = ForceEpoch;
  std::function<void(const ForceEpoch&)> onEpoch;  // after each epoch, on this thread (AsyncJob)
  static Napi::Value EpochToJs(Napi::Env env, const ForceEpoch& e) { return ForceEpochToJs(env, e); }
  void Execute(const mimic::Control& control) {
    net = mimic::force_build(options);
    best = net;
    mimic::ForceRls rls(net.neurons, options.p0);
    const size_t C = net.channels, O = net.outputs, T = train->steps;
    double bestVal = INFINITY;
    size_t stale = 0;
    const size_t perEpoch = epochSamples > 0 ? std::min(epochSamples, train->count) : train->count;
    const double total = double(epochs) * double(perEpoch);
    for (size_t e = 0; e < epochs; ++e) {
      const auto t0 = std::chrono::steady_clock::now();
      ForceEpoch rec;
      rec.epoch = double(e + 1);
      // RLS is sequential by nature: one sample after another (in an order drawn per epoch).
      const auto order = mimic::dataset_epoch_order(train->count, perEpoch, true, options.seed, e, kSaltForceOrder);
      double sse = 0;
      for (size_t i = 0; i < order.size(); ++i) {
        const size_t b = order[i];
        // progress inside a sample too: at N = 8192 a sample of 1000 steps takes about a minute
        sse += rls.train_sample(net, &train->inputs[b * T * C], &train->targets[b * T * O], T, dtMs, options.rlsEvery,
                                mimic::derive_seed(options.seed, e, 0x7A1), b, control.within(double(e * perEpoch + i), total, "training by RLS"));
        control.report(double(e * perEpoch + i + 1), total, "training by RLS");
      }
      rec.trainMse = sse / (double(perEpoch) * double(T) * double(O));
      if (validation) validateEpoch(net, *validation, dtMs, mimic::derive_seed(options.seed, 0, 0x7A2), threads, rule, control, rec);
      rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      records.push_back(rec);
      if (onEpoch) onEpoch(rec);
      const double val = validation ? rec.valMse : rec.trainMse;
      if (std::isfinite(val) && val < bestVal) {
        bestVal = val;
        best = net;
        bestEpoch = e + 1;
        stale = 0;
      } else if (++stale >= patience && validation) {
        break;  // early stop: `patience` epochs without a validation gain
      }
    }
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("network", NetToJs(env, best));
    o.Set("bestEpoch", Napi::Number::New(env, double(bestEpoch)));
    auto arr = Napi::Array::New(env, records.size());
    for (size_t i = 0; i < records.size(); ++i) arr.Set(uint32_t(i), ForceEpochToJs(env, records[i]));
    o.Set("epochs", arr);
    return o;
  }
};

// forceTrain(options {neurons, channels, outputs, seed, ..., train, validation?, epochs, patience, decision?, dtMs, threads},
//            onProgress?, cancel?, onEpoch?)   onEpoch(record) after every epoch, while the training goes on
Napi::Value ForceTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options",
            {"neurons", "channels", "outputs", "seed", "tauMemMs", "tauSynMs", "vReset", "vPeak", "bias", "refractoryMs", "g",
             "sparsity", "encoderScale", "inputScale", "p0", "rlsEvery", "train", "validation", "epochs", "patience",
             "epochSamples", "decision", "dtMs", "threads"});
  auto b = std::make_unique<ForceBaton>();
  auto& p = b->options;
  const mimic::ForceOptions d;
  p.neurons = size_t(Int(env, o, "", "neurons", 2, kMaxNeurons));
  p.channels = size_t(Int(env, o, "", "channels", 1, kMaxChannels));
  p.outputs = size_t(Int(env, o, "", "outputs", 1, kMaxOutputs));
  p.seed = Seed(env, o, "", "seed", false);
  p.tauMemMs = Num(env, o, "", "tauMemMs", kMinTauMs, 1e5, &d.tauMemMs);
  p.tauSynMs = Num(env, o, "", "tauSynMs", kMinTauMs, 1e5, &d.tauSynMs);
  p.vReset = Num(env, o, "", "vReset", -1e4, 1e4, &d.vReset);
  p.vPeak = Num(env, o, "", "vPeak", -1e4, 1e4, &d.vPeak);
  if (!(p.vPeak > p.vReset))
    ThrowRange(env, "vPeak must lie above vReset (" + Fmt(p.vReset) + ") but is " + Fmt(p.vPeak) + ItsDefault(p.vPeak, d.vPeak));
  p.bias = Num(env, o, "", "bias", -1e4, 1e4, &d.bias);
  p.refractoryMs = Num(env, o, "", "refractoryMs", 0, 1000, &d.refractoryMs);
  p.g = Num(env, o, "", "g", 0, 1e6, &d.g);
  p.sparsity = Num(env, o, "", "sparsity", 0, 1, &d.sparsity, true);
  p.encoderScale = Num(env, o, "", "encoderScale", 0, 1e6, &d.encoderScale);
  p.inputScale = Num(env, o, "", "inputScale", 0, 1e6, &d.inputScale);
  p.p0 = Num(env, o, "", "p0", 0, 1e12, &d.p0, true);
  const int64_t one64 = 1, three = 3, two = 2;  // at most 3 epochs by default (docs/method.md §13)
  p.rlsEvery = size_t(Int(env, o, "", "rlsEvery", 1, 1000000, &one64));
  b->epochs = size_t(Int(env, o, "", "epochs", 1, 100000, &three));
  b->patience = size_t(Int(env, o, "", "patience", 1, 100000, &two));
  const int64_t zero64 = 0;
  b->epochSamples = size_t(Int(env, o, "", "epochSamples", 0, 100000000, &zero64));
  const double one = 1;
  b->dtMs = Num(env, o, "", "dtMs", 0, 1000, &one, true);
  b->threads = Threads(env, o, "");
  b->train = ReadSamples(env, o.Get("train"), "options.train", p.channels, p.outputs, true);
  if (!o.Get("validation").IsUndefined())
    b->validation = ReadSamples(env, o.Get("validation"), "options.validation", p.channels, p.outputs, true);
  b->rule = ReadDecisionRule(env, o.Get("decision"), "options.decision", nullptr);
  const double N = double(p.neurons);
  MemoryPlan plan;
  plan.add(N * (N + 1) / 2 + N, 8).add(4 * N * N, 4);
  plan.check(env, "options.neurons", "FORCE training of " + Fmt(N) + " neurons (P is N × N)", "use fewer neurons");
  CheckCallback(env, info[1], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  CheckCallback(env, info[3], "onEpoch");
  return AsyncJob<ForceBaton>::Start(env, std::move(b), info[1], cancel, "forceTrain", info[3]);
}


// ---- BPTT spiking network -------------------------------------------------------------------------

mimic::BpttLoss ReadBpttLoss(Napi::Env env, Napi::Object o, const std::string& pre) {
  mimic::BpttLoss l;
  const mimic::BpttLoss d;
  l.lambdaMse = Num(env, o, pre, "lambdaMse", 0, 1e12, &d.lambdaMse);
  l.lambdaWeights = Num(env, o, pre, "lambdaWeights", 0, 1e12, &d.lambdaWeights);
  l.lambdaRate = Num(env, o, pre, "lambdaRate", 0, 1e12, &d.lambdaRate);
  return l;
}

struct BpttGradBaton {
  mimic::LifNet net;
  size_t n1 = 0;
  std::shared_ptr<Samples> data;
  mimic::BpttLoss loss;
  double beta = 0, dtMs = 1;
  uint64_t seed = 0;
  unsigned threads = 0;
  mimic::BpttGrad grad;
  mimic::BpttBatchResult res;
  void Execute(const mimic::Control& control) {
    std::vector<size_t> idx(data->count);
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    res = mimic::bptt_batch_gradient(net, n1, data->inputs.data(), data->targets.data(), idx.data(), idx.size(), data->steps, dtMs, loss,
                                     beta, seed, threads, grad, control);
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("loss", Napi::Number::New(env, res.loss));
    o.Set("mse", Napi::Number::New(env, res.mse));
    o.Set("meanRateHz", Napi::Number::New(env, res.meanRateHz));
    auto g = Napi::Object::New(env);
    g.Set("wIn", ToTyped(env, grad.wIn));
    g.Set("wRec", ToTyped(env, grad.wRec));
    g.Set("wOut", ToTyped(env, grad.wOut));
    g.Set("outBias", ToTyped(env, grad.outBias));
    o.Set("grads", g);
    return o;
  }
};

// bpttGradient(net, batch {inputs, targets, count, steps}, options {n1, loss?, smoothBeta?, seed?, dtMs?, threads?}, onProgress?, cancel?)
Napi::Value BpttGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto b = std::make_unique<BpttGradBaton>();
  b->net = ReadNet(env, info[0], "net");
  if (!b->net.encoders.empty()) ThrowRange(env, "net.encoders must be absent: a BPTT network has no output feedback");
  b->data = ReadSamples(env, info[1], "batch", b->net.channels, b->net.outputs, true);
  Napi::Object o = OptionsOf(env, info[2]);
  CheckKeys(env, o, "options", {"n1", "loss", "smoothBeta", "seed", "dtMs", "threads"});
  // two layers of at least one neuron each (otherwise the range of n1 below would be empty: "between 1 and 0")
  if (b->net.neurons < 2)
    ThrowRange(env, "net.neurons must be at least 2 for a BPTT network (n1 in the first layer, the rest in the second) but is " +
                        std::to_string(b->net.neurons));
  b->n1 = size_t(Int(env, o, "", "n1", 1, int64_t(b->net.neurons) - 1));
  if (!o.Get("loss").IsUndefined()) {
    Napi::Object l = RequireObject(env, o.Get("loss"), "options.loss");
    CheckKeys(env, l, "options.loss", {"lambdaMse", "lambdaWeights", "lambdaRate"});
    b->loss = ReadBpttLoss(env, l, "options.loss");
  }
  const double zero = 0, one = 1;
  b->beta = Num(env, o, "", "smoothBeta", 0, 1e6, &zero);
  b->dtMs = Num(env, o, "", "dtMs", 0, 1000, &one, true);
  b->seed = Seed(env, o, "", "seed", true);
  b->threads = Threads(env, o, "");
  const double N = double(b->net.neurons);
  MemoryPlan plan;
  plan.add(double(b->data->count) * (N * N + N * double(b->net.channels + b->net.outputs)), 8)
      .add(double(mimic::global_pool().size()) * 3 * N * double(b->data->steps), 8)
      .add(double(mimic::global_pool().size()) * N * N, 4);  // each thread's transposed recurrent block
  plan.check(env, "batch.count", "the gradient of " + Fmt(double(b->data->count)) + " samples", "use fewer samples or neurons");
  CheckCallback(env, info[3], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[4], "cancelToken");
  return AsyncJob<BpttGradBaton>::Start(env, std::move(b), info[3], cancel, "bpttGradient");
}

struct BpttEpoch {
  double epoch = 0, trainLoss = 0, trainMse = 0, trainMeanRateHz = 0, valMse = NAN, valAccuracy = NAN, valMeanRateHz = NAN, seconds = 0;
};

Napi::Value BpttEpochToJs(Napi::Env env, const BpttEpoch& e) {
  auto r = Napi::Object::New(env);
  r.Set("epoch", Napi::Number::New(env, e.epoch));
  r.Set("trainLoss", Napi::Number::New(env, e.trainLoss));
  r.Set("trainMse", Napi::Number::New(env, e.trainMse));
  r.Set("trainMeanRateHz", Napi::Number::New(env, e.trainMeanRateHz));
  r.Set("valMse", Napi::Number::New(env, e.valMse));
  r.Set("valAccuracy", Napi::Number::New(env, e.valAccuracy));
  r.Set("valMeanRateHz", Napi::Number::New(env, e.valMeanRateHz));
  r.Set("seconds", Napi::Number::New(env, e.seconds));
  return r;
}

struct BpttTrainBaton {
  mimic::BpttOptions options;
  mimic::BpttLoss loss;
  mimic::AdamOptions adam;
  size_t batchSize = 10, epochs = 20;
  size_t epochSamples = 0;  // training samples per epoch: the first of the epoch's order (0: all; docs/method.md §13)
  std::shared_ptr<Samples> train, validation;
  double dtMs = 1;
  unsigned threads = 0;
  DecisionRulePlan rule;
  mimic::LifNet net, best;
  std::vector<BpttEpoch> records;
  size_t bestEpoch = 0;
  using EpochRecord = BpttEpoch;
  std::function<void(const BpttEpoch&)> onEpoch;  // after each epoch, on this thread (AsyncJob)
  static Napi::Value EpochToJs(Napi::Env env, const BpttEpoch& e) { return BpttEpochToJs(env, e); }
  void Execute(const mimic::Control& control) {
    net = mimic::bptt_build(options);
    best = net;
    const size_t n1 = options.n1, T = train->steps;
    const size_t P = net.wIn.size() + net.wRec.size() + net.wOut.size() + net.outBias.size();
    mimic::Adam opt(P, adam);
    mimic::BpttGrad grad;
    std::vector<float> gf;
    double bestVal = INFINITY;
    const size_t perEpoch = epochSamples > 0 ? std::min(epochSamples, train->count) : train->count;
    const double batches = std::ceil(double(perEpoch) / double(batchSize));
    for (size_t e = 0; e < epochs; ++e) {
      const auto t0 = std::chrono::steady_clock::now();
      BpttEpoch rec;
      rec.epoch = double(e + 1);
      const auto order = mimic::dataset_epoch_order(train->count, perEpoch, true, options.seed, e, kSaltBpttOrder);
      double spikesRate = 0;
      size_t nb = 0;
      for (size_t start = 0; start < order.size(); start += batchSize, ++nb) {
        const size_t count = std::min(batchSize, order.size() - start);
        // progress per sample of the batch: at layers of 2048 a sample takes seconds
        auto r = mimic::bptt_batch_gradient(net, n1, train->inputs.data(), train->targets.data(), &order[start], count, T, dtMs, loss, 0,
                                            mimic::derive_seed(options.seed, e, 0xB1), threads, grad,
                                            control.within(double(e) * batches + double(nb), double(epochs) * batches, "training by BPTT"));
        rec.trainLoss += r.loss;
        rec.trainMse += r.mse;
        spikesRate += r.meanRateHz;
        opt.begin_step();
        size_t off = 0;
        auto step = [&](std::vector<float>& w, const std::vector<double>& g) {
          gf.assign(g.begin(), g.end());
          opt.update(off, w.data(), gf.data(), w.size());
          off += w.size();
        };
        step(net.wIn, grad.wIn);
        step(net.wRec, grad.wRec);
        step(net.wOut, grad.wOut);
        step(net.outBias, grad.outBias);
        control.report(double(e) * batches + double(nb + 1), double(epochs) * batches, "training by BPTT");
      }
      rec.trainLoss /= double(nb);
      rec.trainMse /= double(nb);
      rec.trainMeanRateHz = spikesRate / double(nb);
      if (validation) validateEpoch(net, *validation, dtMs, mimic::derive_seed(options.seed, 0, 0xB2), threads, rule, control, rec);
      rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      records.push_back(rec);
      if (onEpoch) onEpoch(rec);
      const double val = validation ? rec.valMse : rec.trainMse;
      if (std::isfinite(val) && val < bestVal) {
        bestVal = val;
        best = net;
        bestEpoch = e + 1;
      }
    }
    if (bestEpoch == 0) best = net;
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("network", NetToJs(env, best));
    o.Set("bestEpoch", Napi::Number::New(env, double(bestEpoch)));
    auto arr = Napi::Array::New(env, records.size());
    for (size_t i = 0; i < records.size(); ++i) arr.Set(uint32_t(i), BpttEpochToJs(env, records[i]));
    o.Set("epochs", arr);
    return o;
  }
};

// bpttTrain(options {n1, n2, channels, outputs, seed, tau*, inputScale, ffScale, lambda*, stepSize, beta1, beta2, epsilon,
//                    batchSize, epochs, train, validation?, decision?, dtMs, threads}, onProgress?, cancel?, onEpoch?)
Napi::Value BpttTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options",
            {"n1", "n2", "channels", "outputs", "seed", "tauMem1Ms", "tauSyn1Ms", "tauMem2Ms", "tauSyn2Ms", "tauOutMs", "inputScale",
             "ffScale", "lambdaMse", "lambdaWeights", "lambdaRate", "stepSize", "beta1", "beta2", "epsilon", "batchSize", "epochs",
             "epochSamples", "train", "validation", "decision", "dtMs", "threads"});
  auto b = std::make_unique<BpttTrainBaton>();
  auto& p = b->options;
  const mimic::BpttOptions d;
  p.n1 = size_t(Int(env, o, "", "n1", 1, kMaxNeurons / 2));
  p.n2 = size_t(Int(env, o, "", "n2", 1, kMaxNeurons / 2));
  p.channels = size_t(Int(env, o, "", "channels", 1, kMaxChannels));
  p.outputs = size_t(Int(env, o, "", "outputs", 1, kMaxOutputs));
  p.seed = Seed(env, o, "", "seed", false);
  p.tauMem1Ms = Num(env, o, "", "tauMem1Ms", kMinTauMs, 1e5, &d.tauMem1Ms);
  p.tauSyn1Ms = Num(env, o, "", "tauSyn1Ms", kMinTauMs, 1e5, &d.tauSyn1Ms);
  p.tauMem2Ms = Num(env, o, "", "tauMem2Ms", kMinTauMs, 1e5, &d.tauMem2Ms);
  p.tauSyn2Ms = Num(env, o, "", "tauSyn2Ms", kMinTauMs, 1e5, &d.tauSyn2Ms);
  p.tauOutMs = Num(env, o, "", "tauOutMs", kMinTauMs, 1e5, &d.tauOutMs);
  p.inputScale = Num(env, o, "", "inputScale", 0, 1e6, &d.inputScale);
  p.ffScale = Num(env, o, "", "ffScale", 0, 1e6, &d.ffScale);
  b->loss = ReadBpttLoss(env, o, "");
  const mimic::AdamOptions ad;
  b->adam.stepSize = Num(env, o, "", "stepSize", 0, 1, &ad.stepSize, true);
  b->adam.beta1 = Num(env, o, "", "beta1", 0, 0.999999, &ad.beta1);
  b->adam.beta2 = Num(env, o, "", "beta2", 0, 0.99999999, &ad.beta2);
  b->adam.epsilon = Num(env, o, "", "epsilon", 0, 1, &ad.epsilon, true);
  const int64_t ten = 10, twenty = 20;
  b->batchSize = size_t(Int(env, o, "", "batchSize", 1, 100000, &ten));
  b->epochs = size_t(Int(env, o, "", "epochs", 1, 100000, &twenty));
  const int64_t zero64 = 0;
  b->epochSamples = size_t(Int(env, o, "", "epochSamples", 0, 100000000, &zero64));
  const double one = 1;
  b->dtMs = Num(env, o, "", "dtMs", 0, 1000, &one, true);
  b->threads = Threads(env, o, "");
  b->train = ReadSamples(env, o.Get("train"), "options.train", p.channels, p.outputs, true);
  if (!o.Get("validation").IsUndefined())
    b->validation = ReadSamples(env, o.Get("validation"), "options.validation", p.channels, p.outputs, true);
  b->rule = ReadDecisionRule(env, o.Get("decision"), "options.decision", nullptr);
  const double N = double(p.n1 + p.n2);
  MemoryPlan plan;
  plan.add(double(b->batchSize) * (N * N + N * double(p.channels + p.outputs)) + 3 * N * N, 8)
      .add(double(mimic::global_pool().size()) * 3 * N * double(b->train->steps), 8)
      .add(double(mimic::global_pool().size()) * N * N, 4);  // each thread's transposed recurrent block
  plan.check(env, "options.batchSize", "BPTT of " + Fmt(N) + " neurons over batches of " + Fmt(double(b->batchSize)),
             "use fewer neurons or a smaller batch");
  CheckCallback(env, info[1], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  CheckCallback(env, info[3], "onEpoch");
  return AsyncJob<BpttTrainBaton>::Start(env, std::move(b), info[1], cancel, "bpttTrain", info[3]);
}

}  // namespace

void InitBaseline(Napi::Env env, Napi::Object exports) {
  Export<LifRun>(env, exports, "lifRun");
  Export<ReservoirTrain>(env, exports, "reservoirTrain");
  Export<ForceTrain>(env, exports, "forceTrain");
  Export<BpttGradient>(env, exports, "bpttGradient");
  Export<BpttTrain>(env, exports, "bpttTrain");
}

}  // namespace mimic_binding
