// Parameter fields that several job kinds share.
import * as s from '../schema.ts'
import { generatingTasks, taskDescriptors } from '../tasks/index.ts'
import { maxNeurons, maxThreads } from '../limits.ts'

/** A field naming a run of the given kind(s) (the UI offers a picker of such runs). */
export const runRef = (kinds: string, label: string) => s.id().doc({ label, ref: kinds, help: `id of ${s.article(kinds)} ${s.kindsText(kinds.split(','))} run` })

export const threadsField = s.withDefault(s.integer({ min: 0, max: maxThreads }), 0).doc({ label: 'Threads', help: '0 = the cores the scheduler gives the job; N > 0: N threads on N cores, so that jobs with few threads run side by side' })

/** The task a job draws samples of (tasks with a generator; the first is the default, which old runs had). */
export const taskField = s.withDefault(s.oneOf(generatingTasks), generatingTasks[0]).doc({
  label: 'Task',
  help: 'the task whose samples are drawn (`mimic tasks list`)',
  valueHelp: Object.fromEntries(generatingTasks.map((n) => [n, taskDescriptors[n].label])),
})

/** A stored dataset the trainers use instead of fresh samples: its training, validation and test splits. */
export const dataField = s.optional(runRef('dataset', 'Dataset')).doc({
  help: "a dataset run to train on instead of fresh samples: epochs draw from its training split in a seeded order, validation (and a fitted decision boundary) from its validation split, the test score from its test split; samples without a split are assigned 60/20/20 (`mimic runs list --kind dataset`)",
})

/** Dataset mode: the share of the training split an epoch visits (docs/method.md §5: the paper's 10 %). */
export const epochFractionField = s.withDefault(s.number({ gt: 0, max: 1 }), 1).doc({
  label: 'Epoch fraction',
  help: "with a dataset: the share of the training split one epoch trains on (1: all of it; the paper's network ADS on the wake phrase: 0.1): the first of the epoch's seeded order, or consecutive stored samples without shuffling",
})

/** Dataset mode: a fresh seeded order of the training split each epoch. */
export const shuffleField = s.withDefault(s.boolean(), true).doc({ label: 'Shuffle each epoch', help: 'with a dataset: a fresh seeded order of the training samples every epoch (off: their stored order)' })

/** Neuron parameters of docs/method.md §4 (one value for all neurons; mismatch comes later). */
export const neuronFields = {
  tauMemMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 50).doc({ label: 'τ membrane', unit: 'ms' }),
  tauSMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 70).doc({ label: 'τ slow synapse', unit: 'ms' }),
  tauFMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 1).doc({ label: 'τ fast synapse', unit: 'ms' }),
  tauOutMs: s.withDefault(s.number({ gt: 0, max: 10_000 }), 70).doc({ label: 'τ read-out filter', unit: 'ms' }),
  vTh: s.withDefault(s.number({ min: -100, max: 100 }), 1).doc({ label: 'V threshold', above: [{ field: 'vRest' }, { field: 'vReset' }] }),
  vRest: s.withDefault(s.number({ min: -100, max: 100 }), 0.5).doc({ label: 'V rest' }),
  vReset: s.withDefault(s.number({ min: -100, max: 100 }), 0).doc({ label: 'V reset' }),
  refractoryMs: s.withDefault(s.number({ min: 0, max: 1000 }), 0).doc({ label: 'Refractory period', unit: 'ms' }),
  bias: s.withDefault(s.number({ min: -100, max: 100 }), 0).doc({ label: 'Bias current' }),
}

/** Hyperparameters of network ADS training (docs/method.md §4-5), shared by train.ads and the pipeline. */
export const adsFields = {
  neurons: s.withDefault(s.integer({ min: 2, max: maxNeurons }), 320).doc({ label: 'Neurons N' }),
  epochs: s.withDefault(s.integer({ min: 1, max: 1000 }), 20).doc({ label: 'Epochs' }),
  samplesPerEpoch: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Samples per epoch', help: "fresh samples of the teacher's task (with a dataset: the epoch fraction of its training split)" }),
  epochFraction: epochFractionField,
  eta: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-6).doc({ label: 'Learning rate η' }),
  etaSchedule: s.withDefault(s.oneOf(['constant', 'decay'] as const), 'constant').doc({
    label: 'η schedule',
    help: 'how η changes over training (t counts training samples)',
    valueHelp: { constant: 'the same η for every sample', decay: 'η·exp(−t/b) + c: falls from η + c towards c' },
  }),
  etaDecaySamples: s.optional(s.number({ gt: 0, max: 1e12 })).doc({
    label: 'Decay time b',
    unit: 'samples',
    help: 'empty: from the decay share when one is given, else (epochs × samples per epoch) / (2 ln 100), so η has fallen 100-fold half-way through training (the authors\' code); given, it takes the place of the share (which is then not recorded)',
    when: { field: 'etaSchedule', equals: 'decay' },
    overrides: 'etaDecayFraction',
  }),
  etaDecayFraction: s.optional(s.number({ gt: 0, max: 100 })).doc({
    label: 'Decay share',
    help: 'with b empty: η falls 100-fold over this share of the training, b = share × (epochs × samples per epoch) / ln 100 rounded to whole samples, so b follows the corpus size and the epochs (1: over the whole training; the authors\' b is 0.5, unrounded)',
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
    .withDefault(s.oneOf(['online', 'online-lowrank', 'batched'] as const), 'online-lowrank')
    .doc({
      label: 'Learning rule',
      help: 'when and in which form the slow weights learn (bench/README.md compares the forms)',
      valueHelp: {
        online: 'every step, computed in N-space (the events form) when tau_out is the same for all neurons; uses a second core when one is free',
        'online-lowrank': 'every step, in the low-rank form (the default: measured faster than the events form on 2 shared cores; the README figures were made with it)',
        batched: 'once per sample window',
      },
    }),
  ebn: s.withDefault(s.boolean(), true).doc({ label: 'Fast balancing weights (EBN)', help: 'off gives the no-EBN variant' }),
  fastGain: s.withDefault(s.number({ min: 0, max: 100 }), 0.5).doc({ label: 'Fast weight gain g' }),
  fastWeightScale: s.withDefault(s.oneOf(['tau-mem', 'authors'] as const), 'tau-mem').doc({
    label: 'Fast weight scale',
    help: 'how Ω_f is scaled, with fast weights only (docs/method.md §9)',
    valueHelp: {
      'tau-mem': 'Ω_f = −g·τ_mem·(DᵀD + μλ_d²I)/T_n: a spike kicks V by g·(…)/T_n, the EBN’s intended kick',
      authors: 'Ω_f = −g·(DᵀD + μλ_d²I)/T_n as in the authors’ code: 1/τ_mem (20× at 50 ms) stronger',
    },
  }),
  trainDeath: s.withDefault(s.number({ min: 0, max: 0.9 }), 0).doc({
    label: 'Neuron death in training',
    help: 'share of neurons silenced (V = 0) in each training sample, a fresh random subset per sample; validation and test run every neuron (docs/method.md §10); 0 = off',
  }),
  inputGain: s.withDefault(s.number({ min: 0, max: 1e6 }), 200).doc({ label: 'Input gain A', help: 'I_in = A·F·F̂c; 10/τ_mem (= 200 at 50 ms) in the paper' }),
  shuffle: shuffleField,
  selection: s.withDefault(s.oneOf(['reconstruction', 'accuracy'] as const), 'reconstruction').doc({ label: 'Model selection', help: 'per epoch, keep the network with the lowest validation reconstruction error or the best validation accuracy' }),
  validationSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Validation samples' }),
  mu: s.withDefault(s.number({ min: 0, max: 1 }), 5e-4).doc({ label: 'μ (EBN cost)' }),
  nu: s.withDefault(s.number({ min: 0, max: 1 }), 1e-4).doc({ label: 'ν (EBN cost)' }),
  ...neuronFields,
}

/** How far one Adam step may move a teacher's time constant (train.teacher and the pipeline). */
export const tauStepUnitHelp = {
  label: 'τ unit of Adam steps',
  help: 'how far one Adam step may move a time constant',
  valueHelp: {
    s: 'up to the step size in seconds: time constants adapt quickly (the authors\' code)',
    ms: 'up to the step size in milliseconds: time constants adapt 1000× more slowly',
  },
}

/** The execution target a network runs on (`mimic backends list`; checked against the registry when the job starts). */
export const targetField = s.withDefault(s.string({ min: 1, max: 60 }), 'simulator').doc({ label: 'Execution target', help: 'where the network runs (`mimic backends list`)', choices: 'targets' })
