// Network bundles: a `networks` row (architecture, format version, meta) plus the arrays, stored as
// artifacts of the run. A run is a network iff it has a bundle. The loader refuses runs that are not
// networks, architectures this version does not know and formats newer than it reads, each with a
// message saying what to do.
import type { NpyArray } from '../../formats/npz.ts'
import { architectureDescriptors, architectureNames, isArchitectureName } from '../../shared/architectures/index.ts'
import { AppError } from '../../shared/errors.ts'
import { defaultTask, isTaskName, type TaskName } from '../../shared/tasks/index.ts'
import type { NewArtifact } from '../../store/artifacts.ts'
import type { Store } from '../../store/index.ts'
import type { NetworkRecord } from '../../store/networks.ts'
import type { Architecture, Bundle, LoadedNetwork, NetworkSizes } from './architecture.ts'
import { architectures } from './index.ts'
import { article } from '../../shared/schema.ts'

/** What a bundle records beyond the network itself: the task it was trained on and the task's fitted settings. */
export interface BundleInfo {
  task: TaskName | null
  fitted?: Record<string, number>
}

/**
 * Stores a network as the bundle of run `runId` (its arrays as artifacts, its row in `networks`), in
 * one transaction; `extra` artifacts (recordings, construction inputs) are stored with it.
 */
export function saveBundle<Net>(store: Store, runId: number, arch: Architecture<Net>, net: Net, info: BundleInfo, extra: NewArtifact[] = []): void {
  const { meta, arrays } = arch.toBundle(net)
  store.transaction(() => {
    store.artifacts.put(runId, [...arrays, ...extra])
    store.networks.put(runId, arch.name, arch.formatVersion, { ...meta, task: info.task, fitted: info.fitted ?? {} })
  })
}

/** What a run that did not succeed is, as a phrase: "is still running", "was cancelled" … */
export const notSucceeded: Record<string, string> = {
  queued: 'is still queued',
  running: 'is still running',
  failed: 'failed',
  cancelled: 'was cancelled',
  interrupted: 'was interrupted',
}

/**
 * The bundle row of a network run, with its architecture and format version checked: refuses a run
 * that is not a network, one that did not succeed, an unknown architecture and a newer format.
 */
export function networkRecord(store: Store, runId: number): NetworkRecord & { arch: Architecture<unknown> } {
  const run = store.runs.get(runId)
  const rec = store.networks.find(runId)
  if (!rec) {
    const give = 'give the id of a run that holds a trained network (`mimic runs list` shows teacher, network and ADS runs).'
    // a run that did not succeed is told by its state: a teacher that was cancelled is not "not a network"
    if (run.status !== 'succeeded') {
      throw new AppError('INVALID_ARGUMENT', `Run ${runId} “${run.name}”, ${article(run.kind)} ${run.kind} run, ${notSucceeded[run.status] ?? `is ${run.status}`} and holds no network (a run stores its network when it succeeds): ${give}`)
    }
    throw new AppError('INVALID_ARGUMENT', `Run ${runId} “${run.name}” is ${article(run.kind)} ${run.kind} run, not a network: ${give}`)
  }
  if (run.status !== 'succeeded') throw new AppError('INVALID_ARGUMENT', `Network run ${runId} “${run.name}” ${notSucceeded[run.status] ?? `is ${run.status}`}; only a run that succeeded holds a complete network.`)
  if (!isArchitectureName(rec.architecture)) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Run ${runId} holds a network of architecture "${rec.architecture}", which this version of Mimic Workbench does not know (it knows ${architectureNames.join(', ')}): upgrade Mimic Workbench to use it.`,
    )
  }
  const arch = architectures[rec.architecture] as Architecture<unknown>
  if (rec.formatVersion > arch.formatVersion) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Run ${runId} holds a ${architectureDescriptors[rec.architecture].label} in bundle format ${rec.formatVersion}, newer than this version of Mimic Workbench reads (up to ${arch.formatVersion}): upgrade Mimic Workbench to use it.`,
    )
  }
  return { ...rec, arch }
}

/** The sizes every bundle's meta records (read without loading the arrays). */
export function metaSizes(runId: number, meta: Record<string, unknown>): NetworkSizes {
  const get = (k: string): number => {
    const v = meta[k]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new AppError('INVALID_ARGUMENT', `Run ${runId}: its network bundle's meta.${k} is ${JSON.stringify(v)}, not a size: the bundle is damaged.`)
    }
    return v
  }
  return { channels: get('channels'), outputs: get('outputs'), units: get('units'), dims: get('dims') }
}

/** The stored bundle of a network run (arrays read on demand). */
export function readBundle(store: Store, runId: number): Bundle {
  const rec = networkRecord(store, runId)
  const arrays = store.artifacts.list(runId)
  return {
    runId,
    architecture: rec.architecture,
    formatVersion: rec.formatVersion,
    meta: rec.meta,
    arrays,
    array: (name) => (arrays.some((a) => a.name === name) ? store.artifacts.get(runId, name) : undefined),
  }
}

/** Loads the network of a run from its bundle. */
export function loadBundle<Net = unknown>(store: Store, runId: number): LoadedNetwork<Net> {
  const bundle = readBundle(store, runId)
  const arch = architectures[bundle.architecture as keyof typeof architectures] as Architecture<Net>
  const net = arch.fromBundle(bundle)
  const fitted = bundle.meta.fitted && typeof bundle.meta.fitted === 'object' ? (bundle.meta.fitted as Record<string, number>) : {}
  return {
    runId,
    architecture: arch.name,
    variant: arch.variant(net),
    formatVersion: bundle.formatVersion,
    meta: bundle.meta,
    task: isTaskName(bundle.meta.task) ? bundle.meta.task : defaultTask,
    fitted,
    sizes: arch.sizes(net),
    net,
  }
}

/**
 * A network's arrays for numpy: every array of its bundle and the run's other float arrays except
 * recordings (test.*, val.*), under their artifact names, plus its time step and architecture.
 */
export function exportBundle(store: Store, runId: number): Record<string, NpyArray> {
  const bundle = readBundle(store, runId)
  const out: Record<string, NpyArray> = {}
  for (const meta of bundle.arrays) {
    if (meta.name.startsWith('test.') || meta.name.startsWith('val.')) continue // recordings, not the network
    const a = store.artifacts.get(runId, meta.name)
    out[meta.name] = { dtype: a.dtype, shape: a.shape, data: a.data }
  }
  const dtMs = typeof bundle.meta.dtMs === 'number' ? bundle.meta.dtMs : 1
  out.dtMs = { dtype: 'float64', shape: [1], data: Float64Array.from([dtMs]) }
  return out
}

/** A network held in memory (just trained, not read back) in the form evaluation and targets take. */
export function inMemoryNetwork<Net>(runId: number, arch: Architecture<Net>, net: Net, info: BundleInfo): LoadedNetwork<Net> {
  const { meta } = arch.toBundle(net)
  return {
    runId,
    architecture: arch.name,
    variant: arch.variant(net),
    formatVersion: arch.formatVersion,
    meta: { ...meta, task: info.task, fitted: info.fitted ?? {} },
    task: info.task ?? defaultTask,
    fitted: info.fitted ?? {},
    sizes: arch.sizes(net),
    net,
  }
}
