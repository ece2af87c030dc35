// Option readers of ads.cpp and teacher.cpp. An option is named by its dotted path, Join(prefix, key)
// ("options.data.task.samplesPerEpoch"); numbers in messages show as JavaScript would show them (Fmt).
// Failures are args.hpp's TypeError / RangeError with code ERR_INVALID_ARG.
//
// (snn.cpp and tasks.cpp use args.hpp's readers, which name the bare key, print bounds with %.10g and
// word unknown keys differently; their messages are part of their tests, so the two families stay apart.)
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "args.hpp"

namespace mimic_binding {

// Numbers in messages as JavaScript would show them (NaN, Infinity, integers in full).
std::string Fmt(double d);

std::string Join(const std::string& prefix, const char* key);

// Rejects keys that are not in `allowed` (a misspelled option must not be silently ignored).
void CheckKeys(Napi::Env env, Napi::Object o, const std::string& name, std::initializer_list<const char*> allowed);
void CheckKeys(Napi::Env env, Napi::Object o, const std::string& name, const std::vector<std::string>& allowed);

// A finite number in [lo, hi] ((lo, hi] with openLo); `fallback` when undefined and given.
double Num(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, double lo, double hi,
           const double* fallback = nullptr, bool openLo = false);
int64_t Int(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, int64_t lo, int64_t hi,
            const int64_t* fallback = nullptr);
bool Bool(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, bool fallback);
// An integer in [0, 2^53); 0 when undefined and optional.
uint64_t Seed(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key, bool optional);
// prefix.threads: 0 (all cores) to 1024, default 0.
unsigned Threads(Napi::Env env, Napi::Object o, const std::string& prefix);
// One of `allowed` ("'a' or 'b'" in the message); `fallback` when undefined.
std::string Choice(Napi::Env env, Napi::Object o, const std::string& prefix, const char* key,
                   std::initializer_list<const char*> allowed, const char* fallback);

// undefined, null or a function.
void CheckCallback(Napi::Env env, Napi::Value v, const char* name);

bool IsKind(Napi::Value v, napi_typedarray_type kind);

// A Float32Array or Float64Array (S decides which) of exactly `expected` finite elements;
// `sizeText` explains where `expected` comes from ("units × units (5 × 5)").
template <class S>
std::vector<S> ReadArray(Napi::Env env, Napi::Value v, const std::string& name, double expected,
                         const std::string& sizeText) {
  static_assert(std::is_same_v<S, float> || std::is_same_v<S, double>);
  constexpr napi_typedarray_type kind = std::is_same_v<S, double> ? napi_float64_array : napi_float32_array;
  if (!IsKind(v, kind)) ThrowType(env, std::is_same_v<S, double> ? "a Float64Array" : "a Float32Array", name, v);
  auto ta = v.As<Napi::TypedArrayOf<S>>();
  const size_t n = ta.ElementLength();
  if (static_cast<double>(n) != expected)
    ThrowRange(env, name + " must have " + sizeText + " = " + Fmt(expected) + " elements but has " + std::to_string(n));
  const S* data = ta.Data();
  std::vector<S> out(data, data + n);  // one pass (no zero fill first)
  const size_t i = FirstNonFinite(out.data(), n);
  if (i < n)
    ThrowRange(env, name + " must hold finite numbers but element " + std::to_string(i) + " is " +
                        Fmt(static_cast<double>(out[i])));
  return out;
}

// A dataset's labels `pre`.labels: an Int8Array of count × outputs values, each 1 or -1.
std::vector<int8_t> ReadLabels(Napi::Env env, Napi::Value v, const std::string& pre, size_t count, size_t outputs);

}  // namespace mimic_binding
