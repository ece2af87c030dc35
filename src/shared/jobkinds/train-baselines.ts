// Job kinds "train.reservoir", "train.force" and "train.bptt-snn": the paper's baselines (docs/method.md
// §13), trained natively on fresh samples of a task and tested on fresh samples, or on a dataset run's splits. Every
// hyperparameter is a field whose default is the paper's (sizes: the N of network ADS on the paper's smaller task).
import * as s from '../schema.ts'
import { maxNeurons } from '../limits.ts'
import { epochFractionField, runRef, taskField, threadsField } from './fields.ts'
import { fmt, type JobKindSpec } from './spec.ts'

/** Where the training samples come from, the held-out sets, and the test (both learners). */
const dataFields = {
  task: taskField.doc({ help: 'the task whose fresh samples train and test the network (`mimic tasks list`); a dataset run given by --data decides it instead' }),
  data: s.optional(runRef('dataset', 'Training dataset')).doc({ help: "a dataset run to use instead of fresh samples of the task: its training split trains the network, its validation split selects the epoch and fits the task's settings (a decision boundary, stored with the network), its test split scores it; samples without a split are assigned 60/20/20" }),
  trainSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 500).doc({ label: 'Training samples', help: 'fresh samples of the task (ignored with a training dataset)' }),
  durationS: s.withDefault(s.number({ min: 0.1, max: 60 }), 1).doc({ label: 'Sample duration', unit: 's' }),
  testSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Test samples', help: 'fresh samples for the reported accuracy' }),
  epochFraction: epochFractionField.doc({
    help: "with a dataset: the share of the training split one epoch trains on (1: all of it; the paper's baselines on the wake phrase: 0.1, docs/method.md §13), the first of the epoch's seeded order; the reservoir, fitted once, uses that share of the training split",
  }),
}

export const trainReservoirParams = s.object({
  ...dataFields,
  neurons: s.withDefault(s.integer({ min: 2, max: maxNeurons }), 320).doc({ label: 'Neurons N' }),
  pools: s.withDefault(s.integer({ min: 1, max: maxNeurons }), 8).doc({ label: 'Pools', help: 'block-diagonal pools of the recurrent weights' }),
  connectivity: s.withDefault(s.number({ min: 0, max: 1 }), 0.041).doc({ label: 'Connection probability', help: 'within a pool' }),
  inhibitoryEvery: s.withDefault(s.integer({ min: 1, max: 1_000_000 }), 5).doc({ label: 'Every n-th neuron inhibitory' }),
  inhibitoryGain: s.withDefault(s.number({ min: 0, max: 1e6 }), 4.73).doc({ label: 'Inhibitory gain', help: '|inhibitory weight| / excitatory weight' }),
  weight: s.withDefault(s.number({ min: 0, max: 1e6 }), 0.5).doc({ label: 'Excitatory weight', help: 'V units (threshold 1)' }),
  inputScale: s.withDefault(s.number({ min: 0, max: 1e6 }), 3).doc({ label: 'Input weight scale', help: 'wIn ~ N(0, s²)' }),
  tauMinMs: s.withDefault(s.number({ min: 0.01, max: 1e5 }), 0.1).doc({ label: 'Shortest τ', unit: 'ms' }),
  tauMaxMs: s.withDefault(s.number({ min: 0.01, max: 1e5 }), 112).doc({ label: 'Longest τ', unit: 'ms', above: [{ field: 'tauMinMs', orEqual: true }], help: 'membrane and synaptic time constants spread log-uniformly between the two' }),
  tauOutMs: s.withDefault(s.number({ min: 1e-3, max: 1e6 }), 256).doc({ label: 'τ read-out synapse', unit: 'ms' }),
  biasLo: s.withDefault(s.number({ min: -1e6, max: 1e6 }), 0.5).doc({ label: 'Bias low', help: 'bias ~ U(low, high)' }),
  biasHi: s.withDefault(s.number({ min: -1e6, max: 1e6 }), 1).doc({ label: 'Bias high', above: [{ field: 'biasLo', orEqual: true }] }),
  refractoryMs: s.withDefault(s.number({ min: 0, max: 1000 }), 2).doc({ label: 'Refractory period', unit: 'ms' }),
  ridge: s.withDefault(s.number({ min: 0, max: 1e12 }), 100).doc({ label: 'Ridge λ' }),
  stride: s.withDefault(s.integer({ min: 1, max: 1_000_000 }), 1).doc({ label: 'Regression stride', help: 'every n-th step enters the regression' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
})

// FORCE's defaults depart from the paper's where measurement on the paper's smaller task said so (docs/method.md §13):
// τ_syn 200 ms (not 70), G 0.6 (not 0.04), Q 1 (not 10), 200 samples and at most 3 epochs (not 15).
export const trainForceParams = s.object({
  ...dataFields,
  trainSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Training samples', help: 'fresh samples of the task (ignored with a training dataset)' }),
  validationSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Validation samples', help: 'drawn once; early stopping and the kept epoch' }),
  neurons: s.withDefault(s.integer({ min: 2, max: maxNeurons }), 320).doc({ label: 'Neurons N' }),
  epochs: s.withDefault(s.integer({ min: 1, max: 1000 }), 3).doc({ label: 'Epochs', help: 'at most; over the same training samples (the paper: up to 15)' }),
  patience: s.withDefault(s.integer({ min: 1, max: 1000 }), 2).doc({ label: 'Patience', help: 'epochs without a validation gain before stopping' }),
  tauMemMs: s.withDefault(s.number({ min: 1e-3, max: 1e5 }), 10).doc({ label: 'τ membrane', unit: 'ms' }),
  tauSynMs: s.withDefault(s.number({ min: 1e-3, max: 1e5 }), 200).doc({ label: 'τ synapse', unit: 'ms', help: 'also the read-out synapse; the memory a task needs to hold a cue until its answer (the paper: 70 ms; docs/method.md §13)' }),
  vReset: s.withDefault(s.number({ min: -1e4, max: 1e4 }), -65).doc({ label: 'V reset', unit: 'mV' }),
  vPeak: s.withDefault(s.number({ min: -1e4, max: 1e4 }), -40).doc({ label: 'V peak', unit: 'mV', above: [{ field: 'vReset' }] }),
  bias: s.withDefault(s.number({ min: -1e4, max: 1e4 }), -40).doc({ label: 'Bias', unit: 'mV' }),
  refractoryMs: s.withDefault(s.number({ min: 0, max: 1000 }), 2).doc({ label: 'Refractory period', unit: 'ms' }),
  g: s.withDefault(s.number({ min: 0, max: 1e6 }), 0.6).doc({ label: 'G', help: 'wRec = G·N(0,1)·Bernoulli(p)/(√N·p) (the paper: 0.04)' }),
  sparsity: s.withDefault(s.number({ gt: 0, max: 1 }), 0.1).doc({ label: 'Connection probability p' }),
  encoderScale: s.withDefault(s.number({ min: 0, max: 1e6 }), 1).doc({ label: 'Encoder scale Q', help: 'encoders ~ U(−Q, Q) (the paper: 10)' }),
  inputScale: s.withDefault(s.number({ min: 0, max: 1e6 }), 30).doc({ label: 'Input weight scale', unit: 'mV', help: 'wIn ~ U(−s, s)' }),
  p0: s.withDefault(s.number({ gt: 0, max: 1e12 }), 1e-5).doc({ label: 'P(0) scale', help: 'P(0) = p0·I' }),
  rlsEvery: s.withDefault(s.integer({ min: 1, max: 1_000_000 }), 1).doc({ label: 'RLS every n steps', help: '1: every step (about 2N² multiply-adds per update)' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
})

// The BPTT network's defaults depart from the paper's where measurement on the paper's smaller task said so
// (docs/method.md §13): N = 320 as 160 + 160, 300 samples, 10 epochs, Adam 3·10⁻⁴ (not 768 + 768, 20 epochs, 10⁻⁴).
export const trainBpttSnnParams = s.object({
  ...dataFields,
  trainSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 300).doc({ label: 'Training samples', help: 'fresh samples of the task (ignored with a training dataset)' }),
  validationSamples: s.withDefault(s.integer({ min: 1, max: 100_000 }), 200).doc({ label: 'Validation samples', help: 'drawn once; the epoch with the lowest validation MSE is kept' }),
  layer1: s.withDefault(s.integer({ min: 1, max: maxNeurons / 2 }), 160).doc({ label: 'Feed-forward neurons', help: 'layer 1, taking the input' }),
  layer2: s.withDefault(s.integer({ min: 1, max: maxNeurons / 2 }), 160).doc({ label: 'Recurrent neurons', help: 'layer 2, read out (recurrent weights start at 0)' }),
  epochs: s.withDefault(s.integer({ min: 1, max: 1000 }), 10).doc({ label: 'Epochs', help: 'over the same training samples; the epoch of the lowest validation MSE is kept (the paper: up to 20)' }),
  batchSize: s.withDefault(s.integer({ min: 1, max: 1024 }), 10).doc({ label: 'Batch size', help: 'samples per Adam step, in parallel over the cores' }),
  stepSize: s.withDefault(s.number({ gt: 0, max: 1 }), 3e-4).doc({ label: 'Adam step size', help: "the paper: 10⁻⁴, which learns the paper's smaller task too slowly (docs/method.md §13)" }),
  beta1: s.withDefault(s.number({ min: 0, max: 0.999999 }), 0.9).doc({ label: 'Adam β1' }),
  beta2: s.withDefault(s.number({ min: 0, max: 0.99999999 }), 0.999).doc({ label: 'Adam β2' }),
  epsilon: s.withDefault(s.number({ gt: 0, max: 1 }), 1e-8).doc({ label: 'Adam ε' }),
  lambdaMse: s.withDefault(s.number({ min: 0, max: 1e12 }), 1e3).doc({ label: 'λ MSE' }),
  lambdaWeights: s.withDefault(s.number({ min: 0, max: 1e12 }), 0).doc({ label: 'λ weights', help: 'weight of mean(w²) over the trained weights' }),
  lambdaRate: s.withDefault(s.number({ min: 0, max: 1e12 }), 0).doc({ label: 'λ rate', help: 'weight of mean over neurons of (spikes per step)²' }),
  tauMem1Ms: s.withDefault(s.number({ min: 1e-3, max: 1e5 }), 100).doc({ label: 'τ membrane, layer 1', unit: 'ms' }),
  tauSyn1Ms: s.withDefault(s.number({ min: 1e-3, max: 1e5 }), 100).doc({ label: 'τ synapse, layer 1', unit: 'ms' }),
  tauMem2Ms: s.withDefault(s.number({ min: 1e-3, max: 1e5 }), 50).doc({ label: 'τ membrane, layer 2', unit: 'ms' }),
  tauSyn2Ms: s.withDefault(s.number({ min: 1e-3, max: 1e5 }), 70).doc({ label: 'τ synapse, layer 2', unit: 'ms' }),
  tauOutMs: s.withDefault(s.number({ min: 1e-3, max: 1e5 }), 70).doc({ label: 'τ read-out synapse', unit: 'ms' }),
  inputScale: s.withDefault(s.number({ min: 0, max: 1e6 }), 5).doc({ label: 'Input weight scale', help: 'wIn ~ N(0, s²/C) (not given by the paper)' }),
  ffScale: s.withDefault(s.number({ min: 0, max: 1e6 }), 5).doc({ label: 'Feed-forward weight scale', help: 'layer 1 → 2 ~ N(0, s²/n1) (not given by the paper)' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed' }),
})

const result = (what: string) => (d: { id: number; status: string; summary: Record<string, number> }) => ({
  value: { id: d.id, runId: d.id, networkRunId: d.id, status: d.status, ...d.summary },
  text: `${what} run ${d.id}: test accuracy ${fmt(d.summary.testAccuracy)}, mse ${fmt(d.summary.testMse)}, mean rate ${fmt(d.summary.meanRateHz)} Hz, ${fmt(d.summary.wallSeconds)} s`,
})

export const trainReservoir = {
  name: 'train.reservoir',
  label: 'Reservoir (ridge read-out)',
  runKind: 'reservoir',
  description: 'Builds a liquid state machine of excitatory and inhibitory LIF pools and fits its read-out by ridge regression (docs/method.md §13).',
  params: trainReservoirParams,
  resources: { cores: 'all', minCores: 1 },
  cli: { command: ['train', 'reservoir'], synopsis: '--project ID [--data DATASET_RUN | --task T --train-samples 500] [--neurons 320] [--ridge 100] ...', result: result('reservoir') },
  view: 'baseline',
  watchAfterStart: true,
  action: { action: 'New reservoir', submit: 'Train' },
} as const satisfies JobKindSpec

export const trainForce = {
  name: 'train.force',
  label: 'FORCE spiking network (RLS)',
  runKind: 'force',
  description: 'Trains the read-out of a sparse LIF network with output feedback online by recursive least squares (FORCE, docs/method.md §13), with early stopping on validation.',
  params: trainForceParams,
  resources: { cores: 'all', minCores: 1 },
  cli: { command: ['train', 'force'], synopsis: '--project ID [--data DATASET_RUN | --task T --train-samples 200] [--neurons 320] [--epochs 3] [--p0 1e-5] ...', result: result('FORCE') },
  view: 'baseline',
  watchAfterStart: true,
  action: { action: 'New FORCE network', submit: 'Train' },
} as const satisfies JobKindSpec

export const trainBpttSnn = {
  name: 'train.bptt-snn',
  label: 'BPTT spiking network (surrogate gradient)',
  runKind: 'bptt-snn',
  description: 'Trains a feed-forward and a recurrent LIF layer with an exponential-synapse read-out end to end by BPTT with a surrogate gradient and Adam (docs/method.md §13).',
  params: trainBpttSnnParams,
  resources: { cores: 'all', minCores: 1 },
  cli: { command: ['train', 'bptt-snn'], synopsis: '--project ID [--data DATASET_RUN | --task T --train-samples 500] [--layer1 160] [--layer2 160] [--epochs 10] [--step-size 3e-4] ...', result: result('BPTT spiking network') },
  view: 'baseline',
  watchAfterStart: true,
  action: { action: 'New BPTT spiking network', submit: 'Train' },
} as const satisfies JobKindSpec
