#include "async_job.hpp"

#include "addon_data.hpp"
#include "args.hpp"

namespace mimic_binding {

Napi::Error MakeError(Napi::Env env, const std::string& message, const char* code) {
  auto err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

Napi::Function CancelToken::Define(Napi::Env env) {
  return DefineClass(env, "CancelToken",
                     {InstanceMethod<&CancelToken::Cancel>("cancel"),
                      InstanceAccessor<&CancelToken::IsCancelled>("cancelled")});
}

CancelToken::CancelToken(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CancelToken>(info) {}

Napi::Value CancelToken::Cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

Napi::Value CancelToken::IsCancelled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), flag_->load());
}

std::shared_ptr<std::atomic<bool>> CancelToken::FromValue(Napi::Env env, Napi::Value value, const char* name) {
  if (value.IsUndefined() || value.IsNull()) return std::make_shared<std::atomic<bool>>(false);
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(Data(env).cancelToken.Value()))
    ThrowType(env, "a CancelToken", name, value);
  return Napi::ObjectWrap<CancelToken>::Unwrap(value.As<Napi::Object>())->flag();
}

}  // namespace mimic_binding
