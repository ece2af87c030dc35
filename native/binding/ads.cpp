// Network ADS trained by the local learning rule (native/core/ads_train.hpp).
//
//   new AdsTrainer(options)                       argument errors thrown here, synchronously
//   trainer.runEpochs(n, onEpoch?, onProgress?, cancelToken?) -> Promise<record[]>
//   trainer.getNetwork(), trainer.getBestNetwork(), counters   (the object: epoch_trainer.hpp)
//   evaluateAds(network, data, options, onProgress?, cancelToken?) -> Promise<result>
//   adsTrainBench(options) -> Promise<timings>     (the training loop with its time split, for bench/)
#include <napi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "addon_data.hpp"
#include "ads_train.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "epoch_trainer.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "network_source.hpp"
#include "options.hpp"
#include "simd.hpp"
#include "snn.hpp"
#include "task.hpp"
#include "task_args.hpp"
#include "teacher.hpp"
#include "thread_pool.hpp"

namespace mimic_binding {
namespace {

// Sample counts and steps are int32-indexed in recorded events; their products are bounded by memory.
constexpr int64_t kMaxSamples = (int64_t(1) << 31) - 1;

// Whether the learner computes rule `rule` in its events form (ads_train.hpp): 'online' with one tau_out.
bool EventsForm(mimic::AdsRule rule, const mimic::SnnParameters& params) {
  if (rule != mimic::AdsRule::Online) return false;
  for (float t : params.tauOutMs)
    if (t != params.tauOutMs[0]) return false;
  return true;
}

// The bytes an AdsTrainer holds while it trains (ads_train.hpp): the teacher; the network as the
// learner holds it with its prepared model, the roll-back snapshot, the current and best networks
// and the copy being materialised at the end of an epoch; the learner's accumulator Ã (double) and
// kernel; the naive rule's N x N doubles (twice, with the roll-back), or the events form's arrays
// (AdsEventsBytes, Ω_s twice); one epoch's samples of the task (1 channel and 1 output counted; the
// caller adds more) and the teacher trajectories of two chunks of 16 (one trained, the next being computed); the validation set, its model and its
// evaluation chunks (about 64 MB of recordings, or 8 samples); and the copy getNetwork() makes in V8.
MemoryPlan AdsTrainerBytes(double N, double C, double D, double O, bool naive, bool events, double trainSteps,
                           double samplesPerEpoch, double valCount, double valSteps) {
  const double values = NetworkValuesBytes(N, C, D, O, true), model = NetworkModelBytes(N, C, D, O, true);
  MemoryPlan p;
  p.add(D * C + D * D + O * D + 2 * D, 4);
  p.add(values + model + 4 * values).add(2 * N * D, 8).add(N * 48 + 256 * D * 8);
  if (naive) p.add(2 * N * N, 8);
  if (events) p.add(AdsEventsBytes(N, D, trainSteps, 2));
  p.add(samplesPerEpoch * trainSteps * 2 + samplesPerEpoch / 4, 4).add(2 * 16 * trainSteps * D, 4);
  if (valCount > 0) {
    p.add(valCount * valSteps * 2 + valCount / 4, 4).add(model);
    const double perSample = valSteps * (D + O + 1) * 4;
    p.add(2 * std::max(64.0e6, 8 * perSample)).add(valCount * 4, 8);
  }
  p.add(double(mimic::global_pool().size()) * std::max(trainSteps, valSteps) * D, 4);
  return p;
}

// The bytes of a dataset's copy.
double DatasetBytes(const mimic::AdsDataset& d) {
  return 4.0 * double(d.inputs.size() + d.targets.size()) + double(d.labels.size());
}

// TeacherParams {units, channels, outputs, dtMs?, wIn, wRec, wOut, bias, tauMs} (Float32Array).
mimic::TeacherParams ReadTeacher(Napi::Env env, Napi::Value value, const std::string& pre) {
  auto o = RequireObject(env, value, pre);
  CheckKeys(env, o, pre, {"units", "channels", "outputs", "dtMs", "wIn", "wRec", "wOut", "bias", "tauMs"});
  return ReadTeacherParams(env, o, pre);
}

// rule: 'online' (default), 'online-lowrank', 'online-naive' or 'batched'.
mimic::AdsRule ReadRule(Napi::Env env, Napi::Object o, const std::string& prefix) {
  const std::string rule = Choice(env, o, prefix, "rule", {"online", "online-lowrank", "online-naive", "batched"}, "online");
  return rule == "online"           ? mimic::AdsRule::Online
         : rule == "online-lowrank" ? mimic::AdsRule::OnlineLowRank
         : rule == "batched"        ? mimic::AdsRule::Batched
                                    : mimic::AdsRule::OnlineNaive;
}

// {inputs, count, steps, targets?, labels?} against the channels / outputs.
std::shared_ptr<mimic::AdsDataset> ReadDataset(Napi::Env env, Napi::Value v, const std::string& pre, size_t C, size_t O,
                                               bool allowTeacherTargets, size_t D, std::vector<float>* teacherTargets) {
  auto o = RequireObject(env, v, pre);
  if (allowTeacherTargets)
    CheckKeys(env, o, pre, {"inputs", "count", "steps", "targets", "labels", "teacherTargets"});
  else
    CheckKeys(env, o, pre, {"inputs", "count", "steps", "targets", "labels"});
  auto d = std::make_shared<mimic::AdsDataset>();
  d->count = static_cast<size_t>(Int(env, o, pre, "count", 1, kMaxSamples));
  d->steps = static_cast<size_t>(Int(env, o, pre, "steps", 1, kMaxSamples));
  const double cs = double(d->count) * double(d->steps);
  // The copies of the arrays (checked before they are read; the caller checks the rest of its work).
  MemoryPlan plan;
  plan.add(cs * double(C + O + (allowTeacherTargets ? D : 0)), 4).add(double(d->count) * double(O));
  plan.check(env, pre + ".count", "copying " + Fmt(double(d->count)) + " samples of " + Fmt(double(d->steps)) + " steps",
             "use fewer or shorter samples");
  const std::string base = std::to_string(d->count) + " × " + std::to_string(d->steps);
  d->inputs = ReadArray<float>(env, o.Get("inputs"), pre + ".inputs", cs * double(C),
                      "count × steps × channels (" + base + " × " + std::to_string(C) + ")");
  Napi::Value t = o.Get("targets");
  if (!t.IsUndefined())
    d->targets = ReadArray<float>(env, t, pre + ".targets", cs * double(O), "count × steps × outputs (" + base + " × " + std::to_string(O) + ")");
  Napi::Value l = o.Get("labels");
  if (!l.IsUndefined()) d->labels = ReadLabels(env, l, pre, d->count, O);
  if (allowTeacherTargets && teacherTargets) {
    Napi::Value x = o.Get("teacherTargets");
    if (!x.IsUndefined())
      *teacherTargets = ReadArray<float>(env, x, pre + ".teacherTargets", cs * double(D),
                                "count × steps × dims (" + base + " × " + std::to_string(D) + ")");
  }
  return d;
}

// The NetworkSpec shape of native/api/snn.ts: createNetwork(result) re-creates the network.
Napi::Object NetworkToJs(Napi::Env env, const mimic::AdsNetwork& n) {
  const auto& w = n.weights;
  auto o = Napi::Object::New(env);
  o.Set("neurons", Napi::Number::New(env, double(w.neurons)));
  o.Set("channels", Napi::Number::New(env, double(w.channels)));
  o.Set("dims", Napi::Number::New(env, double(w.dims)));
  o.Set("outputs", Napi::Number::New(env, double(w.outputs)));
  o.Set("params", SnnParamsToJs(env, n.params));
  o.Set("weights", SnnWeightsToJs(env, w));  // with the encoder: an ADS network always has one
  return o;
}

// Spike events of several samples as {steps, neurons, offsets}: sample b's events are [offsets[b], offsets[b + 1]).
Napi::Object SpikesToJs(Napi::Env env, const std::vector<int32_t>& steps, const std::vector<int32_t>& neurons,
                        const std::vector<int32_t>& offsets) {
  auto sp = Napi::Object::New(env);
  sp.Set("steps", ToTyped(env, steps));
  sp.Set("neurons", ToTyped(env, neurons));
  sp.Set("offsets", ToTyped(env, offsets));
  return sp;
}

// ---- AdsTrainer -------------------------------------------------------------------------------------

Napi::Value NumberOrNull(Napi::Env env, bool has, double v) {
  return has && std::isfinite(v) ? Napi::Value(Napi::Number::New(env, v)) : Napi::Value(env.Null());
}

Napi::Object RecordToJs(Napi::Env env, const mimic::AdsEpochRecord& r) {
  auto o = Napi::Object::New(env);
  o.Set("epoch", Napi::Number::New(env, double(r.epoch)));
  o.Set("samples", Napi::Number::New(env, double(r.samples)));
  o.Set("trainReconstructionError", Napi::Number::New(env, r.trainReconstructionError));
  o.Set("trainMeanRateHz", Napi::Number::New(env, r.trainMeanRateHz));
  o.Set("valReconstructionError", NumberOrNull(env, r.hasValidation, r.valReconstructionError));
  o.Set("valAccuracy", NumberOrNull(env, r.hasValidation && r.valAccuracy >= 0, r.valAccuracy));
  o.Set("valOutputMse", NumberOrNull(env, r.hasValidation && r.valOutputMse >= 0, r.valOutputMse));
  o.Set("meanRateHz", NumberOrNull(env, r.hasValidation, r.valMeanRateHz));
  o.Set("k", Napi::Number::New(env, r.k));
  o.Set("eta", Napi::Number::New(env, r.eta));
  o.Set("seconds", Napi::Number::New(env, r.seconds));
  o.Set("best", Napi::Boolean::New(env, r.best));
  return o;
}

// The AdsTrainer object (epoch_trainer.hpp).
struct AdsPlan {
  mimic::TeacherParams teacher;
  mimic::AdsBuildOptions build;
  mimic::AdsTrainOptions train;
  std::shared_ptr<mimic::AdsDataset> data;        // null when training on fresh samples of a task
  std::shared_ptr<mimic::AdsDataset> validation;  // a dataset, or drawn by Construct when validationCount > 0
  size_t validationCount = 0;
  std::shared_ptr<const mimic::SampleSource> validationSource;  // what validationCount samples are drawn from
  double work = 0;
};

struct AdsTrainerTraits {
  using Core = mimic::AdsTrainer;
  using Record = mimic::AdsEpochRecord;
  using Plan = AdsPlan;
  static constexpr const char* kName = "AdsTrainer";
  static constexpr const char* kCreateName = "AdsTrainer.create";
  static constexpr napi_type_tag kTag = {0x6d696d6963616473ULL, 0x7472616e65720001ULL};
  static constexpr const char* kOutOfMemory = "use a smaller network, fewer or shorter samples";
  static constexpr const char* kGetModel = "getNetwork";
  static constexpr const char* kGetBestModel = "getBestNetwork";
  static constexpr const char* kCounter = "samplesDone";
  static std::unique_ptr<Plan> Read(Napi::Env env, Napi::Value options);
  static double SyncWork(const Plan& p) { return p.work; }
  static std::unique_ptr<Core> Construct(Plan& p, const mimic::Control& control) {
    if (p.validationCount > 0)
      p.validation = mimic::AdsTrainer::validation_set(*p.validationSource, p.validationCount, p.train.seed, p.train.threads,
                                                       control.cancel_only());
    mimic::AdsNetwork net = mimic::build_ads_network(p.teacher, p.build, control);
    return std::make_unique<Core>(std::move(p.teacher), std::move(net), p.train, p.data, p.validation);
  }
  static Napi::FunctionReference& Constructor(AddonData& d) { return d.adsTrainer; }
  static Napi::Value Model(Napi::Env env, const Core& t) { return NetworkToJs(env, t.network()); }
  static Napi::Value BestModel(Napi::Env env, const Core& t) {
    const auto* n = t.best_network();
    return n ? Napi::Value(NetworkToJs(env, *n)) : env.Null();
  }
  static double Counter(const Core& t) { return double(t.samples_done()); }
  static RecordWriter<Record> Writer(const Core&) { return RecordToJs; }
};

// new AdsTrainer(options) / AdsTrainer.create(options): the options, read synchronously.
std::unique_ptr<AdsPlan> AdsTrainerTraits::Read(Napi::Env env, Napi::Value options) {
  const std::string P = "options";
  auto o = RequireObject(env, options, P);
  CheckKeys(env, o, P,
            {"teacher", "neurons", "seed", "ebn", "g", "inputGain", "mu", "nu", "params", "eta", "k", "rule",
             "data", "shuffle", "epochSamples", "validation", "selection", "decision", "threads", "trainDeath"});
  auto plan = std::make_unique<AdsPlan>();
  mimic::TeacherParams& teacher = plan->teacher;
  teacher = ReadTeacher(env, o.Get("teacher"), "options.teacher");
  const size_t N = static_cast<size_t>(Int(env, o, P, "neurons", 1, kMaxNeurons));
  const size_t D = teacher.units, C = teacher.channels, O = teacher.outputs;
  // Before the per-neuron parameters are read: the network alone must fit.
  AdsTrainerBytes(double(N), double(C), double(D), double(O), false, false, 0, 0, 0, 0)
      .check(env, "options.neurons", "training a network of " + std::to_string(N) + " neurons", "use fewer neurons");
  mimic::AdsBuildOptions& b = plan->build;
  b.neurons = N;
  b.seed = Seed(env, o, P, "seed", true);
  b.ebn = Bool(env, o, P, "ebn", true);
  const double g0 = 0.5, mu0 = 5e-4, nu0 = 1e-4;
  b.g = Num(env, o, P, "g", 0, 1e6, &g0);
  b.mu = Num(env, o, P, "mu", 0, 1e6, &mu0);
  b.nu = Num(env, o, P, "nu", 0, 1e6, &nu0);
  b.params = ReadNeuronParams(env, o.Get("params"), N, "options.params");
  double tauMem = 0;
  for (float t : b.params.tauMemMs) tauMem += t;
  tauMem /= double(N);
  const double gain0 = 10.0 / (tauMem / 1000.0);  // the paper (smaller task): A = 10/tau_mem
  b.inputGain = Num(env, o, P, "inputGain", -1e12, 1e12, &gain0);
  double a = 0;
  for (size_t i = 0; i < N; ++i) a += double(b.params.vTh[i]) - double(b.params.vRest[i]);
  if (!(a > 0)) ThrowRange(env, "options.params: vTh must be above vRest on average (a = vTh − vRest scales the encoder)");

  mimic::AdsTrainOptions& t = plan->train;
  t.seed = b.seed;
  t.dtMs = teacher.dtMs;
  t.threads = Threads(env, o, P);
  t.rule = ReadRule(env, o, P);
  if (t.rule == mimic::AdsRule::OnlineNaive && N > 2048)
    ThrowRange(env, "options.rule 'online-naive' updates all N² weights every step: use it with at most 2048 neurons");
  const std::string sel = Choice(env, o, P, "selection", {"reconstruction", "accuracy"}, "reconstruction");
  t.selection = sel == "accuracy" ? mimic::AdsSelection::Accuracy : mimic::AdsSelection::Reconstruction;
  t.shuffle = Bool(env, o, P, "shuffle", true);
  const int64_t allSamples = 0;
  t.epochSamples = static_cast<size_t>(Int(env, o, P, "epochSamples", 0, int64_t(1) << 40, &allSamples));
  const double death0 = 0;
  t.trainDeath = Num(env, o, P, "trainDeath", 0, 0.9, &death0);

  // k: a number (constant) or {staircase: {start, totalSamples, blocks?}}
  Napi::Value kv = o.Get("k");
  if (kv.IsUndefined() || kv.IsNumber()) {
    const double k0 = 75;
    t.schedule.k = Num(env, o, P, "k", 0, 1e9, &k0);
  } else {
    auto ko = RequireObject(env, kv, "options.k");
    CheckKeys(env, ko, "options.k", {"staircase"});
    auto st = RequireObject(env, ko.Get("staircase"), "options.k.staircase");
    const std::string sp = "options.k.staircase";
    CheckKeys(env, st, sp, {"start", "totalSamples", "blocks"});
    t.schedule.kStaircase = true;
    t.schedule.k = Num(env, st, sp, "start", 0, 1e9, nullptr, true);
    t.schedule.kTotalSamples = static_cast<size_t>(Int(env, st, sp, "totalSamples", 1, int64_t(1) << 40));
    const int64_t eight = 8;
    t.schedule.kBlocks = static_cast<size_t>(Int(env, st, sp, "blocks", 1, 1'000'000, &eight));
  }
  // eta: a number (constant) or {exponential: {start, decaySamples, floor?}}
  Napi::Value ev = o.Get("eta");
  if (ev.IsUndefined() || ev.IsNumber()) {
    const double eta0 = 1e-6;
    t.schedule.eta = Num(env, o, P, "eta", 0, 1e6, &eta0);
  } else {
    auto eo = RequireObject(env, ev, "options.eta");
    CheckKeys(env, eo, "options.eta", {"exponential"});
    auto ex = RequireObject(env, eo.Get("exponential"), "options.eta.exponential");
    const std::string ep = "options.eta.exponential";
    CheckKeys(env, ex, ep, {"start", "decaySamples", "floor"});
    t.schedule.etaExponential = true;
    t.schedule.eta = Num(env, ex, ep, "start", 0, 1e6);
    t.schedule.etaDecaySamples = Num(env, ex, ep, "decaySamples", 0, 1e15, nullptr, true);
    const double f0 = 0;
    t.schedule.etaFloor = Num(env, ex, ep, "floor", 0, 1e6, &f0);
  }

  // data: fresh samples of a task each epoch ({task: {name, options?, samplesPerEpoch?}}; default: the
  // registry's first task, 500 samples per epoch) or a dataset. decision: a task's rule for the
  // validation accuracy (default: the data's task's; null: none).
  std::shared_ptr<mimic::AdsDataset>& train = plan->data;
  Napi::Value dv = o.Get("data");
  const mimic::TaskEntry* dataTask = nullptr;
  Napi::Object d = dv.IsUndefined() ? Napi::Object::New(env) : RequireObject(env, dv, "options.data");
  if (dv.IsUndefined() || !d.Get("task").IsUndefined()) {
    CheckKeys(env, d, "options.data", {"task"});
    Napi::Value tv = d.Get("task");
    if (dv.IsUndefined()) {
      tv = Napi::Object::New(env);
      tv.As<Napi::Object>().Set("name", mimic::task_registry().front().name);
    }
    const int64_t spe = 500;
    TaskData td = ReadTaskData(env, tv, "options.data.task", teacher.dtMs, C, O, "the teacher", &spe);
    dataTask = td.task;
    t.source = td.source;
    t.samplesPerEpoch = td.samplesPerEpoch;
  } else {
    train = ReadDataset(env, d, "options.data", C, O, false, D, nullptr);
  }
  DecisionRulePlan rule = ReadDecisionRule(env, o.Get("decision"), "options.decision", dataTask);
  t.decision = rule.rule;
  t.fitted = rule.fitted;
  if (t.selection == mimic::AdsSelection::Accuracy && !t.decision)
    ThrowRange(env, "options.selection 'accuracy' needs a decision rule: options.decision, or fresh samples of a task as options.data");
  // validation: {count} (fresh samples of the data's task, or on a dataset of the decision rule's task
  // at its default options, drawn when the trainer is built), a dataset, or null (none). Default: 200
  // samples of the task when training on a task.
  std::shared_ptr<mimic::AdsDataset>& val = plan->validation;
  double valCount = 0, valSteps = 0;
  Napi::Value vv = o.Get("validation");
  if (vv.IsUndefined() ? t.source != nullptr : !vv.IsNull()) {
    Napi::Object vo = vv.IsUndefined() ? Napi::Object::New(env) : RequireObject(env, vv, "options.validation");
    if (vv.IsUndefined() || (!vo.Get("count").IsUndefined() && vo.Get("inputs").IsUndefined())) {
      if (!vv.IsUndefined()) CheckKeys(env, vo, "options.validation", {"count"});
      if (!t.source) {
        if (!rule.task)
          ThrowRange(env, "options.validation {count} draws fresh samples of a task, but options.data is a dataset and "
                          "options.decision names no task: pass a validation dataset or options.decision");
        try {
          plan->validationSource = mimic::make_task_source(*rule.task, {}, teacher.dtMs);
        } catch (const mimic::InvalidArgument& e) {
          ThrowRange(env, "options.validation {count} draws samples of the task '" + rule.task->name +
                              "' (options.decision) at its default options and the teacher's dtMs, but " + e.what() +
                              ": pass a validation dataset");
        }
        const auto& vs = *plan->validationSource;
        if (vs.channels() != C || vs.outputs() != O)
          ThrowRange(env, "options.validation {count} draws samples of the task '" + rule.task->name + "' (options.decision) of " +
                              CountOf(vs.channels(), "channel") + " and " + CountOf(vs.outputs(), "output") + " but the teacher has " +
                              CountOf(C, "channel") + " and " + CountOf(O, "output") + ": pass a validation dataset");
      } else {
        plan->validationSource = t.source;
      }
      const int64_t v200 = 200;
      plan->validationCount = static_cast<size_t>(Int(env, vo, "options.validation", "count", 1, kMaxSamples, &v200));
      valCount = double(plan->validationCount);
      valSteps = double(plan->validationSource->steps());
    } else {
      val = ReadDataset(env, vo, "options.validation", C, O, false, D, nullptr);
      valCount = double(val->count);
      valSteps = double(val->steps);
    }
  }
  if (t.selection == mimic::AdsSelection::Accuracy && !val && plan->validationCount == 0)
    ThrowRange(env, "options.selection 'accuracy' needs validation samples with targets or labels");
  if (t.selection == mimic::AdsSelection::Accuracy && val && val->targets.empty() && val->labels.empty())
    ThrowRange(env, "options.selection 'accuracy' needs validation samples with targets or labels");
  const double trainSteps = t.source ? double(t.source->steps()) : double(train->steps);
  const double perEpoch = t.source ? double(t.samplesPerEpoch) : 0;
  const std::string argument = plan->validationCount > 0 && valCount * valSteps > perEpoch * trainSteps ? "options.validation.count"
                               : t.source ? "options.data.task.samplesPerEpoch" : "options.neurons";
  MemoryPlan total = AdsTrainerBytes(double(N), double(C), double(D), double(O), t.rule == mimic::AdsRule::OnlineNaive,
                                     EventsForm(t.rule, b.params), trainSteps, perEpoch, valCount, valSteps);
  // (AdsTrainerBytes counts the samples of 1 channel and 1 output)
  total.add((perEpoch * trainSteps + valCount * valSteps) * (double(C + O) - 2), 4);
  if (train) total.add(DatasetBytes(*train));
  if (val) total.add(DatasetBytes(*val));
  total.check(env, argument, "training a network of " + std::to_string(N) + " neurons with " + Fmt(perEpoch) +
                                " samples of the task per epoch and " + Fmt(valCount) + " validation samples of " + Fmt(valSteps) + " steps",
             EventsForm(t.rule, b.params) ? "use fewer neurons, fewer or shorter samples, or options.rule 'online-lowrank' (its "
                                            "learning state is N x dims instead of N x N)"
                                          : "use fewer neurons, fewer or shorter samples");
  // What Construct will do (about 1 ns per operation): Ω_f's N²·D dot products, wIn, the model's
  // layouts, and drawing the validation samples.
  plan->work = double(N) * double(N) * double(D) + double(N) * double(D) * double(C) + 4 * double(N) * double(N) +
               (plan->validationCount > 0 ? valCount * valSteps * plan->validationSource->work_per_step() : 0);
  return plan;
}

using Trainer = EpochTrainer<AdsTrainerTraits>;

// ---- evaluateAds ------------------------------------------------------------------------------------

struct EvalBaton {
  std::shared_ptr<const ModelSource> source;
  std::shared_ptr<const mimic::SnnModel> model;  // prepared in Execute (network_source.hpp)
  std::shared_ptr<mimic::AdsDataset> data;
  std::vector<float> xhat;
  mimic::AdsEvalOptions options;
  mimic::AdsEvalResult out;
  double kernelSeconds = 0;

  void Execute(const mimic::Control& control) {
    control.check();
    model = source->model(control);
    const size_t D = model->weights().dims, T = data->steps;
    mimic::AdsTargetProvider provider = [&](size_t first, size_t count, float* dst) {
      std::memcpy(dst, xhat.data() + first * T * D, count * T * D * sizeof(float));
    };
    const auto t0 = std::chrono::steady_clock::now();
    mimic::ads_evaluate(*model, data->inputs.data(), data->count, T, xhat.empty() ? nullptr : &provider,
                        data->targets.empty() ? nullptr : data->targets.data(),
                        data->labels.empty() ? nullptr : data->labels.data(), options, control, out);
    kernelSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  static Napi::Value F64OrNull(Napi::Env env, const std::vector<double>& v, bool has) {
    return has ? Napi::Value(ToTyped(env, v)) : env.Null();
  }

  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    const bool hasX = !xhat.empty(), hasT = !data->targets.empty();
    const bool hasAcc = out.accuracy >= 0;
    o.Set("count", Napi::Number::New(env, double(out.count)));
    o.Set("steps", Napi::Number::New(env, double(out.steps)));
    o.Set("kernelSeconds", Napi::Number::New(env, kernelSeconds));
    o.Set("accuracy", NumberOrNull(env, hasAcc, out.accuracy));
    o.Set("reconstructionError", NumberOrNull(env, hasX, out.meanReconstructionError));
    o.Set("outputMse", NumberOrNull(env, hasT, out.meanOutputMse));
    o.Set("meanRateHz", Napi::Number::New(env, out.meanRateHz));
    o.Set("totalSpikes", Napi::Number::New(env, double(out.totalSpikes)));
    auto per = Napi::Object::New(env);
    per.Set("reconstructionError", F64OrNull(env, out.reconstructionError, hasX));
    per.Set("outputMse", F64OrNull(env, out.outputMse, hasT));
    per.Set("rateHz", F64OrNull(env, out.rateHz, true));
    o.Set("perSample", per);
    o.Set("predictions", options.decision ? Napi::Value(ToTyped(env, out.predictions)) : env.Null());
    o.Set("labels", hasAcc ? Napi::Value(ToTyped(env, out.labels)) : env.Null());
    if (options.recordDecoded) o.Set("decoded", ToTyped(env, out.decoded));
    if (options.recordOutput) o.Set("output", ToTyped(env, out.output));
    if (options.recordSmoothed) o.Set("smoothed", ToTyped(env, out.smoothed));
    if (options.recordSpikeSamples > 0) o.Set("spikes", SpikesToJs(env, out.spikeSteps, out.spikeNeurons, out.spikeOffsets));
    return o;
  }
};

// evaluateAds(network, data {inputs, count, steps, teacherTargets?, targets?, labels?}, options?, onProgress?, cancel?)
Napi::Value EvaluateAds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto b = std::make_unique<EvalBaton>();
  b->source = NetworkSource(env, info[0], "network");
  const ModelSource::View view = b->source->view();
  const auto& w = *view.weights;
  const size_t C = w.channels, D = w.dims, O = w.outputs;
  b->data = ReadDataset(env, info[1], "data", C, O, true, D, &b->xhat);
  if (!b->xhat.empty() && D == 0) ThrowRange(env, "data.teacherTargets needs a network with dims > 0");
  Napi::Object o = info[2].IsUndefined() ? Napi::Object::New(env) : RequireObject(env, info[2], "options");
  CheckKeys(env, o, "options", {"seed", "threads", "dtMs", "decision", "record"});
  auto& e = b->options;
  e.seed = Seed(env, o, "options", "seed", true);
  const int64_t zero = 0;
  e.threads = Threads(env, o, "options");
  const double one = 1;
  e.dtMs = Num(env, o, "options", "dtMs", 0, 1e6, &one, true);
  // decision: a task's rule {task, options?, fitted?} for the predictions (and, with targets or labels,
  // the accuracy); none by default.
  DecisionRulePlan rule = ReadDecisionRule(env, o.Get("decision"), "options.decision", nullptr);
  e.decision = rule.rule;
  e.fitted = rule.fitted;
  const bool canSmooth = O > 0 && e.decision && e.decision->has_smoothed();
  e.recordDecoded = false;
  e.recordOutput = O > 0;
  e.recordSmoothed = canSmooth;
  Napi::Value rec = o.Get("record");
  if (!rec.IsUndefined()) {
    auto r = RequireObject(env, rec, "options.record");
    CheckKeys(env, r, "options.record", {"decoded", "output", "smoothed", "spikes"});
    e.recordDecoded = Bool(env, r, "options.record", "decoded", false);
    e.recordOutput = Bool(env, r, "options.record", "output", O > 0);
    e.recordSmoothed = Bool(env, r, "options.record", "smoothed", canSmooth);
    e.recordSpikeSamples = static_cast<size_t>(Int(env, r, "options.record", "spikes", 0, int64_t(b->data->count), &zero));
    if (e.recordDecoded && D == 0) ThrowRange(env, "options.record.decoded needs a network with dims > 0");
    if ((e.recordOutput || e.recordSmoothed) && O == 0) {
      if (!r.Get("output").IsUndefined() && e.recordOutput) ThrowRange(env, "options.record.output needs a network with a readout (outputs > 0)");
      if (!r.Get("smoothed").IsUndefined() && e.recordSmoothed) ThrowRange(env, "options.record.smoothed needs a network with a readout (outputs > 0)");
      e.recordOutput = e.recordSmoothed = false;
    }
    if (e.recordSmoothed && !canSmooth)
      ThrowRange(env, "options.record.smoothed records the trace a decision rule reads: give options.decision with a rule that smooths");
  }
  // The kernel's work (ads_evaluate): chunks of samples with their recordings (about 64 MB, or 8
  // samples) and teacher targets, per-sample results, then the recordings asked for and the spike
  // events of the first samples (capped at 2^26), each twice (kernel and V8).
  const double B = double(b->data->count), T = double(b->data->steps), N = double(w.neurons);
  const double perSample = T * double(D + O + 1) * 4;
  MemoryPlan plan;
  plan.add(3 * std::max(64.0e6, 8 * perSample)).add(B * 5, 8).add(16.0 * double(mimic::global_pool().size()) * (N + 16), 32);
  if (e.recordDecoded) plan.add(B * T * double(D), 4 * 2);
  if (e.recordOutput) plan.add(B * T * double(O), 4 * 2);
  if (e.recordSmoothed) plan.add(B * T * double(O), 4 * 2);
  if (e.recordSpikeSamples > 0) plan.add(std::min(double(int64_t(1) << 26), double(e.recordSpikeSamples) * T * N), 8 * 3);
  plan.check(env, e.recordDecoded || e.recordOutput || e.recordSmoothed || e.recordSpikeSamples ? "options.record" : "data.count",
             "evaluating " + Fmt(B) + " samples of " + Fmt(T) + " steps with these recordings",
             "record less or evaluate fewer samples at a time");
  CheckCallback(env, info[3], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[4], "cancelToken");
  return AsyncJob<EvalBaton>::Start(env, std::move(b), info[3], cancel, "evaluateAds");
}

// ---- trainAdsSamples --------------------------------------------------------------------------------

struct SamplesBaton {
  ModelSource::View view;  // the network's values, copied in Execute
  mimic::AdsNetwork net;
  std::shared_ptr<mimic::AdsDataset> data;
  std::vector<float> xhat, initialV, kPerSample;
  mimic::AdsRule rule = mimic::AdsRule::Online;
  double k = 75, eta = 1e-6, dtMs = 1;
  unsigned threads = 0;
  uint64_t seed = 0;
  bool recordSpikes = false;
  std::vector<double> recon;
  std::vector<int32_t> steps, neurons, offsets;
  uint64_t spikes = 0, blocks = 0, helperBlocks = 0;
  std::string variant;
  mimic::AdsNetwork result;

  void Execute(const mimic::Control& control) {
    net.params = *view.params;
    net.weights = *view.weights;
    view = ModelSource::View();
    const size_t B = data->count, T = data->steps, N = net.weights.neurons, C = net.weights.channels, D = net.weights.dims;
    mimic::AdsLearner learner(net, rule, dtMs);
    learner.set_threads(threads);
    recon.resize(B);
    offsets.assign(recordSpikes ? B + 1 : 0, 0);
    variant = learner.variant();
    mimic::AdsLearner::SpikeRecord rec;
    for (size_t b = 0; b < B; ++b) {
      const double kb = kPerSample.empty() ? k : kPerSample[b];
      const auto r = learner.train_sample(data->inputs.data() + b * T * C, xhat.data() + b * T * D, T, kb, eta,
                                          seed, b, control, nullptr,
                                          initialV.empty() ? nullptr : initialV.data() + b * N, recordSpikes ? &rec : nullptr);
      recon[b] = r.reconstructionError;
      spikes += r.spikes;
      blocks += r.blocks;
      helperBlocks += r.helperBlocks;
      if (recordSpikes) {
        steps.insert(steps.end(), rec.steps.begin(), rec.steps.end());
        neurons.insert(neurons.end(), rec.neurons.begin(), rec.neurons.end());
        offsets[b + 1] = static_cast<int32_t>(steps.size());
      }
      control.report(double(b + 1), double(B), "training");
    }
    result = learner.network(control.cancel_only());
  }

  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("network", NetworkToJs(env, result));
    o.Set("reconstructionError", ToTyped(env, recon));
    o.Set("totalSpikes", Napi::Number::New(env, double(spikes)));
    const double seconds = double(data->count) * double(data->steps) * dtMs / 1000.0;
    o.Set("meanRateHz", Napi::Number::New(env, double(spikes) / (double(net.weights.neurons) * seconds)));
    o.Set("variant", variant);
    o.Set("blocks", Napi::Number::New(env, double(blocks)));
    o.Set("helperBlocks", Napi::Number::New(env, double(helperBlocks)));
    if (recordSpikes) o.Set("spikes", SpikesToJs(env, steps, neurons, offsets));
    return o;
  }
};

// trainAdsSamples(network, data {inputs, teacherTargets, count, steps}, options {k, eta, rule?, seed?, initialV?,
//                 dtMs?, record?}, onProgress?, cancel?): the samples in order, one after the other.
Napi::Value TrainAdsSamples(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto b = std::make_unique<SamplesBaton>();
  b->view = NetworkSource(env, info[0], "network")->view();
  const auto& w = *b->view.weights;
  const size_t N = w.neurons, C = w.channels, D = w.dims, O = w.outputs;
  if (D == 0 || w.encoder.empty())
    ThrowRange(env, "network: the learning rule needs dims > 0 and weights.encoder (F, neurons x dims)");
  for (size_t i = 0; i < N; ++i)
    if (w.omegaS[i * N + i] != 0.0f)
      ThrowRange(env, "network: the slow weights must have a zero diagonal but omegaS[" + std::to_string(i) + ", " +
                          std::to_string(i) + "] = " + Fmt(w.omegaS[i * N + i]));
  b->data = ReadDataset(env, info[1], "data", C, O, true, D, &b->xhat);
  if (b->xhat.empty()) ThrowType(env, "a Float32Array", "data.teacherTargets", RequireObject(env, info[1], "data").Get("teacherTargets"));
  auto o = RequireObject(env, info[2], "options");
  CheckKeys(env, o, "options", {"k", "eta", "rule", "seed", "initialV", "dtMs", "record", "threads"});
  Napi::Value kv = o.Get("k");
  if (IsKind(kv, napi_float32_array)) {
    b->kPerSample = ReadArray<float>(env, kv, "options.k", double(b->data->count), "count (" + std::to_string(b->data->count) + ")");
    for (size_t i = 0; i < b->kPerSample.size(); ++i)
      if (b->kPerSample[i] < 0) ThrowRange(env, "options.k must not be negative but element " + std::to_string(i) + " is " + Fmt(b->kPerSample[i]));
  } else {
    b->k = Num(env, o, "options", "k", 0, 1e9);
  }
  b->eta = Num(env, o, "options", "eta", 0, 1e6);
  b->rule = ReadRule(env, o, "options");
  b->threads = Threads(env, o, "options");
  b->seed = Seed(env, o, "options", "seed", true);
  const double one = 1;
  b->dtMs = Num(env, o, "options", "dtMs", 0, 1e6, &one, true);
  Napi::Value iv = o.Get("initialV");
  Napi::Value rv = o.Get("record");
  if (!rv.IsUndefined()) {
    auto r = RequireObject(env, rv, "options.record");
    CheckKeys(env, r, "options.record", {"spikes"});
    b->recordSpikes = Bool(env, r, "options.record", "spikes", false);
  }
  // The network copied for the learner (with its model, accumulator and kernel), the trained network
  // and its copy in V8, the initial potentials, per-sample results, and the spike events when recorded
  // (at most one per neuron and step, 8 bytes, three times with the growth of their vectors and V8).
  const double B = double(b->data->count), T = double(b->data->steps), Nd = double(N);
  const double values = NetworkValuesBytes(Nd, double(C), double(D), double(O), true);
  MemoryPlan plan;
  plan.add(3 * values + NetworkModelBytes(Nd, double(C), double(D), double(O), true)).add(Nd * double(D), 8);
  plan.add(Nd * 40 + 256 * double(D) * 8 + B * 12);
  if (b->rule == mimic::AdsRule::OnlineNaive) plan.add(Nd * Nd, 8);
  if (b->rule == mimic::AdsRule::Batched) plan.add(Nd * (Nd + 16), 4);
  if (EventsForm(b->rule, *b->view.params)) plan.add(AdsEventsBytes(Nd, double(D), T, 1));
  if (!iv.IsUndefined()) plan.add(B * Nd, 4);
  if (b->recordSpikes) plan.add(B * T * Nd, 8 * 3);
  plan.check(env, b->recordSpikes ? "options.record.spikes" : "network",
             "training " + Fmt(B) + " samples of " + Fmt(T) + " steps on a network of " + Fmt(Nd) + " neurons",
             b->recordSpikes                       ? "record spikes of fewer samples"
             : EventsForm(b->rule, *b->view.params) ? "use a smaller network, fewer samples or options.rule 'online-lowrank' "
                                                     "(its learning state is N x dims instead of N x N)"
                                                   : "use a smaller network or fewer samples");
  if (!iv.IsUndefined())
    b->initialV = ReadArray<float>(env, iv, "options.initialV", double(b->data->count) * double(N),
                          "count × neurons (" + std::to_string(b->data->count) + " × " + std::to_string(N) + ")");
  CheckCallback(env, info[3], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[4], "cancelToken");
  return AsyncJob<SamplesBaton>::Start(env, std::move(b), info[3], cancel, "trainAdsSamples");
}

// ---- adsTrainBench ----------------------------------------------------------------------------------

struct BenchBaton {
  size_t neurons = 320, dims = 64, samples = 4, steps = 1000, repeats = 3;
  uint64_t seed = 1;
  mimic::AdsRule rule = mimic::AdsRule::Online;
  bool compare = false;
  mimic::AdsRule compareRule = mimic::AdsRule::OnlineLowRank;
  unsigned threads = 0;
  double k = 75, eta = 1e-6;
  // per rule measured: [0] the rule, [1] the compared rule
  struct Measured {
    mimic::AdsProfile profile, plain;
    double seconds = 0, plainSeconds = 0, cpuSeconds = 0;
    std::string variant;
  } m[2];
  double forwardSeconds = 0;
  uint64_t forwardSpikes = 0;
  const char* simd = "";
  std::shared_ptr<const mimic::SampleSource> source;  // the samples

  static double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }

  void Execute(const mimic::Control& control) {
    simd = mimic::simd::name(mimic::simd::active());
    mimic::TeacherInitOptions ti;
    ti.units = dims;
    ti.channels = source->channels();
    ti.outputs = source->outputs();
    ti.seed = seed;
    mimic::TeacherParams teacher;
    mimic::teacher_init(ti, teacher, &control);
    mimic::AdsBuildOptions bo;
    bo.neurons = neurons;
    bo.seed = seed;
    mimic::AdsNetwork net = mimic::build_ads_network(teacher, bo, control);
    mimic::TaskBatch xb;
    source->draw(seed, samples, 1, control, xb);
    std::vector<float> xhat(samples * xb.steps * dims);
    mimic::teacher_trajectories(teacher, xb.inputs.data(), 0, samples, xb.steps, 1, control, xhat.data());
    steps = xb.steps;
    // The same network without learning (k = 0, Ω_s = 0: what validation runs), on the same samples
    // and initial potentials, one thread: the forward step the training step is compared with.
    const mimic::SnnModel model(net.params, net.weights, &control);  // (its layouts are O(N²): cancellable)
    mimic::SnnRunConfig fc;
    fc.batch = samples;
    fc.steps = steps;
    fc.inputs = xb.inputs.data();
    fc.threads = 1;
    fc.block = 1;
    fc.seed = seed;  // sample s starts from V uniform in [vReset, vTh] from Rng(seed, s), as the training pass
    fc.initialV = mimic::InitialV::Uniform;
    fc.recordSpikes = false;
    // the learners as a trainer holds them after its first sample (the events form's M made once: O(N²·D))
    const size_t nRules = compare ? 2 : 1;
    std::vector<mimic::AdsLearner> fresh;
    for (size_t q = 0; q < nRules; ++q) {
      fresh.emplace_back(net, q == 0 ? rule : compareRule, 1.0);
      fresh.back().set_threads(threads);
      fresh.back().prepare(control);
      m[q].variant = fresh.back().variant();
    }
    const auto train = [&](size_t q, mimic::AdsProfile* into, double* cpu) {
      mimic::AdsLearner learner(fresh[q]);
      const double c0 = cpu_now();
      const auto t0 = std::chrono::steady_clock::now();
      for (size_t s = 0; s < samples; ++s)
        learner.train_sample(xb.inputs.data() + s * steps * xb.channels, xhat.data() + s * steps * dims, steps, k, eta, seed, s, control,
                             into);
      if (cpu) *cpu = cpu_now() - c0;
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    const auto forward = [&]() {
      mimic::SnnRunOutput out;
      const auto t0 = std::chrono::steady_clock::now();
      mimic::simulate(model, fc, control.cancel_only(), out);
      forwardSpikes = out.totalSpikes;
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    // warm-up, then `repeats` interleaved rounds of training (each rule) and forward (the best of each
    // is kept: all see the same machine), then a pass per rule with the time split (its clock reads
    // cost a little).
    for (size_t q = 0; q < nRules; ++q) {
      mimic::AdsLearner warm(fresh[q]);
      warm.train_sample(xb.inputs.data(), xhat.data(), steps, k, eta, seed, 0, control);
    }
    forward();
    forwardSeconds = std::numeric_limits<double>::infinity();
    for (size_t q = 0; q < nRules; ++q) m[q].plainSeconds = std::numeric_limits<double>::infinity();
    for (size_t r = 0; r < repeats; ++r) {
      for (size_t q = 0; q < nRules; ++q) {
        mimic::AdsProfile p;
        double cpu = 0;
        const double t = train(q, &p, &cpu);
        if (t < m[q].plainSeconds) {
          m[q].plainSeconds = t;
          m[q].plain = p;
          m[q].cpuSeconds = cpu;
        }
      }
      forwardSeconds = std::min(forwardSeconds, forward());
    }
    for (size_t q = 0; q < nRules; ++q) m[q].seconds = train(q, &m[q].profile, nullptr);
  }

  Napi::Object Rule(Napi::Env env, const Measured& x, mimic::AdsRule r) const {
    auto o = Napi::Object::New(env);
    o.Set("rule", mimic::ads_rule_name(r));
    o.Set("variant", x.variant);
    o.Set("seconds", Napi::Number::New(env, x.plainSeconds));
    o.Set("cpuSeconds", Napi::Number::New(env, x.cpuSeconds));
    o.Set("stepsPerSecond", Napi::Number::New(env, double(x.plain.steps) / x.plainSeconds));
    o.Set("meanRateHz", Napi::Number::New(env, double(x.plain.spikes) / (double(neurons) * double(x.plain.steps) * 1e-3)));
    o.Set("helperBlockShare", Napi::Number::New(env, x.plain.blocks ? double(x.plain.helperBlocks) / double(x.plain.blocks) : 0.0));
    auto split = Napi::Object::New(env);
    split.Set("seconds", Napi::Number::New(env, x.seconds));
    split.Set("simulation", Napi::Number::New(env, x.profile.simulation));
    split.Set("feedback", Napi::Number::New(env, x.profile.feedback));
    split.Set("learning", Napi::Number::New(env, x.profile.learning));
    o.Set("split", split);
    return o;
  }

  Napi::Value Result(Napi::Env env) {
    auto o = Rule(env, m[0], rule);
    o.Set("neurons", Napi::Number::New(env, double(neurons)));
    o.Set("dims", Napi::Number::New(env, double(dims)));
    o.Set("samples", Napi::Number::New(env, double(samples)));
    o.Set("steps", Napi::Number::New(env, double(m[0].plain.steps)));
    o.Set("threads", Napi::Number::New(env, double(threads)));
    o.Set("forwardSeconds", Napi::Number::New(env, forwardSeconds));
    o.Set("forwardStepsPerSecond", Napi::Number::New(env, double(m[0].plain.steps) / forwardSeconds));
    o.Set("forwardMeanRateHz", Napi::Number::New(env, double(forwardSpikes) / (double(neurons) * double(m[0].plain.steps) * 1e-3)));
    o.Set("simd", simd);
    o.Set("compared", compare ? Napi::Value(Rule(env, m[1], compareRule)) : env.Null());
    return o;
  }
};

// adsTrainBench({neurons, dims, samples?, repeats?, rule?, compare?, threads?, seed?, k?, eta?}): a random
// teacher on samples of the registry's first task at its default options; the training loop (and the
// `compare` rule's, when given) and the same network's forward pass (one thread), interleaved, best of
// `repeats`. threads: of the pool for the events form's product P (0 = all, 1 = the training thread only).
Napi::Value AdsTrainBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options", {"neurons", "dims", "samples", "repeats", "rule", "compare", "threads", "seed", "k", "eta"});
  auto b = std::make_unique<BenchBaton>();
  b->source = mimic::make_task_source(mimic::task_registry().front(), {}, 1.0);
  b->neurons = static_cast<size_t>(Int(env, o, "options", "neurons", 1, kMaxNeurons));
  b->dims = static_cast<size_t>(Int(env, o, "options", "dims", 1, kMaxUnits));
  const int64_t four = 4;
  b->samples = static_cast<size_t>(Int(env, o, "options", "samples", 1, 100000, &four));
  const int64_t three = 3;
  b->repeats = static_cast<size_t>(Int(env, o, "options", "repeats", 1, 1000, &three));
  b->rule = ReadRule(env, o, "options");
  if (!o.Get("compare").IsUndefined()) {
    const std::string c = Choice(env, o, "options", "compare", {"online", "online-lowrank", "online-naive", "batched"}, "online-lowrank");
    b->compare = true;
    b->compareRule = c == "online"           ? mimic::AdsRule::Online
                     : c == "online-lowrank" ? mimic::AdsRule::OnlineLowRank
                     : c == "batched"        ? mimic::AdsRule::Batched
                                             : mimic::AdsRule::OnlineNaive;
  }
  b->threads = Threads(env, o, "options");
  // A trainer's memory without validation (the learners of both rules, two at a time each), the
  // samples' teacher trajectories, and the forward pass of the same network (its model and spike counts).
  const double N = double(b->neurons), D = double(b->dims), S = double(b->samples), T = double(b->source->steps());
  const double C = double(b->source->channels()), O = double(b->source->outputs());
  const mimic::SnnParameters uniform = mimic::SnnParameters::uniform(b->neurons);
  MemoryPlan plan = AdsTrainerBytes(N, C, D, O, b->rule == mimic::AdsRule::OnlineNaive, EventsForm(b->rule, uniform), T, S, 0, 0);
  if (b->compare)
    plan.add(AdsTrainerBytes(N, C, D, O, b->compareRule == mimic::AdsRule::OnlineNaive, EventsForm(b->compareRule, uniform), T, S, 0, 0).bytes());
  plan.add(S * T * D, 4).add(NetworkModelBytes(N, C, D, O, true)).add(S * N, 4);
  plan.check(env, "options.neurons", "the training benchmark at " + Fmt(N) + " neurons and " + Fmt(D) + " dims",
             "use fewer neurons, dims or samples");
  b->seed = Seed(env, o, "options", "seed", true);
  const double k0 = 75, eta0 = 1e-6;
  b->k = Num(env, o, "options", "k", 0, 1e9, &k0);
  b->eta = Num(env, o, "options", "eta", 0, 1e6, &eta0);
  CheckCallback(env, info[1], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<BenchBaton>::Start(env, std::move(b), info[1], cancel, "adsTrainBench");
}

}  // namespace

void InitAds(Napi::Env env, Napi::Object exports) {
  auto trainer = Trainer::Define(env);
  Data(env).adsTrainer = Napi::Persistent(trainer);
  exports.Set("AdsTrainer", trainer);
  Export<EvaluateAds>(env, exports, "evaluateAds");
  Export<AdsTrainBench>(env, exports, "adsTrainBench");
  Export<TrainAdsSamples>(env, exports, "trainAdsSamples");
}

}  // namespace mimic_binding
