#include "bptt_snn.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "rng.hpp"
#include "thread_pool.hpp"

namespace mimic {

LifNet bptt_build(const BpttOptions& o) {
  if (o.n1 < 1 || o.n2 < 1) throw InvalidArgument("both layers need at least one neuron");
  const std::size_t N = o.n1 + o.n2, C = o.channels, O = o.outputs;
  LifNet net;
  net.neurons = N;
  net.channels = C;
  net.outputs = O;
  net.subtractReset = true;
  net.tauOutMs = o.tauOutMs;
  Rng rng(o.seed, 0xB977);
  net.wIn.assign(N * C, 0.0f);
  for (std::size_t n = 0; n < o.n1; ++n)
    for (std::size_t c = 0; c < C; ++c) net.wIn[n * C + c] = static_cast<float>(o.inputScale / std::sqrt(double(C)) * rng.normal());
  net.wRec.assign(N * N, 0.0f);
  for (std::size_t m = 0; m < o.n1; ++m)
    for (std::size_t n = o.n1; n < N; ++n) net.wRec[m * N + n] = static_cast<float>(o.ffScale / std::sqrt(double(o.n1)) * rng.normal());
  net.wOut.assign(O * N, 0.0f);
  for (std::size_t k = 0; k < O; ++k)
    for (std::size_t n = o.n1; n < N; ++n) net.wOut[k * N + n] = static_cast<float>(0.01 * rng.normal() / std::sqrt(double(o.n2)));
  net.outBias.assign(O, 0.0f);
  net.tauMemMs.resize(N);
  net.tauSynMs.resize(N);
  for (std::size_t n = 0; n < N; ++n) {
    net.tauMemMs[n] = static_cast<float>(n < o.n1 ? o.tauMem1Ms : o.tauMem2Ms);
    net.tauSynMs[n] = static_cast<float>(n < o.n1 ? o.tauSyn1Ms : o.tauSyn2Ms);
  }
  net.vTh.assign(N, 0.0f);
  net.vReset.assign(N, -1.0f);
  net.bias.assign(N, 0.0f);
  net.refractoryMs.assign(N, 0.0f);
  return net;
}

void BpttGrad::resize(const LifNet& net) {
  wIn.assign(net.wIn.size(), 0.0);
  wRec.assign(net.wRec.size(), 0.0);
  wOut.assign(net.wOut.size(), 0.0);
  outBias.assign(net.outBias.size(), 0.0);
}
void BpttGrad::zero() {
  std::fill(wIn.begin(), wIn.end(), 0.0);
  std::fill(wRec.begin(), wRec.end(), 0.0);
  std::fill(wOut.begin(), wOut.end(), 0.0);
  std::fill(outBias.begin(), outBias.end(), 0.0);
}
void BpttGrad::add(const BpttGrad& o) {
  for (std::size_t i = 0; i < wIn.size(); ++i) wIn[i] += o.wIn[i];
  for (std::size_t i = 0; i < wRec.size(); ++i) wRec[i] += o.wRec[i];
  for (std::size_t i = 0; i < wOut.size(); ++i) wOut[i] += o.wOut[i];
  for (std::size_t i = 0; i < outBias.size(); ++i) outBias[i] += o.outBias[i];
}

BpttSampleResult bptt_sample_gradient(const LifNet& net, std::size_t n1, const float* x, const float* target, std::size_t T,
                                      double dtMs, const BpttLoss& loss, double batchScale, double beta, uint64_t seed,
                                      uint64_t stream, BpttGrad& grad) {
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
  res.loss += loss.lambdaMse * res.mse;
  // Backward.
  const double dyScale = batchScale * loss.lambdaMse * 2.0 / double(T * O);
  std::vector<double> dr(N, 0.0), dS(N, 0.0), dSnext(N, 0.0), dVpostNext(N, 0.0), dvpre(N), ds(N), dy(O);
  // dVpostNext[n] = ∂L/∂Vpost[t] arriving from step t+1 (= a·dVpre[t+1]); dSnext = ∂L/∂S[t+1].
  for (std::size_t tt = T; tt-- > 0;) {
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
    for (std::size_t m = 0; m < N; ++m) {
      double d = gO * dr[m];
      const float* row = &net.wRec[m * N];
      for (std::size_t n = n1; n < N; ++n) d += double(row[n]) * dSnext[n];
      if (loss.lambdaRate > 0) d += batchScale * loss.lambdaRate * 2.0 * rate[m] / (double(T) * double(N));
      ds[m] = d;
    }
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

BpttBatchResult bptt_batch_gradient(const LifNet& net, std::size_t n1, const float* inputs, const float* targets,
                                    const std::size_t* samples, std::size_t count, std::size_t steps, double dtMs,
                                    const BpttLoss& loss, double beta, uint64_t seed, unsigned threads, BpttGrad& grad,
                                    const Control& control) {
  std::vector<BpttGrad> grads(count);
  std::vector<BpttSampleResult> results(count);
  const std::size_t C = net.channels, O = net.outputs;
  global_pool().parallel_for(
      count,
      [&](std::size_t i) {
        if (control.cancelled()) return;
        grads[i].resize(net);
        const std::size_t b = samples[i];
        results[i] = bptt_sample_gradient(net, n1, &inputs[b * steps * C], &targets[b * steps * O], steps, dtMs, loss,
                                          1.0 / double(count), beta, seed, b, grads[i]);
      },
      threads);
  control.check();
  grad.resize(net);
  BpttBatchResult out;
  double spikes = 0;
  for (std::size_t i = 0; i < count; ++i) {
    grad.add(grads[i]);
    out.loss += results[i].loss / double(count);
    out.mse += results[i].mse / double(count);
    spikes += double(results[i].spikes);
  }
  out.meanRateHz = spikes / (double(count) * double(net.neurons) * double(steps) * dtMs / 1000.0);
  // λ_w·mean(w²) over the trained weights
  if (loss.lambdaWeights > 0) {
    const std::size_t N = net.neurons;
    const std::size_t n2 = N - n1;
    const double countW = double(n1 * C + n1 * n2 + n2 * n2 + O * n2);
    double sum = 0;
    auto reg = [&](const std::vector<float>& w, std::vector<double>& g, std::size_t i) {
      sum += double(w[i]) * w[i];
      g[i] += loss.lambdaWeights * 2.0 * w[i] / countW;
    };
    for (std::size_t n = 0; n < n1; ++n)
      for (std::size_t c = 0; c < C; ++c) reg(net.wIn, grad.wIn, n * C + c);
    for (std::size_t m = 0; m < N; ++m)
      for (std::size_t n = n1; n < N; ++n) reg(net.wRec, grad.wRec, m * N + n);
    for (std::size_t o = 0; o < O; ++o)
      for (std::size_t n = n1; n < N; ++n) reg(net.wOut, grad.wOut, o * N + n);
    out.loss += loss.lambdaWeights * sum / countW;
  }
  return out;
}

}  // namespace mimic
