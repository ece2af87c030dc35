#include "args.hpp"

#include <cstring>
#include <limits>

namespace mimic_binding {

std::string FormatG(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", d);
  return buf;
}

std::string Describe(Napi::Value v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    return FormatG(d);
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.size() > 40) s = s.substr(0, 40) + "...";
    return "the string '" + s + "'";
  }
  if (v.IsTypedArray()) {
    auto ta = v.As<Napi::TypedArray>();
    const char* kind = "a typed array";
    switch (ta.TypedArrayType()) {
      case napi_int8_array: kind = "an Int8Array"; break;
      case napi_uint8_array: kind = "a Uint8Array"; break;
      case napi_uint8_clamped_array: kind = "a Uint8ClampedArray"; break;
      case napi_int16_array: kind = "an Int16Array"; break;
      case napi_uint16_array: kind = "a Uint16Array"; break;
      case napi_int32_array: kind = "an Int32Array"; break;
      case napi_uint32_array: kind = "a Uint32Array"; break;
      case napi_float32_array: kind = "a Float32Array"; break;
      case napi_float64_array: kind = "a Float64Array"; break;
      case napi_bigint64_array: kind = "a BigInt64Array"; break;
      case napi_biguint64_array: kind = "a BigUint64Array"; break;
      default: break;
    }
    return std::string(kind) + " of length " + std::to_string(ta.ElementLength());
  }
  if (v.IsDataView()) return "a DataView";
  if (v.Type() == napi_bigint) return "a bigint";
  if (v.IsSymbol()) return "a symbol";
  if (v.IsArray()) return "an array of length " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

bool IsDetached(Napi::Value v) {
  if (!v.IsTypedArray()) return false;
  napi_value buffer = nullptr;
  bool detached = false;
  if (napi_get_typedarray_info(v.Env(), v, nullptr, nullptr, nullptr, &buffer, nullptr) != napi_ok) return false;
  return napi_is_detached_arraybuffer(v.Env(), buffer, &detached) == napi_ok && detached;
}

bool IsTypedKind(Napi::Value v, napi_typedarray_type kind) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == kind && !IsDetached(v);
}

void ThrowType(Napi::Env env, const std::string& expected, const std::string& name, Napi::Value got) {
  const std::string received = IsDetached(got) ? "one whose buffer is detached" : Describe(got);
  auto err = Napi::TypeError::New(env, "Expected " + expected + " for " + name + " but received " + received);
  err.Set("code", Napi::String::New(env, "ERR_INVALID_ARG"));
  throw err;
}

void ThrowRange(Napi::Env env, const std::string& message) {
  auto err = Napi::RangeError::New(env, message);
  err.Set("code", Napi::String::New(env, "ERR_INVALID_ARG"));
  throw err;
}

Napi::Object RequireObject(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) ThrowType(env, "an object", name, v);
  return v.As<Napi::Object>();
}

double ReadNumber(Napi::Env env, Napi::Object o, const char* key, double lo, double hi, const double* fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && fallback) return *fallback;
  if (!v.IsNumber()) ThrowType(env, "a number", key, v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) ThrowType(env, "a finite number", key, v);
  if (d < lo || d > hi) ThrowRange(env, std::string(key) + " must be between " + FormatG(lo) + " and " + FormatG(hi) + " but is " + FormatG(d));
  return d;
}

int64_t ReadInteger(Napi::Env env, Napi::Object o, const char* key, int64_t lo, int64_t hi, const int64_t* fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && fallback) return *fallback;
  if (!v.IsNumber()) ThrowType(env, "an integer", key, v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) ThrowType(env, "an integer", key, v);
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
    ThrowRange(env, std::string(key) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                        " but is " + FormatG(d));
  return static_cast<int64_t>(d);
}

uint64_t ReadSeed(Napi::Env env, Napi::Object o, const char* key) {
  // Seeds are integers in [0, 2^53) so they survive JSON and the store unchanged.
  return static_cast<uint64_t>(ReadInteger(env, o, key, 0, (int64_t(1) << 53) - 1));
}

bool ReadBool(Napi::Env env, Napi::Object o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) ThrowType(env, "a boolean", key, v);
  return v.As<Napi::Boolean>().Value();
}

template <class T, napi_typedarray_type Kind>
static std::vector<T> ReadTyped(Napi::Env env, Napi::Value v, const std::string& name, int64_t expected,
                                bool allowMissing, const char* kindName) {
  if (allowMissing && v.IsUndefined()) return {};
  if (!IsTypedKind(v, Kind)) ThrowType(env, std::string("a ") + kindName, name, v);
  auto ta = v.As<Napi::TypedArrayOf<T>>();
  const size_t n = ta.ElementLength();
  if (expected >= 0 && static_cast<int64_t>(n) != expected)
    ThrowRange(env, name + " must have " + std::to_string(expected) + " elements but has " + std::to_string(n));
  const T* data = ta.Data();
  std::vector<T> out(data, data + n);  // one pass (no zero fill first)
  if constexpr (std::is_floating_point_v<T>) {
    const size_t i = FirstNonFinite(out.data(), n);
    if (i < n) ThrowRange(env, name + " must hold finite numbers but element " + std::to_string(i) + " is " + FormatG(out[i]));
  }
  return out;
}

std::vector<float> ReadFloat32(Napi::Env env, Napi::Value v, const std::string& name, int64_t expected, bool allowMissing) {
  return ReadTyped<float, napi_float32_array>(env, v, name, expected, allowMissing, "Float32Array");
}

std::vector<int32_t> ReadInt32(Napi::Env env, Napi::Value v, const std::string& name, int64_t expected, bool allowMissing) {
  return ReadTyped<int32_t, napi_int32_array>(env, v, name, expected, allowMissing, "Int32Array");
}

}  // namespace mimic_binding
