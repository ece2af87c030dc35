// Compiles a kernel body once per SIMD level (simd.hpp). Usage, at namespace scope of a .cpp file,
// after every header the body needs (the body itself may include only the *-inl.hpp kernel files):
//
//   #define MIMIC_SIMD_BODY "snn_runner-inl.hpp"
//   #include "simd_foreach.hpp"
//
// The body lands in namespace mimic::simd_sse2 (the base level), mimic::simd_avx2 and
// mimic::simd_avx512, each compiled under `#pragma GCC target` for its level, with
//   MIMIC_SIMD_LEVEL  0, 1, 2
//   MIMIC_SIMD_WIDTH  float lanes of one vector: 4, 8, 16
// Everything the body defines is distinct per level (own namespace), so no inline function or template
// of one level is shared with another; standard-library templates it instantiates keep the target of
// their definition (the base level), so nothing outside the level's namespace uses wider instructions.
// The library is built with -ffp-contract=off: the target pragmas never turn a*b+c into an FMA.
#include "simd_config.hpp"

#ifndef MIMIC_SIMD_BODY
#error "define MIMIC_SIMD_BODY (the kernel body to compile per level) before including simd_foreach.hpp"
#endif

#define MIMIC_SIMD_LEVEL 0
#define MIMIC_SIMD_WIDTH 4
namespace mimic {
namespace simd_sse2 {
#include MIMIC_SIMD_BODY
}  // namespace simd_sse2
}  // namespace mimic
#undef MIMIC_SIMD_LEVEL
#undef MIMIC_SIMD_WIDTH

#if MIMIC_SIMD_MULTI
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define MIMIC_SIMD_LEVEL 1
#define MIMIC_SIMD_WIDTH 8
namespace mimic {
namespace simd_avx2 {
#include MIMIC_SIMD_BODY
}  // namespace simd_avx2
}  // namespace mimic
#undef MIMIC_SIMD_LEVEL
#undef MIMIC_SIMD_WIDTH
#pragma GCC pop_options

#pragma GCC push_options
// prefer-vector-width=512: GCC's auto-vectoriser also uses the full width in the plain loops.
#pragma GCC target("avx2,fma,avx512f,avx512vl,avx512bw,avx512dq,prefer-vector-width=512")
#define MIMIC_SIMD_LEVEL 2
#define MIMIC_SIMD_WIDTH 16
namespace mimic {
namespace simd_avx512 {
#include MIMIC_SIMD_BODY
}  // namespace simd_avx512
}  // namespace mimic
#undef MIMIC_SIMD_LEVEL
#undef MIMIC_SIMD_WIDTH
#pragma GCC pop_options
#endif

#undef MIMIC_SIMD_BODY
