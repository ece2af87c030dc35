// Runtime SIMD dispatch. One portable addon carries every hot kernel (the simulator, the ADS training
// loop with its k·F·e feedback and learning updates, the teacher's forward pass and BPTT, the BPTT
// spiking baseline's gradient, the LIF baselines' simulator, the chip emulator's step and decoder) compiled
// once per instruction-set level; when the library loads it picks the widest level the CPU (and the
// OS) supports, or the one MIMIC_SIMD names:
//
//   sse2    the x86-64 baseline (4 float lanes)
//   avx2    AVX2 + FMA (8 lanes; x86-64-v3 class CPUs)
//   avx512  AVX-512 F/VL/BW/DQ (16 lanes)
//
// Non-x86 builds (and builds by compilers without per-function targets) contain one level, called
// "portable". The build with MIMIC_NATIVE_ARCH=ON compiles its lowest level for the build machine and
// calls it "native".
//
// Results are bit-identical at every level: the kernels use the same float32 operations in the same
// order per element (only the number of elements per instruction changes) and never fuse a multiply
// and an add (the library is built with -ffp-contract=off, and no kernel calls an FMA intrinsic). The
// level therefore changes speed only; test/unit/native-simd.test.ts checks this against the
// TypeScript references at every level the machine has.
//
// How a kernel is compiled per level: simd_foreach.hpp includes a kernel body once per level, each in
// its own namespace (mimic::simd_sse2, mimic::simd_avx2, mimic::simd_avx512) under the matching
// `#pragma GCC target`; the public entry point (e.g. simulate()) switches on active().
#pragma once
#include <string>
#include <vector>

namespace mimic {
namespace simd {

enum class Level : int { Base = 0, Avx2 = 1, Avx512 = 2 };

// The name of a level as MIMIC_SIMD takes it and `simd` reports it: "sse2" (or "portable" / "native"
// for the base level of such builds), "avx2", "avx512".
const char* name(Level level);

// The levels this build contains and this CPU can run, lowest first (always at least the base level).
std::vector<Level> available();

// The level every kernel uses now: the widest available one, unless MIMIC_SIMD chose another when the
// library loaded, or set_active() changed it since.
Level active();

// Parses a level name (case-insensitive). Returns false for an unknown name.
bool parse(const std::string& text, Level& out);

// Makes `level` the active level for the kernels started from now on (running kernels keep theirs).
// Throws InvalidArgument with a plain sentence when this CPU or this build lacks it.
void set_active(Level level);

// When the MIMIC_SIMD environment variable was set to something this build or CPU cannot run, the
// sentence that explains it (the library then refuses to load); empty otherwise.
const std::string& startup_error();

// Of a kernel's three compilations (base, avx2, avx512), the one of the active level.
template <class F>
F pick(F base, F avx2, F avx512) {
  switch (active()) {
    case Level::Avx512:
      return avx512;
    case Level::Avx2:
      return avx2;
    default:
      return base;
  }
}

}  // namespace simd
}  // namespace mimic

// &simd_<level>::NAME of the active level, for a function compiled per level by simd_foreach.hpp (use it
// after that include); builds with one level have only the base one.
#include "simd_config.hpp"
#if MIMIC_SIMD_MULTI
#define MIMIC_SIMD_PICK(...) \
  ::mimic::simd::pick(&::mimic::simd_sse2::__VA_ARGS__, &::mimic::simd_avx2::__VA_ARGS__, &::mimic::simd_avx512::__VA_ARGS__)
#else
#define MIMIC_SIMD_PICK(...) (&::mimic::simd_sse2::__VA_ARGS__)
#endif
