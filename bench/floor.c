/* The floor reference for the spiking network benchmark: the smallest tight C loop of the same model
 * (METHOD.md §4 update order, Euler, float32, event-driven recurrence, one thread, one sample) with
 * the same arithmetic as native/core/snn.cpp, so its spike count must equal ours exactly.
 *
 *   floor <dir> <steps> <reps>     simulate the network written by bench/run.ts into <dir>
 *   floor --stream <bytes> <reps>  read bandwidth over a buffer of that size (the weight matrix)
 *
 * Prints one line of JSON. Compiled by bench/run.ts with the addon's flags.
 */
#define _POSIX_C_SOURCE 200809L
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
 * (METHOD's default), so there is no refractory counter. */
static void update(size_t n, float* restrict v, float* restrict is, float* restrict ifa, float* restrict r,
                   int32_t* restrict spk, const float* restrict ext, const float* restrict g,
                   const float* restrict c0, const float* restrict vth, const float* restrict vreset,
                   const float* restrict ds, const float* restrict df, const float* restrict dout) {
  for (size_t i = 0; i < n; ++i) {
    const float si = is[i], fi = ifa[i], ri = r[i], vo = v[i];
    const float cur = (si + fi) + ext[i];
    const float vn = vo + g[i] * ((c0[i] - vo) + cur);
    const int32_t fire = -(int32_t)(vn >= vth[i]);
    spk[i] = fire & 1;
    v[i] = blend(fire, vreset[i], vn);
    is[i] = si * ds[i];
    ifa[i] = fi * df[i];
    r[i] = ri * dout[i];
  }
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
  if (argc != 4) { fprintf(stderr, "usage: floor <dir> <steps> <reps> | floor --stream <bytes> <reps>\n"); return 2; }
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

  /* Variables: per-neuron arrays (the model allows mismatch), derived as in snn.cpp. */
  float *g = zeros(N), *c0 = zeros(N), *vth = zeros(N), *vres = zeros(N), *ds = zeros(N), *df = zeros(N), *dout = zeros(N);
  const float invS = (float)(1000.0 / (double)(float)tauS), invF = (float)(1000.0 / (double)(float)tauF);
  const float invOut = (float)(1000.0 / (double)(float)tauOut);
  for (size_t i = 0; i < N; ++i) {
    g[i] = (float)(dt / (double)(float)tauMem);
    c0[i] = (float)vRest + (float)bias;
    vth[i] = (float)vTh;
    vres[i] = (float)vReset;
    ds[i] = (float)exp(-dt / (double)(float)tauS);
    df[i] = (float)exp(-dt / (double)(float)tauF);
    dout[i] = (float)exp(-dt / (double)(float)tauOut);
  }
  /* Weights: one row per presynaptic neuron, divided by the postsynaptic tau; input transposed. */
  float* ws = zeros(N * N);
  float* wf = zeros(N * N);
  for (size_t j = 0; j < N; ++j)
    for (size_t i = 0; i < N; ++i) {
      ws[j * N + i] = omegaS[j * N + i] * invS;
      wf[j * N + i] = omegaF[i * N + j] * invF;
    }
  float* wInT = zeros(C * N);
  for (size_t i = 0; i < N; ++i)
    for (size_t c = 0; c < C; ++c) wInT[c * N + i] = wIn[i * C + c];

  float *v = zeros(N), *is = zeros(N), *ifa = zeros(N), *r = zeros(N), *ext = zeros(N);
  int32_t *spk = (int32_t*)zeros(N), *list = (int32_t*)zeros(N);
  double best = 1e30;
  uint64_t spikes = 0;
  for (int rep = 0; rep < reps; ++rep) {
    memcpy(v, v0, N * sizeof(float));
    memset(is, 0, N * sizeof(float));
    memset(ifa, 0, N * sizeof(float));
    memset(r, 0, N * sizeof(float));
    spikes = 0;
    const double t0 = now();
    for (size_t t = 0; t < T; ++t) {
      const float* xt = x + t * C;
      for (size_t i = 0; i < N; ++i) ext[i] = wInT[i] * xt[0];
      for (size_t c = 1; c < C; ++c)
        for (size_t i = 0; i < N; ++i) ext[i] = ext[i] + wInT[c * N + i] * xt[c];
      update(N, v, is, ifa, r, spk, ext, g, c0, vth, vres, ds, df, dout);
      size_t count = 0;
      for (size_t i = 0; i < N; ++i)
        if (spk[i]) list[count++] = (int32_t)i;
      for (size_t s = 0; s < count; ++s) {
        const float* rs = ws + (size_t)list[s] * N;
        const float* rf = wf + (size_t)list[s] * N;
        for (size_t i = 0; i < N; ++i) is[i] = is[i] + rs[i];
        for (size_t i = 0; i < N; ++i) ifa[i] = ifa[i] + rf[i];
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
