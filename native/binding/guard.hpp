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

// The native object behind a wrapped JS object, or null when there is none (an object created with
// Object.create(Class.prototype) passes instanceof but wraps nothing).
template <class T>
T* UnwrapOrNull(Napi::Object o) {
  void* p = nullptr;
  if (napi_unwrap(o.Env(), o, &p) != napi_ok) return nullptr;
  return static_cast<T*>(p);
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
