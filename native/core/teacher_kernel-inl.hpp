// The teacher's forward pass and BPTT for one sample (teacher.cpp), compiled once per SIMD level by
// simd_foreach.hpp: this file lands in mimic::simd_<level>. Include only from teacher.cpp.
//
// Same arithmetic at every level and as the plain loops this replaces: every output element gets the
// same float operations in the same order (the matrix-vector products add their terms one row after
// the other; the vectors only run several elements side by side), nothing is fused, and tanh is
// tanhf's algorithm (tanh-inl.hpp). S = double (the gradient checks) keeps std::tanh.
//
// Cost per step at 64 units (one sample, batch 1): two 64 x 64 matrix-vector products (the forward
// drive W·a and the backward W·gu), the 64 x 64 outer product of the wRec gradient, 64 tanh, and
// O(units) element-wise work. The products keep their 64 sums in registers (4 vectors at AVX-512, 8
// at AVX2, 2 x 8 at SSE2) while the rows stream past: no load or store of the sums per row.
#include "simd_vec-inl.hpp"
#include "tanh-inl.hpp"

namespace {

template <class S>
inline S tanh_(S v) {
  if constexpr (std::is_same_v<S, float>)
    return tanh_scalar(v);
  else
    return std::tanh(v);
}

// y[j] += x[i]·M[i·ld + j] for i = 0, 1, ..., K-1 in this order, for j in [0, n): the sums of a tile
// of Q vectors stay in registers across the rows.
template <std::size_t Q>
__attribute__((always_inline)) inline void rows_tile(float* __restrict y, const float* __restrict M, std::size_t ld,
                                                     const float* __restrict x, std::size_t K) {
  vf acc[Q];
#pragma GCC unroll 8
  for (std::size_t q = 0; q < Q; ++q) acc[q] = vload(y + q * kW);
  for (std::size_t i = 0; i < K; ++i) {
    const vf xi = vset1(x[i]);
    const float* __restrict row = M + i * ld;
#pragma GCC unroll 8
    for (std::size_t q = 0; q < Q; ++q) acc[q] = acc[q] + xi * vload(row + q * kW);
  }
#pragma GCC unroll 8
  for (std::size_t q = 0; q < Q; ++q) vstore(y + q * kW, acc[q]);
}

inline void add_rows(float* __restrict y, const float* __restrict M, std::size_t ld, const float* __restrict x,
                     std::size_t K, std::size_t n) {
  std::size_t j = 0;
  for (; j + 8 * kW <= n; j += 8 * kW) rows_tile<8>(y + j, M + j, ld, x, K);
  if (j + 4 * kW <= n) {
    rows_tile<4>(y + j, M + j, ld, x, K);
    j += 4 * kW;
  }
  if (j + 2 * kW <= n) {
    rows_tile<2>(y + j, M + j, ld, x, K);
    j += 2 * kW;
  }
  if (j + kW <= n) {
    rows_tile<1>(y + j, M + j, ld, x, K);
    j += kW;
  }
  for (; j < n; ++j) {  // the last n mod W columns
    float s = y[j];
    for (std::size_t i = 0; i < K; ++i) s = s + x[i] * M[i * ld + j];
    y[j] = s;
  }
}

template <class S>
inline void add_rows(S* y, const S* M, std::size_t ld, const S* x, std::size_t K, std::size_t n) {
  for (std::size_t i = 0; i < K; ++i) {
    const S xi = x[i];
    const S* row = M + i * ld;
    for (std::size_t j = 0; j < n; ++j) y[j] += xi * row[j];
  }
}

// x[j] += alpha[j]·(u[j] - x[j]) with drive[j] = u[j] - x[j], act[j] = tanh(x[j]).
template <class S>
inline void integrate(const S* __restrict alpha, const S* __restrict u, S* __restrict x, S* __restrict act,
                      S* __restrict drive, std::size_t N) {
  std::size_t j = 0;
  if constexpr (std::is_same_v<S, float>) {
    for (; j + kW <= N; j += kW) {
      const vf d = vload(u + j) - vload(x + j);
      vstore(drive + j, d);
      const vf xn = vload(x + j) + vload(alpha + j) * d;
      vstore(x + j, xn);
      vstore(act + j, tanh_vec(xn));
    }
  }
  for (; j < N; ++j) {
    const S d = u[j] - x[j];
    drive[j] = d;
    x[j] += alpha[j] * d;
    act[j] = tanh_(x[j]);
  }
}

// u[j] += Σ_c wIn[j][c]·in[c], the sum from 0 in channel order, then added to u[j]; wInT is wIn
// transposed ([C, N]): the units run side by side, each with the same operations in the same order as
// the scalar loop (the wake phrase's 16 channels made this scalar loop cost more than the W·a product).
inline void add_input(float* __restrict u, const float* __restrict wInT, const float* __restrict in, std::size_t C,
                      std::size_t N) {
  std::size_t j = 0;
  for (; j + kW <= N; j += kW) {
    vf acc = vset1(0.0f);
    for (std::size_t c = 0; c < C; ++c) acc = acc + vload(wInT + c * N + j) * vset1(in[c]);
    vstore(u + j, vload(u + j) + acc);
  }
  for (; j < N; ++j) {
    float acc = 0;
    for (std::size_t c = 0; c < C; ++c) acc += wInT[c * N + j] * in[c];
    u[j] += acc;
  }
}

// One forward step for all units. aPrev null means a[-1] = 0. Writes x (in place), act row, drive row.
// wInT: wIn transposed (float, more than one channel), else null.
template <class S>
inline void step(const TeacherParamsT<S>& p, const S* alpha, const float* in, const S* aPrev, S* x, S* u, S* act,
                 S* drive, const S* wInT) {
  const std::size_t N = p.units, C = p.channels;
  const S* b = p.bias.data();
  for (std::size_t j = 0; j < N; ++j) u[j] = b[j];
  const S* wIn = p.wIn.data();
  if (C == 1) {
    const S c0 = static_cast<S>(in[0]);
    for (std::size_t j = 0; j < N; ++j) u[j] += wIn[j] * c0;
  } else if constexpr (std::is_same_v<S, float>) {
    add_input(u, wInT, in, C, N);
  } else {
    for (std::size_t j = 0; j < N; ++j) {
      S acc = 0;
      for (std::size_t c = 0; c < C; ++c) acc += wIn[j * C + c] * static_cast<S>(in[c]);
      u[j] += acc;
    }
  }
  if (aPrev) add_rows(u, p.wRec.data(), N, aPrev, N, N);
  integrate(alpha, u, x, act, drive, N);
}

// gx = ga·(1 - a²) + gxn·(1 - alpha), gu = gx·alpha, galpha += gx·d, bias += gu (per unit).
template <class S>
inline void backward_units(const S* __restrict ga, const S* __restrict a, const S* __restrict d,
                           const S* __restrict gxn, const S* __restrict alpha, S* __restrict gx, S* __restrict gu,
                           S* __restrict galpha, S* __restrict bias, std::size_t N) {
  std::size_t j = 0;
  if constexpr (std::is_same_v<S, float>) {
    const vf one = vset1(1.0f);
    for (; j + kW <= N; j += kW) {
      const vf av = vload(a + j), al = vload(alpha + j);
      const vf gxv = vload(ga + j) * (one - av * av) + vload(gxn + j) * (one - al);
      vstore(gx + j, gxv);
      const vf guv = gxv * al;
      vstore(gu + j, guv);
      vstore(galpha + j, vload(galpha + j) + gxv * vload(d + j));
      vstore(bias + j, vload(bias + j) + guv);
    }
  }
  for (; j < N; ++j) {
    gx[j] = ga[j] * (S(1) - a[j] * a[j]) + gxn[j] * (S(1) - alpha[j]);
    gu[j] = gx[j] * alpha[j];
    galpha[j] += gx[j] * d[j];
    bias[j] += gu[j];
  }
}

// y[j] += x[j]·c
template <class S>
inline void add_scaled(S* __restrict y, const S* __restrict x, S c, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) y[j] += x[j] * c;
}

// G[i][j] += Σ_t A[t-1][i]·U[t][j] for t = T-1 down to 1 (this order per element): A = act [T x N],
// U = gu [T x N]. Tiles of R rows x Q vectors of G stay in registers while t runs.
template <std::size_t R, std::size_t Q>
__attribute__((always_inline)) inline void outer_tile(float* __restrict G, const float* __restrict A,
                                                      const float* __restrict U, std::size_t lo, std::size_t hi,
                                                      std::size_t N, std::size_t i0, std::size_t j0) {
  vf acc[R][Q];
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (std::size_t q = 0; q < Q; ++q) acc[r][q] = vload(G + (i0 + r) * N + j0 + q * kW);
  for (std::size_t t = hi; t-- > lo;) {
    const float* __restrict a = A + (t - 1) * N + i0;
    const float* __restrict u = U + t * N + j0;
    vf uq[Q];
#pragma GCC unroll 8
    for (std::size_t q = 0; q < Q; ++q) uq[q] = vload(u + q * kW);
#pragma GCC unroll 8
    for (std::size_t r = 0; r < R; ++r) {
      const vf ar = vset1(a[r]);
#pragma GCC unroll 8
      for (std::size_t q = 0; q < Q; ++q) acc[r][q] = acc[r][q] + ar * uq[q];
    }
  }
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (std::size_t q = 0; q < Q; ++q) vstore(G + (i0 + r) * N + j0 + q * kW, acc[r][q]);
}

// The terms of t in [lo, hi), t from hi - 1 down to lo (lo >= 1), with a cancel check before each strip
// of columns (at most (hi - lo) x N x 64 multiply-adds).
inline void outer_range(float* __restrict G, const float* __restrict A, const float* __restrict U, std::size_t lo,
                        std::size_t hi, std::size_t N, const Control* control) {
  // Register tiles: 16 accumulators of 4 vectors x 4 rows (AVX-512 has 32 registers), 8 of 2 x 4 at
  // AVX2 and SSE2 (16 registers).
  constexpr std::size_t Q = kW == 16 ? 4 : 2, R = 4;
  std::size_t j0 = 0;
  for (; j0 + Q * kW <= N; j0 += Q * kW) {
    if (control) control->check();
    std::size_t i0 = 0;
    for (; i0 + R <= N; i0 += R) outer_tile<R, Q>(G, A, U, lo, hi, N, i0, j0);
    for (; i0 < N; ++i0) outer_tile<1, Q>(G, A, U, lo, hi, N, i0, j0);
  }
  for (; j0 + kW <= N; j0 += kW) {
    if (control) control->check();
    for (std::size_t i0 = 0; i0 < N; ++i0) outer_tile<1, 1>(G, A, U, lo, hi, N, i0, j0);
  }
  for (; j0 < N; ++j0) {  // the last N mod W columns
    if (control) control->check();
    for (std::size_t i = 0; i < N; ++i) {
      float s = G[i * N + j0];
      for (std::size_t t = hi; t-- > lo;) s = s + A[(t - 1) * N + i] * U[t * N + j0];
      G[i * N + j0] = s;
    }
  }
}

// t from T-1 down to 1 in chunks of 2^16 / N steps (at least 16; one chunk for a 1 s sample of 64 units),
// so that a strip of columns of a chunk is at most 2^22 multiply-adds (a few ms) between two checks of
// the cancel flag: a long sample of a large teacher is seconds of work here. Between chunks the sums go
// through G and back, which is exact: the operations per element and their order do not change.
inline void outer_sum(float* __restrict G, const float* __restrict A, const float* __restrict U, std::size_t T,
                      std::size_t N, const Control* control) {
  const std::size_t chunk = std::max<std::size_t>(16, (std::size_t(1) << 16) / N);
  for (std::size_t hi = T; hi > 1;) {
    const std::size_t lo = hi > chunk + 1 ? hi - chunk : 1;
    outer_range(G, A, U, lo, hi, N, control);
    hi = lo;
  }
}

template <class S>
inline S dot(const S* a, const S* b, std::size_t n) {
  // Four partial sums in a fixed order: vectorisable without -ffast-math, and deterministic.
  S s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < n; ++k) s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
}

template <class S>
void prepare(const TeacherParamsT<S>& p, std::size_t steps, TeacherWorkspace<S>& ws, bool trajectories) {
  const std::size_t N = p.units;
  if (trajectories) {
    ws.act.resize(steps * N);
    ws.drive.resize(steps * N);
  } else {
    ws.act.resize(N);
    ws.drive.resize(N);
  }
  ws.x.assign(N, S(0));
  ws.u.assign(N, S(0));
  ws.y.assign(p.outputs, S(0));
  const std::size_t C = p.channels;
  if constexpr (std::is_same_v<S, float>) {
    if (C <= 1) return;
    ws.wInT.resize(C * N);
    for (std::size_t j = 0; j < N; ++j)
      for (std::size_t c = 0; c < C; ++c) ws.wInT[c * N + j] = p.wIn[j * C + c];
  }
}

// Steps between two checks of the cancel flag: about 2^16 multiply-adds (a step costs N² + N·(C + O)),
// so that a long sample stops within a millisecond or so.
template <class S>
std::size_t check_every(const TeacherParamsT<S>& p) {
  const std::size_t work = p.units * (p.units + p.channels + p.outputs) + 1;
  return std::max<std::size_t>(1, (std::size_t(1) << 16) / work);
}

template <class S>
std::vector<S> alphas(const TeacherParamsT<S>& p) {
  std::vector<S> a(p.units);
  for (std::size_t j = 0; j < p.units; ++j) a[j] = static_cast<S>(p.dtMs / static_cast<double>(p.tauMs[j]));
  return a;
}

}  // namespace

template <class S>
void forward_sample(const TeacherParamsT<S>& p, const float* input, std::size_t steps, float* outputs,
                    float* activations, TeacherWorkspace<S>& ws, const Control* control) {
  const std::size_t N = p.units, C = p.channels, O = p.outputs;
  prepare(p, steps, ws, false);
  const std::vector<S> alpha = alphas(p);
  std::vector<S> prev(N, S(0));
  const std::size_t every = check_every(p);
  for (std::size_t t = 0; t < steps; ++t) {
    if (control && t % every == 0) control->check();
    step(p, alpha.data(), input + t * C, t > 0 ? prev.data() : nullptr, ws.x.data(), ws.u.data(), ws.act.data(),
         ws.drive.data(), ws.wInT.data());
    if (outputs)
      for (std::size_t o = 0; o < O; ++o)
        outputs[t * O + o] = static_cast<float>(dot(p.wOut.data() + o * N, ws.act.data(), N));
    if (activations)
      for (std::size_t j = 0; j < N; ++j) activations[t * N + j] = static_cast<float>(ws.act[j]);
    prev.swap(ws.act);
  }
}

template <class S>
double sample_gradient(const TeacherParamsT<S>& p, const float* input, const float* target, std::size_t steps,
                       double lambdaMse, TeacherGradT<S>& g, TeacherWorkspace<S>& ws, float* outputs,
                       const Control* control, unsigned threads) {
  const std::size_t N = p.units, C = p.channels, O = p.outputs;
  prepare(p, steps, ws, true);
  const std::vector<S> alpha = alphas(p);
  const std::size_t every = check_every(p);
  // Forward, keeping a[t] and u[t] - x[t-1].
  for (std::size_t t = 0; t < steps; ++t) {
    if (control && t % every == 0) control->check();
    step(p, alpha.data(), input + t * C, t > 0 ? &ws.act[(t - 1) * N] : nullptr, ws.x.data(), ws.u.data(),
         &ws.act[t * N], &ws.drive[t * N], ws.wInT.data());
  }
  // W transposed, so that W . gu is a sum of rows (vectorisable, fixed order).
  std::vector<S> wT(N * N);
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j) wT[j * N + i] = p.wRec[i * N + j];

  ws.ga.assign(N, S(0));
  ws.gx.assign(N, S(0));
  ws.gxNext.assign(N, S(0));
  ws.gu.assign(N, S(0));
  ws.guNext.assign(N, S(0));
  std::vector<S> galpha(N, S(0));
  // float: gu of every step is kept (T x N) for the deferred wRec gradient
  constexpr bool deferOuter = std::is_same_v<S, float>;
  if (deferOuter) ws.gus.resize(steps * N);
  const S* guNext = ws.guNext.data();
  const double scale = 2.0 * lambdaMse / (static_cast<double>(steps) * static_cast<double>(O));
  double sse = 0;
  const S* wOut = p.wOut.data();
  // Steps of the backward pass whose gu rows are written (float): the rows at and above it.
  std::atomic<std::size_t> reached{steps};
  const auto backward = [&]() {
  for (std::size_t tt = steps; tt-- > 0;) {
    if (control && tt % every == 0) control->check();
    const S* a = &ws.act[tt * N];
    const S* d = &ws.drive[tt * N];
    S* ga = ws.ga.data();
    // d loss / d a[t]: from y[t] ...
    for (std::size_t j = 0; j < N; ++j) ga[j] = 0;
    for (std::size_t o = 0; o < O; ++o) {
      const S y = dot(wOut + o * N, a, N);
      if (outputs) outputs[tt * O + o] = static_cast<float>(y);
      const double err = static_cast<double>(y) - static_cast<double>(target[tt * O + o]);
      sse += err * err;
      const S gy = static_cast<S>(scale * err);
      S* gW = g.wOut.data() + o * N;
      const S* wo = wOut + o * N;
      for (std::size_t j = 0; j < N; ++j) {
        gW[j] += gy * a[j];
        ga[j] += gy * wo[j];
      }
    }
    // ... and from u[t+1] = ... + W^T a[t]
    if (tt + 1 < steps) add_rows(ga, wT.data(), N, guNext, N, N);
    S* gx = ws.gx.data();
    S* gu = deferOuter ? &ws.gus[tt * N] : ws.gu.data();
    const S* gxn = ws.gxNext.data();
    backward_units(ga, a, d, gxn, alpha.data(), gx, gu, galpha.data(), g.bias.data(), N);
    const float* in = input + tt * C;
    if (C == 1)
      add_scaled(g.wIn.data(), gu, static_cast<S>(in[0]), N);
    else
      for (std::size_t j = 0; j < N; ++j)
        for (std::size_t c = 0; c < C; ++c) g.wIn[j * C + c] += gu[j] * static_cast<S>(in[c]);
    if (tt > 0 && !deferOuter) {
      const S* ap = &ws.act[(tt - 1) * N];
      for (std::size_t i = 0; i < N; ++i) {
        const S ai = ap[i];
        S* __restrict row = g.wRec.data() + i * N;
        for (std::size_t j = 0; j < N; ++j) row[j] += ai * gu[j];
      }
    }
    ws.gx.swap(ws.gxNext);
    if (deferOuter) {
      guNext = gu;
      reached.store(tt, std::memory_order_release);
    } else {
      ws.gu.swap(ws.guNext);
      guNext = ws.guNext.data();
    }
  }
  };
  // The wRec gradient, deferred: g.wRec[i][j] += a[t-1][i]·gu[t][j] for t = T-1 down to 1, in this
  // order per element, as one matrix-matrix product per sample instead of an outer product per step.
  bool helped = false;
  if constexpr (deferOuter) {
    // With a free second thread of the pool, that product runs beside the backward pass: in chunks of
    // kOuterChunk steps from the top, each as soon as the backward pass has written its gu rows, one
    // chunk after the other (a chunk is claimed only when the one before it is done, so one thread at
    // a time adds to g.wRec, and each element gets its terms in the same order as in outer_sum: the
    // same results). The backward pass, once done, computes the chunks the helper has not claimed.
    constexpr std::size_t kOuterChunk = 64;
    if (threads != 1 && steps > 2 * kOuterChunk) {
      const int64_t chunks = static_cast<int64_t>((steps - 1 + kOuterChunk - 1) / kOuterChunk);
      const auto lo = [&](int64_t c) {
        const std::size_t hi = steps - static_cast<std::size_t>(c) * kOuterChunk;
        return hi > kOuterChunk + 1 ? hi - kOuterChunk : std::size_t(1);
      };
      std::atomic<int64_t> next{0}, done{0};
      std::atomic<bool> stop{false};
      const auto claim = [&]() -> int64_t {
        int64_t c = next.load(std::memory_order_acquire);
        if (c >= chunks || done.load(std::memory_order_acquire) != c || reached.load(std::memory_order_acquire) > lo(c))
          return -1;
        return next.compare_exchange_strong(c, c + 1, std::memory_order_acq_rel) ? c : -1;
      };
      const auto compute = [&](int64_t c, const Control* ctl) {
        outer_range(g.wRec.data(), ws.act.data(), ws.gus.data(), lo(c), steps - static_cast<std::size_t>(c) * kOuterChunk,
                    N, ctl);
        done.store(c + 1, std::memory_order_release);
      };
      helped = global_pool().try_parallel_for(
          2,
          [&](std::size_t item) {
            if (item == 1) {  // the helper
              try {
                while (!stop.load(std::memory_order_acquire) && done.load(std::memory_order_acquire) < chunks) {
                  const int64_t c = claim();
                  if (c >= 0)
                    compute(c, control);  // checks the cancel flag per strip of columns (a large teacher's
                                          // chunk is milliseconds)
                  else
                    std::this_thread::yield();
                }
              } catch (const Cancelled&) {
                // the chunk it was in stays unfinished, so the backward pass cannot claim the next one:
                // it finds the cancel flag set while it waits and throws Cancelled itself
              }
              return;
            }
            struct StopHelper {  // however the backward pass ends, the helper stops
              std::atomic<bool>& s;
              ~StopHelper() { s.store(true, std::memory_order_release); }
            } stopHelper{stop};
            backward();
            while (done.load(std::memory_order_acquire) < chunks) {
              const int64_t c = claim();
              if (c >= 0) {
                compute(c, control);
              } else {
                if (control) control->check();
                std::this_thread::yield();  // the helper is computing the chunk before
              }
            }
          },
          2);
    }
  }
  if (!helped) {
    backward();
    if constexpr (deferOuter)
      if (steps > 1) outer_sum(g.wRec.data(), ws.act.data(), ws.gus.data(), steps, N, control);
  }
  // alpha = dt / tau  =>  d alpha / d tau = -dt / tau^2
  for (std::size_t j = 0; j < N; ++j) {
    const double tau = static_cast<double>(p.tauMs[j]);
    g.tauMs[j] += static_cast<S>(static_cast<double>(galpha[j]) * (-p.dtMs / (tau * tau)));
  }
  return sse / (static_cast<double>(steps) * static_cast<double>(O));
}
