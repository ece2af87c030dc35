// Argument readers for the binding. Every failure is a TypeError or RangeError whose message names
// the argument, says what was expected and what was received ("Expected X for name but received Y").
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mimic_binding {

// A teacher's units, channels and outputs (the documented range; memory is checked as well).
inline constexpr int64_t kMaxUnits = 4096;

// A number as these messages print it (printf %.10g).
std::string FormatG(double d);
std::string Describe(Napi::Value v);
[[noreturn]] void ThrowType(Napi::Env env, const std::string& expected, const std::string& name, Napi::Value got);
[[noreturn]] void ThrowRange(Napi::Env env, const std::string& message);

Napi::Object RequireObject(Napi::Env env, Napi::Value v, const std::string& name);
// A finite number in [lo, hi]; `fallback` when undefined and optional.
double ReadNumber(Napi::Env env, Napi::Object o, const char* key, double lo, double hi, const double* fallback = nullptr);
int64_t ReadInteger(Napi::Env env, Napi::Object o, const char* key, int64_t lo, int64_t hi, const int64_t* fallback = nullptr);
uint64_t ReadSeed(Napi::Env env, Napi::Object o, const char* key);
bool ReadBool(Napi::Env env, Napi::Object o, const char* key, bool fallback);
// A Float32Array with exactly `expected` elements (any length when expected < 0); values must be finite.
std::vector<float> ReadFloat32(Napi::Env env, Napi::Value v, const std::string& name, int64_t expected, bool allowMissing = false);
std::vector<int32_t> ReadInt32(Napi::Env env, Napi::Value v, const std::string& name, int64_t expected, bool allowMissing = false);

// A copy of v as the typed array of its element type (Float32Array for float, Int32Array for int32_t, ...).
template <class T>
Napi::TypedArrayOf<T> ToTyped(Napi::Env env, const std::vector<T>& v) {
  auto a = Napi::TypedArrayOf<T>::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(T));
  return a;
}

}  // namespace mimic_binding
