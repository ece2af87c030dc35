// The wake-phrase task (docs/method.md §2.2, §6): 5 s of noisy audio through the 16-band front end; the
// target is a bump after the phrase for positives, 0 for negatives. Its samples are imported
// recordings (`mimic data import audio`) or the offline corpus (`mimic data generate wake-phrase`,
// synthesised speech in generated noise); its decision rule is native (native/core/tasks/wake_task.*)
// with a boundary fitted on validation outputs and stored with the trained network.
import * as s from '../schema.ts'
import type { TaskDescriptor } from './descriptor.ts'

/**
 * How the front end's band envelopes are scaled before they are stored (docs/method.md §2.2): as they
 * are, or standardised per band with the mean and standard deviation of the dataset's training split
 * (stored with the dataset as `featureMean` and `featureStd`). Every consumer of the dataset (teacher,
 * network ADS, baselines, robustness, deployment) reads the stored, scaled inputs.
 */
export const featureScalingField = s.withDefault(s.oneOf(['none', 'standardise'] as const), 'none').doc({
  label: 'Feature scaling',
  help: "how the 16 band envelopes are scaled before they are stored (docs/method.md §2.2)",
  valueHelp: {
    none: 'the envelopes as the front end gives them (about 3·10⁻³ on average)',
    standardise: "per band: minus the mean, over the standard deviation of the training split's samples (stored with the dataset)",
  },
})

export const wakePhraseGeneratorParams = s.object({
  count: s.withDefault(s.integer({ min: 2, max: 100_000 }), 1500).doc({ label: 'Samples', help: 'samples of 5 s, half with the phrase; 60 % training, 20 % validation, 20 % test voices' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'random seed; a random one is drawn and recorded when left empty' }),
  phrase: s.withDefault(s.string({ min: 1, max: 60, trim: true }), 'hey snips').doc({ label: 'Wake phrase' }),
  snrDb: s.withDefault(s.number({ min: -20, max: 60 }), 10).doc({ label: 'Signal-to-noise ratio', unit: 'dB', help: 'speech power over background-noise power' }),
  closeNegatives: s.withDefault(s.number({ min: 0, max: 1 }), 0.2).doc({ label: 'Close negatives', help: 'the share of the negatives that speak a phrase close to "hey snips" in sound ("hey snaps", "hey snip", ...; the rest speak other phrases)' }),
  snrDbMax: s.optional(s.number({ min: -20, max: 60 })).doc({ label: 'Highest signal-to-noise ratio', unit: 'dB', help: 'when given, each sample\'s SNR is drawn uniformly between the SNR and this' }),
  featureScaling: featureScalingField,
  noise: s.optional(s.id()).doc({ label: 'Noise recordings', ref: 'upload', help: 'an upload run of WAV files (`mimic data generate wake-phrase --noise-dir DIR` makes it): the background of each sample is a random 5 s stretch of one of them, instead of generated noise' }),
})

// the tau-mem fast-weight scale: the authors' keeps clearly more accuracy under neuron death on this task,
// but its training ran away on two seeds of three (docs/method.md §10); `--fast-weight-scale authors` chooses it
// η = 3·10⁻⁵ decaying exponentially 100-fold over the whole training (share 1: b = 977 samples for the
// 4500 training samples of 5 epochs over the default corpus's 900-sample split; η·exp(−t/b) + 10⁻⁷;
// b follows another corpus size or number of epochs): with the paper's constant 10⁻⁵ the last
// staircase blocks (k = 50, 25) ran away (7-578 Hz) and the kept network was an early snapshot, 6 points
// below its teacher on two seeds of four (measured, docs/method.md §5)
const wakeAds = { neurons: 768, inputGain: 1000, fastGain: 1.5, eta: 3e-5, etaSchedule: 'decay', etaDecayFraction: 1, kSchedule: 'staircase', k: 200, epochs: 5, epochFraction: 1, selection: 'accuracy' } as const

export const wakePhraseTask = {
  name: 'wake-phrase',
  label: 'Wake phrase',
  description: 'Detect a spoken wake phrase in 5 s of noisy audio: 16 band envelopes at 1 kHz in, a bump after the phrase out.',
  channels: 16,
  outputs: 1,
  dtMs: 1,
  durationS: 5,
  generator: { params: wakePhraseGeneratorParams, native: false, parallel: true },
  decisionRule: {
    summary: 'y_s = 0.95·y_s + 0.05·ỹ; sum y_s over each stretch where y_s ≥ 0.5; keyword if the largest sum exceeds the boundary B fitted on validation data (docs/method.md §6)',
    display: { smoothingDecay: 0.95, thresholds: [0.5], score: { kind: 'stretchSum', label: 'Σ y_s over the stretch ≥ 0.5', fitted: 'boundary', unit: 'steps' } },
  },
  // a detection: its results count false accepts and false rejects
  detection: true,
  fitted: [{ name: 'boundary', label: 'Boundary B', description: 'keyword when the largest sum of y_s over a stretch where y_s ≥ 0.5 exceeds B (in steps); fitted on validation outputs' }],
  sampleView: 'bands',
  // docs/method.md §3-5: teacher 16 → 128 → 1, λ_MSE 1 with τ in seconds in the loss (as the authors: in ms
  // the τ terms are thousands of times the MSE of this task and training stalls), Adam 1e-3 falling along a
  // cosine to 5 % of it in the last epoch (measured: with a constant step the kept epoch is a noisy snapshot,
  // validation swings 0.50-0.91 between epochs); network ADS N = 768, A = 50/τ_mem,
  // g = 1.5, η = 3e-5 decaying 100-fold over training, the staircase k from 200 over 8 blocks, 5 epochs over the whole training split
  // (not the paper's 10 %: its training set was about 30 times larger; measured, docs/method.md §5); the
  // network kept by the validation accuracy with the fitted boundary.
  methodDefaults: {
    'train.teacher': { units: 128, lambdaMse: 1, stepSize: 1e-3, stepSizeSchedule: 'cosine', lossTauUnit: 's', epochs: 20 },
    'train.ads': { ...wakeAds },
    // the baselines at the size of network ADS (docs/method.md §13: all N = 768 on this task)
    'train.reservoir': { neurons: 768 },
    'train.force': { neurons: 768 },
    'train.bptt-snn': { layer1: 768, layer2: 768 },
    pipeline: { teacherUnits: 128, teacherLambdaMse: 1, teacherStepSize: 1e-3, teacherStepSizeSchedule: 'cosine', teacherLossTauUnit: 's', teacherEpochs: 20, ...wakeAds },
  },
} as const satisfies TaskDescriptor
