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
    // x[0..n) through the level's tanh against tanhf
    const auto check = [&](std::size_t n) {
      fn(x.data(), y.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        const float want = std::tanh(x[i]);
        const bool same = bits(want) == bits(y[i]) || (std::isnan(want) && std::isnan(y[i]));
        if (!same && bad++ == 0) firstBad = bits(x[i]);
      }
      checked += n;
    };
    // The lanes of the special cases, whatever the stride: ±0, ±inf, NaNs (quiet and signalling, both
    // signs), the smallest and largest subnormals and normals, and both sides of each of tanhf's
    // thresholds (2^-55, 1, 22; expm1's 0.5 ln 2, 1.5 ln 2 and 27 ln 2 through 2|x|).
    const uint32_t special[] = {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u,
                                0x7f800001u, 0xff800001u, 0x7fbfffffu, 0x7fffffffu, 0xffffffffu, 0x00000001u,
                                0x807fffffu, 0x00800000u, 0x7f7fffffu, 0xff7fffffu, 0x23ffffffu, 0x24000000u,
                                0xa4000000u, 0x3f7fffffu, 0x3f800000u, 0xbf800000u, 0x41afffffu, 0x41b00000u,
                                0xc1b00000u, 0x3e317218u, 0x3e317219u, 0x3f051592u, 0x3f051591u, 0x4115b843u,
                                0x4115b844u, 0xc115b844u};
    const std::size_t specials = sizeof special / sizeof special[0];
    for (std::size_t i = 0; i < specials; ++i) std::memcpy(&x[i], &special[i], 4);
    check(specials);
    uint64_t u = first;
    while (u < (uint64_t(1) << 32)) {
      std::size_t n = 0;
      for (; n < kChunk && u < (uint64_t(1) << 32); ++n, u += stride) {
        const uint32_t b = static_cast<uint32_t>(u);
        std::memcpy(&x[n], &b, 4);
      }
      check(n);
    }
    std::printf("%s{\"level\": \"%s\", \"checked\": %llu, \"mismatches\": %llu, \"firstMismatchBits\": %llu}", li ? ", " : "",
                mimic::simd::name(levels[li]), static_cast<unsigned long long>(checked), static_cast<unsigned long long>(bad),
                static_cast<unsigned long long>(firstBad));
  }
  std::printf("]}\n");
  return 0;
}
