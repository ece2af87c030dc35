#include "async_job.hpp"

#include <new>
#include <stdexcept>

#include "addon_data.hpp"
#include "args.hpp"
#include "guard.hpp"

namespace mimic_binding {

Napi::Error MakeError(Napi::Env env, const std::string& message, const char* code) {
  // An argument found invalid inside a kernel is a RangeError like those found before it started.
  Napi::Error err = std::string(code) == kErrInvalidArg ? Napi::RangeError::New(env, message) : Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

Failure CurrentFailure(const std::string& what, const char* cancelledNote, const char* outOfMemory) {
  try {
    throw;
  } catch (const mimic::Cancelled&) {
    return {kErrCancelled, what + " was cancelled" + cancelledNote};
  } catch (const mimic::InvalidArgument& e) {
    return {kErrInvalidArg, e.what()};
  } catch (const std::bad_alloc&) {
    return {kErrNative, what + " ran out of memory: " + outOfMemory};
  } catch (const std::length_error&) {
    return {kErrNative, what + " ran out of memory: " + outOfMemory};
  } catch (const std::exception& e) {
    return {kErrNative, what + " failed: " + e.what()};
  } catch (...) {
    return {kErrNative, what + " failed with an unknown native exception"};
  }
}

Napi::Error CurrentError(Napi::Env env, const std::string& what) {
  try {
    throw;
  } catch (const Napi::Error& e) {
    return e;
  } catch (...) {
    Failure f = CurrentFailure(what, "", "the request is larger than this process can allocate");
    return MakeError(env, f.message, f.code);
  }
}

Napi::Function CancelToken::Define(Napi::Env env) {
  return DefineClass(env, "CancelToken",
                     {Method<CancelToken, &CancelToken::Cancel>("cancel"),
                      Getter<CancelToken, &CancelToken::IsCancelled>("cancelled")});
}

CancelToken::CancelToken(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelToken>(info) {
  TagObject<CancelToken>(info.Env(), info.This().As<Napi::Object>());
}

Napi::Value CancelToken::Cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

Napi::Value CancelToken::IsCancelled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), flag_->load());
}

std::shared_ptr<std::atomic<bool>> CancelToken::FromValue(Napi::Env env, Napi::Value value, const char* name) {
  if (value.IsUndefined() || value.IsNull()) return std::make_shared<std::atomic<bool>>(false);
  CancelToken* token = value.IsObject() && value.As<Napi::Object>().InstanceOf(Data(env).cancelToken.Value())
                           ? UnwrapOrNull<CancelToken>(value.As<Napi::Object>())
                           : nullptr;
  // (an object that only inherits from CancelToken.prototype has no native token behind it)
  if (token == nullptr) ThrowType(env, "a CancelToken", name, value);
  return token->flag();
}

}  // namespace mimic_binding
