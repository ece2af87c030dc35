// Compares the teacher's vector tanh (native/core/tanh-inl.hpp) at every SIMD level this CPU has with
// the C library's tanhf, bit for bit, over float bit patterns: every `stride`-th pattern from `first`
// (stride 1: all 2^32). Prints one JSON object: per level, the number of patterns checked and of
// mismatches (NaN results compare as equal when both are NaN), and the first mismatch.
//   g++ -std=c++17 -O2 -ffp-contract=off -I native/core -I test/support simd_tanh_check.cpp native/core/simd.cpp
//   ./a.out [stride] [first]
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "simd.hpp"
#include "simd_config.hpp"

#define MIMIC_SIMD_BODY "simd_tanh_body-inl.hpp"
#include "simd_foreach.hpp"

namespace {

using Fn = void (*)(const float*, float*, std::size_t);

Fn level_fn(mimic::simd::Level l) {
  switch (l) {
#if MIMIC_SIMD_MULTI
    case mimic::simd::Level::Avx512:
      return mimic::simd_avx512::tanh_array;
    case mimic::simd::Level::Avx2:
      return mimic::simd_avx2::tanh_array;
#endif
    default:
      return mimic::simd_sse2::tanh_array;
  }
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t stride = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4099;
  const uint64_t first = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 0;
  const auto levels = mimic::simd::available();
  std::printf("{\"stride\": %llu, \"levels\": [", static_cast<unsigned long long>(stride));
  constexpr std::size_t kChunk = 1 << 16;
  std::vector<float> x(kChunk), y(kChunk);
  for (std::size_t li = 0; li < levels.size(); ++li) {
    const Fn fn = level_fn(levels[li]);
    uint64_t checked = 0, bad = 0, firstBad = 0;
    uint64_t u = first;
    while (u < (uint64_t(1) << 32)) {
      std::size_t n = 0;
      for (; n < kChunk && u < (uint64_t(1) << 32); ++n, u += stride) {
        const uint32_t b = static_cast<uint32_t>(u);
        std::memcpy(&x[n], &b, 4);
      }
      fn(x.data(), y.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        const float want = std::tanh(x[i]);
        const bool same = bits(want) == bits(y[i]) || (std::isnan(want) && std::isnan(y[i]));
        if (!same && bad++ == 0) firstBad = bits(x[i]);
      }
      checked += n;
    }
    std::printf("%s{\"level\": \"%s\", \"checked\": %llu, \"mismatches\": %llu, \"firstMismatchBits\": %llu}", li ? ", " : "",
                mimic::simd::name(levels[li]), static_cast<unsigned long long>(checked), static_cast<unsigned long long>(bad),
                static_cast<unsigned long long>(firstBad));
  }
  std::printf("]}\n");
  return 0;
}
