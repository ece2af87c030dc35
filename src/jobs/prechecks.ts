// Checks made before a job's run is created, so that bad input (a run of the wrong kind, sizes that
// disagree) is refused with a clear message naming the field, and nothing is stored. Each job kind
// has its own precheck (src/jobs/kinds); these are the pieces they share. The worker checks again
// when it loads the data. No check reads a host file: job parameters name runs, and files reach the
// server only as bytes (datasets.import).
import { isArchitectureName } from '../shared/architectures/index.ts'
import { taskOfParams, type TaskName } from '../shared/tasks/index.ts'
import { FieldError } from '../shared/errors.ts'
import { article, fieldApplies, kindsText } from '../shared/schema.ts'
import { jobKinds, type JobKindName } from '../shared/jobkinds/index.ts'
import type { Store } from '../store/index.ts'
import type { NetworkRecord } from '../store/networks.ts'
import { architectures, type Architecture, type NetworkSizes } from '../plugins/architectures/index.ts'
import { metaSizes, notSucceeded } from '../plugins/architectures/bundle.ts'


/** An error about parameter `key` of a job kind, told with the field's label. */
export function fieldError(kind: JobKindName, key: string, problem: string, code: 'INVALID_ARGUMENT' | 'NOT_FOUND' = 'INVALID_ARGUMENT'): FieldError {
  const label = jobKinds[kind].params.info().fields?.[key]?.label
  return new FieldError(`params.${key}`, problem, label, code)
}

/** "network,ads" -> "a network or ads run" (the field's `ref`) */
function expectedRuns(kind: JobKindName, key: string): string {
  const ref = jobKinds[kind].params.info().fields?.[key]?.ref ?? 'network'
  const kinds = ref.split(',').map((k) => k.trim())
  return `${article(kinds[0])} ${kindsText(kinds)} run`
}

type RunRecord = ReturnType<Store['runs']['get']>

/** The run named by parameter `key`: it exists and succeeded. */
export function succeededRun(store: Store, job: JobKindName, key: string, id: number): RunRecord {
  const run = store.runs.find(id)
  if (!run) throw fieldError(job, key, `names no run: there is no run with id ${id}.`, 'NOT_FOUND')
  if (run.status !== 'succeeded') throw fieldError(job, key, `is run ${id} “${run.name}”, which ${notSucceeded[run.status] ?? `is ${run.status}`}: choose a run that succeeded.`)
  return run
}

/** The run named by parameter `key`, of one of these run kinds, that succeeded. */
export function runOfKind(store: Store, job: JobKindName, key: string, id: number, kinds: string[]): RunRecord {
  const run = store.runs.find(id)
  if (!run) throw fieldError(job, key, `names no run: there is no run with id ${id}.`, 'NOT_FOUND')
  if (!kinds.includes(run.kind)) throw fieldError(job, key, `is run ${id} “${run.name}”, ${article(run.kind)} ${run.kind} run: choose ${article(kinds[0])} ${kindsText(kinds)} run.`)
  return succeededRun(store, job, key, id)
}

export interface NetworkInfo {
  run: RunRecord
  record: NetworkRecord
  arch: Architecture<unknown>
  sizes: NetworkSizes
}

/**
 * The network named by parameter `key`: a run that succeeded and holds a network bundle of an
 * architecture this version knows, in a format it reads (sizes from the bundle's meta).
 */
export function networkOf(store: Store, job: JobKindName, key: string, id: number): NetworkInfo {
  const run = store.runs.find(id)
  if (!run) throw fieldError(job, key, `names no run: there is no run with id ${id}.`, 'NOT_FOUND')
  const record = store.networks.find(id)
  if (!record) {
    // a run of a kind that holds a network stores it when it succeeds: one that did not is named by its state
    const ref = jobKinds[job].params.info().fields?.[key]?.ref ?? 'network'
    if (ref.split(',').map((k) => k.trim()).includes(run.kind)) succeededRun(store, job, key, id)
    throw fieldError(job, key, `is run ${id} “${run.name}”, ${article(run.kind)} ${run.kind} run: choose ${expectedRuns(job, key)}.`)
  }
  succeededRun(store, job, key, id)
  if (!isArchitectureName(record.architecture)) {
    throw fieldError(job, key, `is run ${id} “${run.name}”, a network of architecture "${record.architecture}", which this version of Mimic Workbench does not know: upgrade it, or choose another network.`)
  }
  const arch = architectures[record.architecture] as Architecture<unknown>
  if (record.formatVersion > arch.formatVersion) {
    throw fieldError(job, key, `is run ${id} “${run.name}”, stored in bundle format ${record.formatVersion}, newer than this version reads (up to ${arch.formatVersion}): upgrade Mimic Workbench, or choose another network.`)
  }
  return { run, record, arch, sizes: metaSizes(id, record.meta) }
}

/** The shape of an artifact of a run (a run without it is refused). */
export function shapeOf(store: Store, runId: number, name: string): number[] {
  const meta = store.artifacts.meta(runId, name)
  if (!meta) throw new FieldError('params', `name run ${runId}, which has no "${name}" artifact.`, 'The parameters')
  return meta.shape
}

/**
 * The input channels and outputs of a trained network that data must fit, for an import that will
 * be evaluated on it ("network" argument of datasets.import).
 */
export function trainedNetworkShape(store: Store, id: number): { channels: number; outputs: number } {
  const label = 'Network run'
  const run = store.runs.find(id)
  if (!run) throw new FieldError('network', `names no run: there is no run with id ${id}.`, label, 'NOT_FOUND')
  const record = store.networks.find(id)
  if (!record) throw new FieldError('network', `is run ${id} “${run.name}”, ${article(run.kind)} ${run.kind} run: choose a teacher or ads run.`, label)
  if (run.status !== 'succeeded') throw new FieldError('network', `is run ${id} “${run.name}”, which ${notSucceeded[run.status] ?? `is ${run.status}`}: choose a run that succeeded.`, label)
  const sizes = metaSizes(id, record.meta)
  if (sizes.outputs === 0) throw new FieldError('network', `is run ${id} “${run.name}”, a network without a read-out (nothing to score): choose a teacher or ads run.`, label)
  return { channels: sizes.channels, outputs: sizes.outputs }
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
    if (!when || (raw as Record<string, unknown>)[key] === undefined || fieldApplies(info, (f) => params[f])) continue
    const other = fields[when.field]?.label ?? when.field
    throw new FieldError(`params.${key}`, `applies only when ${other} is ${String(when.equals)} (it is ${String(params[when.field])}): choose ${String(when.equals)} or leave it out.`, info.label)
  }
  // Orders between fields (FieldInfo.above: a threshold above its reset). The error names the field the
  // caller gave (the other one when only it was given), so that it points at the value to change.
  const given = (key: string): boolean => (raw as Record<string, unknown>)[key] !== undefined
  const valueOf = (key: string): unknown => params[key] ?? fields[key]?.default ?? fields[key]?.emptyIs
  for (const [key, info] of Object.entries(fields)) {
    for (const rule of info.above ?? []) {
      const value = valueOf(key)
      const other = valueOf(rule.field)
      if (typeof value !== 'number' || typeof other !== 'number' || (rule.orEqual ? value >= other : value > other)) continue
      const label = info.label ?? key
      const otherLabel = fields[rule.field]?.label ?? rule.field
      if (given(key) || !given(rule.field)) {
        throw new FieldError(`params.${key}`, `must be ${rule.orEqual ? 'at least' : 'above'} ${otherLabel} (${other}) (received ${value}): raise ${label} or lower ${otherLabel}.`, info.label)
      }
      throw new FieldError(`params.${rule.field}`, `must be ${rule.orEqual ? 'at most' : 'below'} ${label} (${value}) (received ${other}): lower ${otherLabel} or raise ${label}.`, fields[rule.field]?.label)
    }
  }
}

/**
 * A dataset run a trainer takes (`key`, e.g. data) for `task`: a succeeded dataset run of that task
 * (the split sizes are checked when the job loads it, loadDatasetSplits).
 */
export function datasetOf(store: Store, job: JobKindName, key: string, id: number, task: TaskName): RunRecord {
  const run = runOfKind(store, job, key, id, ['dataset'])
  const t = taskOfParams(run.params)
  if (t !== task) throw fieldError(job, 'task', `is ${task}, but dataset run ${id} (${key}) holds ${t} samples: give the task ${t} (--task ${t}) or a dataset of ${task}.`)
  return run
}
