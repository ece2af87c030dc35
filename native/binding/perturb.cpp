// Perturbations for the robustness suite (native/core/perturb.hpp).
//
// perturbDraws(options, onProgress?, cancelToken?) -> Promise<{kind, level, seed, changed, unchanged, steps, draws}>
//   options: {seed, perturbation: 'mismatch' | 'quantisation', level, draws: integer[], quantities, threads?}
//   quantities[i]: {name, kind: 'time-constant' | 'threshold' | 'bias' | 'weights', values: Float32Array,
//                   mismatch?: 'none' | 'relative' | 'abs-relative' | 'threshold' | 'offset', quantise?: boolean,
//                   reset?: number | Float32Array}
//   changed / unchanged: the quantities' names; steps (quantisation): Float64Array, q of each changed one;
//   draws[d] = {draw, arrays: [Float32Array]}: the changed quantities' perturbed values, in `changed` order.
// deathDraws(options, onProgress?, cancelToken?) -> Promise<{fraction, neurons, seed, draws: [{draw, neurons: Int32Array}]}>
//   options: {seed, fraction, neurons, draws: integer[], threads?}
#include "perturb_binding.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../core/perturb.hpp"
#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "guard.hpp"
#include "memory.hpp"
#include "options.hpp"
#include "thread_pool.hpp"

namespace mimic_binding {
namespace {

constexpr uint32_t kMaxDraws = 1u << 20;
constexpr uint32_t kMaxQuantities = 256;
constexpr std::size_t kMaxNameLength = 200;
constexpr double kMaxSigma = 10;
constexpr int64_t kMaxBits = 32;
// A death draw shuffles and sorts its population and is not cancellable inside: 2^24 neurons take
// under a second (the largest network the memory budget holds has far fewer); 2^31 took minutes per draw.
constexpr int64_t kMaxNeurons = int64_t(1) << 24;

// options.draws: an array of integers in [0, 2^53), at least one.
std::vector<uint64_t> ReadDraws(Napi::Env env, Napi::Object o) {
  Napi::Value v = o.Get("draws");
  if (!v.IsArray()) ThrowType(env, "an array of draw indices (integers)", "options.draws", v);
  auto a = v.As<Napi::Array>();
  const uint32_t len = a.Length();  // read once: a getter of an element may change the array
  if (len == 0 || len > kMaxDraws)
    ThrowRange(env, "options.draws must hold 1 to " + std::to_string(kMaxDraws) + " draw indices but has " + std::to_string(len));
  std::vector<uint64_t> draws(len);
  for (uint32_t i = 0; i < len; ++i) {
    Napi::Value e = a.Get(i);
    const std::string item = "options.draws[" + std::to_string(i) + "]";
    if (!e.IsNumber()) ThrowType(env, "an integer", item, e);
    const double d = e.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d) ThrowType(env, "an integer", item, e);
    if (d < 0 || d > 9007199254740991.0) ThrowRange(env, item + " must be between 0 and 2^53 - 1 but is " + Fmt(d));
    draws[i] = static_cast<uint64_t>(d);
  }
  return draws;
}

mimic::QuantityKind ParseKind(const std::string& s) {
  if (s == "time-constant") return mimic::QuantityKind::TimeConstant;
  if (s == "threshold") return mimic::QuantityKind::Threshold;
  if (s == "bias") return mimic::QuantityKind::Bias;
  return mimic::QuantityKind::Weights;
}

mimic::MismatchForm ParseForm(const std::string& s) {
  if (s == "relative") return mimic::MismatchForm::Relative;
  if (s == "abs-relative") return mimic::MismatchForm::AbsRelative;
  if (s == "threshold") return mimic::MismatchForm::Threshold;
  if (s == "offset") return mimic::MismatchForm::Offset;
  return mimic::MismatchForm::None;
}

std::vector<mimic::Quantity> ReadQuantities(Napi::Env env, Napi::Object o) {
  Napi::Value v = o.Get("quantities");
  if (!v.IsArray()) ThrowType(env, "an array of quantities", "options.quantities", v);
  auto a = v.As<Napi::Array>();
  const uint32_t len = a.Length();
  if (len > kMaxQuantities)
    ThrowRange(env, "options.quantities must hold at most " + std::to_string(kMaxQuantities) + " quantities but has " + std::to_string(len));
  std::vector<mimic::Quantity> out(len);
  for (uint32_t i = 0; i < len; ++i) {
    const std::string pre = "options.quantities[" + std::to_string(i) + "]";
    auto q = RequireObject(env, a.Get(i), pre);
    CheckKeys(env, q, pre, {"name", "kind", "values", "mismatch", "quantise", "reset"});
    Napi::Value name = q.Get("name");
    if (!name.IsString()) ThrowType(env, "a string", pre + ".name", name);
    out[i].name = name.As<Napi::String>().Utf8Value();
    if (out[i].name.empty() || out[i].name.size() > kMaxNameLength)
      ThrowRange(env, pre + ".name must have 1 to " + std::to_string(kMaxNameLength) + " characters but has " + std::to_string(out[i].name.size()));
    Napi::Value kind = q.Get("kind");
    if (kind.IsUndefined()) ThrowType(env, "'time-constant' or 'threshold' or 'bias' or 'weights'", pre + ".kind", kind);
    out[i].kind = ParseKind(Choice(env, q, pre, "kind", {"time-constant", "threshold", "bias", "weights"}, "weights"));
    out[i].mismatch = ParseForm(Choice(env, q, pre, "mismatch", {"none", "relative", "abs-relative", "threshold", "offset"}, "none"));
    out[i].quantise = Bool(env, q, pre, "quantise", false);
    Napi::Value values = q.Get("values");
    if (!IsKind(values, napi_float32_array)) ThrowType(env, "a Float32Array", pre + ".values", values);
    const double length = static_cast<double>(values.As<Napi::TypedArray>().ElementLength());
    out[i].values = ReadArray<float>(env, values, pre + ".values", length, "its length");
    Napi::Value reset = q.Get("reset");
    if (reset.IsNumber()) {
      const double r = reset.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(r)) ThrowType(env, "a finite number or a Float32Array", pre + ".reset", reset);
      out[i].reset = {static_cast<float>(r)};
    } else if (!reset.IsUndefined()) {
      if (!IsKind(reset, napi_float32_array)) ThrowType(env, "a finite number or a Float32Array", pre + ".reset", reset);
      out[i].reset = ReadArray<float>(env, reset, pre + ".reset", static_cast<double>(out[i].values.size()), "one per element of values");
    }
    if (out[i].mismatch == mimic::MismatchForm::Threshold && out[i].reset.empty())
      ThrowType(env, "a number or a Float32Array (the reset potential: 'threshold' mismatch spreads V_th by σ·|V_th − V_reset|)",
                pre + ".reset", reset);
    if (out[i].mismatch != mimic::MismatchForm::Threshold && !out[i].reset.empty())
      ThrowRange(env, pre + ".reset is only used by 'threshold' mismatch, not by '" +
                          Choice(env, q, pre, "mismatch", {"none", "relative", "abs-relative", "threshold", "offset"}, "none") +
                          "': remove it");
  }
  return out;
}

struct PerturbBaton {
  mimic::PerturbPlan plan;
  unsigned threads = 0;
  mimic::PerturbOutput out;

  void Execute(const mimic::Control& control) { mimic::perturb(plan, threads, control, out); }

  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    const bool quantisation = plan.kind == mimic::PerturbationKind::Quantisation;
    o.Set("kind", quantisation ? "quantisation" : "mismatch");
    o.Set("level", Napi::Number::New(env, plan.level));
    o.Set("seed", Napi::Number::New(env, static_cast<double>(plan.seed)));
    // Names are returned as a list and each draw's arrays (and the steps) in the same order: the wrapper
    // makes the keyed objects, so no name (e.g. "__proto__") can reach a JS object's prototype here.
    auto changed = Napi::Array::New(env, out.changed.size());
    for (std::size_t k = 0; k < out.changed.size(); ++k) changed.Set(uint32_t(k), plan.quantities[out.changed[k]].name);
    o.Set("changed", changed);
    auto unchanged = Napi::Array::New(env, out.unchanged.size());
    for (std::size_t k = 0; k < out.unchanged.size(); ++k) unchanged.Set(uint32_t(k), plan.quantities[out.unchanged[k]].name);
    o.Set("unchanged", unchanged);
    if (quantisation) o.Set("steps", ToTyped(env, out.steps));
    auto draws = Napi::Array::New(env, plan.draws.size());
    for (std::size_t d = 0; d < plan.draws.size(); ++d) {
      auto draw = Napi::Object::New(env);
      draw.Set("draw", Napi::Number::New(env, static_cast<double>(plan.draws[d])));
      auto arrays = Napi::Array::New(env, out.changed.size());
      for (std::size_t k = 0; k < out.changed.size(); ++k) {
        arrays.Set(uint32_t(k), ToTyped(env, out.arrays[d][k]));
        std::vector<float>().swap(out.arrays[d][k]);  // the V8 copy is made: free ours as we go
      }
      draw.Set("arrays", arrays);
      draws.Set(uint32_t(d), draw);
    }
    o.Set("draws", draws);
    return o;
  }
};

Napi::Value PerturbDraws(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options", {"seed", "perturbation", "level", "draws", "quantities", "threads"});
  auto baton = std::make_unique<PerturbBaton>();
  mimic::PerturbPlan& plan = baton->plan;
  plan.seed = Seed(env, o, "options", "seed", false);
  Napi::Value kind = o.Get("perturbation");
  if (kind.IsUndefined()) ThrowType(env, "'mismatch' or 'quantisation'", "options.perturbation", kind);
  const bool quantisation = Choice(env, o, "options", "perturbation", {"mismatch", "quantisation"}, "mismatch") == "quantisation";
  plan.kind = quantisation ? mimic::PerturbationKind::Quantisation : mimic::PerturbationKind::Mismatch;
  if (quantisation)
    plan.level = static_cast<double>(Int(env, o, "options", "level", 0, kMaxBits));
  else
    plan.level = Num(env, o, "options", "level", 0, kMaxSigma);
  plan.draws = ReadDraws(env, o);
  baton->threads = Threads(env, o, "options");
  // The values are read before the memory check: the check needs their sizes, and reading them is
  // one copy, which the budget counts below.
  plan.quantities = ReadQuantities(env, o);
  for (std::size_t i = 0; i < plan.quantities.size(); ++i) {
    try {
      mimic::validate_quantity(plan.quantities[i], i);
    } catch (const mimic::InvalidArgument& e) {
      ThrowRange(env, std::string("options.") + e.what());
    }
    for (std::size_t j = 0; j < i; ++j)
      if (plan.quantities[j].name == plan.quantities[i].name)
        ThrowRange(env, "options.quantities[" + std::to_string(i) + "].name is '" + plan.quantities[i].name +
                            "', the name of options.quantities[" + std::to_string(j) +
                            "]: each quantity needs its own name (it keys the quantity's random stream)");
  }
  double inputs = 0, changed = 0;
  for (const auto& q : plan.quantities) {
    inputs += static_cast<double>(q.values.size() + q.reset.size());
    if (mimic::perturbs(q, plan.kind)) changed += static_cast<double>(q.values.size());
  }
  // the copies of the inputs, then every draw's changed arrays twice (ours and the result's)
  MemoryPlan memory;
  memory.add(inputs, 4).add(2 * static_cast<double>(plan.draws.size()) * changed, 4);
  memory.check(env, "options.draws",
               std::to_string(plan.draws.size()) + " draws of " + Fmt(changed) + " perturbed values",
               "perturb fewer draws at once (several calls give the same draws)");
  CheckCallback(env, info[1], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<PerturbBaton>::Start(env, std::move(baton), info[1], cancel, "perturbDraws");
}

struct DeathBaton {
  uint64_t seed = 0;
  double fraction = 0;
  std::size_t neurons = 0;
  std::vector<uint64_t> draws;
  unsigned threads = 0;
  std::vector<std::vector<int32_t>> out;

  void Execute(const mimic::Control& control) { mimic::neuron_death(seed, fraction, draws, neurons, threads, control, out); }

  Napi::Value Result(Napi::Env env) {
    auto o = Napi::Object::New(env);
    o.Set("fraction", Napi::Number::New(env, fraction));
    o.Set("neurons", Napi::Number::New(env, static_cast<double>(neurons)));
    o.Set("seed", Napi::Number::New(env, static_cast<double>(seed)));
    auto list = Napi::Array::New(env, draws.size());
    for (std::size_t d = 0; d < draws.size(); ++d) {
      auto draw = Napi::Object::New(env);
      draw.Set("draw", Napi::Number::New(env, static_cast<double>(draws[d])));
      draw.Set("neurons", ToTyped(env, out[d]));
      list.Set(uint32_t(d), draw);
    }
    o.Set("draws", list);
    return o;
  }
};

Napi::Value DeathDraws(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = RequireObject(env, info[0], "options");
  CheckKeys(env, o, "options", {"seed", "fraction", "neurons", "draws", "threads"});
  auto baton = std::make_unique<DeathBaton>();
  baton->seed = Seed(env, o, "options", "seed", false);
  baton->fraction = Num(env, o, "options", "fraction", 0, 1);
  baton->neurons = static_cast<std::size_t>(Int(env, o, "options", "neurons", 1, kMaxNeurons));
  baton->draws = ReadDraws(env, o);
  baton->threads = Threads(env, o, "options");
  const double n = static_cast<double>(baton->neurons), k = std::floor(baton->fraction * n + 0.5);
  // each thread's index array of N, and every draw's k dead neurons twice (ours and the result's)
  MemoryPlan memory;
  memory.add(static_cast<double>(mimic::global_pool().size()) * n, 4).add(2 * static_cast<double>(baton->draws.size()) * k, 4);
  memory.check(env, "options.draws", std::to_string(baton->draws.size()) + " draws of " + Fmt(k) + " dead neurons out of " + Fmt(n),
               "draw fewer at once (several calls give the same draws)");
  CheckCallback(env, info[1], "onProgress");
  auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
  return AsyncJob<DeathBaton>::Start(env, std::move(baton), info[1], cancel, "deathDraws");
}

}  // namespace

void InitPerturb(Napi::Env env, Napi::Object exports) {
  Export<PerturbDraws>(env, exports, "perturbDraws");
  Export<DeathDraws>(env, exports, "deathDraws");
}

}  // namespace mimic_binding
