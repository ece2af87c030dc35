// Evaluating a trained network of any architecture on a dataset: the network runs on an execution
// target, the task's decision rule scores its outputs, and, next to a teacher, its trajectory is
// compared with the teacher's (docs/method.md §7: score against the labels and the teacher both).
import { taskScore, type RunOptions } from '../../native/index.ts'
import type { TimedDataset } from '../formats/dataset.ts'
import type { TaskName } from '../shared/tasks/index.ts'
import type { ResultItem } from '../shared/types.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import { architectures } from './architectures/index.ts'
import type { LoadedNetwork } from './architectures/architecture.ts'
import type { ExecutionTarget, TargetOutput } from './targets/target.ts'

export interface EvalOptions {
  /** the network whose trajectory the evaluated one mimics (reconstruction error, agreement) */
  teacher?: LoadedNetwork
  /** the teacher's run on these data, when already made (then the teacher is not run again) */
  teacherOutput?: TargetOutput
  threads: number
  /** initial state draws */
  seed: number
  /** samples whose spike events are kept (spiking networks) */
  recordSpikesOf?: number
}

export interface EvalResult {
  samples: number
  /** fraction of samples whose decision on the first output equals its label (no decision counts as wrong) */
  accuracy: number
  /** samples with no decision */
  undecided: number
  /** mean over samples of the output's mean squared error against the targets */
  mse: number
  /** [samples, outputs] */
  predictions: Int8Array
  /** [samples] */
  labels: Int8Array
  /** [samples, steps, outputs] */
  outputs: Float32Array
  /** the network's trajectory [samples, steps, dims] */
  trajectories: Float32Array | null
  dims: number
  /** mean over samples of Σ_d Var(x̂_d − x̃_d) / Σ_d Var(x̂_d); null without a teacher */
  reconstructionError: number | null
  /** fraction of samples decided as the teacher decides; null without a teacher */
  teacherAgreement: number | null
  teacherAccuracy: number | null
  teacherUndecided: number | null
  meanRateHz: number | null
  teacherTrajectories: Float32Array | null
  teacherOutputs: Float32Array | null
  teacherPredictions: Int8Array | null
  spikes: { steps: Int32Array; neurons: Int32Array; offsets: Int32Array } | null
  /** one value per sample, for the long-form results */
  perSample: {
    decision: Int8Array
    label: Int8Array
    mse: Float64Array
    reconstructionError: Float64Array | null
    teacherDecision: Int8Array | null
    rateHz: Float64Array | null
  }
}

/** Σ_d Var(x̂_d − x̃_d) / Σ_d Var(x̂_d) of one sample, accumulated as the native trainers do (float errors, double sums). */
function reconstructionError(xhat: Float32Array, xtilde: Float32Array, base: number, steps: number, dims: number): number {
  const se = new Float64Array(dims)
  const see = new Float64Array(dims)
  const sx = new Float64Array(dims)
  const sxx = new Float64Array(dims)
  for (let t = 0; t < steps; t++) {
    const o = base + t * dims
    for (let d = 0; d < dims; d++) {
      const e = Math.fround(xhat[o + d] - xtilde[o + d])
      const x = xhat[o + d]
      se[d] += e
      see[d] += e * e
      sx[d] += x
      sxx[d] += x * x
    }
  }
  let num = 0
  let den = 0
  for (let d = 0; d < dims; d++) {
    const me = se[d] / steps
    const mx = sx[d] / steps
    num += see[d] / steps - me * me
    den += sxx[d] / steps - mx * mx
  }
  if (den > 0) return num / den
  return num > 0 ? Infinity : 0
}

function mean(a: Float64Array): number {
  let s = 0
  for (const v of a) s += v
  return s / a.length
}

/** The task's decisions on outputs (native taskScore, with the network's fitted settings); labels from the dataset, or read from its targets by the task's rule. */
function decide(task: TaskName, outputs: Float32Array, d: TimedDataset, fitted: Record<string, number>): { predictions: Int8Array; labels: Int8Array } {
  const r = taskScore(task, { outputs, shape: [d.samples, d.steps, d.outputs], fitted, ...(d.labels ? {} : { targets: d.targets }) })
  let labels = d.labels
  if (!labels) {
    labels = new Int8Array(d.samples)
    for (let b = 0; b < d.samples; b++) labels[b] = r.labels![b * d.outputs]
  }
  return { predictions: r.decisions, labels }
}

function countUndecided(predictions: Int8Array, samples: number, outputs: number): number {
  let n = 0
  for (let b = 0; b < samples; b++) if (predictions[b * outputs] === 0) n++
  return n
}

function accuracyOf(predictions: Int8Array, labels: Int8Array, samples: number, outputs: number): number {
  let correct = 0
  for (let b = 0; b < samples; b++) if (predictions[b * outputs] === labels[b]) correct++
  return correct / samples
}

/** Runs `net` on `data` through `target` and scores it by `task`'s rule (and against a teacher when given). */
export async function evaluate(task: TaskName, target: ExecutionTarget, net: LoadedNetwork, d: TimedDataset, options: EvalOptions, run: RunOptions = {}): Promise<EvalResult> {
  const batch = { inputs: d.inputs, count: d.samples, steps: d.steps, channels: d.channels, dtMs: d.dtMs }
  const dims = net.sizes.dims
  // one progress for both runs: the teacher (a rate network, cheap beside the spiking one) its first tenth
  const teacherShare = options.teacher && !options.teacherOutput ? 0.1 : 0
  const part = (base: number, share: number): RunOptions => {
    const report = run.onProgress
    return report ? { ...run, onProgress: (f, message) => report(base + share * f, message) } : run
  }
  const teacherOut =
    options.teacherOutput ??
    (options.teacher ? await target.run(options.teacher, batch, { seed: options.seed, threads: options.threads, record: { trajectories: true } }, part(0, teacherShare)) : null)
  const out = await target.run(net, batch, { seed: options.seed, threads: options.threads, record: { trajectories: true, spikes: options.recordSpikesOf ?? 0 } }, part(teacherShare, 1 - teacherShare))
  const { predictions, labels } = decide(task, out.outputs, d, net.fitted)
  const S = d.samples
  const TO = d.steps * d.outputs
  const mse = new Float64Array(S)
  for (let b = 0; b < S; b++) {
    let s = 0
    for (let i = b * TO; i < (b + 1) * TO; i++) {
      const e = out.outputs[i] - d.targets[i]
      s += e * e
    }
    mse[b] = s / TO
  }
  let teacher: { predictions: Int8Array; accuracy: number; undecided: number } | null = null
  let recon: Float64Array | null = null
  if (teacherOut) {
    const t = decide(task, teacherOut.outputs, d, options.teacher?.fitted ?? {})
    teacher = { predictions: t.predictions, accuracy: accuracyOf(t.predictions, labels, S, d.outputs), undecided: countUndecided(t.predictions, S, d.outputs) }
    if (teacherOut.trajectories && out.trajectories && dims > 0) {
      recon = new Float64Array(S)
      for (let b = 0; b < S; b++) recon[b] = reconstructionError(teacherOut.trajectories, out.trajectories, b * d.steps * dims, d.steps, dims)
    }
  }
  let agreement: number | null = null
  if (teacher) {
    let same = 0
    for (let b = 0; b < S; b++) if (teacher.predictions[b * d.outputs] === predictions[b * d.outputs]) same++
    agreement = same / S
  }
  return {
    samples: S,
    accuracy: accuracyOf(predictions, labels, S, d.outputs),
    undecided: countUndecided(predictions, S, d.outputs),
    mse: mean(mse),
    predictions,
    labels,
    outputs: out.outputs,
    trajectories: out.trajectories ?? null,
    dims,
    reconstructionError: recon ? mean(recon) : null,
    teacherAgreement: agreement,
    teacherAccuracy: teacher?.accuracy ?? null,
    teacherUndecided: teacher?.undecided ?? null,
    meanRateHz: out.meanRateHz ?? null,
    teacherTrajectories: teacherOut?.trajectories ?? null,
    teacherOutputs: teacherOut?.outputs ?? null,
    teacherPredictions: teacher?.predictions ?? null,
    spikes: out.spikes ?? null,
    perSample: {
      decision: Int8Array.from({ length: S }, (_, b) => predictions[b * d.outputs]),
      label: labels,
      mse,
      reconstructionError: recon,
      teacherDecision: teacher ? Int8Array.from({ length: S }, (_, b) => teacher.predictions[b * d.outputs]) : null,
      rateHz: out.rateHz ?? null,
    },
  }
}

/**
 * One result item per sample (labels {sample}) about the evaluated network: the decision (1, −1, 0 for
 * none) and the label on the first output, whether they agree, the output's MSE, and where measured
 * the mean rate over the neurons (spiking networks) and, next to a teacher, the reconstruction error
 * and whether it decided as the teacher did.
 */
export function evaluationResults(r: EvalResult, network: { runId: number; architecture: string }): ResultItem[] {
  const p = r.perSample
  const items: ResultItem[] = []
  for (let b = 0; b < r.samples; b++) {
    const decision = p.decision[b]
    const label = p.label[b]
    const values: Record<string, number | null> = { decision, label, correct: decision === label ? 1 : 0, mse: p.mse[b] }
    if (p.rateHz) values.rateHz = p.rateHz[b]
    if (p.reconstructionError) values.reconstructionError = p.reconstructionError[b]
    if (p.teacherDecision) values.teacherAgreement = p.teacherDecision[b] === decision ? 1 : 0
    items.push({ item: b, networkId: network.runId, architecture: network.architecture, labels: { sample: b }, values })
  }
  return items
}

/** The headline numbers of an evaluation (teacher comparisons and rates only when measured). */
export function evaluationSummary(r: EvalResult): Record<string, number> {
  const summary: Record<string, number> = { accuracy: r.accuracy, undecided: r.undecided, mse: r.mse, samples: r.samples }
  if (r.meanRateHz !== null) summary.meanRateHz = r.meanRateHz
  if (r.reconstructionError !== null) summary.reconstructionError = r.reconstructionError
  if (r.teacherAccuracy !== null) summary.teacherAccuracy = r.teacherAccuracy
  if (r.teacherUndecided !== null) summary.teacherUndecided = r.teacherUndecided
  if (r.teacherAgreement !== null) summary.teacherAgreement = r.teacherAgreement
  return summary
}

/** The artifacts an evaluation keeps: everything for the first `shown` samples, decisions for all. */
export function evaluationArtifacts(d: TimedDataset, r: EvalResult, net: LoadedNetwork, shown: number): NewArtifact[] {
  const k = Math.min(shown, d.samples)
  const cut = (a: Float32Array, width: number): Float32Array => a.slice(0, k * d.steps * width)
  const items: NewArtifact[] = [
    { name: 'inputs', data: cut(d.inputs, d.channels), shape: [k, d.steps, d.channels] },
    { name: 'targets', data: cut(d.targets, d.outputs), shape: [k, d.steps, d.outputs] },
    { name: 'labels', data: r.labels, shape: [d.samples] },
    { name: 'predictions', data: r.predictions, shape: [d.samples, d.outputs] },
    { name: 'outputs', data: cut(r.outputs, d.outputs), shape: [k, d.steps, d.outputs] },
  ]
  const dims = r.dims
  // The network's trajectory under its architecture's name ("decoded", or a rate network's own
  // "teacher.activations"), unless a teacher's trajectory takes that name.
  const own = architectures[net.architecture].trajectoryArtifact
  if (r.trajectories && dims > 0) items.push({ name: r.teacherTrajectories && own === 'teacher.activations' ? 'decoded' : own, data: cut(r.trajectories, dims), shape: [k, d.steps, dims] })
  if (r.teacherTrajectories) items.push({ name: 'teacher.activations', data: cut(r.teacherTrajectories, dims), shape: [k, d.steps, dims] })
  if (r.teacherOutputs) items.push({ name: 'teacher.outputs', data: cut(r.teacherOutputs, d.outputs), shape: [k, d.steps, d.outputs] })
  if (r.teacherPredictions) items.push({ name: 'teacher.predictions', data: r.teacherPredictions, shape: [d.samples, d.outputs] })
  const sp = r.spikes
  if (sp) {
    const kept = Math.min(k, sp.offsets.length - 1)
    const end = sp.offsets[kept]
    items.push(
      { name: 'spikes.steps', data: sp.steps.slice(0, end), shape: [end] },
      { name: 'spikes.neurons', data: sp.neurons.slice(0, end), shape: [end] },
      { name: 'spikes.offsets', data: sp.offsets.slice(0, kept + 1), shape: [kept + 1] },
    )
  }
  return items
}
