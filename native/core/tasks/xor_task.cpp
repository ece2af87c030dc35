#include "xor_task.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rng.hpp"
#include "thread_pool.hpp"

namespace mimic {

std::size_t xor_steps(const XorParams& p) {
  return static_cast<std::size_t>(std::llround(p.durationS / p.dtS));
}

void gaussian_smooth(const float* in, float* out, std::size_t n, double sigma, const Control* control) {
  if (sigma <= 0) {
    std::copy(in, in + n, out);
    return;
  }
  const long radius = static_cast<long>(std::ceil(4.0 * sigma));
  std::vector<double> kernel(2 * radius + 1);
  double sum = 0;
  for (long k = -radius; k <= radius; ++k) {
    kernel[k + radius] = std::exp(-0.5 * (k * k) / (sigma * sigma));
    sum += kernel[k + radius];
  }
  for (auto& v : kernel) v /= sum;
  // out[t] = Σ_k kernel[k]·in[t + k] over the window, k upwards, in double: the plain convolution, with
  // 16 outputs side by side (their sums are independent, so they run in vector lanes; each still adds its
  // terms one after the other in k order). The input is read from a copy in double padded with `radius`
  // zeros at both ends: a zero term adds +0 to a sum that is never −0 (it starts at +0, and a product of
  // the positive kernel with a non-zero input is never zero), which changes nothing, so the padded window
  // gives the sums of the window cut at the ends. A block of outputs with no non-zero input in reach is 0.
  // (A 1 s XOR sample's pulses cover about a quarter of its steps: the earlier form, which visited only
  // the non-zero inputs one output at a time, spent most of its time waiting on each sum's add chain.)
  constexpr long B = 16;
  const long len = static_cast<long>(n);
  thread_local std::vector<double> x;
  thread_local std::vector<uint32_t> nonZeroBefore;  // non-zero inputs in [0, j)
  x.assign(static_cast<std::size_t>(len + 2 * radius + B), 0.0);
  nonZeroBefore.assign(static_cast<std::size_t>(len + 1), 0);
  for (long j = 0; j < len; ++j) {
    if (control && (j & 0xffff) == 0) control->check();
    x[static_cast<std::size_t>(radius + j)] = static_cast<double>(in[j]);
    nonZeroBefore[static_cast<std::size_t>(j + 1)] = nonZeroBefore[static_cast<std::size_t>(j)] + (in[j] != 0.0f ? 1 : 0);
  }
  const double* __restrict kern = kernel.data();
  for (long t0 = 0; t0 < len; t0 += B) {
    if (control && (t0 & 63) == 0) control->check();
    const long t1 = std::min(t0 + B, len);
    const long lo = std::max(0L, t0 - radius), hi = std::min(len, t1 + radius);
    if (nonZeroBefore[static_cast<std::size_t>(hi)] == nonZeroBefore[static_cast<std::size_t>(lo)]) {
      std::fill(out + t0, out + t1, 0.0f);
      continue;
    }
    // B sums in B / 2 two-lane vectors (SSE2, the base level), kept in registers across the window
    typedef double v2d __attribute__((vector_size(16)));
    v2d acc[B / 2];
    for (long q = 0; q < B / 2; ++q) acc[q] = v2d{0.0, 0.0};
    const double* __restrict xs = x.data() + t0;  // x[t + k] is in[t + k − radius]
    for (long k = 0; k <= 2 * radius; ++k) {
      const v2d w = {kern[k], kern[k]};
#pragma GCC unroll 8
      for (long q = 0; q < B / 2; ++q) {
        v2d xv;
        std::memcpy(&xv, xs + k + 2 * q, sizeof xv);
        acc[q] = acc[q] + w * xv;
      }
    }
    for (long t = t0; t < t1; ++t) out[t] = static_cast<float>(acc[(t - t0) / 2][(t - t0) % 2]);
  }
}

namespace {

void draw_sample(const XorParams& p, Rng& rng, std::size_t steps, float* input, float* target, int8_t& label,
                 std::vector<float>& scratch, const Control& control) {
  const double tIn = 2.0 / 3.0 * p.durationS;
  const double d1 = rng.uniform(tIn / 10, tIn / 4);
  const double d2 = rng.uniform(tIn / 10, tIn / 4);
  const double e1 = rng.uniform(d1, 2.0 / 3.0 * tIn - d2);
  const double s1 = e1 - d1;
  // Like the authors' numpy code, a reversed interval is allowed (uniform between the two bounds).
  const double s2 = rng.uniform(e1 + p.minGapS, 2.0 / 3.0 * tIn - d2);
  const double e2 = s2 + d2;
  const float a1 = rng.coin() ? 1.0f : -1.0f;
  const float a2 = rng.coin() ? 1.0f : -1.0f;

  scratch.assign(steps, 0.0f);
  for (std::size_t t = 0; t < steps; ++t) {
    if ((t & 0xffff) == 0) control.check();
    const double time = static_cast<double>(t) * p.dtS;
    if (time >= s1 && time < e1) scratch[t] = a1;
    if (time >= s2 && time < e2) scratch[t] = a2;
  }
  gaussian_smooth(scratch.data(), input, steps, p.inputSigmaSteps, &control);

  const float sign = a1 != a2 ? 1.0f : -1.0f;
  label = static_cast<int8_t>(sign);
  const double perSecond = 1.0 / p.dtS;
  const long start = static_cast<long>(std::floor(perSecond * (e2 + p.targetDelayS)));
  const long stop = static_cast<long>(std::floor(perSecond * e2)) + std::lround(p.targetLengthS * perSecond);
  scratch.assign(steps, 0.0f);
  for (long t = std::max(0L, start); t < std::min<long>(stop, static_cast<long>(steps)); ++t) scratch[t] = sign;
  gaussian_smooth(scratch.data(), target, steps, p.targetSigmaSteps, &control);
  float peak = 0;
  for (std::size_t t = 0; t < steps; ++t) peak = std::max(peak, std::fabs(target[t]));
  if (peak > 0)
    for (std::size_t t = 0; t < steps; ++t) target[t] /= peak;
}

}  // namespace

void generate_xor(const XorParams& p, std::size_t count, uint64_t seed, unsigned threads, const Control& control,
                  TaskBatch& out) {
  const std::size_t steps = xor_steps(p);
  if (steps < 10) throw InvalidArgument("durationS / dtS must give at least 10 steps");
  out.count = count;
  out.steps = steps;
  out.channels = 1;
  out.outputs = 1;
  assign_checked(out.inputs, count * steps, 0.0f, control);
  assign_checked(out.targets, count * steps, 0.0f, control);
  out.labels.assign(count, 0);
  std::atomic<std::size_t> done{0};
  global_pool().parallel_for(
      count,
      [&](std::size_t i) {
        if (control.cancelled()) return;
        thread_local std::vector<float> scratch;
        Rng rng(seed, i);
        draw_sample(p, rng, steps, &out.inputs[i * steps], &out.targets[i * steps], out.labels[i], scratch, control);
        const std::size_t d = done.fetch_add(1) + 1;
        control.report(static_cast<double>(d), static_cast<double>(count), "generating samples");
      },
      threads);
  control.check();
}

int8_t xor_decision(const float* y, std::size_t steps, std::size_t stride, double alpha, double threshold) {
  double ys = 0;
  bool above = false, below = false;
  for (std::size_t t = 0; t < steps; ++t) {
    ys = alpha * ys + (1.0 - alpha) * static_cast<double>(y[t * stride]);
    if (ys > threshold) above = true;
    if (ys < -threshold) below = true;
  }
  return above ? 1 : below ? -1 : 0;
}

void xor_smoothed(const float* y, std::size_t steps, std::size_t stride, double alpha, float* out) {
  double ys = 0;
  for (std::size_t t = 0; t < steps; ++t) {
    ys = alpha * ys + (1.0 - alpha) * static_cast<double>(y[t * stride]);
    out[t * stride] = static_cast<float>(ys);
  }
}

int8_t xor_label(const float* target, std::size_t steps, std::size_t stride, double threshold) {
  for (std::size_t t = 0; t < steps; ++t)
    if (target[t * stride] > threshold) return 1;
  return -1;
}

}  // namespace mimic
