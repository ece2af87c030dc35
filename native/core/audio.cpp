// The audio front end (audio.hpp; docs/method.md §2.2).
#include "audio.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <numeric>
#include <string>

#include "thread_pool.hpp"

namespace mimic {
namespace {

constexpr double kPi = 3.14159265358979323846;

double mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// A biquad with zeros (1 − z⁻²) and the digital poles z, z̄ of the analog pole s (bilinear transform
// s = (1 − z⁻¹)/(1 + z⁻¹) on pre-warped frequencies), scaled to unit gain at hz.
Biquad band_section(std::complex<double> s, double hz, double rateHz) {
  const std::complex<double> z = (1.0 + s) / (1.0 - s);
  Biquad q;
  q.b0 = 1, q.b1 = 0, q.b2 = -1;
  q.a1 = -2 * z.real();
  q.a2 = std::norm(z);
  const double g = biquad_gain(&q, 1, hz, rateHz);
  q.b0 /= g;
  q.b2 /= g;
  return q;
}

// Direct form II transposed, in double: the low bands have poles close to the unit circle.
struct BiquadState {
  double s1 = 0, s2 = 0;
  double step(const Biquad& q, double x) {
    const double y = q.b0 * x + s1;
    s1 = q.b1 * x - q.a1 * y + s2;
    s2 = q.b2 * x - q.a2 * y;
    return y;
  }
};

double sinc(double x) { return x == 0 ? 1.0 : std::sin(kPi * x) / (kPi * x); }
// Blackman window on u ∈ [−1, 1].
double blackman(double u) {
  if (u <= -1 || u >= 1) return 0;
  const double a = kPi * (u + 1);
  return 0.42 - 0.5 * std::cos(a) + 0.08 * std::cos(2 * a);
}

}  // namespace

void check_audio_params(const AudioFrontEndParams& p) {
  if (!(p.outputHz > 0)) throw InvalidArgument("outputHz must be positive but is " + num(p.outputHz));
  if (!(p.rateHz >= 2 * p.outputHz) || std::fabs(p.rateHz / p.outputHz - std::round(p.rateHz / p.outputHz)) > 1e-9)
    throw InvalidArgument("rateHz must be an integer multiple of outputHz (" + num(p.outputHz) + "), at least twice it, but is " + num(p.rateHz));
  if (p.bands < 1 || p.bands > 256) throw InvalidArgument("bands must be 1 to 256 but is " + std::to_string(p.bands));
  if (!(p.relativeBandwidth > 0 && p.relativeBandwidth < 1))
    throw InvalidArgument("relativeBandwidth must be in (0, 1) but is " + num(p.relativeBandwidth));
  if (!(p.maxFraction > 0 && p.maxFraction * (1 + p.relativeBandwidth / 2) < 1))
    throw InvalidArgument("maxFraction · (1 + relativeBandwidth / 2) must be below 1 (the highest band's upper edge below Nyquist) but maxFraction is " + num(p.maxFraction));
  const double top = p.maxFraction * p.rateHz / 2;
  if (!(p.minHz > 0 && p.minHz < top))
    throw InvalidArgument("minHz must be positive and below the highest centre (" + num(top) + " Hz) but is " + num(p.minHz));
  if (!(p.envelopeHz > 0 && p.envelopeHz < p.rateHz / 2))
    throw InvalidArgument("envelopeHz must be positive and below Nyquist (" + num(p.rateHz / 2) + " Hz) but is " + num(p.envelopeHz));
}

double biquad_gain(const Biquad* sections, std::size_t n, double hz, double rateHz) {
  const double w = 2 * kPi * hz / rateHz;
  const std::complex<double> z1 = std::polar(1.0, -w), z2 = z1 * z1;
  double g = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const Biquad& q = sections[i];
    g *= std::abs((q.b0 + q.b1 * z1 + q.b2 * z2) / (1.0 + q.a1 * z1 + q.a2 * z2));
  }
  return g;
}

AudioFilterBank design_filter_bank(const AudioFrontEndParams& p) {
  check_audio_params(p);
  AudioFilterBank bank;
  const double fs = p.rateHz, r = p.relativeBandwidth;
  const double m0 = mel(p.minHz), m1 = mel(p.maxFraction * fs / 2);
  // The order-2 Butterworth low-pass prototype's pole in the upper half plane (the other is its conjugate).
  const std::complex<double> proto = std::polar(1.0, 3 * kPi / 4);
  for (std::size_t i = 0; i < p.bands; ++i) {
    const double fc = p.bands == 1 ? mel_to_hz(m0) : mel_to_hz(m0 + (m1 - m0) * double(i) / double(p.bands - 1));
    AudioBand b;
    b.lowHz = fc * (1 - r / 2);
    b.highHz = fc * (1 + r / 2);
    const double w1 = std::tan(kPi * b.lowHz / fs), w2 = std::tan(kPi * b.highHz / fs);
    const double w0 = std::sqrt(w1 * w2), bw = w2 - w1;
    b.centreHz = std::atan(w0) * fs / kPi;
    // Low-pass to band-pass: s² − p·bw·s + w0² = 0 for the prototype pole p gives two poles; each with
    // its conjugate (from p̄) is one section.
    const std::complex<double> d = std::sqrt(proto * proto * bw * bw - 4.0 * w0 * w0);
    b.sections[0] = band_section((proto * bw + d) / 2.0, b.centreHz, fs);
    b.sections[1] = band_section((proto * bw - d) / 2.0, b.centreHz, fs);
    bank.bands.push_back(b);
  }
  const double k = std::tan(kPi * p.envelopeHz / fs), norm = 1 / (1 + std::sqrt(2.0) * k + k * k);
  bank.envelope.b0 = k * k * norm;
  bank.envelope.b1 = 2 * bank.envelope.b0;
  bank.envelope.b2 = bank.envelope.b0;
  bank.envelope.a1 = 2 * (k * k - 1) * norm;
  bank.envelope.a2 = (1 - std::sqrt(2.0) * k + k * k) * norm;
  return bank;
}

void resample(const float* x, std::size_t n, double rateInHz, double rateOutHz, std::vector<float>& out,
              const Control& control) {
  if (!(rateInHz > 0) || !(rateOutHz > 0)) throw InvalidArgument("sample rates must be positive");
  const double ratio = rateOutHz / rateInHz;
  const std::size_t m = static_cast<std::size_t>(std::floor(double(n) * ratio + 1e-9));
  out.assign(m, 0.0f);
  if (m == 0) return;
  // Cut-off in cycles per input sample, just below the lower of the two Nyquist frequencies.
  const double fc = 0.5 * std::min(1.0, ratio) * 0.94;
  constexpr double kZeros = 16;  // zero crossings of the sinc on each side
  const double half = kZeros / (2 * fc);
  const long reach = static_cast<long>(std::ceil(half));
  // Integer rates with few phases: the kernel is tabulated per phase (output m sits at input m·in/out).
  const bool integers = rateInHz == std::floor(rateInHz) && rateOutHz == std::floor(rateOutHz) && rateInHz < 1e7 && rateOutHz < 1e7;
  const uint64_t g = integers ? std::gcd(uint64_t(rateInHz), uint64_t(rateOutHz)) : 1;
  const uint64_t up = integers ? uint64_t(rateOutHz) / g : 0, down = integers ? uint64_t(rateInHz) / g : 0;
  const std::size_t taps = std::size_t(2 * reach + 1);
  const bool table = integers && up * taps <= (uint64_t(1) << 22);
  std::vector<double> kernel;
  auto weights = [&](double frac, double* w) {  // taps k − reach .. k + reach around floor(t), frac = t − floor(t)
    double sum = 0;
    for (std::size_t j = 0; j < taps; ++j) {
      const double u = double(long(j) - reach) - frac;
      w[j] = 2 * fc * sinc(2 * fc * u) * blackman(u / half);
      sum += w[j];
    }
    for (std::size_t j = 0; j < taps; ++j) w[j] /= sum;  // unit gain at DC
  };
  if (table) {
    kernel.resize(up * taps);
    for (uint64_t ph = 0; ph < up; ++ph) weights(double((ph * down) % up) / double(up), kernel.data() + ph * taps);
  }
  std::vector<double> scratch(taps);
  for (std::size_t i = 0; i < m; ++i) {
    if ((i & 4095) == 0) control.check();
    long base;
    const double* w;
    if (table) {
      const uint64_t num = uint64_t(i) * down;
      base = long(num / up);
      w = kernel.data() + (uint64_t(i) % up) * taps;
    } else {
      const double t = double(i) / ratio;
      base = long(std::floor(t));
      weights(t - double(base), scratch.data());
      w = scratch.data();
    }
    double acc = 0;
    const long lo = base - reach;
    if (lo >= 0 && lo + long(taps) <= long(n)) {
      const float* xs = x + lo;
      for (std::size_t j = 0; j < taps; ++j) acc += w[j] * double(xs[j]);
    } else {
      for (std::size_t j = 0; j < taps; ++j) {
        const long k = lo + long(j);
        if (k >= 0 && k < long(n)) acc += w[j] * x[k];
      }
    }
    out[i] = static_cast<float>(acc);
  }
}

std::size_t audio_feature_steps(const AudioFrontEndParams& p, std::size_t n, double rateInHz) {
  const std::size_t resampled =
      rateInHz == p.rateHz ? n : static_cast<std::size_t>(std::floor(double(n) * p.rateHz / rateInHz + 1e-9));
  return resampled / static_cast<std::size_t>(std::llround(p.rateHz / p.outputHz));
}

void audio_features(const AudioFrontEndParams& p, const float* x, std::size_t n, double rateInHz, unsigned threads,
                    const Control& control, std::vector<float>& out) {
  const AudioFilterBank bank = design_filter_bank(p);
  std::vector<float> resampled;
  if (rateInHz != p.rateHz) {
    resample(x, n, rateInHz, p.rateHz, resampled, control);
    x = resampled.data();
    n = resampled.size();
  }
  const std::size_t block = static_cast<std::size_t>(std::llround(p.rateHz / p.outputHz));
  const std::size_t steps = n / block, B = p.bands;
  out.assign(steps * B, 0.0f);
  if (steps == 0) return;
  std::vector<std::vector<float>> perBand(B);
  global_pool().parallel_for(
      B,
      [&](std::size_t b) {
        const AudioBand& band = bank.bands[b];
        BiquadState s0, s1, env;
        std::vector<float>& y = perBand[b];
        y.resize(steps);
        std::size_t t = 0;
        for (std::size_t i0 = 0; i0 < steps * block; i0 += block) {
          if ((t & 255) == 0) control.check();
          double e = 0;
          for (std::size_t i = i0; i < i0 + block; ++i) {
            const double v = s1.step(band.sections[1], s0.step(band.sections[0], double(x[i])));
            e = env.step(bank.envelope, std::fabs(v));
          }
          y[t++] = static_cast<float>(e);
        }
        if (b + 1 == B) control.report(double(B), double(B), "audio features");
      },
      threads);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < steps; ++t) out[t * B + b] = perBand[b][t];
}

}  // namespace mimic
