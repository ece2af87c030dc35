// Registration of native/binding/perturb.cpp: perturbDraws, deathDraws (native/core/perturb.hpp).
#pragma once
#include <napi.h>

namespace mimic_binding {

void InitPerturb(Napi::Env env, Napi::Object exports);

}  // namespace mimic_binding
