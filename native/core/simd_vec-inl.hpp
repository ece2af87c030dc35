// Vector types of one SIMD level, for kernel bodies compiled per level (simd_foreach.hpp; include
// only from such a body, once). GCC's generic vectors: one `vf` is one register of the level (4, 8 or
// 16 floats) and every operator is the element-wise IEEE operation, so a vector loop rounds exactly
// as the scalar loop it replaces.
#ifndef MIMIC_SIMD_WIDTH
#error "include simd_vec-inl.hpp only from a kernel body compiled by simd_foreach.hpp"
#endif

constexpr std::size_t kW = MIMIC_SIMD_WIDTH;
typedef float vf __attribute__((vector_size(MIMIC_SIMD_WIDTH * 4)));
typedef int32_t vi __attribute__((vector_size(MIMIC_SIMD_WIDTH * 4)));
typedef uint32_t vu __attribute__((vector_size(MIMIC_SIMD_WIDTH * 4)));

__attribute__((always_inline)) static inline vf vload(const float* p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) static inline void vstore(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
// every lane x: one broadcast instruction (not 0 + x, which would turn -0 into +0)
__attribute__((always_inline)) static inline vf vset1(float x) {
#if MIMIC_SIMD_WIDTH == 4
  return vf{x, x, x, x};
#elif MIMIC_SIMD_WIDTH == 8
  return vf{x, x, x, x, x, x, x, x};
#elif MIMIC_SIMD_WIDTH == 16
  return vf{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
#else
#error "unsupported MIMIC_SIMD_WIDTH"
#endif
}

// Doubles: one `vd` is one register of the level (2, 4 or 8 doubles); `vdm` is the mask a comparison of
// two vd gives (all bits set where true), which `mask ? a : b` selects with.
constexpr std::size_t kDW = kW / 2;
typedef double vd __attribute__((vector_size(kDW * 8)));
typedef int64_t vdm __attribute__((vector_size(kDW * 8)));

__attribute__((always_inline)) static inline vd vdload(const double* p) {
  vd v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) static inline void vdstore(double* p, vd v) { __builtin_memcpy(p, &v, sizeof v); }
__attribute__((always_inline)) static inline vdm vdmload(const int64_t* p) {
  vdm v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) static inline void vdmstore(int64_t* p, vdm v) { __builtin_memcpy(p, &v, sizeof v); }
// every lane x (a broadcast: 0 + x would turn -0 into +0)
__attribute__((always_inline)) static inline vd vdset1(double x) {
#if MIMIC_SIMD_WIDTH == 4
  return vd{x, x};
#elif MIMIC_SIMD_WIDTH == 8
  return vd{x, x, x, x};
#elif MIMIC_SIMD_WIDTH == 16
  return vd{x, x, x, x, x, x, x, x};
#endif
}

// The indices of the set entries of a mask (nonzero = set), in index order, into `out` (cleared
// first); 8 entries at a time: in a spike mask most groups have none.
template <class Index>
static inline void set_indices(const int64_t* mask, std::size_t n, std::vector<Index>& out) {
  out.clear();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    if ((mask[i] | mask[i + 1] | mask[i + 2] | mask[i + 3] | mask[i + 4] | mask[i + 5] | mask[i + 6] | mask[i + 7]) == 0) continue;
    for (std::size_t k = i; k < i + 8; ++k)
      if (mask[k]) out.push_back(static_cast<Index>(k));
  }
  for (; i < n; ++i)
    if (mask[i]) out.push_back(static_cast<Index>(i));
}
