// The teacher rate network (native/core/teacher*.hpp): initialisation, forward pass, loss gradient,
// an eigenvalue routine, and TeacherTrainer, an object that keeps the training state between calls of
// its asynchronous runEpochs(n), streaming one record per epoch.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "epoch_trainer.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "options.hpp"
#include "task_args.hpp"
#include "teacher.hpp"
#include "teacher_eigen.hpp"
#include "teacher_train.hpp"
#include "thread_pool.hpp"

namespace mimic_binding {
namespace {

// Sample counts and steps (their products are bounded by the memory budget).
constexpr int64_t kMaxSamples = (int64_t(1) << 31) - 1;

// A teacher's parameters: wIn, wRec, wOut, bias, tauMs.
double ParamCount(double units, double channels, double outputs) {
  return units * channels + units * units + outputs * units + 2 * units;
}

// Per-thread scratch of the forward pass (steps × units twice when the backward pass keeps the
// trajectories, three times in float, which also keeps gu of every step for the deferred wRec gradient;
// S = 4 or 8 bytes) and the transposed wRec of the gradient.
double WorkspaceBytes(double steps, double units, double sizeS, bool trajectories) {
  const double threads = double(mimic::global_pool().size());
  const double perStep = trajectories ? (sizeS == 4 ? 3 : 2) * units : 0;
  return threads * (perStep * steps + (trajectories ? 0 : 2 * units) + units * units + 8 * units) * sizeS;
}

Napi::Object Obj(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, bool optional) {
  Napi::Value v = o.Get(key);
  if (optional && v.IsUndefined()) return Napi::Object();
  return RequireObject(env, v, Join(prefix, key));
}

template <class S>
mimic::TeacherParamsT<S> ReadParamsT(Napi::Env env, Napi::Object o, const std::string& pre) {
  CheckKeys(env, o, pre, {"units", "channels", "outputs", "dtMs", "wIn", "wRec", "wOut", "bias", "tauMs"});
  mimic::TeacherParamsT<S> p;
  p.units = static_cast<size_t>(Int(env, o, pre, "units", 1, kMaxUnits));
  p.channels = static_cast<size_t>(Int(env, o, pre, "channels", 1, kMaxUnits));
  p.outputs = static_cast<size_t>(Int(env, o, pre, "outputs", 1, kMaxUnits));
  const double one = 1.0;
  p.dtMs = Num(env, o, pre, "dtMs", 0, 1000, &one, true);
  const std::string N = std::to_string(p.units), C = std::to_string(p.channels), O = std::to_string(p.outputs);
  const double n = static_cast<double>(p.units), c = static_cast<double>(p.channels), out = static_cast<double>(p.outputs);
  p.wIn = ReadArray<S>(env, o.Get("wIn"), Join(pre, "wIn"), n * c, "units × channels (" + N + " × " + C + ")");
  p.wRec = ReadArray<S>(env, o.Get("wRec"), Join(pre, "wRec"), n * n, "units × units (" + N + " × " + N + ")");
  p.wOut = ReadArray<S>(env, o.Get("wOut"), Join(pre, "wOut"), out * n, "outputs × units (" + O + " × " + N + ")");
  p.bias = ReadArray<S>(env, o.Get("bias"), Join(pre, "bias"), n, "units (" + N + ")");
  p.tauMs = ReadArray<S>(env, o.Get("tauMs"), Join(pre, "tauMs"), n, "units (" + N + ")");
  for (size_t j = 0; j < p.units; ++j)
    if (!(p.tauMs[j] > 0))
      ThrowRange(env, Join(pre, "tauMs") + " must hold positive time constants (ms) but element " + std::to_string(j) +
                          " is " + Fmt(static_cast<double>(p.tauMs[j])));
  return p;
}

// true when the params use Float64Array (checked on wIn; the others must agree).
bool ParamsAreDouble(Napi::Env env, Napi::Object o, const std::string& pre) {
  Napi::Value w = o.Get("wIn");
  if (IsKind(w, napi_float64_array)) return true;
  if (IsKind(w, napi_float32_array)) return false;
  ThrowType(env, "a Float32Array (or a Float64Array)", Join(pre, "wIn"), w);
}

template <class S>
Napi::Object ParamsToJs(Napi::Env env, const mimic::TeacherParamsT<S>& p) {
  auto o = Napi::Object::New(env);
  o.Set("units", Napi::Number::New(env, static_cast<double>(p.units)));
  o.Set("channels", Napi::Number::New(env, static_cast<double>(p.channels)));
  o.Set("outputs", Napi::Number::New(env, static_cast<double>(p.outputs)));
  o.Set("dtMs", Napi::Number::New(env, p.dtMs));
  o.Set("wIn", ToTyped(env, p.wIn));
  o.Set("wRec", ToTyped(env, p.wRec));
  o.Set("wOut", ToTyped(env, p.wOut));
  o.Set("bias", ToTyped(env, p.bias));
  o.Set("tauMs", ToTyped(env, p.tauMs));
  return o;
}

// The weighted loss terms {mse, tau, maxTau, rec, diag, bias}: the MSE weighted by lambdaMse, the regularisers as they are.
Napi::Object TermsToJs(Napi::Env env, const mimic::TeacherLossTerms& terms, double lambdaMse) {
  auto t = Napi::Object::New(env);
  t.Set("mse", Napi::Number::New(env, lambdaMse * terms.mse));
  t.Set("tau", Napi::Number::New(env, terms.tau));
  t.Set("maxTau", Napi::Number::New(env, terms.maxTau));
  t.Set("rec", Napi::Number::New(env, terms.rec));
  t.Set("diag", Napi::Number::New(env, terms.diag));
  t.Set("bias", Napi::Number::New(env, terms.bias));
  return t;
}

// {inputs, targets?, count, steps, labels?} against the network's channels / outputs.
std::shared_ptr<mimic::TeacherDataset> ReadData(Napi::Env env, Napi::Value v, const std::string& pre, size_t channels,
                                                size_t outputs, bool needTargets, bool allowLabels) {
  Napi::Object o = RequireObject(env, v, pre);
  if (allowLabels)
    CheckKeys(env, o, pre, {"inputs", "targets", "count", "steps", "labels"});
  else
    CheckKeys(env, o, pre, {"inputs", "targets", "count", "steps"});
  auto d = std::make_shared<mimic::TeacherDataset>();
  d->count = static_cast<size_t>(Int(env, o, pre, "count", 1, kMaxSamples));
  d->steps = static_cast<size_t>(Int(env, o, pre, "steps", 1, kMaxSamples));
  const double cs = static_cast<double>(d->count) * static_cast<double>(d->steps);
  const std::string base = std::to_string(d->count) + " × " + std::to_string(d->steps);
  // The copies of the arrays, checked before they are read (the caller checks the rest of its work).
  MemoryPlan plan;
  plan.add(cs * static_cast<double>(channels + outputs), 4).add(static_cast<double>(d->count) * static_cast<double>(outputs));
  plan.check(env, pre + ".count", "copying " + Fmt(double(d->count)) + " samples of " + Fmt(double(d->steps)) + " steps",
             "use fewer or shorter samples");
  d->inputs = ReadArray<float>(env, o.Get("inputs"), pre + ".inputs", cs * static_cast<double>(channels),
                               "count × steps × channels (" + base + " × " + std::to_string(channels) + ")");
  Napi::Value t = o.Get("targets");
  if (needTargets || !t.IsUndefined())
    d->targets = ReadArray<float>(env, t, pre + ".targets", cs * static_cast<double>(outputs),
                                  "count × steps × outputs (" + base + " × " + std::to_string(outputs) + ")");
  Napi::Value l = o.Get("labels");
  if (allowLabels && !l.IsUndefined()) d->labels = ReadLabels(env, l, pre, d->count, outputs);
  return d;
}

mimic::TeacherLossOptions ReadLoss(Napi::Env env, Napi::Object parent, const std::string& pre) {
  mimic::TeacherLossOptions l;
  Napi::Object o = Obj(env, parent, pre, "loss", true);
  if (o.IsEmpty()) return l;
  const std::string p = Join(pre, "loss");
  CheckKeys(env, o, p, {"lambdaMse", "lambdaTau", "tauMinMs", "lambdaMaxTau", "lambdaRec", "lambdaDiag", "lambdaBias", "tauUnit"});
  const mimic::TeacherLossOptions d;
  l.lambdaMse = Num(env, o, p, "lambdaMse", 0, 1e12, &d.lambdaMse);
  l.lambdaTau = Num(env, o, p, "lambdaTau", 0, 1e12, &d.lambdaTau);
  l.tauMinMs = Num(env, o, p, "tauMinMs", 0, 1e6, &d.tauMinMs);
  l.lambdaMaxTau = Num(env, o, p, "lambdaMaxTau", 0, 1e12, &d.lambdaMaxTau);
  l.lambdaRec = Num(env, o, p, "lambdaRec", 0, 1e12, &d.lambdaRec);
  l.lambdaDiag = Num(env, o, p, "lambdaDiag", 0, 1e12, &d.lambdaDiag);
  l.lambdaBias = Num(env, o, p, "lambdaBias", 0, 1e12, &d.lambdaBias);
  l.tauInSeconds = Choice(env, o, p, "tauUnit", {"s", "ms"}, l.tauInSeconds ? "s" : "ms") == "s";
  return l;
}

// ---- teacherInit ------------------------------------------------------------------------------

struct InitBaton {
  mimic::TeacherInitOptions options;
  mimic::TeacherParams params;
  void Execute(const mimic::Control& control) { mimic::teacher_init(options, params, &control); }
  Napi::Value Result(Napi::Env env) { return ParamsToJs(env, params); }
};

// teacherInit(options, onProgress?, cancelToken?) -> Promise<params>
Napi::Value TeacherInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options",
            {"units", "channels", "outputs", "seed", "dtMs", "spectralRadius", "wInHalfRange", "wRecHalfRange",
             "wOutHalfRange", "tauInitMs"});
  auto b = std::make_unique<InitBaton>();
  auto& p = b->options;
  const mimic::TeacherInitOptions d;
  p.units = static_cast<size_t>(Int(env, o, "", "units", 1, kMaxUnits));
  p.channels = static_cast<size_t>(Int(env, o, "", "channels", 1, kMaxUnits));
  p.outputs = static_cast<size_t>(Int(env, o, "", "outputs", 1, kMaxUnits));
  p.seed = Seed(env, o, "", "seed", false);
  p.dtMs = Num(env, o, "", "dtMs", 0, 1000, &d.dtMs, true);
  p.spectralRadius = Num(env, o, "", "spectralRadius", 0, 100, &d.spectralRadius);
  p.wInHalfRange = Num(env, o, "", "wInHalfRange", 0, 1e6, &d.wInHalfRange);
  p.wRecHalfRange = Num(env, o, "", "wRecHalfRange", 0, 1e6, &d.wRecHalfRange);
  p.wOutHalfRange = Num(env, o, "", "wOutHalfRange", 0, 1e6, &d.wOutHalfRange);
  Napi::Value tau = o.Get("tauInitMs");
  if (!tau.IsUndefined()) {
    if (!tau.IsArray() || tau.As<Napi::Array>().Length() != 2) ThrowType(env, "an array [lo, hi] of two numbers", "tauInitMs", tau);
    auto arr = tau.As<Napi::Object>();
    p.tauLoMs = Num(env, arr, "tauInitMs", "0", 0, 1e6, nullptr, true);
    p.tauHiMs = Num(env, arr, "tauInitMs", "1", 0, 1e6, nullptr, true);
  }
  // The parameters and their copy in V8, and the spectral radius's work on wRec (double, a few copies).
  const double units = double(p.units), P = ParamCount(units, double(p.channels), double(p.outputs));
  MemoryPlan plan;
  plan.add(2 * P, 4).add(4 * units * units, 8);
  plan.check(env, "units", "a teacher of " + Fmt(units) + " units", "use fewer units, channels or outputs");
  CheckCallback(env, info[1], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<InitBaton>::Start(env, std::move(b), info[1], cancel, "teacherInit");
}

// ---- teacherForward ---------------------------------------------------------------------------

struct ForwardBaton {
  mimic::TeacherParams params;
  std::shared_ptr<mimic::TeacherDataset> data;
  bool activations = true;
  unsigned threads = 0;
  std::vector<float> outputs, acts;
  void Execute(const mimic::Control& control) {
    const size_t B = data->count, T = data->steps, N = params.units, C = params.channels, O = params.outputs;
    mimic::assign_checked(outputs, B * T * O, 0.0f, control);
    if (activations) mimic::assign_checked(acts, B * T * N, 0.0f, control);
    std::atomic<size_t> done{0};
    mimic::global_pool().parallel_for(
        B,
        [&](size_t i) {
          if (control.cancelled()) return;
          thread_local mimic::TeacherWorkspace<float> ws;
          mimic::teacher_forward_sample(params, &data->inputs[i * T * C], T, &outputs[i * T * O],
                                        activations ? &acts[i * T * N] : nullptr, ws, &control);
          control.report(static_cast<double>(done.fetch_add(1) + 1), static_cast<double>(B), "forward");
        },
        threads);
    control.check();
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("count", Napi::Number::New(env, static_cast<double>(data->count)));
    o.Set("steps", Napi::Number::New(env, static_cast<double>(data->steps)));
    o.Set("outputs", ToTyped(env, outputs));
    if (activations) o.Set("activations", ToTyped(env, acts));
    return o;
  }
};

// teacherForward(params, batch {inputs, count, steps}, options {threads, activations}, onProgress?, cancel?)
Napi::Value TeacherForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto po = RequireObject(env, info[0], "params");
  if (ParamsAreDouble(env, po, "params")) ThrowType(env, "a Float32Array", "params.wIn", po.Get("wIn"));
  auto b = std::make_unique<ForwardBaton>();
  b->params = ReadParamsT<float>(env, po, "params");
  b->data = ReadData(env, info[1], "batch", b->params.channels, b->params.outputs, false, false);
  Napi::Object o = info[2].IsUndefined() ? Napi::Object::New(env) : RequireObject(env, info[2], "options");
  CheckKeys(env, o, "options", {"threads", "activations"});
  b->threads = Threads(env, o, "");
  b->activations = Bool(env, o, "", "activations", true);
  // The outputs and activations, each twice (kernel and V8), and the threads' scratch.
  const double outs = static_cast<double>(b->data->count) * static_cast<double>(b->data->steps);
  const double units = static_cast<double>(b->params.units);
  MemoryPlan plan;
  plan.add(outs * double(b->params.outputs), 4 * 2).add(WorkspaceBytes(double(b->data->steps), units, 4, false));
  if (b->activations) plan.add(outs * units, 4 * 2);
  plan.check(env, b->activations ? "options.activations" : "batch.count",
             "the forward pass of " + Fmt(double(b->data->count)) + " samples of " + Fmt(double(b->data->steps)) + " steps",
             b->activations ? "pass { activations: false } or fewer samples" : "use fewer or shorter samples");
  CheckCallback(env, info[3], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[4], "cancelToken");
  return AsyncJob<ForwardBaton>::Start(env, std::move(b), info[3], cancel, "teacherForward");
}

// ---- teacherGradient --------------------------------------------------------------------------

template <class S>
struct GradientBaton {
  mimic::TeacherParamsT<S> params;
  std::shared_ptr<mimic::TeacherDataset> data;
  mimic::TeacherLossOptions loss;
  unsigned threads = 0;
  mimic::TeacherGradT<S> grad;
  mimic::TeacherLossTerms terms;
  void Execute(const mimic::Control& control) {
    terms = mimic::teacher_batch_gradient(params, data->inputs.data(), data->targets.data(), data->count, data->steps,
                                          loss, threads, grad, control);
  }
  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("loss", Napi::Number::New(env, terms.total(loss.lambdaMse)));
    o.Set("mse", Napi::Number::New(env, terms.mse));
    o.Set("terms", TermsToJs(env, terms, loss.lambdaMse));
    auto g = Napi::Object::New(env);
    g.Set("wIn", ToTyped(env, grad.wIn));
    g.Set("wRec", ToTyped(env, grad.wRec));
    g.Set("wOut", ToTyped(env, grad.wOut));
    g.Set("bias", ToTyped(env, grad.bias));
    g.Set("tauMs", ToTyped(env, grad.tauMs));
    o.Set("grads", g);
    return o;
  }
};

template <class S>
Napi::Value StartGradient(Napi::Env env, const Napi::CallbackInfo& info, Napi::Object po) {
  auto b = std::make_unique<GradientBaton<S>>();
  b->params = ReadParamsT<S>(env, po, "params");
  b->data = ReadData(env, info[1], "batch", b->params.channels, b->params.outputs, true, false);
  // Per-sample gradients until the batch is reduced (in sample order), the mean and its copy in V8,
  // and the threads' trajectories for the backward pass.
  const double P = double(b->params.size());
  MemoryPlan plan;
  plan.add(double(b->data->count) * P + 3 * P, sizeof(S)).add(WorkspaceBytes(double(b->data->steps), double(b->params.units), sizeof(S), true));
  plan.check(env, "batch.count", "the gradient of " + Fmt(double(b->data->count)) + " samples of " + Fmt(double(b->data->steps)) +
                                     " steps (" + Fmt(P) + " parameters per sample)",
             "use fewer or shorter samples");
  Napi::Object o = info[2].IsUndefined() ? Napi::Object::New(env) : RequireObject(env, info[2], "options");
  CheckKeys(env, o, "options", {"threads", "loss"});
  b->threads = Threads(env, o, "");
  b->loss = ReadLoss(env, o, "options");
  CheckCallback(env, info[3], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[4], "cancelToken");
  return AsyncJob<GradientBaton<S>>::Start(env, std::move(b), info[3], cancel, "teacherGradient");
}

// teacherGradient(params, batch {inputs, targets, count, steps}, options {threads, loss}, onProgress?, cancel?)
// Float64Array params select the double-precision build of the same code.
Napi::Value TeacherGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto po = RequireObject(env, info[0], "params");
  if (ParamsAreDouble(env, po, "params")) return StartGradient<double>(env, info, po);
  return StartGradient<float>(env, info, po);
}

// ---- eigenvalues (synchronous, so small matrices only: n <= 256, a few ms) --------------------------------------------------------

Napi::Value Eigenvalues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsNumber()) ThrowType(env, "an integer", "n", info[1]);
  const double nd = info[1].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(nd) || std::floor(nd) != nd) ThrowType(env, "an integer", "n", info[1]);
  if (nd < 1 || nd > 256) ThrowRange(env, "n must be between 1 and 256 but is " + Fmt(nd) + " (larger matrices would block the event loop)");
  const size_t n = static_cast<size_t>(nd);
  std::vector<double> a = ReadArray<double>(env, info[0], "matrix", nd * nd,
                                            "n × n (" + std::to_string(n) + " × " + std::to_string(n) + ")");
  mimic::Eigenvalues e;
  try {
    e = mimic::eigenvalues(std::move(a), n);
  } catch (const std::exception& ex) {
    throw MakeError(env, ex.what(), kErrNative);
  }
  auto r = Napi::Object::New(env);
  r.Set("re", ToTyped(env, e.re));
  r.Set("im", ToTyped(env, e.im));
  return r;
}

// ---- TeacherTrainer ---------------------------------------------------------------------------

Napi::Object RecordToJs(Napi::Env env, const mimic::TeacherEpochRecord& r, double lambdaMse) {
  auto o = Napi::Object::New(env);
  o.Set("epoch", Napi::Number::New(env, static_cast<double>(r.epoch)));
  o.Set("samples", Napi::Number::New(env, static_cast<double>(r.samples)));
  o.Set("batches", Napi::Number::New(env, static_cast<double>(r.batches)));
  o.Set("loss", Napi::Number::New(env, r.loss));
  o.Set("mse", Napi::Number::New(env, r.terms.mse));
  o.Set("terms", TermsToJs(env, r.terms, lambdaMse));
  o.Set("accuracy", r.accuracy >= 0 ? Napi::Number::New(env, r.accuracy) : env.Null());
  o.Set("gradNorm", Napi::Number::New(env, r.gradNorm));
  o.Set("valMse", r.hasValidation ? Napi::Number::New(env, r.valMse) : env.Null());
  o.Set("valAccuracy", r.hasValidation && r.valAccuracy >= 0 ? Napi::Number::New(env, r.valAccuracy) : env.Null());
  o.Set("best", Napi::Boolean::New(env, r.best));
  o.Set("tauMinMs", Napi::Number::New(env, r.tauMinMs));
  o.Set("tauMaxMs", Napi::Number::New(env, r.tauMaxMs));
  o.Set("stepSize", Napi::Number::New(env, r.stepSize));
  o.Set("seconds", Napi::Number::New(env, r.seconds));
  return o;
}

// The TeacherTrainer object (epoch_trainer.hpp).
struct TeacherTrainerTraits {
  using Core = mimic::TeacherTrainer;
  using Record = mimic::TeacherEpochRecord;
  static constexpr const char* kName = "TeacherTrainer";
  static constexpr const char* kOutOfMemory = "reduce the batch, the network or the duration";
  static constexpr const char* kGetModel = "getParams";
  static constexpr const char* kGetBestModel = "getBestParams";
  static constexpr const char* kCounter = "adamSteps";
  static constexpr const char* kCreateName = "TeacherTrainer.create";
  static constexpr napi_type_tag kTag = {0x6d696d6963746561ULL, 0x6368657274720001ULL};
  struct Plan {
    mimic::TeacherParams params;
    mimic::TeacherTrainOptions options;
    std::shared_ptr<mimic::TeacherDataset> train, validation;
  };
  static std::unique_ptr<Plan> Read(Napi::Env env, Napi::Value options);
  // Construct only allocates Adam's moments: O(parameters).
  static double SyncWork(const Plan& p) { return double(p.params.size()); }
  static std::unique_ptr<Core> Construct(Plan& p, const mimic::Control&) {
    return std::make_unique<Core>(std::move(p.params), p.options, p.train, p.validation);
  }
  static Napi::FunctionReference& Constructor(AddonData& d) { return d.teacherTrainer; }
  static Napi::Value Model(Napi::Env env, const Core& t) { return ParamsToJs(env, t.params()); }
  static Napi::Value BestModel(Napi::Env env, const Core& t) {
    const auto* p = t.best_params();
    return p ? Napi::Value(ParamsToJs(env, *p)) : env.Null();
  }
  static double Counter(const Core& t) { return static_cast<double>(t.adam_steps()); }
  // The records' terms.mse is weighted by the loss's lambdaMse, read when the run starts.
  static RecordWriter<Record> Writer(const Core& t) {
    return [lambdaMse = t.options().loss.lambdaMse](Napi::Env env, const Record& r) { return RecordToJs(env, r, lambdaMse); };
  }
};

// new TeacherTrainer(options) / TeacherTrainer.create(options): the options, read synchronously.
std::unique_ptr<TeacherTrainerTraits::Plan> TeacherTrainerTraits::Read(Napi::Env env, Napi::Value options) {
  auto o = RequireObject(env, options, "options");
  CheckKeys(env, o, "options",
            {"params", "loss", "stepSize", "stepSizeSchedule", "beta1", "beta2", "epsilon", "clipNorm", "train", "tauStepUnit",
             "batchSize", "threads", "seed", "data", "validation", "keepBest", "shuffle", "epochSamples", "decision"});
  auto po = RequireObject(env, o.Get("params"), "options.params");
  if (ParamsAreDouble(env, po, "options.params")) ThrowType(env, "a Float32Array", "options.params.wIn", po.Get("wIn"));
  auto plan = std::make_unique<Plan>();
  mimic::TeacherParams& params = plan->params;
  params = ReadParamsT<float>(env, po, "options.params");
  mimic::TeacherTrainOptions& t = plan->options;
  t.loss = ReadLoss(env, o, "options");
  const double step = 1e-4, b1 = 0.9, b2 = 0.999, eps = 1e-8, zero = 0;
  t.adam.stepSize = Num(env, o, "options", "stepSize", 0, 1e3, &step);
  t.adam.beta1 = Num(env, o, "options", "beta1", 0, 0.999999, &b1);
  t.adam.beta2 = Num(env, o, "options", "beta2", 0, 0.99999999, &b2);
  t.adam.epsilon = Num(env, o, "options", "epsilon", 0, 1, &eps, true);
  t.clipNorm = Num(env, o, "options", "clipNorm", 0, 1e30, &zero);
  // stepSizeSchedule: {cosineEpochs, floor}: the step size falls along a cosine to floor × it in epoch cosineEpochs
  Napi::Object sched = Obj(env, o, "options", "stepSizeSchedule", true);
  if (!sched.IsEmpty()) {
    CheckKeys(env, sched, "options.stepSizeSchedule", {"cosineEpochs", "floor"});
    t.cosineEpochs = static_cast<size_t>(Int(env, sched, "options.stepSizeSchedule", "cosineEpochs", 1, 1000000));
    const double floor = 0.05;
    t.stepSizeFloor = Num(env, sched, "options.stepSizeSchedule", "floor", 0, 1, &floor);
  }
  Napi::Object tr = Obj(env, o, "options", "train", true);
  if (!tr.IsEmpty()) {
    CheckKeys(env, tr, "options.train", {"wIn", "wRec", "wOut", "bias", "tau"});
    t.trainWIn = Bool(env, tr, "options.train", "wIn", true);
    t.trainWRec = Bool(env, tr, "options.train", "wRec", true);
    t.trainWOut = Bool(env, tr, "options.train", "wOut", true);
    t.trainBias = Bool(env, tr, "options.train", "bias", true);
    t.trainTau = Bool(env, tr, "options.train", "tau", true);
  }
  t.tauStepInSeconds = Choice(env, o, "options", "tauStepUnit", {"s", "ms"}, t.tauStepInSeconds ? "s" : "ms") == "s";
  const int64_t one = 1;
  t.batchSize = static_cast<size_t>(Int(env, o, "options", "batchSize", 1, 100000, &one));
  t.threads = Threads(env, o, "options");
  t.seed = Seed(env, o, "options", "seed", true);
  t.keepBest = Bool(env, o, "options", "keepBest", false);
  t.shuffle = Bool(env, o, "options", "shuffle", true);
  const int64_t allSamples = 0;
  t.epochSamples = static_cast<size_t>(Int(env, o, "options", "epochSamples", 0, int64_t(1) << 40, &allSamples));
  // data: fresh samples of a task each epoch ({task: {name, options?, samplesPerEpoch}}) or a dataset;
  // decision: a task's rule for the accuracies (default: the data's task's; null: none).
  std::shared_ptr<mimic::TeacherDataset>& train = plan->train;
  auto d = RequireObject(env, o.Get("data"), "options.data");
  Napi::Value tv = d.Get("task");
  const mimic::TaskEntry* dataTask = nullptr;
  if (!tv.IsUndefined()) {
    CheckKeys(env, d, "options.data", {"task"});
    TaskData td = ReadTaskData(env, tv, "options.data.task", params.dtMs, params.channels, params.outputs, "params");
    dataTask = td.task;
    t.source = td.source;
    t.samplesPerEpoch = td.samplesPerEpoch;
  } else {
    train = ReadData(env, d, "options.data", params.channels, params.outputs, true, true);
  }
  DecisionRulePlan rule = ReadDecisionRule(env, o.Get("decision"), "options.decision", dataTask);
  t.rule = rule.rule;
  t.fitted = rule.fitted;
  std::shared_ptr<mimic::TeacherDataset>& val = plan->validation;
  if (!o.Get("validation").IsUndefined())
    val = ReadData(env, o.Get("validation"), "options.validation", params.channels, params.outputs, true, true);
  if (t.keepBest && !val) ThrowRange(env, "options.keepBest needs options.validation");
  // What the trainer holds while it trains (teacher_train.hpp): the parameters (current, best and
  // getParams' copy), Adam's moments and its double copies of a group, the batch's per-sample
  // gradients and outputs, the mean gradient, one epoch's samples of the task, the threads' trajectories
  // for the backward pass, and the validation's per-sample results.
  const double P = double(params.size()), units = double(params.units), O = double(params.outputs);
  const double steps = t.source ? double(t.source->steps()) : double(train->steps);
  const double perEpoch = t.source ? double(t.samplesPerEpoch) : double(train->count);
  const double batch = std::min(double(t.batchSize), perEpoch);
  const double batchBytes = 4 * (batch * (P + steps * O) + P);
  const double epochBytes = t.source ? perEpoch * steps * double(params.channels + params.outputs) * 4 + perEpoch * O : 0;
  const double trajectoryBytes = WorkspaceBytes(steps, units, 4, true);
  MemoryPlan plan2;
  plan2.add(4 * P, 4).add(4 * P, 8).add(batchBytes).add(epochBytes).add(trajectoryBytes);
  if (train) plan2.add(4 * double(train->inputs.size() + train->targets.size()) + double(train->labels.size()));
  if (val) plan2.add(4 * double(val->inputs.size() + val->targets.size()) + double(val->labels.size()) + double(val->count) * 12);
  // The argument named is the one behind the largest part.
  const char* argument = trajectoryBytes >= batchBytes && trajectoryBytes >= epochBytes
                             ? (t.source ? "options.data.task" : "options.data.steps")
                         : batchBytes >= epochBytes ? "options.batchSize"
                                                    : "options.data.task.samplesPerEpoch";
  plan2.check(env, argument,
              "training a teacher of " + Fmt(units) + " units on samples of " + Fmt(steps) + " steps in batches of " + Fmt(batch),
              "use a smaller batch, fewer or shorter samples");
  return plan;
}

using Trainer = EpochTrainer<TeacherTrainerTraits>;

}  // namespace

mimic::TeacherParams ReadTeacherParams(Napi::Env env, Napi::Object o, const std::string& name) {
  return ReadParamsT<float>(env, o, name);
}

void InitTeacher(Napi::Env env, Napi::Object exports) {
  Export<TeacherInit>(env, exports, "teacherInit");
  Export<TeacherForward>(env, exports, "teacherForward");
  Export<TeacherGradient>(env, exports, "teacherGradient");
  Export<Eigenvalues>(env, exports, "eigenvalues");
  auto trainer = Trainer::Define(env);
  Data(env).teacherTrainer = Napi::Persistent(trainer);
  exports.Set("TeacherTrainer", trainer);
}

}  // namespace mimic_binding
