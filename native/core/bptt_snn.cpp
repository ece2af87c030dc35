#include "bptt_snn.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "rng.hpp"
#include "simd.hpp"
#include "simd_config.hpp"
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

}  // namespace mimic

#define MIMIC_SIMD_BODY "bptt_snn_kernel-inl.hpp"
#include "simd_foreach.hpp"

namespace mimic {

// The kernel of the active SIMD level (simd.hpp); every level gives the same results bit for bit.
BpttSampleResult bptt_sample_gradient(const LifNet& net, std::size_t n1, const float* x, const float* target, std::size_t T,
                                      double dtMs, const BpttLoss& loss, double batchScale, double beta, uint64_t seed,
                                      uint64_t stream, BpttGrad& grad, const Control& control) {
  if (n1 == 0 || n1 >= net.neurons) throw InvalidArgument("n1 (the feed-forward layer) must be between 1 and neurons − 1");
  return MIMIC_SIMD_PICK(sample_gradient)(net, n1, x, target, T, dtMs, loss, batchScale, beta, seed, stream, grad, control);
}

BpttBatchResult bptt_batch_gradient(const LifNet& net, std::size_t n1, const float* inputs, const float* targets,
                                    const std::size_t* samples, std::size_t count, std::size_t steps, double dtMs,
                                    const BpttLoss& loss, double beta, uint64_t seed, unsigned threads, BpttGrad& grad,
                                    const Control& control) {
  std::vector<BpttGrad> grads(count);
  std::vector<BpttSampleResult> results(count);
  const std::size_t C = net.channels, O = net.outputs;
  std::atomic<std::size_t> done{0};
  const Control cancel = control.cancel_only();
  global_pool().parallel_for(
      count,
      [&](std::size_t i) {
        if (control.cancelled()) return;
        grads[i].resize(net);
        const std::size_t b = samples[i];
        results[i] = bptt_sample_gradient(net, n1, &inputs[b * steps * C], &targets[b * steps * O], steps, dtMs, loss,
                                          1.0 / double(count), beta, seed, b, grads[i], cancel);
        control.report(double(done.fetch_add(1) + 1), double(count), "computing the gradient");
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
