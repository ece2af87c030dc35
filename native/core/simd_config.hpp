// Which SIMD levels this build compiles (see simd.hpp). Multi-level builds need per-function target
// pragmas, which GCC provides; other compilers and other architectures get the base level only.
#pragma once

#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__) && !defined(__clang__) && !defined(MIMIC_SIMD_SINGLE)
#define MIMIC_SIMD_MULTI 1
#else
#define MIMIC_SIMD_MULTI 0
#endif

#if defined(MIMIC_NATIVE_ARCH)
#define MIMIC_SIMD_BASE_NAME "native"
#elif defined(__x86_64__) || defined(_M_X64)
#define MIMIC_SIMD_BASE_NAME "sse2"
#else
#define MIMIC_SIMD_BASE_NAME "portable"
#endif

#include <cstddef>

namespace mimic {
namespace simd {

// The feedback product's tiles (snn_kernel-inl.hpp) and the encoder layout that feeds them
// (SnnModel::encBlk_): per level, tiles of 3 (SSE2), 6 (AVX2) or 12 (AVX-512, in 256-bit vectors)
// panels of 16 neurons, which keep 12, 12 and 24 vector sums in registers (16, 16 and 32 there are);
// the last panels go in tiles of 8, 4, 2, 1.
constexpr std::size_t kFeedbackTilePanels[3] = {3, 6, 12};

// Panels of the tile that starts with `remaining` panels left, for main tiles of G panels.
constexpr std::size_t feedback_tile(std::size_t remaining, std::size_t G) {
  if (remaining >= G) return G;
  for (std::size_t g : {std::size_t(8), std::size_t(4), std::size_t(2)})
    if (g < G && remaining >= g) return g;
  return 1;
}

}  // namespace simd
}  // namespace mimic
