// Evaluating trained networks on a dataset: the teacher (rate network) or a spiking network with a
// read-out (network ADS). Accuracy follows the temporal-XOR read-out of METHOD.md §6; MSE is that
// of the (unsmoothed) output against the target; for spiking networks evaluated next to their
// teacher, the reconstruction error of x̃ against x̂ (METHOD.md §5) and the agreement with the
// teacher's decisions are reported too (METHOD.md §10: score against both).
import { evaluateAds, teacherForward, xorDecision, type TeacherForwardResult, type TeacherParams } from '../../native/index.ts'
import type { RunOptions } from '../../native/index.ts'
import type { ResultItem } from '../shared/types.ts'
import type { NewArtifact } from '../store/artifacts.ts'
import type { TimedDataset } from './dataset.ts'
import type { StoredNetwork } from './network-format.ts'

/** What an evaluation runs on: a dataset with its time step. */
export type EvalData = TimedDataset

/**
 * Samples whose read-out reached no decision (prediction 0 on the scored output: y_s never crossed
 * ±0.5). They count as wrong, so an accuracy is only readable next to this number.
 */
export function undecidedCount(predictions: Int8Array, samples: number, outputs = 1): number {
  let n = 0
  for (let b = 0; b < samples; b++) if (predictions[b * outputs] === 0) n++
  return n
}

export interface EvalResult {
  samples: number
  accuracy: number
  /** samples with no decision (counted as wrong in `accuracy`) */
  undecided: number
  mse: number
  /** per-sample decisions: 1, -1, or 0 (no decision) */
  predictions: Int8Array
  labels: Int8Array
  /** [samples, steps, outputs] */
  outputs: Float32Array
  /** per sample: the MSE of the output against the target */
  sampleMse: Float64Array
}

export interface SnnEvalResult extends EvalResult {
  /** Σ_d Var(x̂_d − x̃_d) / Σ_d Var(x̂_d), mean over samples; null without a teacher */
  reconstructionError: number | null
  /** fraction of samples where the SNN decides as the teacher does; null without a teacher */
  teacherAgreement: number | null
  teacherAccuracy: number | null
  /** samples where the teacher reached no decision; null without a teacher */
  teacherUndecided: number | null
  meanRateHz: number
  /** x̃ [samples, steps, dims] */
  decoded: Float32Array
  /** x̂ [samples, steps, dims] when a teacher was given */
  teacherActivations: Float32Array | null
  teacherOutputs: Float32Array | null
  teacherPredictions: Int8Array | null
  /** spike events of the first recorded samples */
  spikes: { steps: Int32Array; neurons: Int32Array; offsets: Int32Array } | null
  /** per sample: reconstruction error (null without a teacher) and mean rate over the neurons (Hz) */
  perSample: { reconstructionError: Float64Array | null; rateHz: Float64Array }
}

/** Labels from the dataset, or from the targets (1 where the target ever exceeds 0.5, else -1). */
function labelsOf(d: EvalData): Int8Array {
  if (d.labels) return d.labels
  const out = new Int8Array(d.samples)
  for (let b = 0; b < d.samples; b++) {
    let hit = false
    for (let i = b * d.steps * d.outputs; i < (b + 1) * d.steps * d.outputs && !hit; i++) hit = d.targets[i] > 0.5
    out[b] = hit ? 1 : -1
  }
  return out
}

function score(outputs: Float32Array, d: EvalData): EvalResult {
  const decision = xorDecision(outputs, { count: d.samples, steps: d.steps, outputs: d.outputs })
  const labels = labelsOf(d)
  let correct = 0
  for (let b = 0; b < d.samples; b++) if (decision.predictions[b * d.outputs] === labels[b]) correct++
  let se = 0
  const sampleMse = new Float64Array(d.samples)
  const per = d.steps * d.outputs
  for (let b = 0; b < d.samples; b++) {
    let s = 0
    for (let i = b * per; i < (b + 1) * per; i++) s += (outputs[i] - d.targets[i]) ** 2
    sampleMse[b] = s / per
    se += s
  }
  return {
    samples: d.samples,
    accuracy: correct / d.samples,
    undecided: undecidedCount(decision.predictions, d.samples, d.outputs),
    mse: se / outputs.length,
    predictions: decision.predictions,
    labels,
    outputs,
    sampleMse,
  }
}

export async function evaluateTeacher(params: TeacherParams, d: EvalData, threads = 0, run: RunOptions = {}): Promise<EvalResult & { activations: Float32Array }> {
  const fwd = await teacherForward(params, { inputs: d.inputs, count: d.samples, steps: d.steps }, { threads, activations: true }, run)
  return scoreTeacherForward(fwd, d)
}

/** The teacher's scores from a forward pass (with activations) already made on `d`. */
function scoreTeacherForward(fwd: TeacherForwardResult, d: EvalData): EvalResult & { activations: Float32Array } {
  return { ...score(fwd.outputs, d), activations: fwd.activations as Float32Array }
}

export async function evaluateSnn(
  net: StoredNetwork,
  d: EvalData,
  options: {
    teacher?: TeacherParams
    /** the teacher's forward pass on `d` with activations, when already made (then `teacher` is not run again) */
    teacherForward?: TeacherForwardResult
    threads?: number
    seed?: number
    recordSpikesOf?: number
  } = {},
  run: RunOptions = {},
): Promise<SnnEvalResult> {
  const teacher = options.teacherForward
    ? scoreTeacherForward(options.teacherForward, d)
    : options.teacher
      ? await evaluateTeacher(options.teacher, d, options.threads, run)
      : null
  const labels = labelsOf(d)
  const r = await evaluateAds(
    net.spec,
    {
      inputs: d.inputs,
      targets: d.targets,
      labels,
      count: d.samples,
      steps: d.steps,
      teacherTargets: teacher?.activations,
    },
    {
      seed: options.seed ?? 0,
      threads: options.threads ?? 0,
      dtMs: d.dtMs,
      record: { decoded: true, output: true, smoothed: false, spikes: Math.min(options.recordSpikesOf ?? 0, d.samples) },
    },
    run,
  )
  let agreement: number | null = null
  if (teacher) {
    let same = 0
    for (let b = 0; b < d.samples; b++) if (teacher.predictions[b] === r.predictions[b]) same++
    agreement = same / d.samples
  }
  return {
    samples: d.samples,
    accuracy: r.accuracy ?? 0,
    undecided: undecidedCount(r.predictions, d.samples, d.outputs),
    mse: r.outputMse ?? NaN,
    predictions: r.predictions,
    labels,
    outputs: r.output as Float32Array,
    sampleMse: r.perSample.outputMse ?? new Float64Array(d.samples).fill(NaN),
    reconstructionError: r.reconstructionError,
    teacherAgreement: agreement,
    teacherAccuracy: teacher?.accuracy ?? null,
    teacherUndecided: teacher?.undecided ?? null,
    meanRateHz: r.meanRateHz,
    decoded: r.decoded as Float32Array,
    teacherActivations: teacher?.activations ?? null,
    teacherOutputs: teacher?.outputs ?? null,
    teacherPredictions: teacher?.predictions ?? null,
    spikes: r.spikes ?? null,
    perSample: { reconstructionError: r.perSample.reconstructionError, rateHz: r.perSample.rateHz },
  }
}

/**
 * One result item per sample (labels {sample}): the decision (1, −1, 0 for none) and the label on the
 * first output, whether they agree, the output's MSE, and for a spiking network its mean rate and,
 * next to its teacher, the reconstruction error and whether it decided as the teacher did.
 */
export function evaluationResults(r: EvalResult | SnnEvalResult, network: { runId: number; architecture: string }): ResultItem[] {
  const outputs = r.predictions.length / r.samples
  const items: ResultItem[] = []
  for (let b = 0; b < r.samples; b++) {
    const decision = r.predictions[b * outputs]
    const label = r.labels[b]
    const values: Record<string, number | null> = { decision, label, correct: decision === label ? 1 : 0, mse: r.sampleMse[b] }
    if ('perSample' in r) {
      values.rateHz = r.perSample.rateHz[b]
      if (r.perSample.reconstructionError) values.reconstructionError = r.perSample.reconstructionError[b]
      if (r.teacherPredictions) values.teacherAgreement = r.teacherPredictions[b * outputs] === decision ? 1 : 0
    }
    items.push({ item: b, networkId: network.runId, architecture: network.architecture, labels: { sample: b }, values })
  }
  return items
}

/** The headline numbers of a spiking network's evaluation (teacher comparisons only when measured). */
export function snnEvalSummary(r: SnnEvalResult): Record<string, number> {
  const summary: Record<string, number> = { accuracy: r.accuracy, undecided: r.undecided, mse: r.mse, samples: r.samples, meanRateHz: r.meanRateHz }
  if (r.reconstructionError !== null) summary.reconstructionError = r.reconstructionError
  if (r.teacherAccuracy !== null) summary.teacherAccuracy = r.teacherAccuracy
  if (r.teacherUndecided !== null) summary.teacherUndecided = r.teacherUndecided
  if (r.teacherAgreement !== null) summary.teacherAgreement = r.teacherAgreement
  return summary
}

/** The artifacts an evaluation keeps: everything for the first `shown` samples, decisions for all. */
export function evaluationArtifacts(d: EvalData, r: EvalResult | SnnEvalResult, shown: number, dims: number): NewArtifact[] {
  const k = Math.min(shown, d.samples)
  const cut = (a: Float32Array, width: number): Float32Array => a.slice(0, k * d.steps * width)
  const items: NewArtifact[] = [
    { name: 'inputs', data: cut(d.inputs, d.channels), shape: [k, d.steps, d.channels] },
    { name: 'targets', data: cut(d.targets, d.outputs), shape: [k, d.steps, d.outputs] },
    { name: 'labels', data: r.labels, shape: [d.samples] },
    { name: 'predictions', data: r.predictions, shape: [d.samples, d.outputs] },
    { name: 'outputs', data: cut(r.outputs, d.outputs), shape: [k, d.steps, d.outputs] },
  ]
  if ('decoded' in r) {
    items.push({ name: 'decoded', data: cut(r.decoded, dims), shape: [k, d.steps, dims] })
    if (r.teacherActivations) items.push({ name: 'teacher.activations', data: cut(r.teacherActivations, dims), shape: [k, d.steps, dims] })
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
  } else if ('activations' in r) {
    const act = (r as EvalResult & { activations: Float32Array }).activations
    items.push({ name: 'teacher.activations', data: cut(act, dims), shape: [k, d.steps, dims] })
  }
  return items
}
