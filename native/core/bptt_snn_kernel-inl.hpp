// One sample's loss and gradient of the BPTT spiking baseline (bptt_snn.hpp), compiled once per SIMD
// level by simd_foreach.hpp: this file lands in mimic::simd_<level>. Include only from bptt_snn.cpp.
//
// Same arithmetic at every level and as the plain loops it replaced: every element gets the same
// double operations in the same order, nothing is fused. Most of a step's work is the adjoint of the
// synapses, ds[m] = gO·dr[m] + Σ_{n ≥ n1} wRec[m][n]·dS[t+1][n] (N·n2 multiply-adds): as one sum per m
// it is a chain of dependent additions; here the sums of a block of m stay in registers while the
// rows of the transposed block pass, each sum still taken over n in order.
#include "simd_vec-inl.hpp"

namespace {

// ds[m] = gO·dr[m] + Σ_{n = n1}^{N−1} wT[(n − n1)·N + m]·dS[n], each sum from gO·dr[m] over n in order.
// A block of 8 vectors of m keeps its sums in registers while the rows of wT pass (the compiler keeps
// acc in registers once the loops over q are unrolled, and widens each float with one instruction).
void synapse_adjoint(double* __restrict ds, const double* __restrict dr, double gO, const float* __restrict wT,
                     const double* __restrict dS, std::size_t n1, std::size_t N) {
  constexpr std::size_t Q = 8 * kDW;  // 8 independent sums per lane: enough to cover an addition's latency
  std::size_t m = 0;
  for (; m + Q <= N; m += Q) {
    double acc[Q];
#pragma GCC unroll 64
    for (std::size_t q = 0; q < Q; ++q) acc[q] = gO * dr[m + q];
    for (std::size_t n = n1; n < N; ++n) {
      const double d = dS[n];
      const float* __restrict col = wT + (n - n1) * N + m;
#pragma GCC unroll 64
      for (std::size_t q = 0; q < Q; ++q) acc[q] = acc[q] + double(col[q]) * d;
    }
#pragma GCC unroll 64
    for (std::size_t q = 0; q < Q; ++q) ds[m + q] = acc[q];
  }
  for (; m < N; ++m) {  // the neurons left over, one sum each
    double d = gO * dr[m];
    for (std::size_t n = n1; n < N; ++n) d += double(wT[(n - n1) * N + m]) * dS[n];
    ds[m] = d;
  }
}

}  // namespace

BpttSampleResult sample_gradient(const LifNet& net, std::size_t n1, const float* x, const float* target, std::size_t T,
                                      double dtMs, const BpttLoss& loss, double batchScale, double beta, uint64_t seed,
                                      uint64_t stream, BpttGrad& grad, const Control& control) {
  const std::size_t N = net.neurons, C = net.channels, O = net.outputs;
  const bool smooth = beta > 0;
  std::vector<double> a(N), aS(N);
  for (std::size_t n = 0; n < N; ++n) {
    a[n] = std::exp(-dtMs / net.tauMemMs[n]);
    aS[n] = std::exp(-dtMs / net.tauSynMs[n]);
  }
  const double aO = std::exp(-dtMs / net.tauOutMs), gO = 1000.0 / net.tauOutMs;
  // Forward, keeping Vpre, s, r per step (doubles).
  std::vector<double> vpre(T * N), sp(T * N), r(T * N), y(T * O);
  std::vector<double> v(N), S(N, 0.0), rr(N, 0.0);
  Rng rng(seed, stream);
  for (std::size_t n = 0; n < N; ++n) v[n] = rng.uniform(net.vReset[n], net.vTh[n]);  // as LifSimulator::reset
  BpttSampleResult res;
  for (std::size_t t = 0; t < T; ++t) {
    // every step (a step is O(N²): up to 20 ms at N = 4096): a cancelled sample stops, its gradient unfinished
    if (control.cancelled()) return res;
    double* vp = &vpre[t * N];
    double* st = &sp[t * N];
    for (std::size_t n = 0; n < N; ++n) {
      double I = net.bias[n] + S[n];
      for (std::size_t c = 0; c < C; ++c) I += double(net.wIn[n * C + c]) * x[t * C + c];
      vp[n] = a[n] * v[n] + (1 - a[n]) * I;
      const double u = vp[n] - net.vTh[n];
      st[n] = smooth ? 1.0 / (1.0 + std::exp(-beta * u)) : (u >= 0 ? 1.0 : 0.0);
      v[n] = vp[n] - st[n] * (net.vTh[n] - net.vReset[n]);
    }
    for (std::size_t n = 0; n < N; ++n) {
      S[n] *= aS[n];
      rr[n] = aO * rr[n] + gO * st[n];
      r[t * N + n] = rr[n];
    }
    for (std::size_t m = 0; m < N; ++m) {
      if (st[m] == 0.0) continue;
      const float* row = &net.wRec[m * N];
      for (std::size_t n = 0; n < N; ++n) S[n] += row[n] * st[m];
      if (!smooth) ++res.spikes;
    }
    for (std::size_t o = 0; o < O; ++o) {
      double acc = net.outBias[o];
      for (std::size_t n = 0; n < N; ++n) acc += double(net.wOut[o * N + n]) * rr[n];
      y[t * O + o] = acc;
      const double e = acc - target[t * O + o];
      res.mse += e * e;
    }
  }
  res.mse /= double(T * O);
  // the rate penalty: λ_r/N Σ_n (spikes per step)²
  std::vector<double> rate(N, 0.0);
  if (loss.lambdaRate > 0) {
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t n = 0; n < N; ++n) rate[n] += sp[t * N + n];
    double pen = 0;
    for (std::size_t n = 0; n < N; ++n) {
      rate[n] /= double(T);
      pen += rate[n] * rate[n];
    }
    res.loss += loss.lambdaRate * pen / double(N);
  }
  // its gradient with respect to s[t], the same at every step
  std::vector<double> ratePenalty(loss.lambdaRate > 0 ? N : 0);
  for (std::size_t m = 0; m < ratePenalty.size(); ++m) ratePenalty[m] = batchScale * loss.lambdaRate * 2.0 * rate[m] / (double(T) * double(N));
  res.loss += loss.lambdaMse * res.mse;
  // Backward. The trained recurrent block (columns n1..N-1) transposed, so that the adjoint of the
  // synapses runs over m in vectors: wT[(n − n1)·N + m] = wRec[m·N + n].
  std::vector<float> wT((N - n1) * N);
  for (std::size_t m = 0; m < N; ++m)
    for (std::size_t n = n1; n < N; ++n) wT[(n - n1) * N + m] = net.wRec[m * N + n];
  const double dyScale = batchScale * loss.lambdaMse * 2.0 / double(T * O);
  std::vector<double> dr(N, 0.0), dS(N, 0.0), dSnext(N, 0.0), dVpostNext(N, 0.0), dvpre(N), ds(N), dy(O);
  // dVpostNext[n] = ∂L/∂Vpost[t] arriving from step t+1 (= a·dVpre[t+1]); dSnext = ∂L/∂S[t+1].
  for (std::size_t tt = T; tt-- > 0;) {
    if (control.cancelled()) return res;
    const double* st = &sp[tt * N];
    const double* vp = &vpre[tt * N];
    for (std::size_t o = 0; o < O; ++o) {
      dy[o] = dyScale * (y[tt * O + o] - target[tt * O + o]);
      grad.outBias[o] += dy[o];
      for (std::size_t n = n1; n < N; ++n) grad.wOut[o * N + n] += dy[o] * r[tt * N + n];
    }
    for (std::size_t n = 0; n < N; ++n) {
      double d = aO * dr[n];
      for (std::size_t o = 0; o < O; ++o) d += double(net.wOut[o * N + n]) * dy[o];
      dr[n] = d;
    }
    // ∂L/∂s[t]: the read-out trace, the synapses of step t+1 (S[t+1] = aS S[t] + wRecᵀ s[t]), the rate penalty
    synapse_adjoint(ds.data(), dr.data(), gO, wT.data(), dSnext.data(), n1, N);
    if (loss.lambdaRate > 0)
      for (std::size_t m = 0; m < N; ++m) ds[m] += ratePenalty[m];
    // wRec gradient: Σ_t s_m[t] dS_n[t+1] over the trained blocks (rows with s = 0 add nothing)
    for (std::size_t m = 0; m < N; ++m) {
      if (st[m] == 0.0) continue;
      double* g = &grad.wRec[m * N];
      for (std::size_t n = n1; n < N; ++n) g[n] += st[m] * dSnext[n];
    }
    for (std::size_t n = 0; n < N; ++n) {
      const double u = vp[n] - net.vTh[n];
      const double deriv = smooth ? beta * st[n] * (1 - st[n]) : (u > -0.5 ? 1.0 : 0.0);
      // Vpost = Vpre − s(Vpre)·(vTh − vReset): dVpre = dVpost + (ds − dVpost·(vTh − vReset))·s'
      const double dVpost = dVpostNext[n];
      dvpre[n] = dVpost + (ds[n] - dVpost * (net.vTh[n] - net.vReset[n])) * deriv;
      const double dI = (1 - a[n]) * dvpre[n];
      // S[t] enters I[t]; S[t+1] = aS S[t] + ...
      dS[n] = dI + aS[n] * dSnext[n];
      if (n < n1)
        for (std::size_t c = 0; c < C; ++c) grad.wIn[n * C + c] += dI * x[tt * C + c];
      dVpostNext[n] = a[n] * dvpre[n];
    }
    std::swap(dS, dSnext);
  }
  return res;
}
