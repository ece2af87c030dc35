// The Node side of the wake-phrase task (docs/method.md §2.2): its targets; no native generator and no stream of
// fresh training samples; its datasets are imported recordings (src/plugins/audio-import.ts) through
// the audio front end. Its decision rule is native (taskScore 'wake-phrase').
import { audioFeatures, audioResample, type RunOptions } from '../../../native/index.ts'
import type { TimedDataset } from '../../formats/dataset.ts'
import { decodeWav } from '../../formats/wav.ts'
import { FieldError } from '../../shared/errors.ts'
import { wakePhraseGeneratorParams } from '../../shared/tasks/wake-phrase.ts'
import { Rng, shuffleInPlace } from '../../system/rng.ts'
import { SpeechEngine } from '../../tts/speech.ts'
import type { GeneratorInputs, TaskImpl } from './task.ts'

const rateHz = 16000

/** English accents of eSpeak NG and voice variants: each (accent, variant) pair is one synthetic speaker. */
export const corpusAccents = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc'] as const
export const corpusVariants = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5', 'adam', 'Alex', 'Andy', 'annie', 'belinda', 'benjamin', 'david', 'edward', 'linda', 'max', 'paul', 'steph'] as const

/** Negatives: phrases close to "hey snips" in sound, and others. */
const closeNegatives = ['hey snaps', 'hey chips', 'hey snip', 'hey ships', 'hay sniffs', 'hey snacks', 'they slips', 'hey lips', 'say snips', 'hey sips']
const otherNegatives = ['hello there', 'okay computer', 'what time is it', 'play some music', 'turn off the light', 'good morning', 'stop the timer', 'hey siri', 'call my mother', 'how is the weather']

/** Which split sample i of n belongs to: the first 60 % training, then 20 % validation, 20 % test. */
export function splitOf(i: number, n: number): 0 | 1 | 2 {
  return i < Math.round(0.6 * n) ? 0 : i < Math.round(0.8 * n) ? 1 : 2
}

/** The voices (accent+variant) of each split: disjoint, shuffled by the seed (60/20/20 of all voices). */
export function voicesBySplit(seed: number): [string[], string[], string[]] {
  const all = corpusAccents.flatMap((a) => corpusVariants.map((v) => `${a}+${v}`))
  shuffleInPlace(all, new Rng(seed, 1_000_000_007))
  const a = Math.round(0.6 * all.length), b = Math.round(0.8 * all.length)
  return [all.slice(0, a), all.slice(a, b), all.slice(b)]
}

/** A fast seeded uniform stream for noise (a 32-bit shift-register generator seeded from Rng). */
function noiseStream(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 2 ** 32 - 0.5
  }
}

/**
 * One sample of the offline corpus (docs/method.md §2.2): the utterance (trimmed, peak 0.5) at a random
 * offset in 5 s, so that its end leaves room for the target's bump, in generated noise (white plus
 * brown, mixed at a random tilt, slowly modulated) scaled to the SNR over the speech.
 */
async function corpusSample(speech: Float32Array, rng: Rng, snrDb: number, recordings?: Float32Array[]): Promise<{ clip: Float32Array; endStep: number }> {
  let a = 0, b = speech.length
  let peak = 0
  for (const v of speech) peak = Math.max(peak, Math.abs(v))
  const quiet = 0.02 * peak
  while (a < b && Math.abs(speech[a]) < quiet) a++
  while (b > a && Math.abs(speech[b - 1]) < quiet) b--
  const maxLen = Math.round(3.5 * rateHz)
  const s = speech.subarray(a, Math.min(b, a + maxLen))
  const total = 5 * rateHz
  const latest = total - Math.round(1.0 * rateHz) - s.length
  const earliest = Math.round(0.2 * rateHz)
  const at = Math.max(0, Math.round(rng.uniform(earliest, Math.max(earliest, latest))))
  const clip = new Float32Array(total)
  const gain = peak > 0 ? 0.5 / peak : 0
  let speechPower = 0
  for (let i = 0; i < s.length && at + i < total; i++) {
    clip[at + i] = s[i] * gain
    speechPower += clip[at + i] ** 2
  }
  speechPower /= Math.max(1, s.length)
  const noise = recordings?.length ? recordedNoise(recordings, total, rng) : generatedNoise(total, rng)
  let noisePower = 0
  for (let i = 0; i < total; i++) noisePower += noise[i] ** 2
  noisePower /= total
  const k = noisePower > 0 ? Math.sqrt(speechPower / (noisePower * 10 ** (snrDb / 10))) : 0
  for (let i = 0; i < total; i++) clip[i] += k * noise[i]
  return { clip, endStep: Math.min(5000, Math.round(((at + s.length) / rateHz) * 1000)) }
}

/**
 * A stretch of `total` samples of one of the user's noise recordings (docs/method.md §2.2), chosen and
 * placed by the sample's stream; a recording shorter than the stretch is repeated.
 */
export function recordedNoise(recordings: Float32Array[], total: number, rng: Rng): Float32Array {
  const rec = recordings[Math.floor(rng.uniform() * recordings.length)]
  const start = Math.floor(rng.uniform() * rec.length)
  const out = new Float32Array(total)
  for (let i = 0; i < total; i++) out[i] = rec[(start + i) % rec.length]
  return out
}

/** Generated noise: white plus brown, mixed at a random tilt, slowly modulated. */
function generatedNoise(total: number, rng: Rng): Float32Array {
  const noise = new Float32Array(total)
  const u = noiseStream(Number(rng.next() & 0xffffffffn))
  const tilt = rng.uniform(0, 1)
  const modHz = rng.uniform(0.1, 1), modDepth = rng.uniform(0, 0.5), phase = rng.uniform(0, 2 * Math.PI)
  let brown = 0
  for (let i = 0; i < total; i++) {
    const w = u()
    brown = 0.995 * brown + 0.1 * w
    const m = 1 + modDepth * Math.sin((2 * Math.PI * modHz * i) / rateHz + phase)
    noise[i] = m * ((1 - tilt) * w + tilt * brown)
  }
  return noise
}

export const wakePhraseTaskImpl = {
  name: 'wake-phrase',
  checkGeneratorParams(raw: Record<string, unknown>): void {
    const p = wakePhraseGeneratorParams.parse(raw, 'params')
    const { snrDbMax: max, snrDb: min } = wakePhraseGeneratorParams.shape
    if (p.snrDbMax !== undefined && p.snrDbMax < p.snrDb) {
      throw new FieldError('params.snrDbMax', `is ${p.snrDbMax} dB, below the ${min.info().label?.toLowerCase() ?? 'snrDb'} (${p.snrDb} dB): give at least that (each sample's SNR is drawn between the two), or leave it out for one SNR.`, max.info().label)
    }
  },
  /**
   * The offline corpus (docs/method.md §2.2): sample i depends only on (seed, i) and the count (its
   * split); speech from eSpeak NG in a separate process; classes alternate, so each split is balanced.
   */
  async generate(raw: Record<string, unknown>, run: RunOptions = {}, given: GeneratorInputs = {}): Promise<TimedDataset> {
    const p = wakePhraseGeneratorParams.parse(raw, 'params')
    if (p.noise !== undefined && !given.noise?.length) throw new Error(`noise: the recordings of upload run ${p.noise} were not given to the generator`)
    if (p.snrDbMax !== undefined && p.snrDbMax < p.snrDb) throw new Error(`snrDbMax (${p.snrDbMax} dB) must be at least snrDb (${p.snrDb} dB)`)
    const seed = p.seed ?? 0
    const n = p.count
    const voices = voicesBySplit(seed)
    const allVoices = voices.flat()
    const T = wakePhraseSteps, B = wakePhraseBands, A = 5 * rateHz
    const inputs = new Float32Array(n * T * B), targets = new Float32Array(n * T), labels = new Int8Array(n)
    const audio = new Int16Array(n * A), split = new Int8Array(n), speaker = new Int32Array(n)
    // what each sample speaks: 0 the phrase, 1 a phonetically close negative, 2 another phrase
    const kind = new Int8Array(n)
    // Sample i depends on (seed, i) only (its own random stream; the engine makes an utterance from its
    // request alone), so `threads` engines make samples side by side, each taking the next one.
    const engines = Array.from({ length: Math.max(1, Math.min(n, Math.floor(given.threads ?? 1))) }, () => new SpeechEngine())
    let next = 0, done = 0, failed = false
    const sample = async (engine: SpeechEngine, i: number): Promise<void> => {
      const rng = new Rng(seed, i)
      const sp = splitOf(i, n)
      const positive = i % 2 === 0
      const pool = voices[sp]
      const voice = pool[Math.floor(rng.uniform() * pool.length)]
      const close = !positive && rng.uniform() < p.closeNegatives
      const text = positive ? p.phrase : close ? closeNegatives[Math.floor(rng.uniform() * closeNegatives.length)] : otherNegatives[Math.floor(rng.uniform() * otherNegatives.length)]
      kind[i] = positive ? 0 : close ? 1 : 2
      const wav = decodeWav(await engine.speak({ voice, wordsPerMinute: rng.uniform(120, 210), pitch: rng.uniform(20, 80), text }))
      const speech = wav.sampleRateHz === rateHz ? wav.samples : await audioResample(wav.samples, { fromHz: wav.sampleRateHz, toHz: rateHz }, { signal: run.signal })
      const snrDb = p.snrDbMax === undefined ? p.snrDb : rng.uniform(p.snrDb, p.snrDbMax)
      const { clip, endStep } = await corpusSample(speech, rng, snrDb, given.noise)
      const f = await audioFeatures(clip, { sampleRateHz: rateHz, threads: 1 }, { signal: run.signal })
      inputs.set(f.features.subarray(0, T * B), i * T * B)
      targets.set(wakePhraseTarget(T, positive, endStep), i * T)
      labels[i] = positive ? 1 : -1
      for (let k = 0; k < A; k++) audio[i * A + k] = Math.max(-32768, Math.min(32767, Math.round(clip[k] * 32767)))
      split[i] = sp
      speaker[i] = allVoices.indexOf(voice)
      done++
      run.onProgress?.(done / n, `synthesised ${done} of ${n} samples`)
    }
    try {
      await Promise.all(
        engines.map(async (engine) => {
          try {
            while (next < n && !failed) {
              if (run.signal?.aborted) throw Object.assign(new Error('generating the corpus was cancelled'), { code: 'ERR_CANCELLED' })
              await sample(engine, next++)
            }
          } catch (err) {
            failed = true // the other engines stop at their next sample
            throw err
          }
        }),
      )
    } finally {
      for (const engine of engines) engine.close()
    }
    const scaling = p.featureScaling === 'standardise' ? standardiseFeatures(inputs, n, B, (i) => split[i] === 0) : null
    return {
      inputs,
      targets,
      labels,
      samples: n,
      steps: T,
      channels: B,
      outputs: 1,
      dtMs: 1,
      extras: [
        { name: 'audio', data: audio, shape: [n, A] },
        { name: 'split', data: split, shape: [n] },
        { name: 'speaker', data: speaker, shape: [n] },
        { name: 'phraseKind', data: kind, shape: [n] },
        ...(scaling ? featureScalingArtifacts(scaling) : []),
      ],
    }
  },
} as const satisfies TaskImpl

/** The per-band mean and standard deviation a dataset's features were standardised with. */
export interface FeatureStandardisation {
  mean: Float32Array
  std: Float32Array
}

/**
 * Standardises features [samples, steps, bands] in place, per band (docs/method.md §2.2): minus the
 * band's mean, over its standard deviation, both over the samples `isTraining` picks (all samples when
 * it picks none); a band that is constant there keeps the scale 1.
 */
export function standardiseFeatures(inputs: Float32Array, samples: number, bands: number, isTraining: (i: number) => boolean): FeatureStandardisation {
  const steps = samples > 0 ? inputs.length / (samples * bands) : 0
  let picked = Array.from({ length: samples }, (_, i) => i).filter(isTraining)
  if (picked.length === 0) picked = Array.from({ length: samples }, (_, i) => i)
  const sum = new Float64Array(bands), sq = new Float64Array(bands)
  for (const i of picked)
    for (let t = 0; t < steps; t++) {
      const o = (i * steps + t) * bands
      for (let b = 0; b < bands; b++) sum[b] += inputs[o + b]
    }
  const count = picked.length * steps
  const mean = new Float64Array(bands)
  for (let b = 0; b < bands; b++) mean[b] = count > 0 ? sum[b] / count : 0
  for (const i of picked)
    for (let t = 0; t < steps; t++) {
      const o = (i * steps + t) * bands
      for (let b = 0; b < bands; b++) sq[b] += (inputs[o + b] - mean[b]) ** 2
    }
  const std = new Float64Array(bands)
  for (let b = 0; b < bands; b++) {
    const sd = count > 0 ? Math.sqrt(sq[b] / count) : 0
    std[b] = sd > 0 && Number.isFinite(sd) ? sd : 1
  }
  for (let k = 0; k < inputs.length; k++) {
    const b = k % bands
    inputs[k] = (inputs[k] - mean[b]) / std[b]
  }
  return { mean: Float32Array.from(mean), std: Float32Array.from(std) }
}

/** The artifacts that record a standardisation with its dataset (`featureMean`, `featureStd`, one value per band). */
export function featureScalingArtifacts(s: FeatureStandardisation): { name: string; data: Float32Array; shape: number[] }[] {
  return [
    { name: 'featureMean', data: s.mean, shape: [s.mean.length] },
    { name: 'featureStd', data: s.std, shape: [s.std.length] },
  ]
}

/** Steps of a sample (5 s at 1 ms; docs/method.md §2.2). */
export const wakePhraseSteps = 5000
export const wakePhraseBands = 16

/**
 * The target of one sample (docs/method.md §2.2): 0 for a negative; for a positive, a bump that rises
 * over 0.2 s (raised cosine) from `endStep` (where the phrase ends) to 1, holds 0.5 s and falls over
 * 0.2 s; cut at the end of the sample.
 */
export function wakePhraseTarget(steps: number, positive: boolean, endStep: number): Float32Array {
  const y = new Float32Array(steps)
  if (!positive) return y
  const rise = 200, hold = 500, fall = 200
  for (let t = Math.max(0, endStep); t < Math.min(steps, endStep + rise + hold + fall); t++) {
    const u = t - endStep
    y[t] = u < rise ? 0.5 - 0.5 * Math.cos((Math.PI * u) / rise) : u < rise + hold ? 1 : 0.5 + 0.5 * Math.cos((Math.PI * (u - rise - hold)) / fall)
  }
  return y
}

/**
 * Where the speech in a recording ends, from its band envelopes [steps, bands]: the last step where
 * the summed envelope (a 50 ms moving mean) is above its floor (10th percentile) plus a quarter of
 * the way to its peak. Used for imported recordings, whose phrase timing is not known.
 */
export function speechEndStep(features: Float32Array, steps: number, bands: number): number {
  const e = new Float64Array(steps)
  for (let t = 0; t < steps; t++) for (let b = 0; b < bands; b++) e[t] += features[t * bands + b]
  const w = 50
  const m = new Float64Array(steps)
  let acc = 0
  for (let t = 0; t < steps; t++) {
    acc += e[t] - (t >= w ? e[t - w] : 0)
    m[t] = acc / Math.min(t + 1, w)
  }
  const sorted = Float64Array.from(m).sort()
  const floor = sorted[Math.floor(0.1 * (steps - 1))], peak = sorted[steps - 1]
  const level = floor + 0.25 * (peak - floor)
  for (let t = steps - 1; t >= 0; t--) if (m[t] > level) return t
  return 0
}
