#include "options.hpp"

#include <cstdio>

#include "async_job.hpp"

namespace mimic_binding {

std::string Fmt(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  if (std::floor(d) == d && std::fabs(d) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", d);
  else
    std::snprintf(buf, sizeof buf, "%.10g", d);
  return buf;
}

std::string Join(const std::string& prefix, const char* key) { return prefix.empty() ? key : prefix + "." + key; }

void CheckKeys(Napi::Env env, Napi::Object o, const std::string& name, std::initializer_list<const char*> allowed) {
  CheckKeys(env, o, name, std::vector<std::string>(allowed.begin(), allowed.end()));
}

void CheckKeys(Napi::Env env, Napi::Object o, const std::string& name, const std::vector<std::string>& allowed) {
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string k = keys.Get(i).ToString().Utf8Value();
    bool ok = false;
    for (const auto& a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      auto err = Napi::TypeError::New(env, "Unknown option '" + k + "' in " + name + ": expected one of " +
                                               (list.empty() ? std::string("nothing (it takes no options)") : list));
      err.Set("code", Napi::String::New(env, kErrInvalidArg));
      throw err;
    }
  }
}

double Num(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, double lo, double hi,
           const double* fallback, bool openLo) {
  Napi::Value v = o.Get(key);
  const std::string name = Join(prefix, key);
  if (v.IsUndefined() && fallback) return *fallback;
  if (!v.IsNumber()) ThrowType(env, "a number", name, v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) ThrowType(env, "a finite number", name, v);
  if ((openLo ? d <= lo : d < lo) || d > hi)
    ThrowRange(env, name + " must be " + (openLo ? "greater than " + Fmt(lo) + " and at most " : "between " + Fmt(lo) + " and ") +
                        Fmt(hi) + " but is " + Fmt(d));
  return d;
}

int64_t Int(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, int64_t lo, int64_t hi,
            const int64_t* fallback) {
  Napi::Value v = o.Get(key);
  const std::string name = Join(prefix, key);
  if (v.IsUndefined() && fallback) return *fallback;
  if (!v.IsNumber()) ThrowType(env, "an integer", name, v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) ThrowType(env, "an integer", name, v);
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
    ThrowRange(env, name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " but is " + Fmt(d));
  return static_cast<int64_t>(d);
}

bool Bool(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) ThrowType(env, "a boolean", Join(prefix, key), v);
  return v.As<Napi::Boolean>().Value();
}

uint64_t Seed(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, bool optional) {
  const int64_t zero = 0;
  return static_cast<uint64_t>(Int(env, o, prefix, key, 0, (int64_t(1) << 53) - 1, optional ? &zero : nullptr));
}

unsigned Threads(Napi::Env env, Napi::Object o, const std::string& prefix) {
  constexpr int64_t kMaxThreads = 1024;
  const int64_t zero = 0;
  return static_cast<unsigned>(Int(env, o, prefix, "threads", 0, kMaxThreads, &zero));
}

std::string Choice(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key,
                   std::initializer_list<const char*> allowed, const char* fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  std::string expected;
  for (const char* a : allowed) expected += (expected.empty() ? "" : " or ") + std::string("'") + a + "'";
  if (!v.IsString()) ThrowType(env, expected, Join(prefix, key), v);
  const std::string s = v.As<Napi::String>().Utf8Value();
  for (const char* a : allowed)
    if (s == a) return s;
  ThrowType(env, expected, Join(prefix, key), v);
}

void CheckCallback(Napi::Env env, Napi::Value v, const char* name) {
  if (!v.IsUndefined() && !v.IsNull() && !v.IsFunction()) ThrowType(env, "a function", name, v);
}

bool IsKind(Napi::Value v, napi_typedarray_type kind) {
  return IsTypedKind(v, kind);
}

std::vector<int8_t> ReadLabels(Napi::Env env, Napi::Value l, const std::string& pre, size_t count, size_t outputs) {
  if (!IsKind(l, napi_int8_array)) ThrowType(env, "an Int8Array", pre + ".labels", l);
  auto ta = l.As<Napi::Int8Array>();
  const double want = static_cast<double>(count) * static_cast<double>(outputs);
  if (static_cast<double>(ta.ElementLength()) != want)
    ThrowRange(env, pre + ".labels must have count × outputs = " + std::to_string(count) + " × " + std::to_string(outputs) +
                        " = " + Fmt(want) + " elements but has " + std::to_string(ta.ElementLength()));
  std::vector<int8_t> labels(ta.Data(), ta.Data() + ta.ElementLength());
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] != 1 && labels[i] != -1)
      ThrowRange(env, pre + ".labels must hold 1 or -1 but element " + std::to_string(i) + " is " + std::to_string(labels[i]));
  return labels;
}

}  // namespace mimic_binding
