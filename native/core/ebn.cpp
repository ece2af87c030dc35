#include "ebn.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "rng.hpp"
#include "simd.hpp"
#include "thread_pool.hpp"

#define MIMIC_SIMD_BODY "ebn_kernel-inl.hpp"
#include "simd_foreach.hpp"

namespace mimic {

EbnWeights build_ebn(const EbnOptions& o, const Control& control) {
  const std::size_t N = o.neurons, Dm = o.dims;
  if (N == 0) throw InvalidArgument("neurons must be at least 1");
  if (Dm == 0) throw InvalidArgument("dims must be at least 1");
  if (!(o.tauMemMs > 0)) throw InvalidArgument("tauMemMs must be strictly positive");
  if (!(o.vTh > o.vRest)) throw InvalidArgument("vTh must be above vRest (a = vTh - vRest scales the encoder)");
  EbnWeights w;
  w.neurons = N;
  w.dims = Dm;
  const double lambda = 1000.0 / o.tauMemMs;  // 1/s
  const double tauS = o.tauMemMs / 1000.0;    // s
  const double a = o.vTh - o.vRest;

  std::vector<double> D(Dm * N);
  Rng rng(o.seed, 0);
  for (std::size_t c = 0; c < Dm; ++c) {
    control.check();
    for (std::size_t n = 0; n < N; ++n) D[c * N + n] = rng.normal() / static_cast<double>(Dm);
  }

  std::vector<double> T(N);
  for (std::size_t n = 0; n < N; ++n) {
    double l1 = 0;
    for (std::size_t c = 0; c < Dm; ++c) l1 += std::fabs(D[c * N + n]);
    T[n] = 0.5 * (o.nu * lambda + o.mu * lambda * lambda + l1 * l1);
  }

  w.seedDecoder.resize(Dm * N);
  w.thresholds.resize(N);
  w.dr.resize(Dm * N);
  w.encoder.resize(N * Dm);
  w.decoder.resize(Dm * N);
  for (std::size_t n = 0; n < N; ++n) w.thresholds[n] = static_cast<float>(T[n]);
  for (std::size_t c = 0; c < Dm; ++c) {
    control.check();
    for (std::size_t n = 0; n < N; ++n) {
      const double dr = a * D[c * N + n] / T[n];
      w.seedDecoder[c * N + n] = static_cast<float>(D[c * N + n]);
      w.dr[c * N + n] = static_cast<float>(dr);
      w.encoder[n * Dm + c] = static_cast<float>(tauS * dr);
      w.decoder[c * N + n] = static_cast<float>(tauS * dr);
    }
  }

  assign_checked(w.omegaF, N * N, 0.0f, control);
  if (!o.noEbn) {
    // Ω_f[n][m] = −g·tau_mem·(Σ_c D[c][n]·D[c][m])/T_n off the diagonal (the μ λ_d² I term only touches
    // the diagonal, which is held at 0): N²·Dm multiply-adds (69 G at 8192 x 1024). The kernel of the
    // active SIMD level computes them in register tiles, each sum over c in order (the same doubles as a
    // plain dot product), over blocks of columns whose part of D stays in L2, on the pool's threads.
    std::vector<double> DT(N * Dm);  // columns of D made contiguous
    for (std::size_t c = 0; c < Dm; ++c)
      for (std::size_t n = 0; n < N; ++n) DT[n * Dm + c] = D[c * N + n];
    const double k = -o.g * tauS;
    // columns per block: their D (Dm x width doubles) within ~512 KB, at least 64 and at most 256
    const std::size_t width = std::max<std::size_t>(64, std::min<std::size_t>(256, (std::size_t(1) << 16) / Dm / 8 * 8));
    const std::size_t blocks = (N + width - 1) / width;
    const auto fast = MIMIC_SIMD_PICK(ebn_fast_columns);
    std::atomic<std::size_t> done{0};
    const auto block = [&](std::size_t b) {
      if (control.cancelled()) return;  // the check after the blocks throws
      const std::size_t m0 = b * width, m1 = std::min(N, m0 + width);
      fast(D.data(), DT.data(), T.data(), N, Dm, k, m0, m1, w.omegaF.data());
      control.report(double(done.fetch_add(1) + 1), double(blocks), "computing the fast weights");
    };
    if (o.threads == 1 || blocks < 2 || !global_pool().try_parallel_for(blocks, block, o.threads))
      for (std::size_t b = 0; b < blocks; ++b) block(b);
    control.check();
  }

  assign_checked(w.omegaS, N * N, 0.0f, control);
  if (o.slowRandom && o.slowScale != 0.0) {
    Rng srng(o.seed, 1);
    const double s = o.slowScale / std::sqrt(static_cast<double>(N));
    for (std::size_t j = 0; j < N; ++j) {
      control.check();
      for (std::size_t i = 0; i < N; ++i) {
        const double x = srng.normal() * s;
        if (i != j) w.omegaS[j * N + i] = static_cast<float>(x);
      }
    }
  }
  return w;
}

std::vector<float> ebn_input_weights(const std::vector<float>& encoder, const std::vector<float>& fHat,
                                     std::size_t neurons, std::size_t dims, std::size_t channels, double gainA,
                                     const Control& control) {
  if (encoder.size() != neurons * dims)
    throw InvalidArgument("encoder has " + std::to_string(encoder.size()) + " elements but neurons*dims = " +
                          std::to_string(neurons * dims));
  if (fHat.size() != dims * channels)
    throw InvalidArgument("teacher input weights have " + std::to_string(fHat.size()) +
                          " elements but dims*channels = " + std::to_string(dims * channels));
  std::vector<float> w(neurons * channels);
  for (std::size_t n = 0; n < neurons; ++n) {
    control.check();
    for (std::size_t c = 0; c < channels; ++c) {
      double acc = 0;
      for (std::size_t d = 0; d < dims; ++d)
        acc += static_cast<double>(encoder[n * dims + d]) * static_cast<double>(fHat[d * channels + c]);
      w[n * channels + c] = static_cast<float>(gainA * acc);
    }
  }
  return w;
}

}  // namespace mimic
