// Building blocks of the spiking-network kernel (snn_runner-inl.hpp), shared with the ADS trainer
// (ads_sample-inl.hpp) so both step the neurons with the same float32 arithmetic. A kernel body
// (compiled once per SIMD level by simd_foreach.hpp) includes this file once, after simd_vec-inl.hpp;
// everything lands in mimic::simd_<level>::kernel. The plain loops are vectorised by GCC at the
// level's width; the two matrix products are written with the level's vectors, because GCC would
// vectorise their inner loop over the rows as an in-order reduction with gathers at AVX2/AVX-512 (see
// feedback_current). No operation is fused (-ffp-contract=off), so every level rounds alike.
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
static inline float blend(int32_t mask, float a, float b) {
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

static inline UpdateFn pick_update(bool ext, bool noise, bool silence, bool refractory) {
  static const UpdateFn table[16] = {
      update_variant<0>(),  update_variant<1>(),  update_variant<2>(),  update_variant<3>(),
      update_variant<4>(),  update_variant<5>(),  update_variant<6>(),  update_variant<7>(),
      update_variant<8>(),  update_variant<9>(),  update_variant<10>(), update_variant<11>(),
      update_variant<12>(), update_variant<13>(), update_variant<14>(), update_variant<15>()};
  return table[(ext ? 8 : 0) + (noise ? 4 : 0) + (silence ? 2 : 0) + (refractory ? 1 : 0)];
}

// y[0..n) += a · x[0..n)
static inline void axpy(float* __restrict y, const float* __restrict x, float a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] + x[i] * a;
}
// y[0..n) += x[0..n)
static inline void add_to(float* __restrict y, const float* __restrict x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] + x[i];
}
// The same for n a multiple of 16 (the spike rows): 64 floats per iteration, then 16 at a time.
static inline void add_row(float* __restrict y, const float* __restrict x, std::size_t n) {
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64)
#pragma GCC unroll 16
    for (std::size_t q = 0; q < 64 / kW; ++q) vstore(y + i + q * kW, vload(y + i + q * kW) + vload(x + i + q * kW));
  for (; i < n; i += 16)
#pragma GCC unroll 4
    for (std::size_t q = 0; q < 16 / kW; ++q) vstore(y + i + q * kW, vload(y + i + q * kW) + vload(x + i + q * kW));
}
// y[i] += rows[0][i], then += rows[1][i], ... for `count` rows of n floats (n a multiple of 16): the
// spike rows of one step, up to four at a time in one pass, which adds in the same order per element
// as one row after the other but keeps y in registers and loads from four rows at once (their misses
// overlap: at N = 768 the weight rows come from L3).
static inline void add_rows(float* __restrict y, const float* const* rows, std::size_t count, std::size_t n) {
  std::size_t s = 0;
  for (; s + 4 <= count; s += 4) {
    const float* __restrict a = rows[s];
    const float* __restrict b = rows[s + 1];
    const float* __restrict c = rows[s + 2];
    const float* __restrict d = rows[s + 3];
    for (std::size_t i = 0; i < n; i += 16)
#pragma GCC unroll 4
      for (std::size_t q = 0; q < 16 / kW; ++q) {
        const std::size_t k = i + q * kW;
        vstore(y + k, (((vload(y + k) + vload(a + k)) + vload(b + k)) + vload(c + k)) + vload(d + k));
      }
  }
  if (count - s >= 2) {
    const float* __restrict a = rows[s];
    const float* __restrict b = rows[s + 1];
    for (std::size_t i = 0; i < n; i += 16)
#pragma GCC unroll 4
      for (std::size_t q = 0; q < 16 / kW; ++q) {
        const std::size_t k = i + q * kW;
        vstore(y + k, (vload(y + k) + vload(a + k)) + vload(b + k));
      }
    s += 2;
  }
  if (s < count) add_row(y, rows[s], n);
}
static inline void scale(float* __restrict y, float a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] * a;
}

// ext[i] = Σ_c wT[c][i]·x[c] summed from c = 0 upwards, W neurons per vector (np a multiple of 16);
// one and two channels (the tasks so far) without the inner loop.
static inline void input_current(float* __restrict ext, const float* __restrict wT, const float* __restrict x,
                                 std::size_t C, std::size_t np) {
  const vf x0 = vset1(x[0]);
  if (C == 1) {
    for (std::size_t i = 0; i < np; i += kW) vstore(ext + i, vload(wT + i) * x0);
  } else if (C == 2) {
    const vf x1 = vset1(x[1]);
    for (std::size_t i = 0; i < np; i += kW) vstore(ext + i, vload(wT + i) * x0 + vload(wT + np + i) * x1);
  } else {
    for (std::size_t i = 0; i < np; i += kW) {
      vf acc = vload(wT + i) * x0;
      for (std::size_t c = 1; c < C; ++c) acc = acc + vload(wT + c * np + i) * vset1(x[c]);
      vstore(ext + i, acc);
    }
  }
}

// The feedback product ext[i] += Σ_u F[i, d_u]·ke_u over the used dimensions in order (k·F·e, and in
// training also the learned slow current F·z). The neurons go in TILES of G panels of 16 (G = 3 at
// SSE2, 6 at AVX2, 12 at AVX-512; the last panels in tiles of 8, 4, 2, 1: simd::feedback_tile), and
// the encoder comes in the matching layout (SnnModel::encBlk_ of the level): tile by tile, [d][the
// tile's 16·G neurons], so a tile is one contiguous stream and one row d of it is contiguous.
//
// A tile keeps its 16·G sums in registers (12 vectors at SSE2 and AVX2, which have 16 registers; 24
// 256-bit vectors at AVX-512, which has 32) while the used dimensions stream past: per dimension one
// broadcast, then per vector one load-and-multiply and one add, and 12-24 independent add chains hide
// the add latency.
// Each sum still adds its terms one after the other in dimension order, exactly as the scalar loop.
//
// Why not the plain loop: written as `for u: for k < 16: acc[k] += w[k]·x` (the earlier form), GCC 12
// vectorises the u-loop at AVX2/AVX-512 as an in-order reduction, gathering w across rows (stride N):
// 16 gathers per 8 dimensions and lane-by-lane adds. That made the -march=native build's feedback
// product 5-7 times slower than SSE2's (bench/README.md, "Why the native build trained 5x slower").
// The product's vectors: the level's, except at AVX-512, where 256-bit vectors (AVX-512VL: 32 of
// them) stream the encoder from L2 faster than 512-bit ones on the machines measured (bench/README.md,
// "The feedback product": 31 against 25 GMAC/s at N/D = 768/128).
#if MIMIC_SIMD_LEVEL == 2
constexpr std::size_t kFW = 8;
typedef float fvf __attribute__((vector_size(32)));
__attribute__((always_inline)) static inline fvf fset1(float x) { return fvf{x, x, x, x, x, x, x, x}; }
#else
constexpr std::size_t kFW = kW;
typedef vf fvf;
__attribute__((always_inline)) static inline fvf fset1(float x) { return vset1(x); }
#endif
__attribute__((always_inline)) static inline fvf fload(const float* p) {
  fvf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) static inline void fstore(float* p, fvf v) { __builtin_memcpy(p, &v, sizeof v); }

template <std::size_t G, bool kAll>
static inline void feedback_tile(float* __restrict ext, const float* __restrict tile, const float* __restrict ke,
                                 const int32_t* __restrict dims, std::size_t used) {
  constexpr std::size_t Q = G * 16 / kFW;  // vectors per tile row
  fvf acc[Q];
#pragma GCC unroll 32
  for (std::size_t q = 0; q < Q; ++q) acc[q] = fload(ext + q * kFW);
#pragma GCC unroll 2
  for (std::size_t u = 0; u < used; ++u) {
    const fvf x = fset1(ke[u]);
    const float* __restrict row = tile + (kAll ? u : static_cast<std::size_t>(dims[u])) * (16 * G);
#pragma GCC unroll 32
    for (std::size_t q = 0; q < Q; ++q) acc[q] = acc[q] + fload(row + q * kFW) * x;
  }
#pragma GCC unroll 32
  for (std::size_t q = 0; q < Q; ++q) fstore(ext + q * kFW, acc[q]);
}

// Panels [p0, p1) of 16 neurons (each output's sum is the same whatever the range it is computed in).
template <bool kAll>
static inline void feedback_tiles(float* __restrict ext, const float* __restrict FB, std::size_t D,
                                  const float* __restrict ke, const int32_t* __restrict dims, std::size_t used,
                                  std::size_t p0, std::size_t panels) {
  constexpr std::size_t G = simd::kFeedbackTilePanels[MIMIC_SIMD_LEVEL];
  static_assert(G * 16 % kFW == 0, "a tile must be whole vectors");
  for (std::size_t p = p0; p < panels;) {
    const std::size_t g = simd::feedback_tile(panels - p, G);
    float* e = ext + 16 * p;
    const float* t = FB + 16 * p * D;
    if (g == G)
      feedback_tile<G, kAll>(e, t, ke, dims, used);
    else if (g == 8) {
      if constexpr (G > 8) feedback_tile<8, kAll>(e, t, ke, dims, used);
    } else if (g == 4) {
      if constexpr (G > 4) feedback_tile<4, kAll>(e, t, ke, dims, used);
    } else if (g == 2) {
      if constexpr (G > 2) feedback_tile<2, kAll>(e, t, ke, dims, used);
    } else {
      feedback_tile<1, kAll>(e, t, ke, dims, used);
    }
    p += g;
  }
}

// ext += F·ke over the panels [p0, p1) of 16 neurons. FB: the model's encBlk_[MIMIC_SIMD_LEVEL]. dims
// null: every dimension d = 0..used-1 in order (used = D; the common case in training).
static inline void feedback_current_range(float* __restrict ext, const float* __restrict FB, std::size_t D,
                                          const float* __restrict ke, const int32_t* __restrict dims,
                                          std::size_t used, std::size_t p0, std::size_t p1) {
  if (used == 0) return;
  if (dims == nullptr)
    feedback_tiles<true>(ext, FB, D, ke, dims, used, p0, p1);
  else
    feedback_tiles<false>(ext, FB, D, ke, dims, used, p0, p1);
}

// The same over all np neurons.
static inline void feedback_current(float* __restrict ext, const float* __restrict FB, std::size_t D,
                                    const float* __restrict ke, const int32_t* __restrict dims, std::size_t used,
                                    std::size_t np) {
  feedback_current_range(ext, FB, D, ke, dims, used, 0, np / 16);
}

// Indices of the set entries of spk[0..npad) (one byte per neuron, npad a multiple of 16), in
// increasing order. Spikes are rare (a few per step), so 16 neurons are tested at once.
static inline std::size_t collect_spikes(const uint8_t* __restrict spk, std::size_t npad, int32_t* __restrict out) {
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

}  // namespace kernel
