// A robustness sweep (docs/method.md §11): networks × levels × draws, each draw a frozen virtual chip
// (or a noise realisation, or a set of dead neurons) run on the same scored samples through an
// execution target and scored by the dataset's task, against the true labels, against the network's
// teacher (its unperturbed decisions on the same samples) and by the output's MSE.
//
// Seeds. Everything random in a trial follows from the run's seed S:
//   chip seed of a network     deriveSeed(S, network run id, "chip")   → perturbDraws / deathDraws, with
//                              the perturbation, the level and the draw folded in natively
//   initial state of a trial   deriveSeed(S, network run id, perturbation, level bits, draw)
//                              → the simulation seed: initial V uniform in [V_reset, V_th] and the
//                              membrane noise of sample b from stream (seed, b)
// So every trial is an independent draw of (chip, initial state): draws of one level, of different
// levels and of different networks are independent samples, which the rank tests assume. A
// quantised network is the same in every draw: its draws differ only in the initial state (said so in
// the report). Level 0 runs the network's own arrays, bit for bit.
//
// Output-gain recalibration (off unless asked, docs/method.md §11): for each network and level, a
// scalar gain on the output ỹ is chosen on validation samples — dataset samples after the scored
// ones — run on validation chips (draw indices from 2^32, never scored), as the gain of `gainGrid()`
// with the best validation accuracy (ties: the gain nearest 1). Every scored draw of that level then
// uses it, for its decisions and its MSE.
import { taskScore, type RunOptions } from '../../native/index.ts'
import type { TimedDataset } from '../formats/dataset.ts'
import { AppError } from '../shared/errors.ts'
import { chipMismatchSpread, perturbationInfo, type PerturbationName } from '../shared/perturbations.ts'
import type { TaskName } from '../shared/tasks/index.ts'
import type { ResultItem } from '../shared/types.ts'
import { deriveSeed, doubleBits, fnv1a64 } from '../system/rng.ts'
import type { LoadedNetwork } from './architectures/architecture.ts'
import { architectures } from './architectures/index.ts'
import { deadNeurons, noiseStdOf, perturbedNetwork } from './perturb.ts'
import type { ExecutionTarget, TargetOutput } from './targets/target.ts'

/** Draw indices of validation chips start here (scored draws are 0, 1, ...): the two never meet. */
export const validationDrawBase = 2 ** 32

/** The candidate output gains: 151 values evenly from 0.5 to 5.5 (step 1/30; 1 is one of them). */
export function gainGrid(): number[] {
  return Array.from({ length: 151 }, (_, i) => 0.5 + i / 30)
}

/**
 * The serial number of draw `draw`'s virtual chip when mismatch is drawn on the emulator's chips: the
 * same chips for every network of the run (a paired comparison, as if every network were tested on the
 * same boards), different chips for another run seed.
 */
export function chipSerial(runSeed: number, draw: number): string {
  return `SWEEP-${(runSeed >>> 0).toString(16).toUpperCase()}-${draw}`
}

/** The seed material of a network's chips in a run. */
export function chipSeed(runSeed: number, networkId: number): number {
  return deriveSeed(runSeed, networkId, fnv1a64('chip'))
}

/** The simulation seed (initial state, noise) of one trial. */
export function trialSeed(runSeed: number, networkId: number, perturbation: PerturbationName, level: number, draw: number): number {
  return deriveSeed(runSeed, networkId, fnv1a64(perturbation), doubleBits(level), draw)
}

/** The samples a network is scored on, with the labels its task reads. */
export interface ScoredData extends TimedDataset {
  task: TaskName
}

/** A network of the sweep with its teacher's unperturbed run on the scored samples (null: no teacher). */
export interface SweepNetwork {
  net: LoadedNetwork
  teacher: { runId: number; decisions: Int8Array; outputs: Float32Array } | null
}

export interface SweepOptions {
  perturbation: PerturbationName
  levels: readonly number[]
  draws: number
  /** the run's seed */
  seed: number
  threads: number
  target: ExecutionTarget
  /** neuron death: clamp in steps [startStep, endStep) (default the whole sample) */
  deathWindow?: { startStep?: number; endStep?: number }
  /** output-gain recalibration on these validation samples and this many validation chips */
  recalibration?: { data: ScoredData; draws: number } | null
  /**
   * mismatch only: 'network' (default) perturbs the network's parameters and weights per draw; 'chip'
   * (emulator targets) runs the network as it is on a different virtual chip per draw (chipSerial),
   * its spreads scaled by level / chipMismatchSpread (level 0: the ideal chip)
   */
  mismatchOn?: 'network' | 'chip'
  /** called after every simulation with the share done and what runs */
  progress?: (fraction: number, message: string) => void
  signal?: AbortSignal
}

/** One trial: one network at one level on one draw, scored on every scored sample. */
export interface Trial {
  network: number
  architecture: string
  variant: string | null
  perturbation: PerturbationName
  level: number
  draw: number
  /** share of samples decided as labelled (no decision counts as wrong) */
  accuracy: number
  undecided: number
  /** share of samples decided as the network's teacher decides them unperturbed; null without a teacher */
  teacherAgreement: number | null
  /** mean over samples of the output's MSE against the targets */
  mse: number
  /** mean over samples of the output's MSE against the teacher's output; null without a teacher */
  teacherMse: number | null
  meanRateHz: number | null
  /** the output gain applied (1 without recalibration) */
  gain: number
  /** the validation accuracy of that gain (recalibration only) */
  validationAccuracy: number | null
  /** the simulation seed of the trial (initial state, noise) */
  initSeed: number
}

/** Labels of the scored samples: the dataset's, or read from its targets by the task's rule. */
export function labelsOf(d: ScoredData): Int8Array {
  if (d.labels) return d.labels
  const r = taskScore(d.task, { outputs: new Float32Array(d.samples * d.steps * d.outputs), shape: [d.samples, d.steps, d.outputs], targets: d.targets })
  return Int8Array.from({ length: d.samples }, (_, b) => r.labels![b * d.outputs])
}

/** Decisions on the first output of each sample, for outputs scaled by `gain` (the task's rule with the network's fitted settings). */
function decisions(task: TaskName, outputs: Float32Array, gain: number, count: number, steps: number, outs: number, fitted: Record<string, number>): Int8Array {
  let y = outputs
  if (gain !== 1) {
    y = new Float32Array(outputs.length)
    for (let i = 0; i < y.length; i++) y[i] = outputs[i] * gain
  }
  const r = taskScore(task, { outputs: y, shape: [count, steps, outs], fitted })
  return Int8Array.from({ length: count }, (_, b) => r.decisions[b * outs])
}

/** Mean over samples of the per-sample MSE of gain·outputs against `reference` (both [S, T, O]). */
function meanMse(outputs: Float32Array, gain: number, reference: Float32Array, samples: number): number {
  const per = outputs.length / samples
  let total = 0
  for (let b = 0; b < samples; b++) {
    let s = 0
    for (let i = b * per; i < (b + 1) * per; i++) {
      const e = gain * outputs[i] - reference[i]
      s += e * e
    }
    total += s / per
  }
  return total / samples
}

/** The gain of `gainGrid()` with the best accuracy on these outputs (ties: nearest 1, then the smaller). */
export function bestGain(task: TaskName, outputs: Float32Array, labels: Int8Array, count: number, steps: number, outs: number, fitted: Record<string, number> = {}): { gain: number; accuracy: number } {
  let best = { gain: 1, accuracy: -1 }
  for (const gain of gainGrid()) {
    const d = decisions(task, outputs, gain, count, steps, outs, fitted)
    let correct = 0
    for (let b = 0; b < count; b++) if (d[b] === labels[b]) correct++
    const accuracy = correct / count
    const nearer = Math.abs(gain - 1) < Math.abs(best.gain - 1)
    if (accuracy > best.accuracy || (accuracy === best.accuracy && nearer)) best = { gain, accuracy }
  }
  return best
}

/** Runs every trial of the sweep in order (network, level, draw); cancellable between and within simulations. */
export async function runSweep(networks: readonly SweepNetwork[], data: ScoredData, o: SweepOptions): Promise<Trial[]> {
  const info = perturbationInfo[o.perturbation]
  const labels = labelsOf(data)
  const recal = o.recalibration ?? null
  const validationLabels = recal ? labelsOf(recal.data) : null
  const perLevel = o.draws * data.samples + (recal ? recal.draws * recal.data.samples : 0)
  const total = networks.length * o.levels.length * perLevel
  let done = 0
  const trials: Trial[] = []
  const check = (): void => {
    if (o.signal?.aborted) throw new AppError('CANCELLED', 'cancelled')
  }

  for (const { net, teacher } of networks) {
    if (info.spikingOnly && !architectures[net.architecture].neurons) {
      throw new AppError('UNSUPPORTED', `Run ${net.runId} holds a ${architectures[net.architecture].label}, which has no spiking neurons: ${info.label.toLowerCase()} applies to spiking networks only.`)
    }
    const chips = chipSeed(o.seed, net.runId)
    for (const level of o.levels) {
      const what = `network ${net.runId}, ${o.perturbation} ${level}`
      /** Runs the network on `d` as draw `draw` of this level (the draw's chip, dead neurons, noise and initial state). */
      const simulate = async (d: ScoredData, draw: number, label: string): Promise<TargetOutput> => {
        check()
        const base = done
        const run: RunOptions = { signal: o.signal, onProgress: (f) => o.progress?.((base + f * d.samples) / total, label) }
        let runNet = net
        let noiseStd = 0
        let silence: { neurons: Int32Array; startStep?: number; endStep?: number } | null = null
        // mismatch drawn on the emulator's chips: the network as it is, on the draw's virtual chip
        const onChip = o.perturbation === 'mismatch' && o.mismatchOn === 'chip'
        const chip = onChip ? { serialNumber: chipSerial(o.seed, draw), mismatch: level > 0, mismatchScale: level / chipMismatchSpread } : undefined
        if (level !== 0 && !onChip) {
          if (o.perturbation === 'mismatch' || o.perturbation === 'quantisation') runNet = (await perturbedNetwork(net, o.perturbation, level, chips, draw, o.threads, run)).net
          else if (o.perturbation === 'noise') noiseStd = noiseStdOf(net, level)
          else silence = await deadNeurons(net, level, chips, draw, o.deathWindow ?? {}, o.threads, run)
        }
        const out = await o.target.run(
          runNet,
          { inputs: d.inputs, count: d.samples, steps: d.steps, channels: d.channels, dtMs: d.dtMs },
          {
            seed: trialSeed(o.seed, net.runId, o.perturbation, level, draw),
            threads: o.threads,
            ...(noiseStd > 0 ? { noiseStd } : {}),
            ...(silence ? { silence } : {}),
            ...(chip ? { chip } : {}),
            record: { trajectories: false, spikes: false },
          },
          run,
        )
        done += d.samples
        o.progress?.(done / total, label)
        return out
      }

      let gain = 1
      let validationAccuracy: number | null = null
      if (recal && validationLabels) {
        const v = recal.data
        const per = v.samples * v.steps * v.outputs
        const pooled = new Float32Array(recal.draws * per)
        const pooledLabels = new Int8Array(recal.draws * v.samples)
        for (let k = 0; k < recal.draws; k++) {
          const out = await simulate(v, validationDrawBase + k, `${what}: validation chip ${k + 1} of ${recal.draws} (output gain)`)
          pooled.set(out.outputs, k * per)
          pooledLabels.set(validationLabels, k * v.samples)
        }
        const best = bestGain(data.task, pooled, pooledLabels, recal.draws * v.samples, v.steps, v.outputs, net.fitted)
        gain = best.gain
        validationAccuracy = best.accuracy
      }

      for (let draw = 0; draw < o.draws; draw++) {
        const out = await simulate(data, draw, `${what}: draw ${draw + 1} of ${o.draws}`)
        const S = data.samples
        const decided = decisions(data.task, out.outputs, gain, S, data.steps, data.outputs, net.fitted)
        let correct = 0
        let undecided = 0
        let agree = 0
        for (let b = 0; b < S; b++) {
          if (decided[b] === labels[b]) correct++
          if (decided[b] === 0) undecided++
          if (teacher && decided[b] === teacher.decisions[b]) agree++
        }
        trials.push({
          network: net.runId,
          architecture: net.architecture,
          variant: net.variant,
          perturbation: o.perturbation,
          level,
          draw,
          accuracy: correct / S,
          undecided,
          teacherAgreement: teacher ? agree / S : null,
          mse: meanMse(out.outputs, gain, data.targets, S),
          teacherMse: teacher ? meanMse(out.outputs, gain, teacher.outputs, S) : null,
          meanRateHz: out.meanRateHz ?? null,
          gain,
          validationAccuracy,
          initSeed: trialSeed(o.seed, net.runId, o.perturbation, level, draw),
        })
      }
    }
  }
  return trials
}

/** The trials as long-form result items: labels {perturbation, level, draw, variant}, one value per score. */
export function trialItems(trials: readonly Trial[]): ResultItem[] {
  return trials.map((t, i) => ({
    item: i,
    networkId: t.network,
    architecture: t.architecture,
    labels: { perturbation: t.perturbation, level: t.level, draw: t.draw, ...(t.variant ? { variant: t.variant } : {}) },
    values: {
      accuracy: t.accuracy,
      undecided: t.undecided,
      teacherAgreement: t.teacherAgreement,
      mse: t.mse,
      teacherMse: t.teacherMse,
      meanRateHz: t.meanRateHz,
      gain: t.gain,
      validationAccuracy: t.validationAccuracy,
      initSeed: t.initSeed,
    },
  }))
}
