// Every entry point of the addon (functions, constructors, methods, accessors, the completion of
// asynchronous jobs) runs inside Guard: a C++ exception that leaves a N-API callback terminates the
// process, so each one becomes a JavaScript error with a code here.
//
//   Napi::Error              (already a JS error: the binding's TypeError / RangeError, a user getter's error)
//   mimic::InvalidArgument   RangeError, code ERR_INVALID_ARG, its message
//   mimic::Cancelled         Error, code ERR_CANCELLED
//   std::bad_alloc           Error, code ERR_NATIVE ("<what> ran out of memory ...")
//   anything else            Error, code ERR_NATIVE ("<what> failed: ...")
#pragma once
#include <napi.h>

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "args.hpp"
#include "async_job.hpp"
#include "cancel.hpp"

namespace mimic_binding {

// The JS error for the exception being handled (call inside a catch block).
Napi::Error CurrentError(Napi::Env env, const std::string& what);

template <class F>
auto Guard(Napi::Env env, const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw CurrentError(env, what);
  }
}

// Every object a wrapped class T makes carries T's type tag (T::kTypeTag, set by TagObject<T> in T's
// constructor): napi_unwrap alone returns the native object of ANY wrapped class, so a getter called with
// another class's object as this, or an object whose prototype was swapped (it passes instanceof), would
// read that object as a T.
template <class T>
void TagObject(Napi::Env env, Napi::Object o) {
  if (napi_type_tag_object(env, o, &T::kTypeTag) != napi_ok) throw Napi::Error::New(env, std::string("cannot tag a new ") + T::kJsName);
}

// The native object behind a JS object that T made, or null when there is none (an object of another
// class, or one created with Object.create(Class.prototype): it passes instanceof but wraps nothing).
template <class T>
T* UnwrapOrNull(Napi::Object o) {
  bool tagged = false;
  if (napi_check_object_type_tag(o.Env(), o, &T::kTypeTag, &tagged) != napi_ok || !tagged) return nullptr;
  void* p = nullptr;
  if (napi_unwrap(o.Env(), o, &p) != napi_ok) return nullptr;
  return static_cast<T*>(p);
}

// A method or accessor of a wrapped class T (T::kJsName names it), reached through a raw N-API
// callback so that a call on an object the class does not wrap (Object.create(Class.prototype), or
// the method taken to another object) is a TypeError with code ERR_INVALID_ARG, not node-addon-api's
// plain Error "Invalid argument"; the body runs inside Guard.
template <class T, Napi::Value (T::*M)(const Napi::CallbackInfo&)>
napi_value CheckedCall(napi_env env, napi_callback_info info) noexcept {
  try {
    Napi::CallbackInfo cb(env, info);
    Napi::Value self = cb.This();
    T* object = self.IsObject() ? UnwrapOrNull<T>(self.As<Napi::Object>()) : nullptr;
    if (object == nullptr)
      ThrowType(env, std::string(std::strchr("AEIOU", T::kJsName[0]) ? "an " : "a ") + T::kJsName + " as this", T::kJsName, self);
    return Guard(env, T::kJsName, [&] { return (object->*M)(cb); });
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (...) {
  }
  return nullptr;
}

template <class T, Napi::Value (T::*M)(const Napi::CallbackInfo&)>
Napi::ClassPropertyDescriptor<T> Method(const char* name) {
  napi_property_descriptor d{};
  d.utf8name = name;
  d.method = CheckedCall<T, M>;
  d.attributes = napi_default;
  return Napi::ClassPropertyDescriptor<T>(d);
}

template <class T, Napi::Value (T::*M)(const Napi::CallbackInfo&)>
Napi::ClassPropertyDescriptor<T> Getter(const char* name) {
  napi_property_descriptor d{};
  d.utf8name = name;
  d.getter = CheckedCall<T, M>;
  d.attributes = napi_default;
  return Napi::ClassPropertyDescriptor<T>(d);
}

// A free function with every exception converted; `name` (a string literal) is passed as the data.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), static_cast<const char*>(info.Data()), [&] { return Fn(info); });
}

template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, Guarded<Fn>, name, const_cast<char*>(name)));
}

}  // namespace mimic_binding
