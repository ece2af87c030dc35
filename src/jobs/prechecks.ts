// Checks made before a job's run is created, so that bad input (a run of the wrong kind, sizes that
// disagree) is refused with a clear message naming the field, and nothing is stored. The worker
// checks again when it loads the data. No check reads a host file: job parameters name runs, and
// files reach the server only as bytes (datasets.import).
import { FieldError } from '../shared/errors.ts'
import { jobKinds, type JobKindName } from '../shared/jobkinds/index.ts'
import type { Store } from '../store/index.ts'

/** An error about parameter `key` of a job kind, told with the field's label. */
function fieldError(kind: JobKindName, key: string, problem: string, code: 'INVALID_ARGUMENT' | 'NOT_FOUND' = 'INVALID_ARGUMENT'): FieldError {
  const label = jobKinds[kind].params.info().fields?.[key]?.label
  return new FieldError(`params.${key}`, problem, label, code)
}

const notSucceeded: Record<string, string> = {
  queued: 'is still queued',
  running: 'is still running',
  failed: 'failed',
  cancelled: 'was cancelled',
  interrupted: 'was interrupted',
}

function runOfKind(store: Store, job: JobKindName, key: string, id: number, kinds: string[]): ReturnType<Store['runs']['get']> {
  const expected = `a ${kinds.join(' or ')} run`
  const run = store.runs.find(id)
  if (!run) throw fieldError(job, key, `names no run: there is no run with id ${id}.`, 'NOT_FOUND')
  if (!kinds.includes(run.kind)) throw fieldError(job, key, `is run ${id} “${run.name}”, a ${run.kind} run: choose ${expected}.`)
  if (run.status !== 'succeeded') throw fieldError(job, key, `is run ${id} “${run.name}”, which ${notSucceeded[run.status] ?? `is ${run.status}`}: choose a run that succeeded.`)
  return run
}

function shapeOf(store: Store, runId: number, name: string): number[] {
  const meta = store.artifacts.list(runId).find((a) => a.name === name)
  if (!meta) throw new FieldError('params', `name run ${runId}, which has no "${name}" artifact.`, 'The parameters')
  return meta.shape
}

/** Input channels and outputs of a trained network run (teacher, network or ADS). */
function networkShape(store: Store, runId: number): { channels: number; outputs: number; kind: string } {
  const run = store.runs.get(runId)
  const channels = shapeOf(store, runId, 'wIn')[1]
  const outName = run.kind === 'teacher' ? 'wOut' : 'readout'
  const out = store.artifacts.list(runId).find((a) => a.name === outName)
  return { channels, outputs: out ? out.shape[0] : 0, kind: run.kind }
}

/**
 * The input channels and outputs of a trained network (teacher or network ADS) that data must fit,
 * for an import that will be evaluated on it ("network" argument of datasets.import).
 */
export function trainedNetworkShape(store: Store, id: number): { channels: number; outputs: number } {
  const label = 'Network run'
  const run = store.runs.find(id)
  if (!run) throw new FieldError('network', `names no run: there is no run with id ${id}.`, label, 'NOT_FOUND')
  if (run.kind !== 'teacher' && run.kind !== 'ads') throw new FieldError('network', `is run ${id} “${run.name}”, a ${run.kind} run: choose a teacher or ads run.`, label)
  if (run.status !== 'succeeded') throw new FieldError('network', `is run ${id} “${run.name}”, which ${notSucceeded[run.status] ?? `is ${run.status}`}: choose a run that succeeded.`, label)
  return networkShape(store, id)
}

/**
 * Fields that apply only when another field has a value (FieldInfo.when: the decay time b of the
 * "decay" η schedule) are refused when given for another value, rather than silently ignored.
 */
export function precheckConditions(kind: JobKindName, raw: unknown, params: Record<string, unknown>): void {
  if (typeof raw !== 'object' || raw === null) return
  const fields = jobKinds[kind].params.info().fields ?? {}
  for (const [key, info] of Object.entries(fields)) {
    const when = info.when
    if (!when || (raw as Record<string, unknown>)[key] === undefined || params[when.field] === when.equals) continue
    const other = fields[when.field]?.label ?? when.field
    throw new FieldError(`params.${key}`, `applies only when ${other} is ${String(when.equals)} (it is ${String(params[when.field])}): choose ${String(when.equals)} or leave it out.`, info.label)
  }
}

export function precheckJob(store: Store, kind: JobKindName, params: Record<string, unknown>): void {
  switch (kind) {
    case 'simulate': {
      runOfKind(store, kind, 'network', params.network as number, ['network', 'ads'])
      runOfKind(store, kind, 'dataset', params.dataset as number, ['dataset'])
      const net = networkShape(store, params.network as number)
      const ds = shapeOf(store, params.dataset as number, 'inputs')
      if (ds[2] !== net.channels) throw fieldError(kind, 'dataset', `is run ${params.dataset} with ${ds[2]} input channels, but network run ${params.network} takes ${net.channels}: choose a dataset that fits.`)
      if ((params.firstSample as number) >= ds[0]) throw fieldError(kind, 'firstSample', `must be below ${ds[0]}, the number of samples in dataset run ${params.dataset}.`)
      const n = shapeOf(store, params.network as number, 'wIn')[0]
      const bad = (params.membraneNeurons as number[]).find((i) => i >= n)
      if (bad !== undefined) throw fieldError(kind, 'membraneNeurons', `names neuron ${bad}, which does not exist: network run ${params.network} has ${n} neurons, numbered 0 to ${n - 1}.`)
      return
    }
    case 'eval': {
      runOfKind(store, kind, 'network', params.network as number, ['teacher', 'ads'])
      const net = networkShape(store, params.network as number)
      runOfKind(store, kind, 'dataset', params.dataset as number, ['dataset'])
      const ds = shapeOf(store, params.dataset as number, 'inputs')
      const tg = shapeOf(store, params.dataset as number, 'targets')
      if (ds[2] !== net.channels) throw fieldError(kind, 'dataset', `is run ${params.dataset} with ${ds[2]} input channels, but the network takes ${net.channels}: choose a dataset that fits.`)
      if (tg[2] !== net.outputs) throw fieldError(kind, 'dataset', `is run ${params.dataset} with ${tg[2]} outputs, but the network has ${net.outputs}: choose a dataset that fits.`)
      if (params.teacher !== undefined) runOfKind(store, kind, 'teacher', params.teacher as number, ['teacher'])
      return
    }
    case 'train.ads':
      runOfKind(store, kind, 'teacher', params.teacher as number, ['teacher'])
      return
    default:
      return
  }
}
