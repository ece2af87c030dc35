// Kernel body of bench/ceiling.cpp, compiled once per SIMD level (native/core/simd_foreach.hpp): the
// feedback product's inner loop (a tile of Q vector sums, one broadcast per row, per vector one
// load, one multiply, one add) streaming `rows` rows of Q·W floats, with separate multiply and add
// (what the kernels do, exact) or fused (the FMA ceiling). Returns a checksum.
#include "simd_vec-inl.hpp"
#include "snn_kernel-inl.hpp"

template <std::size_t Q, bool kFused>
float tile_pass(const float* __restrict m, const float* __restrict x, std::size_t rows, std::size_t passes) {
  vf acc[Q];
  for (std::size_t q = 0; q < Q; ++q) acc[q] = vset1(0.0f);
  for (std::size_t p = 0; p < passes; ++p)
#pragma GCC unroll 2
  for (std::size_t r = 0; r < rows; ++r) {
    const vf b = vset1(x[r]);
    const float* __restrict row = m + r * Q * kW;
#pragma GCC unroll 16
    for (std::size_t q = 0; q < Q; ++q) {
#if MIMIC_SIMD_LEVEL == 2
      if constexpr (kFused) {
        acc[q] = (vf)_mm512_fmadd_ps((__m512)vload(row + q * kW), (__m512)b, (__m512)acc[q]);
        continue;
      }
#elif MIMIC_SIMD_LEVEL == 1
      if constexpr (kFused) {
        acc[q] = (vf)_mm256_fmadd_ps((__m256)vload(row + q * kW), (__m256)b, (__m256)acc[q]);
        continue;
      }
#endif
      acc[q] = acc[q] + vload(row + q * kW) * b;
    }
  }
  float s = 0;
  for (std::size_t q = 0; q < Q; ++q)
    for (std::size_t k = 0; k < kW; ++k) s += acc[q][k];
  return s;
}

// MACs per second of `passes` passes (the sums carried across them) over a matrix of `floats` floats (rows of 16 vectors at AVX-512,
// 12 at AVX2 and SSE2: the feedback product's main tiles).
double macs_per_second(const float* m, const float* x, std::size_t floats, std::size_t passes, bool fused, float* sink);
double macs_per_second(const float* m, const float* x, std::size_t floats, std::size_t passes, bool fused, float* sink) {
  constexpr std::size_t Q = kW == 16 ? 16 : 12;
  const std::size_t rows = floats / (Q * kW);
  float s = 0;
  const auto t0 = std::chrono::steady_clock::now();
  s += fused ? tile_pass<Q, true>(m, x, rows, passes) : tile_pass<Q, false>(m, x, rows, passes);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  *sink += s;
  return static_cast<double>(rows * Q * kW) * static_cast<double>(passes) / dt;
}

// MACs per second of the kernels' own feedback product (kernel::feedback_current, all D dimensions)
// for an N x D encoder in this level's tile layout (as SnnModel::encBlk_ builds it).
double kernel_macs_per_second(std::size_t N, std::size_t D, std::size_t passes, float* sink);
double kernel_macs_per_second(std::size_t N, std::size_t D, std::size_t passes, float* sink) {
  const std::size_t np = (N + 15) / 16 * 16;
  std::vector<float> FB(np * D), ext(np, 0.0f), ke(D);
  for (std::size_t i = 0; i < FB.size(); ++i) FB[i] = 1e-3f * static_cast<float>(i % 97);
  for (std::size_t d = 0; d < D; ++d) ke[d] = 1e-3f * static_cast<float>(d % 89);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t p = 0; p < passes; ++p) kernel::feedback_current(ext.data(), FB.data(), D, ke.data(), nullptr, D, np);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  *sink += ext[5];
  return static_cast<double>(N * D) * static_cast<double>(passes) / dt;
}
