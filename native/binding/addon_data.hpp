// Per-environment data of the addon (one per Node environment / worker thread).
#pragma once
#include <napi.h>

namespace mimic_binding {

struct AddonData {
  Napi::FunctionReference cancelToken;
  // Constructors of further wrapped classes are added here as the binding grows.
  Napi::FunctionReference network;  // snn.cpp
};

inline AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

// Registration functions of each binding file; addon.cpp calls them all.
void InitTasks(Napi::Env env, Napi::Object exports);
void InitSnn(Napi::Env env, Napi::Object exports);
void InitTeacher(Napi::Env env, Napi::Object exports);

}  // namespace mimic_binding
