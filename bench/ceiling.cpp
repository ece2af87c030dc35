// The ceilings of the feedback product k·F·u (N x D multiply-adds per training step) on this machine, at
// every SIMD level: the multiply-add rate of its inner loop from L1 (the arithmetic ceiling) and while
// streaming a matrix of the training network's size from L2 (the memory ceiling), with the separate
// multiply and add the kernels use (exact: every level rounds as SSE2) and with fused multiply-adds
// (the FMA ceiling: what FMA would allow, at the price of other rounding). Best of several rounds.
//   g++ -std=c++17 -O2 -ffp-contract=off -I native/core -I bench bench/ceiling.cpp native/core/simd.cpp
//   ./a.out N D        (node bench/ceiling.ts compiles and runs it)
// Prints one JSON object: per level, GMAC/s for {L1, L2} x {separate, fused}, and of the kernels' own
// feedback product (kernel::feedback_current) on an N x D encoder.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "simd.hpp"
#include "simd_config.hpp"

#define MIMIC_SIMD_BODY "ceiling_body-inl.hpp"
#include "simd_foreach.hpp"

namespace {

using Fn = double (*)(const float*, const float*, std::size_t, std::size_t, bool, float*);
using KernelFn = double (*)(std::size_t, std::size_t, std::size_t, float*);

Fn level_fn(mimic::simd::Level l) {
  switch (l) {
#if MIMIC_SIMD_MULTI
    case mimic::simd::Level::Avx512:
      return mimic::simd_avx512::macs_per_second;
    case mimic::simd::Level::Avx2:
      return mimic::simd_avx2::macs_per_second;
#endif
    default:
      return mimic::simd_sse2::macs_per_second;
  }
}

KernelFn kernel_fn(mimic::simd::Level l) {
  switch (l) {
#if MIMIC_SIMD_MULTI
    case mimic::simd::Level::Avx512:
      return mimic::simd_avx512::kernel_macs_per_second;
    case mimic::simd::Level::Avx2:
      return mimic::simd_avx2::kernel_macs_per_second;
#endif
    default:
      return mimic::simd_sse2::kernel_macs_per_second;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t N = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 768;
  const std::size_t D = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 128;
  const std::size_t l2Floats = N * D, l1Floats = 16 * 1024 / 4;  // the encoder; 16 KB
  std::vector<float> m(l2Floats + 4096), x(l2Floats);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = 1e-3f * static_cast<float>(i % 97);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1e-3f * static_cast<float>(i % 89);
  float sink = 0;
  std::printf("{\"neurons\": %zu, \"dims\": %zu, \"levels\": [", N, D);
  const auto levels = mimic::simd::available();
  for (std::size_t li = 0; li < levels.size(); ++li) {
    const Fn fn = level_fn(levels[li]);
    double best[2][2] = {{0, 0}, {0, 0}};  // [L1, L2][separate, fused]
    double kernel = 0;                       // the kernels' feedback_current
    for (int round = 0; round < 7; ++round) {
      kernel = std::max(kernel, kernel_fn(levels[li])(N, D, std::max<std::size_t>(1, 20'000'000 / (N * D)), &sink));
      for (int where = 0; where < 2; ++where)
        for (int fused = 0; fused < (levels[li] == mimic::simd::Level::Base ? 1 : 2); ++fused) {
          const std::size_t floats = where == 0 ? l1Floats : l2Floats;
          const std::size_t passes = std::max<std::size_t>(1, 20'000'000 / floats);
          const double r = fn(m.data(), x.data(), floats, passes, fused != 0, &sink);
          if (r > best[where][fused]) best[where][fused] = r;
        }
    }
    std::printf("%s{\"level\": \"%s\", \"l1\": %.3f, \"l1Fused\": %.3f, \"l2\": %.3f, \"l2Fused\": %.3f, \"kernel\": %.3f}",
                li ? ", " : "", mimic::simd::name(levels[li]), best[0][0] / 1e9, best[0][1] / 1e9, best[1][0] / 1e9,
                best[1][1] / 1e9, kernel / 1e9);
  }
  std::printf("], \"checksum\": %g}\n", static_cast<double>(sink));
  return 0;
}
