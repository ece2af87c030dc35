// Argument readers for the binding. Every failure is a TypeError or RangeError whose message names
// the argument, says what was expected and what was received ("Expected X for name but received Y").
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace mimic_binding {

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

Napi::Float32Array ToFloat32(Napi::Env env, const float* data, size_t n);
Napi::Int8Array ToInt8(Napi::Env env, const int8_t* data, size_t n);
Napi::Int32Array ToInt32(Napi::Env env, const int32_t* data, size_t n);

}  // namespace mimic_binding
