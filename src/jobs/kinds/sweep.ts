// What the robustness and chip-yield jobs share: checking the networks against the data and the
// perturbation before anything is stored, loading the networks with their teachers' unperturbed
// decisions, and running the sweep with progress, cancellation and the trials stored as results.
import { AppError } from '../../shared/errors.ts'
import type { JobKindName } from '../../shared/jobkinds/index.ts'
import { chipMismatchSpread, perturbationInfo, type PerturbationName } from '../../shared/perturbations.ts'
import { taskDescriptors } from '../../shared/tasks/index.ts'
import type { Store } from '../../store/index.ts'
import { loadBundle } from '../../plugins/architectures/bundle.ts'
import type { LoadedNetwork } from '../../plugins/architectures/architecture.ts'
import { chipSerial, runSweep, trialItems, type ScoredData, type SweepNetwork, type Trial } from '../../plugins/robustness.ts'
import { defaultSerialNumber } from '../../plugins/targets/chip.ts'
import { availableTarget, targetFor } from '../../plugins/targets/index.ts'
import { taskScore } from '../../../native/index.ts'
import type { JobContext } from '../context.ts'
import { fieldError, networkOf } from '../prechecks.ts'

/** The teacher of a network: its parent linked as its teacher, when that run holds a network. */
export function teacherRunOf(store: Store, network: number): number | null {
  const parent = store.runs.parents(network).find((r) => r.role === 'teacher')
  return parent && store.networks.find(parent.id) ? parent.id : null
}

/**
 * Refuses a network that cannot take part: not a trained network, no read-out, inputs or outputs that
 * do not fit the data, another task than the data's, a perturbation its architecture cannot take, or
 * an execution target that cannot run it.
 */
export function checkSweepNetwork(
  store: Store,
  kind: JobKindName,
  key: string,
  id: number,
  data: { channels: number; outputs: number; task: string | null; what: string },
  perturbation: PerturbationName,
  target: string,
): void {
  const net = networkOf(store, kind, key, id)
  const name = `run ${id} “${net.run.name}”`
  if (net.sizes.outputs === 0) throw fieldError(kind, key, `names ${name}, a network without a read-out, so it has no output to score: choose trained networks (teacher or ads runs).`)
  if (net.sizes.channels !== data.channels) throw fieldError(kind, key, `names ${name}, which takes ${net.sizes.channels} input channels, but ${data.what} has ${data.channels}: choose networks and data that fit.`)
  if (net.sizes.outputs !== data.outputs) throw fieldError(kind, key, `names ${name}, which has ${net.sizes.outputs} outputs, but ${data.what} has ${data.outputs}: choose networks and data that fit.`)
  const netTask = net.record.meta.task
  if (data.task !== null && typeof netTask === 'string' && netTask !== data.task) {
    const label = (t: string): string => taskDescriptors[t as keyof typeof taskDescriptors]?.label ?? t
    throw fieldError(kind, key, `names ${name}, trained on ${label(netTask)}, but ${data.what} holds samples of ${label(data.task)}: choose networks of the data's task.`)
  }
  const info = perturbationInfo[perturbation]
  if (info.spikingOnly && !net.arch.spiking) {
    throw fieldError(kind, key, `names ${name}, a ${net.arch.label}, which has no spiking neurons: ${info.label.toLowerCase()} applies to spiking networks only (choose ads runs, or another perturbation).`)
  }
  targetFor(target, net.record.architecture)
}

export interface SweepJob {
  networks: readonly number[]
  data: ScoredData
  validation: ScoredData | null
  validationDraws: number
  perturbation: PerturbationName
  levels: readonly number[]
  draws: number
  target: string
  threads: number
  deathWindow?: { startStep?: number; endStep?: number }
  /** mismatch only: drawn on the network (default) or on the emulator's virtual chips */
  mismatchOn?: 'network' | 'chip'
}

/**
 * Refuses mismatch drawn on the chip where there is no emulator to draw it: a target that is not an
 * emulator (software targets have no chip; a board is one chip). (The field applies to the mismatch
 * perturbation only: the parameters' schema refuses it with another.)
 */
export function checkMismatchOn(kind: JobKindName, mismatchOn: 'network' | 'chip' | undefined, target: string): void {
  if (mismatchOn !== 'chip') return
  const t = targetFor(target)
  if (t.kind !== 'emulator') throw fieldError(kind, 'mismatchOn', `"chip" needs an emulator target (emulator, emulator-se1), whose virtual chips each have their own mismatch; target "${target}" has none: choose an emulator target, or leave it at "network".`)
}

/** Runs the sweep as the job's work: progress over [0, 0.97], the trials stored as the run's results. */
export async function runSweepJob(ctx: JobContext, job: SweepJob): Promise<Trial[]> {
  const { store } = ctx
  const threads = ctx.threads(job.threads)
  const seed = ctx.run.seed ?? 0
  const loaded: LoadedNetwork[] = job.networks.map((id) => loadBundle(store, id))
  const target = await availableTarget(job.target, loaded[0].architecture)
  for (const n of loaded) await availableTarget(job.target, n.architecture)
  const d = job.data
  const batch = { inputs: d.inputs, count: d.samples, steps: d.steps, channels: d.channels, dtMs: d.dtMs }
  const onChips = job.perturbation === 'mismatch' && job.mismatchOn === 'chip'
  if (onChips) {
    store.runs.addNote(
      ctx.run.id,
      `mismatch drawn on the emulator's virtual chips: draw k ran the network as trained on chip ${chipSerial(seed, 0).replace(/-0$/, '-k')} (the same chips for every network), its spreads scaled by level / ${chipMismatchSpread} (docs/method.md §14.1); level 0 on the ideal chip`,
    )
  } else if (target.kind === 'emulator') {
    // an emulator runs one virtual chip with its own frozen mismatch: the draws act on top of it
    store.runs.addNote(ctx.run.id, `every draw ran on the emulator's virtual chip ${defaultSerialNumber} (its own frozen mismatch, docs/method.md §14.1); each draw's ${job.perturbation} acts on the network on top of it`)
  }

  // Each teacher runs once, unperturbed, on the scored samples: its decisions are what agreement is measured against.
  ctx.progress(0, 'running the teachers on the scored samples', true)
  const teachers = new Map<number, SweepNetwork['teacher']>()
  const networks: SweepNetwork[] = []
  for (const net of loaded) {
    const tid = teacherRunOf(store, net.runId)
    if (tid !== null && !teachers.has(tid)) {
      const teacher = loadBundle(store, tid)
      if (teacher.sizes.outputs !== d.outputs) throw new AppError('INVALID_ARGUMENT', `Teacher run ${tid} of network run ${net.runId} has ${teacher.sizes.outputs} outputs but the data have ${d.outputs}.`)
      // on the sweep's target when it runs the teacher's architecture; a rate teacher, which a chip or
      // board cannot run, on the simulator (its decisions are the reference, not a trial)
      const runsTeacher = target.supports(teacher.architecture)
      if (!runsTeacher) store.runs.addNote(ctx.run.id, `teacher run ${tid} of network run ${net.runId} ran on the simulator: target "${job.target}" does not run networks of architecture "${teacher.architecture}"; agreement is measured against its decisions there`)
      const t = await (runsTeacher ? target : targetFor('simulator', teacher.architecture)).run(teacher, batch, { seed, threads, record: { trajectories: false } }, { signal: ctx.signal })
      const r = taskScore(d.task, { outputs: t.outputs, shape: [d.samples, d.steps, d.outputs], fitted: teacher.fitted })
      teachers.set(tid, { runId: tid, decisions: Int8Array.from({ length: d.samples }, (_, b) => r.decisions[b * d.outputs]), outputs: t.outputs })
    }
    networks.push({ net, teacher: tid === null ? null : teachers.get(tid)! })
  }
  ctx.checkCancelled()

  const trials = await runSweep(networks, d, {
    perturbation: job.perturbation,
    levels: job.levels,
    draws: job.draws,
    seed,
    threads,
    target,
    deathWindow: job.deathWindow,
    mismatchOn: job.mismatchOn,
    recalibration: job.validation ? { data: job.validation, draws: job.validationDraws } : null,
    signal: ctx.signal,
    progress: (f, message) => ctx.progress(0.02 + 0.95 * f, message),
  })
  ctx.checkCancelled()
  ctx.progress(0.98, `storing ${trials.length} trials`, true)
  ctx.results(trialItems(trials))
  return trials
}
