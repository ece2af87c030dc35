// The spiking network (native/core/snn.hpp) and the EBN construction (native/core/ebn.hpp).
//
//   new Network({neurons, channels, dims, outputs?, params, weights})
//   network.simulate(inputs, options, onProgress?, cancelToken?) -> Promise<result>
//   network.setSlowWeights(Float32Array), network.setParams(params), getParams(), getWeights()
//   buildEbn(options, onProgress?, cancelToken?) -> Promise<{...}>,  ebnInputWeights(...)
//
// The network's values live in an immutable SnnModel behind a shared_ptr: a run holds its own
// reference, so a Network collected (or a setter refused) while a run is in flight is harmless.
#include <napi.h>

#include <chrono>
#include <cmath>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "ebn.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "network_source.hpp"
#include "thread_pool.hpp"
#include "snn.hpp"

namespace mimic_binding {
namespace {

// Structural bounds (the sizes themselves are bounded by the memory budget, memory.hpp): indices of
// neurons, channels, dims and outputs are int32 in the kernel and in the recorded events.
constexpr int64_t kMaxIndex = (int64_t(1) << 31) - 1;
// Synchronous work (on the event loop): ebnInputWeights' N·D·C multiply-adds. 2^25 take 30 ms on
// the 2-core VM of bench/README.md (1 ns each); larger products belong in buildEbn / AdsTrainer.create.
constexpr double kMaxSyncMultiplyAdds = double(1 << 25);

// A float parameter: a number (the same for every neuron) or a Float32Array / number[] of length n.
std::vector<float> ReadPerNeuron(Napi::Env env, Napi::Object o, const char* key, std::size_t n, float fallback,
                                 const std::string& prefix = "params") {
  Napi::Value v = o.Get(key);
  const std::string name = prefix + "." + key;
  if (v.IsUndefined()) return std::vector<float>(n, fallback);
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) ThrowType(env, "a finite number", name, v);
    return std::vector<float>(n, static_cast<float>(d));
  }
  if (v.IsArray()) {
    // The length is read once: a getter of an element may change the array while it is copied.
    auto a = v.As<Napi::Array>();
    const uint32_t len = a.Length();
    if (len != n) ThrowRange(env, name + " has " + std::to_string(len) + " elements but neurons = " + std::to_string(n));
    std::vector<float> out(n);
    for (uint32_t i = 0; i < len; ++i) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber() || !std::isfinite(e.As<Napi::Number>().DoubleValue()))
        ThrowType(env, "a finite number", name + "[" + std::to_string(i) + "]", e);
      out[i] = static_cast<float>(e.As<Napi::Number>().DoubleValue());
    }
    return out;
  }
  if (IsTypedKind(v, napi_float32_array)) {
    const auto len = v.As<Napi::TypedArray>().ElementLength();
    if (len != n) ThrowRange(env, name + " has " + std::to_string(len) + " elements but neurons = " + std::to_string(n));
    return ReadFloat32(env, v, name, static_cast<int64_t>(n));
  }
  ThrowType(env, "a number or a Float32Array", name, v);
}

// A matrix as a Float32Array of rows*cols elements; the message names both factors.
std::vector<float> ReadShaped(Napi::Env env, Napi::Value v, const std::string& name, std::size_t rows, std::size_t cols,
                              const char* shape) {
  if (!IsTypedKind(v, napi_float32_array))
    ThrowType(env, "a Float32Array", name, v);
  const auto len = v.As<Napi::TypedArray>().ElementLength();
  if (len != rows * cols)
    ThrowRange(env, name + " has " + std::to_string(len) + " elements but " + shape + " = " + std::to_string(rows) +
                        "*" + std::to_string(cols) + " = " + std::to_string(rows * cols));
  return ReadFloat32(env, v, name, static_cast<int64_t>(rows * cols));
}

// weights.key as ReadShaped reads it; empty when undefined and optional.
std::vector<float> ReadMatrix(Napi::Env env, Napi::Object o, const char* key, std::size_t rows, std::size_t cols,
                              const char* shape, bool optional) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && optional) return {};
  return ReadShaped(env, v, std::string("weights.") + key, rows, cols, shape);
}

// A list of neuron indices: Int32Array or an array of integers, each in [0, n).
std::vector<int32_t> ReadNeuronList(Napi::Env env, Napi::Value v, const std::string& name, std::size_t n) {
  std::vector<int32_t> out;
  if (IsTypedKind(v, napi_int32_array)) {
    out = ReadInt32(env, v, name, -1);
  } else if (v.IsArray()) {
    // The length is read once: a getter of an element may change the array while it is copied.
    auto a = v.As<Napi::Array>();
    const uint32_t len = a.Length();
    if (len > n * 4 + 1024) ThrowRange(env, name + " has " + std::to_string(len) + " entries, too many for " + std::to_string(n) + " neurons");
    out.resize(len);
    for (uint32_t i = 0; i < len; ++i) {
      Napi::Value e = a.Get(i);
      const std::string item = name + "[" + std::to_string(i) + "]";
      if (!e.IsNumber()) ThrowType(env, "an integer", item, e);
      const double d = e.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(d) || std::floor(d) != d) ThrowType(env, "an integer", item, e);
      if (d < 0 || d >= static_cast<double>(n))
        ThrowRange(env, item + " is neuron " + FormatG(d) + " but the network has neurons 0.." + std::to_string(n - 1));
      out[i] = static_cast<int32_t>(d);
    }
    return out;
  } else {
    ThrowType(env, "an Int32Array or an array of integers", name, v);
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i] < 0 || static_cast<std::size_t>(out[i]) >= n)
      ThrowRange(env, name + "[" + std::to_string(i) + "] is neuron " + std::to_string(out[i]) +
                          " but the network has neurons 0.." + std::to_string(n - 1));
  return out;
}

// A Float32Array [batch, steps, k] (k named by `dim` in the message).
std::vector<float> ReadPerStep(Napi::Env env, Napi::Value v, const std::string& name, double B, double T, std::size_t k,
                               const char* dim) {
  if (!IsTypedKind(v, napi_float32_array))
    ThrowType(env, "a Float32Array", name, v);
  const double len = double(v.As<Napi::TypedArray>().ElementLength());
  if (len != B * T * double(k))
    ThrowRange(env, name + " has " + FormatG(len) + " elements but batch*steps*" + dim + " = " + FormatG(B) + "*" + FormatG(T) + "*" +
                        std::to_string(k) + " = " + FormatG(B * T * double(k)));
  return ReadFloat32(env, v, name, static_cast<int64_t>(len));
}

void CheckKeys(Napi::Env env, Napi::Object o, const std::string& name, std::initializer_list<const char*> allowed) {
  auto keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      auto err = Napi::TypeError::New(env, "Unknown option " + name + "." + k + " (expected one of: " + list + ")");
      err.Set("code", Napi::String::New(env, kErrInvalidArg));
      throw err;
    }
  }
}

mimic::SnnParameters ReadParams(Napi::Env env, Napi::Value v, std::size_t n, const mimic::SnnParameters* base,
                                const std::string& prefix = "params") {
  auto o = RequireObject(env, v, prefix);
  CheckKeys(env, o, prefix,
            {"tauMemMs", "tauSMs", "tauFMs", "tauOutMs", "vTh", "vRest", "vReset", "bias", "refractoryMs"});
  mimic::SnnParameters d = base ? *base : mimic::SnnParameters::uniform(n);
  const auto read = [&](const char* key, std::vector<float>& field) {
    if (!o.Get(key).IsUndefined()) field = ReadPerNeuron(env, o, key, n, 0.0f, prefix);
  };
  read("tauMemMs", d.tauMemMs);
  read("tauSMs", d.tauSMs);
  read("tauFMs", d.tauFMs);
  read("tauOutMs", d.tauOutMs);
  read("vTh", d.vTh);
  read("vRest", d.vRest);
  read("vReset", d.vReset);
  read("bias", d.bias);
  read("refractoryMs", d.refractoryMs);
  d.neurons = n;
  try {
    d.validate();
  } catch (const mimic::InvalidArgument& e) {
    ThrowRange(env, e.what());
  }
  return d;
}

// ---- simulate ------------------------------------------------------------------------------------

struct SimBaton {
  std::shared_ptr<const ModelSource> source;
  std::shared_ptr<const mimic::SnnModel> model;  // prepared in Execute
  std::shared_ptr<std::atomic<bool>> busy;
  std::vector<float> inputs, target;
  mimic::SnnRunConfig config;
  mimic::SnnRunOutput out;
  double kernelSeconds = 0;

  ~SimBaton() {
    if (busy) busy->store(false);
  }

  void Execute(const mimic::Control& control) {
    config.inputs = inputs.empty() ? nullptr : inputs.data();
    config.target = target.empty() ? nullptr : target.data();
    control.check();
    model = source->model(control);
    const auto t0 = std::chrono::steady_clock::now();
    mimic::simulate(*model, config, control, out);
    kernelSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  Napi::Value Result(Napi::Env env) {
    busy->store(false);
    const std::size_t B = config.batch, N = model->neurons(), T = config.steps;
    auto o = Napi::Object::New(env);
    o.Set("batch", Napi::Number::New(env, static_cast<double>(B)));
    o.Set("steps", Napi::Number::New(env, static_cast<double>(T)));
    o.Set("neurons", Napi::Number::New(env, static_cast<double>(N)));
    o.Set("dtMs", Napi::Number::New(env, config.dtMs));
    o.Set("seed", Napi::Number::New(env, static_cast<double>(config.seed)));
    o.Set("decimate", Napi::Number::New(env, static_cast<double>(config.decimate)));
    o.Set("recordedSteps", Napi::Number::New(env, static_cast<double>(out.recordedSteps)));
    o.Set("kernelSeconds", Napi::Number::New(env, kernelSeconds));
    o.Set("totalSpikes", Napi::Number::New(env, static_cast<double>(out.totalSpikes)));
    const double seconds = static_cast<double>(B) * static_cast<double>(T) * config.dtMs / 1000.0;
    o.Set("meanRateHz", Napi::Number::New(env, static_cast<double>(out.totalSpikes) / (static_cast<double>(N) * seconds)));
    o.Set("spikeCounts", ToTyped(env, out.spikeCounts));
    if (config.recordSpikes) {
      std::size_t total = 0;
      for (const auto& s : out.spikeSteps) total += s.size();
      auto steps = Napi::Int32Array::New(env, total);
      auto neurons = Napi::Int32Array::New(env, total);
      auto offsets = Napi::Int32Array::New(env, B + 1);
      std::size_t at = 0;
      for (std::size_t b = 0; b < B; ++b) {
        offsets[b] = static_cast<int32_t>(at);
        const auto& s = out.spikeSteps[b];
        const auto& n = out.spikeNeurons[b];
        if (!s.empty()) {
          std::memcpy(steps.Data() + at, s.data(), s.size() * sizeof(int32_t));
          std::memcpy(neurons.Data() + at, n.data(), n.size() * sizeof(int32_t));
        }
        at += s.size();
        std::vector<int32_t>().swap(out.spikeSteps[b]);
        std::vector<int32_t>().swap(out.spikeNeurons[b]);
      }
      offsets[B] = static_cast<int32_t>(at);
      auto sp = Napi::Object::New(env);
      sp.Set("steps", steps);
      sp.Set("neurons", neurons);
      sp.Set("offsets", offsets);
      o.Set("spikes", sp);
    }
    if (config.recordDecoded) o.Set("decoded", ToTyped(env, out.decoded));
    if (config.recordOutput) o.Set("output", ToTyped(env, out.output));
    if (!config.membraneNeurons.empty()) {
      o.Set("membrane", ToTyped(env, out.membrane));
      o.Set("membraneNeurons", ToTyped(env, config.membraneNeurons));
    }
    return o;
  }
};

class Network : public Napi::ObjectWrap<Network> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, kJsName,
                       {Method<Network, &Network::Simulate>("simulate"),
                        Method<Network, &Network::SetSlowWeights>("setSlowWeights"),
                        Method<Network, &Network::SetParams>("setParams"),
                        Method<Network, &Network::GetParams>("getParams"),
                        Method<Network, &Network::GetWeights>("getWeights"),
                        Getter<Network, &Network::Neurons>("neurons"),
                        Getter<Network, &Network::Channels>("channels"),
                        Getter<Network, &Network::Dims>("dims"),
                        Getter<Network, &Network::Outputs>("outputs"),
                        Getter<Network, &Network::Busy>("busy")});
  }
  static constexpr const char* kJsName = "Network";
  static constexpr napi_type_tag kTypeTag = {0x6d696d69636e6574ULL, 0x776f726b00000001ULL};

  explicit Network(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Network>(info) {
    TagObject<Network>(info.Env(), info.This().As<Napi::Object>());
    Guard(info.Env(), "new Network", [&] { Construct(info); });
  }

  std::shared_ptr<const ModelSource> source() const { return source_; }

 private:
  void Construct(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto o = RequireObject(env, info[0], "options");
    CheckKeys(env, o, "options", {"neurons", "channels", "dims", "outputs", "params", "weights"});
    const int64_t zero = 0;
    const auto n = static_cast<std::size_t>(ReadInteger(env, o, "neurons", 1, kMaxIndex));
    const auto C = static_cast<std::size_t>(ReadInteger(env, o, "channels", 0, kMaxIndex, &zero));
    const auto D = static_cast<std::size_t>(ReadInteger(env, o, "dims", 0, kMaxIndex, &zero));
    const auto O = static_cast<std::size_t>(ReadInteger(env, o, "outputs", 0, kMaxIndex, &zero));
    if (O > 0 && D == 0) ThrowRange(env, "outputs = " + std::to_string(O) + " needs dims > 0 (the readout maps x̃ to y)");
    // The values read here, then the model prepared from them in the first run (network_source.hpp).
    const double N = double(n);
    MemoryPlan plan;
    plan.add(NetworkValuesBytes(N, double(C), double(D), double(O), true)).add(NetworkModelBytes(N, double(C), double(D), double(O), true));
    plan.check(env, "neurons", "a network of " + std::to_string(n) + " neurons, " + std::to_string(C) + " channels, " +
                                   std::to_string(D) + " dims and " + std::to_string(O) + " outputs",
               "use fewer neurons (the weights take 2 N² floats)");
    Napi::Value pv = o.Get("params");
    mimic::SnnParameters params = ReadParams(env, pv.IsUndefined() ? Napi::Object::New(env) : pv, n, nullptr);
    auto w = RequireObject(env, o.Get("weights"), "weights");
    CheckKeys(env, w, "weights", {"wIn", "omegaF", "omegaS", "decoder", "readout", "encoder"});
    mimic::SnnWeights weights;
    weights.neurons = n;
    weights.channels = C;
    weights.dims = D;
    weights.outputs = O;
    weights.wIn = ReadMatrix(env, w, "wIn", n, C, "neurons*channels", C == 0);
    weights.omegaF = ReadMatrix(env, w, "omegaF", n, n, "neurons*neurons", true);
    weights.omegaS = ReadMatrix(env, w, "omegaS", n, n, "neurons*neurons", true);
    if (weights.omegaF.empty()) weights.omegaF.assign(n * n, 0.0f);
    if (weights.omegaS.empty()) weights.omegaS.assign(n * n, 0.0f);
    weights.decoder = ReadMatrix(env, w, "decoder", D, n, "dims*neurons", D == 0);
    weights.readout = ReadMatrix(env, w, "readout", O, D, "outputs*dims", O == 0);
    weights.encoder = ReadMatrix(env, w, "encoder", n, D, "neurons*dims", true);
    Build(env, std::move(params), std::move(weights));
  }

  // Validates the values (the readers checked shapes and finiteness) and makes them the network's.
  void Build(Napi::Env env, mimic::SnnParameters params, mimic::SnnWeights weights) {
    try {
      params.validate();
      if (params.neurons != weights.neurons) throw mimic::InvalidArgument("the parameters and the weights describe different networks");
    } catch (const mimic::InvalidArgument& e) {
      ThrowRange(env, e.what());
    }
    source_ = std::make_shared<const ModelSource>(std::move(params), std::move(weights));
  }

  void CheckIdle(Napi::Env env, const char* what) {
    if (busy_->load())
      throw MakeError(env,
                      std::string("This network is busy with a simulation: wait for it to finish or cancel it before "
                                  "calling ") + what,
                      kErrBusy);
  }

  Napi::Value Simulate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckIdle(env, "simulate() again");
    const ModelSource::View view = source_->view();
    const auto& mw = *view.weights;
    const std::size_t N = mw.neurons, C = mw.channels, D = mw.dims, O = mw.outputs;
    const bool hasEncoder = !mw.encoder.empty();
    auto o = RequireObject(env, info[1], "options");
    CheckKeys(env, o, "options",
              {"batch", "steps", "dtMs", "threads", "seed", "initialV", "noiseStd", "silence", "feedback", "record",
               "maxSpikeEvents", "block"});
    auto baton = std::make_unique<SimBaton>();
    auto& c = baton->config;
    const int64_t one = 1, zero = 0, maxEvents = int64_t(1) << 25;
    const double dt = 1.0, noNoise = 0.0;
    c.batch = static_cast<std::size_t>(ReadInteger(env, o, "batch", 1, kMaxIndex));
    c.steps = static_cast<std::size_t>(ReadInteger(env, o, "steps", 1, kMaxIndex));
    c.dtMs = ReadNumber(env, o, "dtMs", 1e-6, 1e6, &dt);
    c.threads = static_cast<unsigned>(ReadInteger(env, o, "threads", 0, 1024, &zero));
    c.seed = o.Get("seed").IsUndefined() ? 0 : ReadSeed(env, o, "seed");
    c.noiseStd = static_cast<float>(ReadNumber(env, o, "noiseStd", 0, 1e6, &noNoise));
    c.maxSpikeEvents = static_cast<std::size_t>(ReadInteger(env, o, "maxSpikeEvents", 0, kMaxIndex, &maxEvents));
    c.block = static_cast<std::size_t>(ReadInteger(env, o, "block", 0, 16, &zero));
    const double B = double(c.batch), T = double(c.steps);
    // Everything but the recordings: the copies of inputs and target are checked before they are read.
    MemoryPlan plan;
    plan.add(B * T * double(C), 4);
    if (!o.Get("feedback").IsUndefined()) plan.add(B * T * double(D), 4);
    plan.check(env, "options.batch", "simulating " + FormatG(B) + " samples of " + FormatG(T) + " steps",
               "simulate fewer or shorter samples at a time");

    // inputs [B, T, C] (none to read without input channels)
    Napi::Value in = info[0];
    if (C > 0 || !(in.IsUndefined() || in.IsNull())) baton->inputs = ReadPerStep(env, in, "inputs", B, T, C, "channels");

    // initial membrane potentials
    Napi::Value iv = o.Get("initialV");
    if (iv.IsUndefined() || (iv.IsString() && iv.As<Napi::String>().Utf8Value() == "uniform")) {
      c.initialV = mimic::InitialV::Uniform;
    } else if (iv.IsString()) {
      const std::string s = iv.As<Napi::String>().Utf8Value();
      if (s == "rest") c.initialV = mimic::InitialV::Rest;
      else if (s == "reset") c.initialV = mimic::InitialV::Reset;
      else ThrowType(env, "'uniform', 'rest', 'reset' or a Float32Array", "options.initialV", iv);
    } else if (IsTypedKind(iv, napi_float32_array)) {
      const double len = double(iv.As<Napi::TypedArray>().ElementLength());
      if (len != double(N) && len != B * double(N))
        ThrowRange(env, "options.initialV has " + FormatG(len) + " elements but neurons = " + std::to_string(N) +
                            " or batch*neurons = " + FormatG(B * double(N)));
      c.initialV = mimic::InitialV::Given;
      c.initialValues = ReadFloat32(env, iv, "options.initialV", static_cast<int64_t>(len));
    } else {
      ThrowType(env, "'uniform', 'rest', 'reset' or a Float32Array", "options.initialV", iv);
    }

    // silencing
    Napi::Value sv = o.Get("silence");
    if (!sv.IsUndefined()) {
      auto s = RequireObject(env, sv, "options.silence");
      CheckKeys(env, s, "options.silence", {"neurons", "startStep", "endStep"});
      c.silenced = ReadNeuronList(env, s.Get("neurons"), "options.silence.neurons", N);
      const int64_t end = static_cast<int64_t>(c.steps);
      c.silenceStart = static_cast<std::size_t>(ReadInteger(env, s, "startStep", 0, end, &zero));
      c.silenceEnd = static_cast<std::size_t>(ReadInteger(env, s, "endStep", 0, end, &end));
      if (c.silenceEnd < c.silenceStart)
        ThrowRange(env, "options.silence.endStep (" + std::to_string(c.silenceEnd) +
                            ") must not be before startStep (" + std::to_string(c.silenceStart) + ")");
    }

    // error feedback
    Napi::Value fv = o.Get("feedback");
    if (!fv.IsUndefined()) {
      auto f = RequireObject(env, fv, "options.feedback");
      CheckKeys(env, f, "options.feedback", {"target", "gain"});
      if (!hasEncoder || D == 0)
        ThrowRange(env, "options.feedback needs a network created with weights.encoder (neurons x dims)");
      baton->target = ReadPerStep(env, f.Get("target"), "options.feedback.target", B, T, D, "dims");
      Napi::Value gv = f.Get("gain");
      if (gv.IsNumber()) {
        c.gain = static_cast<float>(ReadNumber(env, f, "gain", -1e9, 1e9));
      } else if (IsTypedKind(gv, napi_float32_array)) {
        const double glen = double(gv.As<Napi::TypedArray>().ElementLength());
        if (glen != T)
          ThrowRange(env, "options.feedback.gain has " + FormatG(glen) + " elements but steps = " + FormatG(T));
        c.gainPerStep = ReadFloat32(env, gv, "options.feedback.gain", static_cast<int64_t>(glen));
      } else {
        ThrowType(env, "a number or a Float32Array of one gain per step", "options.feedback.gain", gv);
      }
    }

    // recordings
    Napi::Value rv = o.Get("record");
    if (!rv.IsUndefined()) {
      auto r = RequireObject(env, rv, "options.record");
      CheckKeys(env, r, "options.record", {"spikes", "decoded", "output", "membrane", "decimate"});
      c.recordSpikes = ReadBool(env, r, "spikes", true);
      c.recordDecoded = ReadBool(env, r, "decoded", false);
      c.recordOutput = ReadBool(env, r, "output", false);
      c.decimate = static_cast<std::size_t>(ReadInteger(env, r, "decimate", 1, kMaxIndex, &one));
      if (!r.Get("membrane").IsUndefined())
        c.membraneNeurons = ReadNeuronList(env, r.Get("membrane"), "options.record.membrane", N);
      if (c.recordDecoded && D == 0) ThrowRange(env, "options.record.decoded needs a network with dims > 0");
      if (c.recordOutput && O == 0) ThrowRange(env, "options.record.output needs a network with a readout (outputs > 0)");
    }
    // The whole run: the arrays read above, the per-lane state, the recordings and spike counts
    // (each twice: the kernel's and the result's copy in V8) and the spike events (8 bytes each,
    // twice for the growth of their vectors and once in V8), at most min(maxSpikeEvents, B·T·N).
    const double Tr = double(mimic::recorded_steps(c.steps, c.decimate));
    const double K = double(c.membraneNeurons.size());
    const double lanes = std::min(B, 16.0 * double(mimic::global_pool().size()));
    plan.add(B * double(N), 4).add(lanes * double(N + 16), 4 * 8);
    plan.add(B * double(N), 4 * 2);
    if (c.recordDecoded) plan.add(B * Tr * double(D), 4 * 2);
    if (c.recordOutput) plan.add(B * Tr * double(O), 4 * 2);
    plan.add(B * Tr * K, 4 * 2);
    if (c.recordSpikes) plan.add(std::min(double(c.maxSpikeEvents), B * T * double(N)), 8 * 3);
    const std::string what = "simulating " + FormatG(B) + " samples of " + FormatG(T) + " steps with these recordings";
    if (c.recordDecoded || c.recordOutput || K > 0)
      plan.check(env, "options.record", what, "raise record.decimate, record less or simulate fewer samples at a time");
    else if (c.recordSpikes)
      plan.check(env, "options.maxSpikeEvents", what, "lower maxSpikeEvents, set record.spikes = false or simulate fewer samples");
    else
      plan.check(env, "options.batch", what, "simulate fewer samples at a time");

    if (!info[2].IsUndefined() && !info[2].IsFunction()) ThrowType(env, "a function", "onProgress", info[2]);
    auto cancel = CancelToken::FromValue(env, info[3], "cancelToken");
    baton->source = source_;
    baton->busy = busy_;
    busy_->store(true);
    return AsyncJob<SimBaton>::Start(env, std::move(baton), info[2], cancel, "simulate");
  }

  Napi::Value SetSlowWeights(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckIdle(env, "setSlowWeights()");
    const ModelSource::View view = source_->view();
    const std::size_t n = view.weights->neurons;
    ChargeReplacement(env, *view.weights, "omegaS");
    std::vector<float> omegaS = ReadShaped(env, info[0], "omegaS", n, n, "neurons*neurons");
    mimic::SnnWeights w = *view.weights;
    w.omegaS = std::move(omegaS);
    Build(env, *view.params, std::move(w));
    return env.Undefined();
  }

  Napi::Value SetParams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckIdle(env, "setParams()");
    const ModelSource::View view = source_->view();
    ChargeReplacement(env, *view.weights, "params");
    mimic::SnnParameters p = ReadParams(env, info[0], view.weights->neurons, view.params);
    Build(env, std::move(p), *view.weights);
    return env.Undefined();
  }

  // A setter makes a new source (values and, later, a model) while the old one may still be in use.
  static void ChargeReplacement(Napi::Env env, const mimic::SnnWeights& w, const char* argument) {
    MemoryPlan plan;
    const double N = double(w.neurons), C = double(w.channels), D = double(w.dims), O = double(w.outputs);
    plan.add(2 * NetworkValuesBytes(N, C, D, O, true)).add(NetworkModelBytes(N, C, D, O, true));
    plan.check(env, argument, "a new copy of this network's values", "use a smaller network");
  }

  Napi::Value GetParams(const Napi::CallbackInfo& info) {
    const ModelSource::View view = source_->view();
    return SnnParamsToJs(info.Env(), *view.params);
  }

  Napi::Value GetWeights(const Napi::CallbackInfo& info) {
    const ModelSource::View view = source_->view();
    return SnnWeightsToJs(info.Env(), *view.weights);
  }

  Napi::Value Neurons(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(source_->view().weights->neurons)); }
  Napi::Value Channels(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(source_->view().weights->channels)); }
  Napi::Value Dims(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(source_->view().weights->dims)); }
  Napi::Value Outputs(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(source_->view().weights->outputs)); }
  Napi::Value Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_->load()); }

  std::shared_ptr<const ModelSource> source_;
  std::shared_ptr<std::atomic<bool>> busy_ = std::make_shared<std::atomic<bool>>(false);
};

// ---- EBN construction ----------------------------------------------------------------------------

struct EbnBaton {
  mimic::EbnOptions options;
  mimic::EbnWeights out;
  // options.input: wIn = gain·F·F̂ computed in the same job
  std::vector<float> fHat, wIn;
  std::size_t channels = 0;
  double gain = 0;
  void Execute(const mimic::Control& control) {
    out = mimic::build_ebn(options, control);
    if (channels > 0) wIn = mimic::ebn_input_weights(out.encoder, fHat, out.neurons, out.dims, channels, gain, control);
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("neurons", Napi::Number::New(env, double(out.neurons)));
    o.Set("dims", Napi::Number::New(env, double(out.dims)));
    o.Set("seedDecoder", ToTyped(env, out.seedDecoder));
    o.Set("thresholds", ToTyped(env, out.thresholds));
    o.Set("dr", ToTyped(env, out.dr));
    o.Set("encoder", ToTyped(env, out.encoder));
    o.Set("decoder", ToTyped(env, out.decoder));
    o.Set("omegaF", ToTyped(env, out.omegaF));
    o.Set("omegaS", ToTyped(env, out.omegaS));
    if (channels > 0) o.Set("wIn", ToTyped(env, wIn));
    return o;
  }
};

// buildEbn({neurons, dims, seed, mu?, nu?, tauMemMs?, vTh?, vRest?, g?, noEbn?, slowRandom?, slowScale?, threads?})
Napi::Value BuildEbn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options",
            {"neurons", "dims", "seed", "mu", "nu", "tauMemMs", "vTh", "vRest", "g", "noEbn", "slowRandom", "slowScale", "threads", "input"});
  auto baton = std::make_unique<EbnBaton>();
  auto& e = baton->options;
  const mimic::EbnOptions d;
  e.neurons = static_cast<std::size_t>(ReadInteger(env, o, "neurons", 1, kMaxIndex));
  e.dims = static_cast<std::size_t>(ReadInteger(env, o, "dims", 1, kMaxIndex));
  e.seed = ReadSeed(env, o, "seed");
  e.mu = ReadNumber(env, o, "mu", 0, 1e6, &d.mu);
  e.nu = ReadNumber(env, o, "nu", 0, 1e6, &d.nu);
  e.tauMemMs = ReadNumber(env, o, "tauMemMs", 1e-6, 1e9, &d.tauMemMs);
  e.vTh = ReadNumber(env, o, "vTh", -1e9, 1e9, &d.vTh);
  e.vRest = ReadNumber(env, o, "vRest", -1e9, 1e9, &d.vRest);
  e.g = ReadNumber(env, o, "g", -1e9, 1e9, &d.g);
  e.noEbn = ReadBool(env, o, "noEbn", false);
  e.slowRandom = ReadBool(env, o, "slowRandom", false);
  e.slowScale = ReadNumber(env, o, "slowScale", -1e9, 1e9, &d.slowScale);
  const int64_t allThreads = 0;
  e.threads = static_cast<unsigned>(ReadInteger(env, o, "threads", 0, 1024, &allThreads));
  if (!(e.vTh > e.vRest))
    ThrowRange(env, "vTh (" + FormatG(e.vTh) + ") must be above vRest (" + FormatG(e.vRest) + "): a = vTh - vRest scales the encoder");
  // ebn.cpp: D and its transpose (double), T, then seedDecoder, thresholds, dr, encoder, decoder, omegaF
  // and omegaS (float32), each again as the result's typed array.
  const double N = double(e.neurons), Dm = double(e.dims);
  const double outputs = 4 * (4 * Dm * N + N + 2 * N * N);
  MemoryPlan plan;
  plan.add(2 * Dm * N + N, 8).add(2 * outputs);
  plan.check(env, "neurons", "an EBN of " + FormatG(N) + " neurons and " + FormatG(Dm) + " dims", "use fewer neurons or dims");
  Napi::Value iv = o.Get("input");
  if (!iv.IsUndefined()) {
    auto in = RequireObject(env, iv, "options.input");
    CheckKeys(env, in, "options.input", {"fHat", "channels", "gain"});
    baton->channels = static_cast<std::size_t>(ReadInteger(env, in, "channels", 1, kMaxIndex));
    baton->gain = ReadNumber(env, in, "gain", -1e12, 1e12);
    const double C = double(baton->channels);
    plan.add(Dm * C + 2 * N * C, 4);
    plan.check(env, "options.input.channels", "an EBN of " + FormatG(N) + " neurons with the input weights of " + FormatG(C) + " channels",
               "use fewer neurons or channels");
    baton->fHat = ReadShaped(env, in.Get("fHat"), "options.input.fHat", e.dims, baton->channels, "dims*channels");
  }
  if (!info[1].IsUndefined() && !info[1].IsFunction()) ThrowType(env, "a function", "onProgress", info[1]);
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<EbnBaton>::Start(env, std::move(baton), info[1], cancel, "buildEbn");
}

// ebnInputWeights(encoder [N x D], fHat [D x C], {neurons, dims, channels, gain}) -> Float32Array [N x C]
Napi::Value EbnInputWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[2], "options");
  CheckKeys(env, o, "options", {"neurons", "dims", "channels", "gain"});
  const auto n = static_cast<std::size_t>(ReadInteger(env, o, "neurons", 1, kMaxIndex));
  const auto D = static_cast<std::size_t>(ReadInteger(env, o, "dims", 1, kMaxIndex));
  const auto C = static_cast<std::size_t>(ReadInteger(env, o, "channels", 1, kMaxIndex));
  const double gain = ReadNumber(env, o, "gain", -1e12, 1e12);
  // Synchronous: bounded so that it finishes in milliseconds (kMaxSyncMultiplyAdds).
  const double work = double(n) * double(D) * double(C);
  if (work > kMaxSyncMultiplyAdds)
    ThrowRange(env, "neurons*dims*channels = " + FormatG(work) + " multiply-adds, more than the " + FormatG(kMaxSyncMultiplyAdds) +
                        " that ebnInputWeights does synchronously (about 30 ms): pass fHat to buildEbn as options.input instead (asynchronous)");
  MemoryPlan plan;
  plan.add(double(n) * double(D) + double(D) * double(C) + 2 * double(n) * double(C), 4);
  plan.check(env, "neurons", "the input weights of " + std::to_string(n) + " neurons", "use fewer neurons or channels");
  auto enc = ReadShaped(env, info[0], "encoder", n, D, "neurons*dims");
  auto fHat = ReadShaped(env, info[1], "fHat", D, C, "dims*channels");
  auto w = mimic::ebn_input_weights(enc, fHat, n, D, C, gain);
  return ToTyped(env, w);
}

}  // namespace

mimic::SnnParameters ReadNeuronParams(Napi::Env env, Napi::Value value, std::size_t neurons, const std::string& name) {
  return ReadParams(env, value.IsUndefined() ? Napi::Object::New(env) : value, neurons, nullptr, name);
}

Napi::Object SnnParamsToJs(Napi::Env env, const mimic::SnnParameters& p) {
  auto o = Napi::Object::New(env);
  o.Set("tauMemMs", ToTyped(env, p.tauMemMs));
  o.Set("tauSMs", ToTyped(env, p.tauSMs));
  o.Set("tauFMs", ToTyped(env, p.tauFMs));
  o.Set("tauOutMs", ToTyped(env, p.tauOutMs));
  o.Set("vTh", ToTyped(env, p.vTh));
  o.Set("vRest", ToTyped(env, p.vRest));
  o.Set("vReset", ToTyped(env, p.vReset));
  o.Set("bias", ToTyped(env, p.bias));
  o.Set("refractoryMs", ToTyped(env, p.refractoryMs));
  return o;
}

Napi::Object SnnWeightsToJs(Napi::Env env, const mimic::SnnWeights& w) {
  auto o = Napi::Object::New(env);
  o.Set("wIn", ToTyped(env, w.wIn));
  o.Set("omegaF", ToTyped(env, w.omegaF));
  o.Set("omegaS", ToTyped(env, w.omegaS));
  o.Set("decoder", ToTyped(env, w.decoder));
  o.Set("readout", ToTyped(env, w.readout));
  if (!w.encoder.empty()) o.Set("encoder", ToTyped(env, w.encoder));
  return o;
}

std::shared_ptr<const ModelSource> NetworkSource(Napi::Env env, Napi::Value value, const std::string& name) {
  Network* net = value.IsObject() && value.As<Napi::Object>().InstanceOf(Data(env).network.Value())
                     ? UnwrapOrNull<Network>(value.As<Napi::Object>())
                     : nullptr;
  if (net == nullptr) ThrowType(env, "a Network (from createNetwork)", name, value);
  return net->source();
}

void InitSnn(Napi::Env env, Napi::Object exports) {
  auto network = Network::Define(env);
  Data(env).network = Napi::Persistent(network);
  exports.Set("Network", network);
  Export<BuildEbn>(env, exports, "buildEbn");
  Export<EbnInputWeights>(env, exports, "ebnInputWeights");
}

}  // namespace mimic_binding
