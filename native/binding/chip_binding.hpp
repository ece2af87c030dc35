// Registration of native/binding/chip.cpp: chipEmulate, chipInspect (native/core/chip.hpp).
#pragma once
#include <napi.h>

namespace mimic_binding {

void InitChip(Napi::Env env, Napi::Object exports);

}  // namespace mimic_binding
