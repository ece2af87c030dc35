// The audio front end (docs/method.md §2.2): audio at any sample rate → [steps, bands] envelopes at
// 1 kHz, the wake-phrase task's input.
//
//   1. resample to the front end's rate (rateHz, default 16 kHz) when the input has another rate:
//      windowed-sinc interpolation (Blackman window), cut off just below the lower Nyquist frequency;
//   2. a bank of `bands` (16) Butterworth band-pass filters of prototype order 2 (two biquads each),
//      designed by the bilinear transform with pre-warped band edges: band i has −3 dB points
//      f_lo = f_c·(1 − r/2), f_hi = f_c·(1 + r/2) (r = relative bandwidth, 2/16), unit gain at its
//      centre, centres mel-spaced from minHz to maxFraction·Nyquist;
//   3. full-wave rectification |x|;
//   4. an envelope low-pass: one second-order Butterworth low-pass at envelopeHz (400 Hz);
//   5. decimation to 1 kHz: the envelope's value at the end of each 1 ms block.
// Output[t, b] for t < floor(n_resampled / (rateHz / 1000)).
#pragma once
#include <array>
#include <cstddef>
#include <vector>

#include "cancel.hpp"

namespace mimic {

struct AudioFrontEndParams {
  double rateHz = 16000;                  // the rate the filters run at (an integer multiple of 1 kHz)
  std::size_t bands = 16;                 // band-pass filters
  double relativeBandwidth = 2.0 / 16.0;  // (f_hi − f_lo) / f_c
  double minHz = 100;                     // centre of the lowest band
  double maxFraction = 0.9;               // centre of the highest band, as a fraction of Nyquist
  double envelopeHz = 400;                // cutoff of the envelope low-pass
  double outputHz = 1000;                 // rate of the features
};

// One biquad: y = b0 x + b1 x[−1] + b2 x[−2] − a1 y[−1] − a2 y[−2] (a0 = 1).
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
};

struct AudioBand {
  double centreHz = 0, lowHz = 0, highHz = 0;  // digital centre (unit gain) and −3 dB points
  std::array<Biquad, 2> sections;
};

struct AudioFilterBank {
  std::vector<AudioBand> bands;
  Biquad envelope;  // the envelope low-pass
};

// Checks the parameters (InvalidArgument naming the field).
void check_audio_params(const AudioFrontEndParams& p);
// The filters of the front end at p.rateHz.
AudioFilterBank design_filter_bank(const AudioFrontEndParams& p);
// |H(e^{jω})| of a cascade of biquads at frequency hz (sample rate rateHz).
double biquad_gain(const Biquad* sections, std::size_t n, double hz, double rateHz);

// x (n samples at rateInHz) resampled to rateOutHz: out has floor(n · rateOutHz / rateInHz) samples.
// Checks the cancel flag between blocks.
void resample(const float* x, std::size_t n, double rateInHz, double rateOutHz, std::vector<float>& out,
              const Control& control);

// The number of feature steps for n input samples at rateInHz.
std::size_t audio_feature_steps(const AudioFrontEndParams& p, std::size_t n, double rateInHz);
// Features [steps, bands] of x (n samples at rateInHz) into out (sized and overwritten). The bands run
// on up to `threads` threads of the global pool (0 = all); the result does not depend on it.
void audio_features(const AudioFrontEndParams& p, const float* x, std::size_t n, double rateInHz, unsigned threads,
                    const Control& control, std::vector<float>& out);

}  // namespace mimic
