// Building blocks of the spiking-network kernel (native/core/snn.cpp), shared with the ADS trainer
// (native/core/ads_train.cpp) so both step the neurons with the same float32 arithmetic. Include only
// from .cpp files that start with the snn.cpp pragma (no FMA contraction):
//   #pragma GCC optimize("fp-contract=off", "no-trapping-math")
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace mimic {
namespace kernel {

// ---- The per-neuron update: one pass over the neurons, written so GCC vectorises it (SoA, restrict,
// selects instead of branches). Template flags remove the optional terms from the common loop.
struct UpdateArgs {
  float* __restrict v;
  float* __restrict is;
  float* __restrict ifast;
  float* __restrict r;
  int32_t* __restrict refr;
  uint8_t* __restrict spk;
  const float* __restrict ext;
  const float* __restrict noise;
  const float* __restrict keep;
  const float* __restrict g;
  const float* __restrict c0;
  const float* __restrict vTh;
  const float* __restrict vReset;
  const int32_t* __restrict nRef;
  const float* __restrict decayS;
  const float* __restrict decayF;
  const float* __restrict decayOut;
  std::size_t n;
};

// mask ? a : b for an all-ones / all-zeros mask, without a branch.
inline float blend(int32_t mask, float a, float b) {
  uint32_t ua, ub;
  std::memcpy(&ua, &a, 4);
  std::memcpy(&ub, &b, 4);
  const uint32_t m = static_cast<uint32_t>(mask);
  const uint32_t out = (ua & m) | (ub & ~m);
  float f;
  std::memcpy(&f, &out, 4);
  return f;
}

// GCC honours __restrict only on function parameters (not on locals copied from a struct), hence
// the long parameter list: without it the loop needs more run-time alias checks than GCC allows.
template <bool kExt, bool kNoise, bool kSilence, bool kRefractory>
void update_loop(float* __restrict v, float* __restrict is, float* __restrict ifast, float* __restrict r,
                 int32_t* __restrict refr, uint8_t* __restrict spk, const float* __restrict ext,
                 const float* __restrict noise, const float* __restrict keep, const float* __restrict g,
                 const float* __restrict c0, const float* __restrict vTh, const float* __restrict vReset,
                 const int32_t* __restrict nRef, const float* __restrict decayS, const float* __restrict decayF,
                 const float* __restrict decayOut, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    // Branch-free: comparisons become all-ones / zero int32 masks and values are blended bitwise.
    // (With ?: selects GCC 12 sinks the operand loads into branches and gives up vectorising.)
    const float sI = is[i], fI = ifast[i], rI = r[i], vOld = v[i];
    const int32_t rc = kRefractory ? refr[i] : 0;
    float cur = sI + fI;
    if (kExt) cur = cur + ext[i];
    float vNew = vOld + g[i] * ((c0[i] - vOld) + cur);
    if (kNoise) vNew = vNew + noise[i];
    int32_t rcNew = 0;
    if (kRefractory) {  // refractory: keep V, count down (the loop without it is ~20 % shorter)
      const int32_t inRef = -static_cast<int32_t>(rc > 0);
      vNew = blend(inRef, vOld, vNew);
      rcNew = rc + inRef;
    }
    int32_t fire = -static_cast<int32_t>(vNew >= vTh[i]);
    if (kSilence) {
      const int32_t dead = -static_cast<int32_t>(keep[i] == 0.0f);
      vNew = blend(dead, 0.0f, vNew);
      fire = fire & ~dead;
    }
    spk[i] = static_cast<uint8_t>(fire & 1);
    v[i] = blend(fire, vReset[i], vNew);
    if (kRefractory) refr[i] = (nRef[i] & fire) | (rcNew & ~fire);
    is[i] = sI * decayS[i];
    ifast[i] = fI * decayF[i];
    r[i] = rI * decayOut[i];
  }
}

template <bool kExt, bool kNoise, bool kSilence, bool kRefractory>
void update_neurons(const UpdateArgs& a) {
  update_loop<kExt, kNoise, kSilence, kRefractory>(a.v, a.is, a.ifast, a.r, a.refr, a.spk, a.ext, a.noise, a.keep, a.g,
                                                   a.c0, a.vTh, a.vReset, a.nRef, a.decayS, a.decayF, a.decayOut, a.n);
}

using UpdateFn = void (*)(const UpdateArgs&);

template <int kFlags>
constexpr UpdateFn update_variant() {
  return update_neurons<(kFlags & 8) != 0, (kFlags & 4) != 0, (kFlags & 2) != 0, (kFlags & 1) != 0>;
}

inline UpdateFn pick_update(bool ext, bool noise, bool silence, bool refractory) {
  static const UpdateFn table[16] = {
      update_variant<0>(),  update_variant<1>(),  update_variant<2>(),  update_variant<3>(),
      update_variant<4>(),  update_variant<5>(),  update_variant<6>(),  update_variant<7>(),
      update_variant<8>(),  update_variant<9>(),  update_variant<10>(), update_variant<11>(),
      update_variant<12>(), update_variant<13>(), update_variant<14>(), update_variant<15>()};
  return table[(ext ? 8 : 0) + (noise ? 4 : 0) + (silence ? 2 : 0) + (refractory ? 1 : 0)];
}

// y[0..n) += a · x[0..n)
inline void axpy(float* __restrict y, const float* __restrict x, float a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] + x[i] * a;
}
// y[0..n) += x[0..n)
inline void add_to(float* __restrict y, const float* __restrict x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] + x[i];
}
// The same for n a multiple of 16 (the spike rows), unrolled by 16 floats per iteration.
inline void add_row(float* __restrict y, const float* __restrict x, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 16)
    for (std::size_t k = 0; k < 16; ++k) y[i + k] = y[i + k] + x[i + k];
}
inline void scale(float* __restrict y, float a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] * a;
}

// ext[i] = Σ_c wT[c][i]·x[c] from c = 0 upwards, for a chunk of 16 neurons at a time so the 16
// accumulators stay in registers while the C weight rows stream past (np a multiple of 16).
inline void input_current(float* __restrict ext, const float* __restrict wT, const float* __restrict x, std::size_t C,
                          std::size_t np) {
  for (std::size_t i0 = 0; i0 < np; i0 += 16) {
    float acc[16];
    const float x0 = x[0];
    for (std::size_t k = 0; k < 16; ++k) acc[k] = wT[i0 + k] * x0;
    for (std::size_t c = 1; c < C; ++c) {
      const float xc = x[c];
      const float* __restrict w = wT + c * np + i0;
      for (std::size_t k = 0; k < 16; ++k) acc[k] = acc[k] + w[k] * xc;
    }
    for (std::size_t k = 0; k < 16; ++k) ext[i0 + k] = acc[k];
  }
}

// ext[i] += Σ_u FT[d_u][i]·ke_u over the used dimensions in order (the feedback current k·F·e),
// 16 neurons at a time with the sums in registers, as input_current.
inline void feedback_current(float* __restrict ext, const float* __restrict FT, const float* __restrict ke,
                             const int32_t* __restrict dims, std::size_t used, std::size_t np) {
  if (used == 0) return;
  for (std::size_t i0 = 0; i0 < np; i0 += 16) {
    float acc[16];
    for (std::size_t k = 0; k < 16; ++k) acc[k] = ext[i0 + k];
    for (std::size_t u = 0; u < used; ++u) {
      const float* __restrict w = FT + static_cast<std::size_t>(dims[u]) * np + i0;
      const float x = ke[u];
      for (std::size_t k = 0; k < 16; ++k) acc[k] = acc[k] + w[k] * x;
    }
    for (std::size_t k = 0; k < 16; ++k) ext[i0 + k] = acc[k];
  }
}

// Indices of the set entries of spk[0..npad) (one byte per neuron, npad a multiple of 16), in
// increasing order. Spikes are rare (a few per step), so 16 neurons are tested at once.
inline std::size_t collect_spikes(const uint8_t* __restrict spk, std::size_t npad, int32_t* __restrict out) {
  std::size_t count = 0;
  for (std::size_t i0 = 0; i0 < npad; i0 += 16) {
    uint64_t a, b;
    std::memcpy(&a, spk + i0, 8);
    std::memcpy(&b, spk + i0 + 8, 8);
    if ((a | b) == 0) continue;
    for (std::size_t k = 0; k < 16; ++k)
      if (spk[i0 + k]) out[count++] = static_cast<int32_t>(i0 + k);
  }
  return count;
}

// Flush-to-zero and denormals-are-zero for the kernel's thread while it runs. Traces that decay for
// ~90 steps (I_f with tau_f = dt) become subnormal floats (< 1.2e-38), which x86 cores process
// about 100 times slower; at these magnitudes they never change a spike. Measured at N = 768: 1.24 µs
// per step without, 0.69 µs with. The previous mode is restored afterwards (the thread is the pool's).
class FlushDenormals {
 public:
#if defined(__SSE2__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }  // FTZ (bit 15) | DAZ (bit 6)
  ~FlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#endif
};

}  // namespace kernel
}  // namespace mimic
