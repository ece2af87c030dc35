// Argument readers for the binding. Every failure is a TypeError or RangeError whose message names
// the argument, says what was expected and what was received ("Expected X for name but received Y").
#pragma once
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace mimic_binding {

// A teacher's units, channels and outputs (the documented range; memory is checked as well).
inline constexpr int64_t kMaxUnits = 4096;
// Spiking neurons of a network that is trained (AdsTrainer) or benchmarked: the one limit of the
// workbench (maxNeurons in src/shared/limits.ts; info().limits reports it and a test compares them).
inline constexpr int64_t kMaxNeurons = 8192;

// A number as these messages print it (printf %.10g).
std::string FormatG(double d);
std::string Describe(Napi::Value v);
[[noreturn]] void ThrowType(Napi::Env env, const std::string& expected, const std::string& name, Napi::Value got);
[[noreturn]] void ThrowRange(Napi::Env env, const std::string& message);

// Whether v is a typed array whose buffer is detached (transferred to a worker, or by
// ArrayBuffer.prototype.transfer): its elements are gone and it reads as empty, so it must not pass for an
// empty array. ThrowType says "received one whose buffer is detached" of such a value.
bool IsDetached(Napi::Value v);
// A typed array of this kind whose buffer is not detached.
bool IsTypedKind(Napi::Value v, napi_typedarray_type kind);

Napi::Object RequireObject(Napi::Env env, Napi::Value v, const std::string& name);
// A finite number in [lo, hi]; `fallback` when undefined and optional.
double ReadNumber(Napi::Env env, Napi::Object o, const char* key, double lo, double hi, const double* fallback = nullptr);
int64_t ReadInteger(Napi::Env env, Napi::Object o, const char* key, int64_t lo, int64_t hi, const int64_t* fallback = nullptr);
uint64_t ReadSeed(Napi::Env env, Napi::Object o, const char* key);
bool ReadBool(Napi::Env env, Napi::Object o, const char* key, bool fallback);
// A Float32Array with exactly `expected` elements (any length when expected < 0); values must be finite.
std::vector<float> ReadFloat32(Napi::Env env, Napi::Value v, const std::string& name, int64_t expected, bool allowMissing = false);
std::vector<int32_t> ReadInt32(Napi::Env env, Napi::Value v, const std::string& name, int64_t expected, bool allowMissing = false);

// The index of the first element of a[0, n) that is NaN or ±Infinity, or n. A branch-free pass over
// the exponent bits that the compiler vectorises: arrays of hundreds of megabytes are checked on the
// JS thread at memory speed (std::isfinite per element took ~5 ns each).
template <class T>
std::size_t FirstNonFinite(const T* a, std::size_t n) {
  static_assert(std::is_floating_point_v<T>);
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr U kExp = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
  constexpr std::size_t kBlock = 4096;
  for (std::size_t b = 0; b < n; b += kBlock) {
    const std::size_t e = std::min(n, b + kBlock);
    U bad = 0;
    for (std::size_t i = b; i < e; ++i) {
      U u;
      std::memcpy(&u, a + i, sizeof u);
      bad |= static_cast<U>((u & kExp) == kExp);
    }
    if (bad)
      for (std::size_t i = b; i < e; ++i)
        if (!std::isfinite(a[i])) return i;
  }
  return n;
}

// A copy of v as the typed array of its element type (Float32Array for float, Int32Array for int32_t, ...).
template <class T>
Napi::TypedArrayOf<T> ToTyped(Napi::Env env, const std::vector<T>& v) {
  auto a = Napi::TypedArrayOf<T>::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(T));
  return a;
}

}  // namespace mimic_binding
