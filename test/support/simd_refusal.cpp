// native/core/simd.cpp as on an older CPU: compiled with -DMIMIC_SIMD_TESTING and run with
// MIMIC_SIMD_TEST_WIDEST=L in the environment (0 = SSE2 only, 1 = up to AVX2), it prints what the library would do with the MIMIC_SIMD of the environment: the
// levels it finds, the level it chose, the sentence it refuses to load with, and what set_active of
// each level says.
#include <cstdio>
#include <string>

#include "cancel.hpp"
#include "simd.hpp"

int main() {
  using namespace mimic::simd;
  std::string levels;
  for (Level l : available()) levels += std::string(levels.empty() ? "" : ",") + name(l);
  std::printf("available %s\nactive %s\nstartup %s\n", levels.c_str(), name(active()), startup_error().c_str());
  for (Level l : {Level::Base, Level::Avx2, Level::Avx512}) {
    try {
      set_active(l);
      std::printf("set %s ok\n", name(l));
    } catch (const mimic::InvalidArgument& e) {
      std::printf("set %s refused: %s\n", name(l), e.what());
    }
  }
  return 0;
}
