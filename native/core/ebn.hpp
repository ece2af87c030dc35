// Construction of the efficient balanced network (EBN) weights, docs/method.md §4.1 "Weights".
//
//   D (dims x N)     seed decoder, entries N(0,1)/dims
//   T_n              ½(ν λ_d + μ λ_d² + (Σ_c |D_cn|)²)     ideal EBN threshold (squared L1 norm)
//   Dr[:, n]         a·D[:, n]/T_n,  a = V_th − V_rest
//   F (N x dims)     tau_mem·Drᵀ, tau_mem in SECONDS (so λ_d = 1/tau_mem = 20 s⁻¹ for 50 ms)
//   Ω_f[n, m]        −g·tau_mem·(DᵀD + μ λ_d² I)[n, m]/T_n for n ≠ m, diagonal 0 (the reset is explicit)
//   decoder          Fᵀ (dims x N)
// λ_d is in 1/s, μ and ν are the EBN cost weights (the paper's defaults 5e-4 and 1e-4).
//
// DELIBERATE DEPARTURE from the authors' method (docs/method.md §4.1, §9): the factor tau_mem (seconds) in Ω_f. The simulator's kernels
// have unit area (a spike of m adds Ω_f[n,m]/tau_f to I_f,n), so a current weight W moves V by W/tau_mem
// = λ_d·W in total; the encoder already carries that factor (F = tau_mem·Drᵀ), and the fast weights now
// do too, so each spike's kick on V_n is g·(DᵀD + μλ_d²I)[n,m]/T_n: with g = a = V_th − V_rest (0.5,
// the smaller task's value) the EBN ideal a·(DᵀD)/T_n. (Euler with tau_f = dt = 1 ms makes the delivered kick
// 1/(1 − e^{−1}) ≈ 1.58 times the continuous-time value: the trace is used at full height in the step
// after the spike and the sum of its decay is 1.58 steps.) the paper's formula without tau_mem (kicks
// 20 times the ideal) made the network run away: measured at N = 320, D = 8, feedback k = 75-200,
// g = 0.5 or 1.5 gave ~80 Hz and a reconstruction error ~2. With the factor, g = 0.25..1 tracks at a few
// Hz (test/integration/native-snn.test.ts; the sweep over g is in the ADS report). The authors' older
// Rockpool code added W itself on a spike (unit-height kernels), i.e. fast weights another factor
// ~30 weaker than ours at the same g.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cancel.hpp"

namespace mimic {

struct EbnOptions {
  std::size_t neurons = 0, dims = 0;
  uint64_t seed = 0;
  double mu = 5e-4, nu = 1e-4;
  double tauMemMs = 50;
  double vTh = 1.0, vRest = 0.5;
  double g = 1.5;           // fast weight gain (the paper: 1.5 wake phrase, 0.5 smaller task), in units of the EBN ideal kick
  bool noEbn = false;       // Ω_f = 0
  // Slow weights: 0 (the paper's start), or N(0, (slowScale)²/N) off the diagonal when slowRandom.
  bool slowRandom = false;
  double slowScale = 0.0;
  unsigned threads = 0;     // for the fast weights' products: 0 = the pool; the result does not depend on it
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
// The cancel flag of `control` is checked once per row of every O(N²) and O(N·dims) loop.
EbnWeights build_ebn(const EbnOptions& o, const Control& control = Control());

// wIn = A·F·F̂ for an encoder F [N x dims] and teacher input weights F̂ [dims x C]; returns [N x C].
std::vector<float> ebn_input_weights(const std::vector<float>& encoder, const std::vector<float>& fHat,
                                     std::size_t neurons, std::size_t dims, std::size_t channels, double gainA,
                                     const Control& control = Control());

}  // namespace mimic
