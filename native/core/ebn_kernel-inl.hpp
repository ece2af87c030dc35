// The fast weights' products of the EBN construction (ebn.cpp), compiled once per SIMD level: included
// by simd_foreach.hpp. G[n][m] = Σ_c D[c][n]·D[c][m], each sum from 0 over c = 0..Dm−1 in order,
// multiply then add (-ffp-contract=off), so every element is the same double as the plain dot product
// at every level. A tile keeps R rows n x V vectors of columns m in registers while c runs; the columns
// come from a block of D's columns packed contiguously (B[c][m − m0], kept in L2: read in place, D's rows
// N doubles apart would all fall in the same few L2 sets at N = 8192), the rows' factors from Dᵀ
// (DT[n][c], broadcast).
#include "simd_vec-inl.hpp"

#if MIMIC_SIMD_LEVEL == 2
constexpr std::size_t kGR = 4, kGV = 6;  // 24 of the 32 registers
#else
constexpr std::size_t kGR = 4, kGV = 3;  // 12 of the 16
#endif

template <std::size_t R, std::size_t V>
__attribute__((always_inline)) static inline void gram_tile(const double* __restrict B, const double* __restrict DT,
                                                             std::size_t ldb, std::size_t Dm, std::size_t n0,
                                                             std::size_t m0, double* __restrict out, std::size_t ldo) {
  vd acc[R][V];
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; ++v) acc[r][v] = vdset1(0.0);
  for (std::size_t c = 0; c < Dm; ++c) {
    const double* row = B + c * ldb + m0;
    vd b[V];
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; ++v) b[v] = vdload(row + v * kDW);
#pragma GCC unroll 8
    for (std::size_t r = 0; r < R; ++r) {
      const vd a = vdset1(DT[(n0 + r) * Dm + c]);
#pragma GCC unroll 8
      for (std::size_t v = 0; v < V; ++v) acc[r][v] = acc[r][v] + a * b[v];
    }
  }
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; ++v) vdstore(out + r * ldo + v * kDW, acc[r][v]);
}

// The same sums for single columns (the last N mod kDW).
template <std::size_t R>
static void gram_columns(const double* DT, std::size_t Dm, std::size_t n0, std::size_t m0, std::size_t m1, double* out,
                         std::size_t ldo) {
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t m = m0; m < m1; ++m) {
      const double* a = DT + (n0 + r) * Dm;
      const double* b = DT + m * Dm;
      double dot = 0;
      for (std::size_t c = 0; c < Dm; ++c) dot += a[c] * b[c];
      out[r * ldo + (m - m0)] = dot;
    }
}

// Rows [n0, n0 + R) of G over the w columns of the packed block B [Dm][w] (columns m0.. of D) into
// out [R][w].
template <std::size_t R>
static void gram_rows(const double* B, const double* DT, std::size_t w, std::size_t Dm, std::size_t n0, std::size_t m0,
                      double* out) {
  std::size_t m = 0;
  for (; m + kGV * kDW <= w; m += kGV * kDW) gram_tile<R, kGV>(B, DT, w, Dm, n0, m, out + m, w);
  for (; m + kDW <= w; m += kDW) gram_tile<R, 1>(B, DT, w, Dm, n0, m, out + m, w);
  if (m < w) gram_columns<R>(DT, Dm, n0, m0 + m, m0 + w, out + m, w);
}

// Columns [m0, m1) of every row of Ω_f: omegaF[n][m] = float((k·G[n][m]) / T[n]) with k = −g·tau_mem,
// the diagonal left as it is (the caller keeps it 0).
static void ebn_fast_columns(const double* D, const double* DT, const double* T, std::size_t N, std::size_t Dm,
                             double k, std::size_t m0, std::size_t m1, float* omegaF) {
  const std::size_t w = m1 - m0;
  std::vector<double> work((Dm + kGR) * w);  // the block of D packed, then kGR rows of products
  double* tmp = work.data();
  double* B = tmp + kGR * w;
  for (std::size_t c = 0; c < Dm; ++c) std::copy(D + c * N + m0, D + c * N + m1, B + c * w);
  std::size_t n = 0;
  const auto emit = [&](std::size_t rows) {
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t row = n + r;
      float* o = omegaF + row * N;
      for (std::size_t m = m0; m < m1; ++m)
        if (m != row) o[m] = static_cast<float>(k * tmp[r * w + (m - m0)] / T[row]);
    }
  };
  for (; n + kGR <= N; n += kGR) {
    gram_rows<kGR>(B, DT, w, Dm, n, m0, tmp);
    emit(kGR);
  }
  for (; n < N; ++n) {
    gram_rows<1>(B, DT, w, Dm, n, m0, tmp);
    emit(1);
  }
}
