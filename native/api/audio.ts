// The audio front end (native/binding/audio.cpp, native/core/audio.hpp; docs/method.md §2.2): audio at
// any sample rate → band envelopes [steps, bands] at 1 kHz, the wake-phrase task's input.
import { addon, runNative, type ProgressFn, type RawCancelToken, type RunOptions } from '../runtime.ts'
import { check, f32, int, num, obj, own } from '../check.ts'

/** The front end's settings (defaults: docs/method.md §2.2). */
export interface AudioFrontEndOptions {
  /** the rate the filters run at (Hz, an integer multiple of 1000); other input rates are resampled first; default 16000 */
  rateHz?: number
  /** band-pass filters; default 16 */
  bands?: number
  /** (upper − lower −3 dB point) / centre; default 2/16 */
  relativeBandwidth?: number
  /** centre of the lowest band (Hz); default 100 */
  minHz?: number
  /** centre of the highest band as a fraction of Nyquist; default 0.9 */
  maxFraction?: number
  /** cutoff of the envelope low-pass (Hz); default 400 */
  envelopeHz?: number
}

export interface AudioFeaturesOptions extends AudioFrontEndOptions {
  /** the rate of `samples` (Hz), 1000 to 384000 */
  sampleRateHz: number
  /** threads of the pool (0 = all, default); the features do not depend on it */
  threads?: number
}

export interface AudioFeatures {
  /** [steps, bands], one step per millisecond */
  features: Float32Array
  steps: number
  bands: number
}

export interface AudioFilterBankInfo {
  /** centreHz: the digital unit-gain frequency; lowHz, highHz: the −3 dB points */
  bands: { centreHz: number; lowHz: number; highHz: number }[]
  /** [bands, 2, 5]: two biquads per band, each b0 b1 b2 a1 a2 (a0 = 1) */
  sections: Float64Array
  /** the envelope low-pass: b0 b1 b2 a1 a2 */
  envelope: Float64Array
}

interface RawAudio {
  audioFeatures(samples: Float32Array, options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<AudioFeatures>
  audioFilterBank(options: object): AudioFilterBankInfo
  audioResample(samples: Float32Array, options: object, onProgress?: ProgressFn, cancel?: RawCancelToken): Promise<Float32Array>
}

const frontEndFields = { rateHz: num, bands: int, relativeBandwidth: num, minHz: num, maxFraction: num, envelopeHz: num }
const featuresSchema = obj({ ...frontEndFields, sampleRateHz: num, threads: int }, { required: ['sampleRateHz'] })

/** Band envelopes [steps, bands] at 1 kHz of mono audio `samples` (any rate; resampled to rateHz first when it differs). */
export function audioFeatures(samples: Float32Array, options: AudioFeaturesOptions, run: RunOptions = {}): Promise<AudioFeatures> {
  check(samples, f32, 'samples')
  const o = own(options)
  check(o, featuresSchema, 'options')
  return runNative<AudioFeatures, RawAudio>((raw, progress, token) => raw.audioFeatures(samples, o, progress, token), run)
}

/** The front end's filters (their −3 dB points, centres and biquad coefficients) at rateHz. */
export function audioFilterBank(options: AudioFrontEndOptions = {}): AudioFilterBankInfo {
  const o = own(options)
  check(o, obj(frontEndFields), 'options')
  return addon<RawAudio>().audioFilterBank(o)
}

/** `samples` at fromHz resampled to toHz (the front end's windowed-sinc resampler): floor(n · toHz / fromHz) samples. */
export function audioResample(samples: Float32Array, options: { fromHz: number; toHz: number }, run: RunOptions = {}): Promise<Float32Array> {
  check(samples, f32, 'samples')
  const o = own(options)
  check(o, obj({ fromHz: num, toHz: num }, { required: ['fromHz', 'toHz'] }), 'options')
  return runNative<Float32Array, RawAudio>((raw, progress, token) => raw.audioResample(samples, o, progress, token), run)
}
