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
// The same for n a multiple of 16 (the spike rows), unrolled by 16 floats per iteration.
static inline void add_row(float* __restrict y, const float* __restrict x, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 16)
    for (std::size_t k = 0; k < 16; ++k) y[i + k] = y[i + k] + x[i + k];
}
static inline void scale(float* __restrict y, float a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] * a;
}

// ext[i] = Σ_c wT[c][i]·x[c] summed from c = 0 upwards, W neurons per vector (np a multiple of 16).
static inline void input_current(float* __restrict ext, const float* __restrict wT, const float* __restrict x,
                                 std::size_t C, std::size_t np) {
  const vf x0 = vset1(x[0]);
  for (std::size_t i = 0; i < np; i += kW) {
    vf acc = vload(wT + i) * x0;
    for (std::size_t c = 1; c < C; ++c) acc = acc + vload(wT + c * np + i) * vset1(x[c]);
    vstore(ext + i, acc);
  }
}

// The feedback product ext[i] += Σ_u F[i, d_u]·ke_u over the used dimensions in order (k·F·e, and in
// training also the learned slow current F·z). The encoder comes in PANELS of 16 neurons,
// P[(i/16)·D·16 + d·16 + i%16] = F[i, d] (SnnModel::encP_): a panel is one contiguous stream of D
// cache lines, and one row d of it is one cache line.
//
// A tile of G panels keeps its 16·G sums in 8 registers (G = W/2: 2 panels at SSE2, 4 at AVX2, 8 at
// AVX-512) while the used dimensions stream past: per dimension 8 loads, 8 multiplies and 8 adds, and
// 8 independent add chains hide the add latency. Each sum still adds its terms one after the other in
// dimension order, exactly as the scalar loop.
//
// Why not the plain loop: written as `for u: for k < 16: acc[k] += w[k]·x` (the earlier form), GCC 12
// vectorises the u-loop at AVX2/AVX-512 as an in-order reduction, gathering w across rows (stride N):
// 16 gathers per 8 dimensions and lane-by-lane adds. That made the -march=native build's feedback
// product 5-7 times slower than SSE2's (bench/README.md, "The native build's slow training").
template <std::size_t G>
static inline void feedback_tile(float* __restrict ext, const float* __restrict tile, std::size_t D,
                                 const float* __restrict ke, const int32_t* __restrict dims, std::size_t used) {
  constexpr std::size_t V = 16 / kW;  // vectors per panel row
  vf acc[G * V];
#pragma GCC unroll 16
  for (std::size_t q = 0; q < G * V; ++q) acc[q] = vload(ext + q * kW);
  const std::size_t panel = D * 16;
  for (std::size_t u = 0; u < used; ++u) {
    const vf x = vset1(ke[u]);
    const float* __restrict row = tile + static_cast<std::size_t>(dims[u]) * 16;
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g)
#pragma GCC unroll 4
      for (std::size_t v = 0; v < V; ++v) acc[g * V + v] = acc[g * V + v] + vload(row + g * panel + v * kW) * x;
  }
#pragma GCC unroll 16
  for (std::size_t q = 0; q < G * V; ++q) vstore(ext + q * kW, acc[q]);
}

static inline void feedback_current(float* __restrict ext, const float* __restrict FP, std::size_t D,
                                    const float* __restrict ke, const int32_t* __restrict dims, std::size_t used,
                                    std::size_t np) {
  if (used == 0) return;
  constexpr std::size_t G = kW / 2 < 1 ? 1 : kW / 2;
  const std::size_t panels = np / 16;
  std::size_t p = 0;
  for (; p + G <= panels; p += G) feedback_tile<G>(ext + p * 16, FP + p * D * 16, D, ke, dims, used);
  // the last panels, in tiles of 4, 2, 1
  if (G > 4)
    for (; p + 4 <= panels; p += 4) feedback_tile<4>(ext + p * 16, FP + p * D * 16, D, ke, dims, used);
  if (G > 2)
    for (; p + 2 <= panels; p += 2) feedback_tile<2>(ext + p * 16, FP + p * D * 16, D, ke, dims, used);
  for (; p < panels; ++p) feedback_tile<1>(ext + p * 16, FP + p * D * 16, D, ke, dims, used);
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
