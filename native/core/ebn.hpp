// Construction of the efficient balanced network (EBN) weights, METHOD.md §4 "Weights".
//
//   D (dims x N)     seed decoder, entries N(0,1)/dims
//   T_n              ½(ν λ_d + μ λ_d² + (Σ_c |D_cn|)²)     ideal EBN threshold (squared L1 norm)
//   Dr[:, n]         a·D[:, n]/T_n,  a = V_th − V_rest
//   F (N x dims)     tau_mem·Drᵀ, tau_mem in SECONDS (so λ_d = 1/tau_mem = 20 s⁻¹ for 50 ms)
//   Ω_f[n, m]        −g·(DᵀD + μ λ_d² I)[n, m]/T_n for n ≠ m, diagonal 0 (the reset is explicit)
//   decoder          Fᵀ (dims x N)
// λ_d is in 1/s, μ and ν are the EBN cost weights (METHOD defaults 5e-4 and 1e-4).
//
// Scale of Ω_f, measured (test/integration/native-snn.test.ts, N = 320, D = 8, feedback k = 75-200):
// with METHOD's unit-area kernels (a spike adds Ω_f/tau_f, tau_f = 1 ms = dt) a spike of m moves V_n by
// about 31.6·Ω_f[n,m] = −31.6·g·D_n·D_m/T_n, while the EBN ideal is −(a/T_n)·D_n·D_m (a = 0.5). With
// METHOD's g = 0.5 or 1.5 the fast weights are 30-100 times too strong and the network runs away
// (~80 Hz, reconstruction error ~2); g ≈ 0.02 or noEbn track. Older Rockpool ADS code adds W itself
// (unit-height kernels) on a spike, which is 1000 times weaker: the kernel normalisation of the
// authors' code needs checking before g is taken from METHOD.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mimic {

struct EbnOptions {
  std::size_t neurons = 0, dims = 0;
  uint64_t seed = 0;
  double mu = 5e-4, nu = 1e-4;
  double tauMemMs = 50;
  double vTh = 1.0, vRest = 0.5;
  double g = 1.5;           // fast weight gain (METHOD: 1.5 wake phrase, 0.5 XOR)
  bool noEbn = false;       // Ω_f = 0
  // Slow weights: 0 (METHOD's start), or N(0, (slowScale)²/N) off the diagonal when slowRandom.
  bool slowRandom = false;
  double slowScale = 0.0;
};

struct EbnWeights {
  std::size_t neurons = 0, dims = 0;
  std::vector<float> seedDecoder;  // D [dims x N]
  std::vector<float> thresholds;   // T_n [N]
  std::vector<float> dr;           // Dr [dims x N]
  std::vector<float> encoder;      // F [N x dims]
  std::vector<float> decoder;      // Fᵀ [dims x N]
  std::vector<float> omegaF;       // [N x N], Ω_f[post, pre]
  std::vector<float> omegaS;       // [N x N], Ω_s[pre, post]
};

// Draws come from Rng(seed, 0) (decoder, dims-major) and Rng(seed, 1) (slow weights, row-major).
EbnWeights build_ebn(const EbnOptions& o);

// wIn = A·F·F̂ for an encoder F [N x dims] and teacher input weights F̂ [dims x C]; returns [N x C].
std::vector<float> ebn_input_weights(const std::vector<float>& encoder, const std::vector<float>& fHat,
                                     std::size_t neurons, std::size_t dims, std::size_t channels, double gainA);

}  // namespace mimic
