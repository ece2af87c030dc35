/* The floor reference for the spiking network benchmark: the smallest tight C loop of the same model
 * (docs/method.md §4 update order, Euler, float32, event-driven recurrence, one thread, one sample) with
 * the same arithmetic as native/core/snn.cpp, so its spike count must equal ours exactly. It uses the
 * same data-layout tricks as the addon (combined [slow | fast] rows, 16-neuron blocks, byte spike
 * flags, huge pages), so the ratio ours/floor measures what generality costs us, not layout.
 *
 *   floor <dir> <steps> <reps>     simulate the network written by bench/run.ts into <dir>
 *   floor --shared <dir> <steps> <reps>
 *                                  the same with every per-neuron parameter a constant held in a
 *                                  register (valid for this uniform network; N a multiple of 16): the
 *                                  per-step work that is left when parameter reads cost nothing, i.e.
 *                                  when a batch has amortised them completely. Its time bounds what
 *                                  any batch layout can gain on one thread (bench/README.md, "Batches").
 *   floor --stream <bytes> <reps>  read bandwidth over a buffer of that size (the weight matrix)
 *
 * Prints one line of JSON. Compiled by bench/run.ts with the addon's flags.
 */
#define _DEFAULT_SOURCE /* madvise, clock_gettime */
/* The same floating-point mode as native/core/snn.cpp (no FMA contraction; selects may if-convert). */
#pragma GCC optimize("fp-contract=off", "no-trapping-math")
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static float* load(const char* dir, const char* name, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "floor: cannot open %s\n", path); exit(2); }
  float* p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64 + 64);
  if (fread(p, sizeof(float), n, f) != n) { fprintf(stderr, "floor: %s is too short\n", path); exit(2); }
  fclose(f);
  return p;
}

static float* zeros(size_t n) {
  float* p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64 + 64);
  memset(p, 0, n * sizeof(float));
  return p;
}

static inline float blend(int32_t mask, float a, float b) { /* mask ? a : b, without a branch */
  uint32_t ua, ub, m = (uint32_t)mask, o;
  float f;
  memcpy(&ua, &a, 4);
  memcpy(&ub, &b, 4);
  o = (ua & m) | (ub & ~m);
  memcpy(&f, &o, 4);
  return f;
}

/* One step of the per-neuron update (steps (1)-(5) without the spike contributions, and (7)),
 * branch-free so GCC vectorises it. Single-purpose: the benchmark network has no refractory period
 * (the paper's default), so there is no refractory counter. */
static void update(size_t n, float* restrict v, float* restrict is, float* restrict ifa, float* restrict r,
                   uint8_t* restrict spk, const float* restrict ext, const float* restrict g,
                   const float* restrict c0, const float* restrict vth, const float* restrict vreset,
                   const float* restrict ds, const float* restrict df, const float* restrict dout) {
  for (size_t i = 0; i < n; ++i) {
    const float si = is[i], fi = ifa[i], ri = r[i], vo = v[i];
    const float cur = (si + fi) + ext[i];
    const float vn = vo + g[i] * ((c0[i] - vo) + cur);
    const int32_t fire = -(int32_t)(vn >= vth[i]);
    spk[i] = (uint8_t)(fire & 1);
    v[i] = blend(fire, vreset[i], vn);
    is[i] = si * ds[i];
    ifa[i] = fi * df[i];
    r[i] = ri * dout[i];
  }
}

/* The update with the parameters as constants (the --shared ceiling): the same arithmetic. */
static void update_shared(size_t n, float* restrict v, float* restrict is, float* restrict ifa, float* restrict r,
                          uint8_t* restrict spk, const float* restrict ext, float g, float c0, float vth,
                          float vreset, float ds, float df, float dout) {
  for (size_t i = 0; i < n; ++i) {
    const float si = is[i], fi = ifa[i], ri = r[i], vo = v[i];
    const float cur = (si + fi) + ext[i];
    const float vn = vo + g * ((c0 - vo) + cur);
    const int32_t fire = -(int32_t)(vn >= vth);
    spk[i] = (uint8_t)(fire & 1);
    v[i] = blend(fire, vreset, vn);
    is[i] = si * ds;
    ifa[i] = fi * df;
    r[i] = ri * dout;
  }
}

/* ext[i] = sum_c wT[c][i] x[c], 16 neurons at a time with the sums in registers (n multiple of 16). */
static void input_current(size_t n, size_t C, float* restrict ext, const float* restrict wT, const float* restrict x) {
  for (size_t i0 = 0; i0 < n; i0 += 16) {
    float acc[16];
    for (size_t k = 0; k < 16; ++k) acc[k] = wT[i0 + k] * x[0];
    for (size_t c = 1; c < C; ++c)
      for (size_t k = 0; k < 16; ++k) acc[k] = acc[k] + wT[c * n + i0 + k] * x[c];
    for (size_t k = 0; k < 16; ++k) ext[i0 + k] = acc[k];
  }
}

/* y += x over n floats (n multiple of 16): one spike's [slow | fast] row into the [I_s | I_f] traces. */
static void add_row(size_t n, float* restrict y, const float* restrict x) {
  for (size_t i = 0; i < n; i += 16)
    for (size_t k = 0; k < 16; ++k) y[i + k] = y[i + k] + x[i + k];
}

/* Read bandwidth: an integer XOR over the buffer (integer ops reassociate, so this vectorises and is
 * limited by the memory level the buffer fits in, not by an add chain). */
static int stream(size_t bytes, int reps) {
  size_t n = bytes / sizeof(uint32_t);
  uint32_t* a = (uint32_t*)zeros(n);
  for (size_t i = 0; i < n; ++i) a[i] = (uint32_t)(i * 2654435761u);
  double best = 1e30;
  uint32_t sink = 0;
  int inner = (int)(1 + (1 << 24) / (n + 1)); /* repeat small buffers so the time is measurable */
  for (int k = 0; k < reps; ++k) {
    double t0 = now();
    uint32_t acc = 0;
    for (int rep = 0; rep < inner; ++rep) {
      uint32_t x[32] = {0}; /* 8 independent 4-lane accumulators: no dependency chain */
      for (size_t i = 0; i + 32 <= n; i += 32)
        for (int k = 0; k < 32; ++k) x[k] ^= a[i + k];
      for (int k = 0; k < 32; ++k) acc ^= x[k];
      acc = (acc << 1) | (acc >> 31);
    }
    double t = (now() - t0) / inner;
    sink ^= acc;
    if (t < best) best = t;
  }
  printf("{\"bytes\":%zu,\"seconds\":%.9f,\"gbPerSecond\":%.3f,\"sink\":%u}\n", bytes, best, bytes / best / 1e9, sink);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "--stream") == 0) return stream((size_t)atoll(argv[2]), atoi(argv[3]));
  const int shared = argc == 5 && strcmp(argv[1], "--shared") == 0;
  if (shared) { ++argv; --argc; }
  if (argc != 4) {
    fprintf(stderr, "usage: floor [--shared] <dir> <steps> <reps> | floor --stream <bytes> <reps>\n");
    return 2;
  }
#if defined(__SSE2__)
  _mm_setcsr(_mm_getcsr() | 0x8040u); /* flush subnormals to zero, as the addon's kernel does */
#endif
  const char* dir = argv[1];
  const size_t T = (size_t)atoll(argv[2]);
  const int reps = atoi(argv[3]);
  char path[4096];
  snprintf(path, sizeof path, "%s/meta.txt", dir);
  FILE* mf = fopen(path, "r");
  if (!mf) { fprintf(stderr, "floor: no %s\n", path); return 2; }
  size_t N, C, Tin;
  double tauMem, tauS, tauF, tauOut, vTh, vRest, vReset, bias, dt;
  if (fscanf(mf, "%zu %zu %zu %lf %lf %lf %lf %lf %lf %lf %lf %lf", &N, &C, &Tin, &tauMem, &tauS, &tauF, &tauOut, &vTh,
             &vRest, &vReset, &bias, &dt) != 12) { fprintf(stderr, "floor: bad meta.txt\n"); return 2; }
  fclose(mf);
  if (T > Tin) { fprintf(stderr, "floor: only %zu input steps\n", Tin); return 2; }
  float* wIn = load(dir, "wIn.f32", N * C);
  float* omegaF = load(dir, "omegaF.f32", N * N);
  float* omegaS = load(dir, "omegaS.f32", N * N);
  float* x = load(dir, "inputs.f32", Tin * C);
  float* v0 = load(dir, "v0.f32", N);

  /* Variables: per-neuron arrays (the model allows mismatch), derived as in snn.cpp; arrays padded
   * to a multiple of 16 neurons (padding neurons never reach their infinite threshold). */
  const size_t Np = (N + 15) / 16 * 16;
  if (shared && Np != N) { fprintf(stderr, "floor: --shared needs N a multiple of 16 (no padding neurons)\n"); return 2; }
  float *g = zeros(Np), *c0 = zeros(Np), *vth = zeros(Np), *vres = zeros(Np), *ds = zeros(Np), *df = zeros(Np),
        *dout = zeros(Np);
  const float invS = (float)(1000.0 / (double)(float)tauS), invF = (float)(1000.0 / (double)(float)tauF);
  const float invOut = (float)(1000.0 / (double)(float)tauOut);
  for (size_t i = 0; i < Np; ++i) vth[i] = INFINITY;
  for (size_t i = 0; i < N; ++i) {
    g[i] = (float)(dt / (double)(float)tauMem);
    c0[i] = (float)vRest + (float)bias;
    vth[i] = (float)vTh;
    vres[i] = (float)vReset;
    ds[i] = (float)exp(-dt / (double)(float)tauS);
    df[i] = (float)exp(-dt / (double)(float)tauF);
    dout[i] = (float)exp(-dt / (double)(float)tauOut);
  }
  /* Weights: one contiguous row per presynaptic neuron j, [Ω_s[j,:] / tau_s | Ω_f[:,j] / tau_f], on
   * huge pages; the input weights transposed. */
  const size_t rowLen = 2 * Np;
  float* rec = zeros(N * rowLen);
#if defined(__linux__)
  madvise((void*)((uintptr_t)rec & ~(uintptr_t)4095), N * rowLen * sizeof(float), MADV_HUGEPAGE);
#endif
  for (size_t j = 0; j < N; ++j)
    for (size_t i = 0; i < N; ++i) {
      rec[j * rowLen + i] = omegaS[j * N + i] * invS;
      rec[j * rowLen + Np + i] = omegaF[i * N + j] * invF;
    }
  float* wInT = zeros(C * Np);
  for (size_t i = 0; i < N; ++i)
    for (size_t c = 0; c < C; ++c) wInT[c * Np + i] = wIn[i * C + c];

  float *v = zeros(Np), *tr = zeros(2 * Np), *r = zeros(Np), *ext = zeros(Np);
  uint8_t* spk = (uint8_t*)zeros(Np);
  int32_t* list = (int32_t*)zeros(Np);
  double best = 1e30;
  uint64_t spikes = 0;
  for (int rep = 0; rep < reps; ++rep) {
    memset(v, 0, Np * sizeof(float));
    memcpy(v, v0, N * sizeof(float));
    memset(tr, 0, 2 * Np * sizeof(float));
    memset(r, 0, Np * sizeof(float));
    spikes = 0;
    const double t0 = now();
    for (size_t t = 0; t < T; ++t) {
      input_current(Np, C, ext, wInT, x + t * C);
      if (shared)
        update_shared(Np, v, tr, tr + Np, r, spk, ext, g[0], c0[0], vth[0], vres[0], ds[0], df[0], dout[0]);
      else
        update(Np, v, tr, tr + Np, r, spk, ext, g, c0, vth, vres, ds, df, dout);
      size_t count = 0;
      for (size_t i0 = 0; i0 < Np; i0 += 16) { /* spikes are rare: test 16 flags at once */
        uint64_t a, b;
        memcpy(&a, spk + i0, 8);
        memcpy(&b, spk + i0 + 8, 8);
        if ((a | b) == 0) continue;
        for (size_t k = 0; k < 16; ++k)
          if (spk[i0 + k]) list[count++] = (int32_t)(i0 + k);
      }
      for (size_t s = 0; s < count; ++s) {
        add_row(rowLen, tr, rec + (size_t)list[s] * rowLen);
        r[list[s]] = r[list[s]] + invOut;
      }
      spikes += count;
    }
    const double sec = now() - t0;
    if (sec < best) best = sec;
  }
  printf("{\"neurons\":%zu,\"steps\":%zu,\"seconds\":%.9f,\"spikes\":%llu,\"neuronStepsPerSecond\":%.6g}\n", N, T, best,
         (unsigned long long)spikes, (double)N * (double)T / best);
  return 0;
}
