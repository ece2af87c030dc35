// Job kinds: long work that runs in a worker process and produces a run. Each kind declares its
// parameters as a schema whose defaults are the paper's (METHOD.md); the UI renders its forms
// from these, the CLI its flags, and the worker parses them again before running.
import * as s from './schema.ts'
import type { Schema } from './schema.ts'
import { maxChannels, maxNeurons, maxTeacherUnits, maxThreads } from './limits.ts'

export const xorDatasetParams = s.object({
  count: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Samples', help: 'number of samples to draw' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'random seed; a random one is drawn and recorded when left empty' }),
  durationS: s.withDefault(s.number({ min: 0.1, max: 60 }), 1).doc({ label: 'Duration', unit: 's', help: 'length T of a sample' }),
  dtMs: s.withDefault(s.number({ min: 0.01, max: 100 }), 1).doc({ label: 'Time step', unit: 'ms' }),
})

const runRef = (kinds: string, label: string) => s.id().doc({ label, ref: kinds, help: `id of a ${kinds.replace(',', ' or ')} run` })

/** Neuron parameters of METHOD.md §4 (one value for all neurons; mismatch comes later). */
const neuronFields = {
  tauMemMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 50).doc({ label: 'τ membrane', unit: 'ms' }),
  tauSMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 70).doc({ label: 'τ slow synapse', unit: 'ms' }),
  tauFMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 1).doc({ label: 'τ fast synapse', unit: 'ms' }),
  tauOutMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 70).doc({ label: 'τ read-out filter', unit: 'ms' }),
  vTh: s.withDefault(s.number({ min: -100, max: 100 }), 1).doc({ label: 'V threshold' }),
  vRest: s.withDefault(s.number({ min: -100, max: 100 }), 0.5).doc({ label: 'V rest' }),
  vReset: s.withDefault(s.number({ min: -100, max: 100 }), 0).doc({ label: 'V reset' }),
  refractoryMs: s.withDefault(s.number({ min: 0, max: 1000 }), 0).doc({ label: 'Refractory period', unit: 'ms' }),
  bias: s.withDefault(s.number({ min: -100, max: 100 }), 0).doc({ label: 'Bias current' }),
}

export const networkCreateParams = s.object({
  neurons: s.withDefault(s.integer({ min: 1, max: maxNeurons }), 320).doc({ label: 'Neurons N' }),
  dims: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 64).doc({ label: 'Dimensions D', help: 'dimension of the decoded trajectory (teacher units)' }),
  channels: s.withDefault(s.integer({ min: 1, max: maxChannels }), 1).doc({ label: 'Input channels' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
  ebn: s.withDefault(s.boolean(), true).doc({ label: 'Fast balancing weights (EBN)', help: 'off gives the no-EBN variant (Ω_f = 0)' }),
  fastGain: s.withDefault(s.number({ min: 0, max: 100 }), 0.5).doc({ label: 'Fast weight gain g', help: '0.5 for temporal XOR, 1.5 for the wake phrase' }),
  slowWeights: s.withDefault(s.oneOf(['zero', 'random'] as const), 'zero').doc({ label: 'Slow weights', help: 'zero (before training) or random off-diagonal N(0, scale²/N)' }),
  slowScale: s.withDefault(s.number({ min: 0, max: 10 }), 0.02).doc({ label: 'Random slow weight scale' }),
  inputGain: s.withDefault(s.number({ min: 0, max: 1e6 }), 200).doc({ label: 'Input gain A', help: 'I_in = A·F·F̂c; 10/τ_mem (= 200 at 50 ms) for XOR' }),
  mu: s.withDefault(s.number({ min: 0, max: 1 }), 5e-4).doc({ label: 'μ (EBN cost)' }),
  nu: s.withDefault(s.number({ min: 0, max: 1 }), 1e-4).doc({ label: 'ν (EBN cost)' }),
  ...neuronFields,
})

export const simulateParams = s.object({
  network: runRef('network,ads', 'Network run'),
  dataset: runRef('dataset', 'Dataset run'),
  firstSample: s.withDefault(s.integer({ min: 0, max: 1_000_000 }), 0).doc({ label: 'First sample' }),
  samples: s.withDefault(s.integer({ min: 1, max: 10_000 }), 10).doc({ label: 'Samples' }),
  noiseStd: s.withDefault(s.number({ min: 0, max: 10 }), 0).doc({ label: 'Membrane noise σ', help: 'Gaussian added to V every step (V units)' }),
  membraneNeurons: s.withDefault(s.array(s.integer({ min: 0, max: 100_000 }), { max: 64 }), [0, 1, 2, 3]).doc({ label: 'Membrane traces of neurons' }),
  decimate: s.withDefault(s.integer({ min: 1, max: 1000 }), 1).doc({ label: 'Keep every n-th step of traces' }),
  threads: s.withDefault(s.integer({ min: 0, max: maxThreads }), 0).doc({ label: 'Threads', help: '0 = the cores the scheduler gives the job' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'initial membrane potentials and noise' }),
})

export const trainTeacherParams = s.object({
  units: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 64).doc({ label: 'Units', help: 'rate units of the teacher (64 for temporal XOR)' }),
  epochs: s.withDefault(s.integer({ min: 1, max: 10_000 }), 100).doc({ label: 'Epochs' }),
  samplesPerEpoch: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Samples per epoch', help: 'fresh temporal-XOR samples each epoch' }),
  batchSize: s.withDefault(s.integer({ min: 1, max: 1024 }), 1).doc({ label: 'Batch size' }),
  stepSize: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-4).doc({ label: 'Adam step size' }),
  lambdaMse: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e6).doc({ label: 'λ MSE' }),
  lambdaTau: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e6).doc({ label: 'λ τ barrier' }),
  tauMinMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 15).doc({ label: 'τ min', unit: 'ms' }),
  lambdaMaxTau: s.withDefault(s.number({ min: 0, max: 1e12 }), 1).doc({ label: 'λ longest τ', help: 'weight of max((τ − τ_min)₊²)' }),
  lambdaRec: s.withDefault(s.number({ min: 0, max: 1e12 }), 1).doc({ label: 'λ recurrent weights', help: 'weight of mean(Ω̂²)' }),
  lambdaDiag: s.withDefault(s.number({ min: 0, max: 1e12 }), 1).doc({ label: 'λ diagonal', help: 'weight of mean|diag Ω̂|' }),
  lambdaBias: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e3).doc({ label: 'λ bias', help: 'weight of mean(b²)' }),
  beta1: s.withDefault(s.number({ min: 0, max: 0.999999 }), 0.9).doc({ label: 'Adam β1' }),
  beta2: s.withDefault(s.number({ min: 0, max: 0.99999999 }), 0.999).doc({ label: 'Adam β2' }),
  epsilon: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-8).doc({ label: 'Adam ε' }),
  clipNorm: s.withDefault(s.number({ min: 0, max: 1e12 }), 0).doc({ label: 'Gradient clipping norm', help: '0 = off' }),
  lossTauUnit: s.withDefault(s.oneOf(['ms', 's'] as const), 'ms').doc({
    label: 'τ unit in the loss',
    help: 'the unit in which the loss measures τ when it penalises time constants below τ min and the longest one',
    valueHelp: {
      ms: 'milliseconds: a τ below τ min costs a lot, so every unit keeps τ ≥ τ min (recommended)',
      s: 'seconds, as in the authors\' code: the penalty is weak and training can push τ below τ min',
    },
  }),
  tauStepUnit: s.withDefault(s.oneOf(['s', 'ms'] as const), 's').doc({
    label: 'τ unit of Adam steps',
    help: 'how far one Adam step may move a time constant',
    valueHelp: {
      s: 'up to the step size in seconds: time constants adapt quickly (the authors\' code)',
      ms: 'up to the step size in milliseconds: time constants adapt 1000× more slowly',
    },
  }),
  validationSamples: s.withDefault(s.integer({ min: 0, max: 100_000 }), 200).doc({ label: 'Validation samples', help: 'drawn once; the best epoch is kept' }),
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples', help: 'fresh samples for the reported accuracy' }),
  keepBest: s.withDefault(s.boolean(), true).doc({ label: 'Keep the best validation epoch' }),
  durationS: s.withDefault(s.number({ min: 0.1, max: 60 }), 1).doc({ label: 'Sample duration', unit: 's' }),
  threads: s.withDefault(s.integer({ min: 0, max: maxThreads }), 0).doc({ label: 'Threads', help: '0 = the cores the scheduler gives the job' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
})

/** Hyperparameters of network ADS training (METHOD.md §4-5), shared by train.ads and the pipeline. */
const adsFields = {
  neurons: s.withDefault(s.integer({ min: 2, max: maxNeurons }), 320).doc({ label: 'Neurons N' }),
  epochs: s.withDefault(s.integer({ min: 1, max: 1000 }), 20).doc({ label: 'Epochs' }),
  samplesPerEpoch: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Samples per epoch', help: 'fresh temporal-XOR samples' }),
  eta: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-6).doc({ label: 'Learning rate η' }),
  etaSchedule: s.withDefault(s.oneOf(['constant', 'decay'] as const), 'constant').doc({
    label: 'η schedule',
    help: 'decay: η(t) = η·exp(−t/b) + c, t counting training samples',
    valueHelp: { constant: 'the same η for every sample', decay: 'η·exp(−t/b) + c: falls from η + c towards c' },
  }),
  etaDecaySamples: s.optional(s.number({ gt: 0, max: 1e12 })).doc({
    label: 'Decay time b',
    unit: 'samples',
    help: 'empty: (epochs × samples per epoch) / (2 ln 100), so η has fallen 100-fold half-way through training (the authors\' code)',
    when: { field: 'etaSchedule', equals: 'decay' },
  }),
  etaFloor: s.withDefault(s.number({ min: 0, max: 1 }), 1e-7).doc({
    label: 'Floor c',
    help: 'the learning rate that η decays towards',
    when: { field: 'etaSchedule', equals: 'decay' },
  }),
  kSchedule: s.withDefault(s.oneOf(['constant', 'staircase'] as const), 'constant').doc({ label: 'Feedback gain schedule', help: 'staircase: 8 equal blocks from k down to k/8' }),
  k: s.withDefault(s.number({ min: 0, max: 1e6 }), 75).doc({ label: 'Feedback gain k' }),
  rule: s
    .withDefault(s.oneOf(['online', 'online-lowrank', 'batched'] as const), 'online')
    .doc({
      label: 'Learning rule',
      help: 'online: every step; batched: once per sample window',
      valueHelp: {
        online: 'every step, computed in N-space (the events form) when tau_out is the same for all neurons',
        'online-lowrank': 'every step, computed in the low-rank form of runs made before the events form (reproduces them)',
        batched: 'once per sample window',
      },
    }),
  ebn: s.withDefault(s.boolean(), true).doc({ label: 'Fast balancing weights (EBN)', help: 'off gives the no-EBN variant' }),
  fastGain: s.withDefault(s.number({ min: 0, max: 100 }), 0.5).doc({ label: 'Fast weight gain g' }),
  inputGain: s.withDefault(s.number({ min: 0, max: 1e6 }), 200).doc({ label: 'Input gain A', help: '10/τ_mem for XOR' }),
  selection: s.withDefault(s.oneOf(['reconstruction', 'accuracy'] as const), 'reconstruction').doc({ label: 'Model selection', help: 'per epoch, keep the network with the lowest validation reconstruction error or the best validation accuracy' }),
  validationSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Validation samples' }),
  mu: s.withDefault(s.number({ min: 0, max: 1 }), 5e-4).doc({ label: 'μ (EBN cost)' }),
  nu: s.withDefault(s.number({ min: 0, max: 1 }), 1e-4).doc({ label: 'ν (EBN cost)' }),
  ...neuronFields,
}

export const trainAdsParams = s.object({
  teacher: runRef('teacher', 'Teacher run'),
  ...adsFields,
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples' }),
  threads: s.withDefault(s.integer({ min: 0, max: maxThreads }), 0).doc({ label: 'Threads', help: '0 = the cores the scheduler gives the job' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
})

/** The whole method on temporal XOR: every stage's defaults are the paper's. */
export const pipelineXorParams = s.object({
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'seeds every stage (recorded)' }),
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples', help: 'fresh samples scoring both networks' }),
  teacherUnits: s.withDefault(s.integer({ min: 1, max: maxTeacherUnits }), 64).doc({ label: 'Teacher units' }),
  teacherEpochs: s.withDefault(s.integer({ min: 1, max: 10_000 }), 100).doc({ label: 'Teacher epochs' }),
  teacherSamplesPerEpoch: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Teacher samples per epoch' }),
  teacherStepSize: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-4).doc({ label: 'Teacher Adam step size' }),
  teacherLambdaMse: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e6).doc({ label: 'Teacher λ MSE' }),
  teacherTauStepUnit: s.withDefault(s.oneOf(['s', 'ms'] as const), 's').doc({
    label: 'Teacher τ unit of Adam steps',
    help: 'how far one Adam step may move a time constant',
    valueHelp: {
      s: 'up to the step size in seconds: time constants adapt quickly (the authors\' code)',
      ms: 'up to the step size in milliseconds: time constants adapt 1000× more slowly',
    },
  }),
  teacherValidationSamples: s.withDefault(s.integer({ min: 0, max: 100_000 }), 200).doc({ label: 'Teacher validation samples' }),
  ...adsFields,
  threads: s.withDefault(s.integer({ min: 0, max: maxThreads }), 0).doc({ label: 'Threads', help: '0 = the cores the scheduler gives the job' }),
})

export const evalParams = s.object({
  network: runRef('teacher,ads', 'Trained network run'),
  // A file reaches the server only as bytes: it is imported as a dataset run first (the form's file
  // picker and `mimic eval --data FILE` do that), so that no caller can make the server read a path.
  dataset: runRef('dataset', 'Dataset run').doc({
    upload: { accept: '.npz', fits: 'network' },
    help: 'a dataset run, or an .npz file imported as one: inputs [samples, steps, channels], targets [samples, steps, outputs], optional labels',
  }),
  teacher: s.optional(runRef('teacher', 'Teacher run')).doc({ help: 'for spiking networks: the teacher whose trajectory x̂ is compared with x̃ (default: the network\'s parent teacher)' }),
  shownSamples: s.withDefault(s.integer({ min: 0, max: 100 }), 8).doc({ label: 'Samples kept for viewing' }),
  threads: s.withDefault(s.integer({ min: 0, max: maxThreads }), 0).doc({ label: 'Threads', help: '0 = the cores the scheduler gives the job' }),
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'initial membrane potentials' }),
})

export const jobKinds = {
  'data.xor': {
    label: 'Temporal XOR dataset',
    runKind: 'dataset',
    description: 'Draws temporal-XOR samples (METHOD.md §7) and stores inputs, targets and labels as artifacts.',
    params: xorDatasetParams,
  },
  'network.create': {
    label: 'Spiking network (EBN)',
    runKind: 'network',
    description: 'Builds a balanced spiking network (METHOD.md §4): thresholds, encoder, decoder, fast weights; slow weights zero or random.',
    params: networkCreateParams,
  },
  'train.teacher': {
    label: 'Teacher (BPTT)',
    runKind: 'teacher',
    description: 'Trains the rate-network teacher of METHOD.md §3 on temporal XOR with BPTT and Adam; reports test accuracy on fresh samples.',
    params: trainTeacherParams,
  },
  'train.ads': {
    label: 'Network ADS (local rule)',
    runKind: 'ads',
    description: 'Trains a balanced spiking network to mimic a teacher by the local learning rule with error feedback (METHOD.md §4-5).',
    params: trainAdsParams,
  },
  'pipeline.xor': {
    label: 'Temporal XOR pipeline',
    runKind: 'pipeline',
    description: 'Dataset → teacher (BPTT) → network ADS (local rule) → test, each stage a run linked to its parent (METHOD.md §3-7).',
    params: pipelineXorParams,
  },
  eval: {
    label: 'Evaluation',
    runKind: 'evaluation',
    description: 'Evaluates a trained teacher or spiking network on a dataset: accuracy (METHOD.md §6), MSE, reconstruction error.',
    params: evalParams,
  },
  simulate: {
    label: 'Simulation',
    runKind: 'simulation',
    description: 'Simulates a network on samples of a dataset and records spikes, decoded trajectories and membrane traces.',
    params: simulateParams,
  },
} as const satisfies Record<string, { label: string; runKind: string; description: string; params: Schema<unknown> }>

export type JobKind = keyof typeof jobKinds
export const jobKindNames = Object.keys(jobKinds) as [JobKind, ...JobKind[]]

export function jobParamsSchema(kind: JobKind): Schema<unknown> {
  return jobKinds[kind].params as Schema<unknown>
}
