// The API implemented once, transport-free. Every front door (Electron IPC, HTTP/WebSocket, CLI,
// tests) calls `call(name, rawArgs)`, which validates the arguments against the contract and runs
// the operation; events go to every subscriber.
import { randomInt } from 'node:crypto'
import { addonStatus } from '../../native/index.ts'
import { parseArgs, type Api, type ArgsOf, type OpName, type ResultOf } from '../shared/contract.ts'
import { AppError } from '../shared/errors.ts'
import { executionTargetNames } from '../shared/board.ts'
import { fieldApplies } from '../shared/schema.ts'
import { defaultRunName, impliedTask, jobKindNames, jobKinds, jobParamsSchema, methodDefaultsOf, type JobKindName, type JobKindSpec } from '../shared/jobkinds/index.ts'
import { isTaskName, taskDescriptors, type TaskDescriptor, type TaskName } from '../shared/tasks/index.ts'
import type { ShippedRun } from '../shared/transfer.ts'
import type { AddonState, AppEvent, AppInfo, BackendInfo, NetworkSummary, RunDetail } from '../shared/types.ts'
import type { NetworkRecord } from '../store/networks.ts'
import { JobRunner, nothingToCancel } from '../jobs/runner.ts'
import type { Spawner } from '../jobs/protocol.ts'
import type { Resources } from '../jobs/scheduler.ts'
import { precheckConditions, trainedNetworkShape } from '../jobs/prechecks.ts'
import { jobImplementations } from '../jobs/kinds/index.ts'
import { comparisonAnalysis } from '../jobs/kinds/reproduce-paper.ts'
import { comparisonReportHtml } from './comparison-report.ts'
import { openStore, type Store } from '../store/index.ts'
import { summaryOf } from '../store/runs.ts'
import { storageFailure } from '../store/util.ts'
import { lockedAtOpen } from '../store/db.ts'
import { defaultMaxDatasetBytes, maxBundleBytes } from '../shared/limits.ts'
import { flattenRun, runColumns } from '../shared/runtable.ts'
import { reportHtml } from './report.ts'
import { robustnessAnalysis } from './robustness.ts'
import { codeVersion, hostName, packageVersion, repoRoot } from '../system/version.ts'
import { cancelSweep, checkCluster, pollSweep, resumeSweep, shippedInputs, startSweep, sweepStatus, type MergedSummary, type SweepItemSpec } from '../jobs/cluster/sweep.ts'
export type { ItemRunData } from '../jobs/cluster/sweep.ts'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { datasetFromNpz, encodeNpyBytes, writeNpz, writeZip } from '../formats/npz.ts'
import { readBundle, writeBundle } from '../formats/bundle.ts'
import { exportBundle, loadBundle, saveBundle } from '../plugins/architectures/bundle.ts'
import { architectures } from '../plugins/architectures/index.ts'
import type { AdsNet } from '../plugins/architectures/ads.ts'
import { adsToNir, nirToAds } from '../plugins/nir.ts'
import { readNir, writeNir } from '../formats/nir.ts'
import { datasetArtifacts } from '../plugins/datasets.ts'
import { targets } from '../plugins/targets/index.ts'
import { architectureDescriptors, architectureNames } from '../shared/architectures/index.ts'
import { FieldError } from '../shared/errors.ts'
import { taskInfo, taskNames, tasksFitting } from '../shared/tasks/index.ts'
import { benchAds, benchSimulator, benchTeacher } from './bench.ts'
import { BoardDesk, canonicalAddress, listBoards } from './boards.ts'

/** This code's identity (package and code version, host), for front doors that report it without a database (`mimic --version`, a cluster task). */
export { codeVersion, hostName, packageVersion } from '../system/version.ts'

export interface ServicesOptions {
  dbPath: string
  frontDoor: AppInfo['frontDoor']
  spawn?: Spawner
  workerEntry?: string
  /** cores the scheduler shares among the jobs of every process on the database (default: MIMIC_CORES, else this machine's) */
  cores?: number
  /** the resources of a job (default: its kind's declaration) */
  resources?: (jobKind: string, params: Record<string, unknown>) => Resources
  cancelGraceMs?: number
  workerEnv?: Record<string, string>
  /** largest dataset accepted by datasets.import: all arrays together, inflated (bytes) */
  maxDatasetBytes?: number
}

export type Listener = (event: AppEvent) => void

/**
 * What a front door (the command line, the HTTP server, Electron's IPC) uses of the services: the
 * operations of the contract, their events, and the app's description. Nothing of the store, the
 * runner or the addon: every front door goes through the same operations.
 */
export interface FrontDoorServices {
  call<K extends OpName>(name: K, raw: unknown): Promise<ResultOf<K>>
  subscribe(fn: Listener): () => void
  info(): AppInfo
  close(): Promise<void>
}

export function addonState(): AddonState {
  const s = addonStatus()
  return {
    loaded: s.loaded,
    path: s.path,
    error: s.error ?? null,
    buildType: s.info?.buildType ?? null,
    flags: s.info?.flags ?? null,
    simd: s.info?.simd ?? null,
    simdLevels: s.info?.simdLevels ?? null,
    compiler: s.info?.compiler ?? null,
    threads: s.info?.poolThreads ?? null,
  }
}

/** The finite numbers of a bundle's `fitted` record (its other entries are not settings). */
function fittedOf(v: unknown): Record<string, number> {
  const out: Record<string, number> = {}
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x
  return out
}

function networkSummary(rec: NetworkRecord | undefined): NetworkSummary | null {
  if (!rec) return null
  return {
    architecture: rec.architecture,
    variant: typeof rec.meta.variant === 'string' ? rec.meta.variant : null,
    formatVersion: rec.formatVersion,
    task: typeof rec.meta.task === 'string' ? rec.meta.task : null,
    fitted: fittedOf(rec.meta.fitted),
  }
}

/** How a front door is named to another process that finds a board it holds. */
function holderName(frontDoor: AppInfo['frontDoor']): string {
  return frontDoor === 'electron' ? 'the Mimic Workbench app' : frontDoor === 'browser' ? 'mimic serve' : 'mimic (command line)'
}

/** Runs referenced by a job's parameters (a network, a dataset, a list of networks): the parents of its run, each in the role of its field. */
export function refParents(kind: JobKindName, params: Record<string, unknown>): { id: number; role: string }[] {
  const lineage: { id: number; role: string }[] = []
  for (const [field, info] of Object.entries(jobKinds[kind].params.info().fields ?? {})) {
    const value = params[field]
    if (info.ref && typeof value === 'number' && !lineage.some((l) => l.id === value)) lineage.push({ id: value, role: field })
    // a list of runs (a robustness run's networks): each one a parent in that role
    if (info.type === 'array' && info.items?.ref && Array.isArray(value)) {
      for (const id of value) if (typeof id === 'number' && !lineage.some((l) => l.id === id)) lineage.push({ id, role: field })
    }
  }
  return lineage
}

/** The merged-run summary of a job kind that is split on clusters, if it has one. */
function mergedSummaryOf(kind: string): MergedSummary | undefined {
  const impl = (jobImplementations as Record<string, (typeof jobImplementations)[JobKindName] | undefined>)[kind]
  return impl?.mergedSummary ? (store, runId) => impl.mergedSummary!(store, runId) : undefined
}

/** Operations that write to the database, refused once its file is found removed or replaced while open (a cancel is not: it stops work). */
const writingOp = /\.(create|rename|delete|import|tag|note|start|add|remove|resume|poll|uploadAudio|connect|emulate|stopEmulator|disconnect)$/

export class Services implements FrontDoorServices {
  readonly store: Store
  readonly runner: JobRunner
  readonly api: Api
  private readonly listeners = new Set<Listener>()
  private readonly frontDoor: AppInfo['frontDoor']
  private readonly maxDatasetBytes: number
  /** the boards this front door holds (leases in the database, open links of the hardware panel) */
  readonly boards: BoardDesk

  constructor(opts: ServicesOptions) {
    this.store = openStore(opts.dbPath)
    this.frontDoor = opts.frontDoor
    this.maxDatasetBytes = opts.maxDatasetBytes ?? defaultMaxDatasetBytes
    this.runner = new JobRunner({
      store: this.store,
      emit: (e) => this.publish(e),
      spawn: opts.spawn,
      workerEntry: opts.workerEntry,
      cores: opts.cores,
      resources: opts.resources,
      cancelGraceMs: opts.cancelGraceMs,
      workerEnv: opts.workerEnv,
    })
    try {
      this.runner.recover()
    } catch (err) {
      // the runs of a dead process are marked interrupted in a write transaction: a lock held too long says so
      const locked = lockedAtOpen(err, this.store.path)
      if (!locked) throw err
      this.store.close()
      throw locked
    }
    this.boards = new BoardDesk(this.store, holderName(opts.frontDoor))
    this.api = this.implement()
    this.fileWatch = setInterval(() => {
      this.checkFile()
      this.checkOthers()
    }, 2000)
    this.fileWatch.unref()
  }

  /** Set once the database file was found removed or replaced while open: why writes are refused. */
  private fileGone: string | null = null
  private readonly fileWatch: NodeJS.Timeout

  /**
   * A database file removed (or replaced) while this front door has it open would take every later
   * write with it when the program stops. Once found: everything the open connection holds is copied
   * to a new file beside it, the front door says so on stderr, and refuses every operation that writes.
   */
  private checkFile(): void {
    if (this.fileGone !== null || !this.store.db.open || !this.store.fileGone()) return
    let copy: string
    try {
      copy = `everything it held is copied to ${this.store.rescue()}: stop this program, put that file back as ${this.store.path} (or open it with --db), and start again`
    } catch (err) {
      copy = `copying what it held failed (${(err as Error).message}): save what you need with this program's project export (reading still works) before you stop it`
    }
    this.fileGone = `The database ${this.store.path} was removed or replaced while this program had it open, so what it would write now is lost when it stops; ${copy}.`
    console.error(`mimic: ${this.fileGone}`)
  }

  /** SQLite's data_version when last read (it moves when another connection commits), and what the pages showed then. */
  private seenVersion = -1
  private seenPrint: { projects: string; runs: Map<number, string> } | null = null

  /**
   * Changes another process made (the CLI deleting, tagging or noting runs, creating or renaming projects; a
   * job's worker) send this front door no events: for a front door with pages (the app, `mimic
   * serve`; not the command line), while someone listens, every 2 s, when another
   * connection has committed since the last look, the projects and the projects whose runs changed
   * are announced as if made here, so open pages reload (a run deleted by the CLI says it is gone).
   */
  private checkOthers(): void {
    if (this.frontDoor === 'cli' || !this.listeners.size || this.fileGone !== null || !this.store.db.open) {
      this.seenPrint = null
      return
    }
    const before = this.seenPrint
    if (!this.takePrint() || !before) return
    const now = this.seenPrint!
    if (before.projects !== now.projects) this.publish({ type: 'projects.changed' })
    for (const p of new Set([...before.runs.keys(), ...now.runs.keys()])) if (before.runs.get(p) !== now.runs.get(p)) this.publish({ type: 'runs.changed', projectId: p })
  }

  /** Reads what the pages show into seenPrint when another connection committed since (or none was read); whether it read. */
  private takePrint(): boolean {
    try {
      const version = this.store.db.pragma('data_version', { simple: true }) as number
      if (version === this.seenVersion && this.seenPrint) return false
      this.seenVersion = version
      this.seenPrint = this.store.runs.changePrint()
      return true
    } catch {
      return false  // a busy database: the next look
    }
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn)
    // what the pages show now, so that another process's change from here on is seen at the next look
    if (this.frontDoor !== 'cli' && !this.seenPrint && this.fileGone === null && this.store.db.open) this.takePrint()
    return () => this.listeners.delete(fn)
  }

  publish(event: AppEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(event)
      } catch {
        // one failing subscriber (a closed socket) must not stop the others
      }
    }
  }

  /** Validates raw arguments and runs the operation. Throws AppError. */
  async call<K extends OpName>(name: K, raw: unknown): Promise<ResultOf<K>> {
    const args = parseArgs(name, raw)
    const fn = this.api[name] as (a: ArgsOf<K>) => Promise<ResultOf<K>>
    if (writingOp.test(name)) {
      this.checkFile()
      if (this.fileGone !== null) throw new AppError('CONFLICT', this.fileGone)
    }
    try {
      return await fn(args)
    } catch (err) {
      // a write the database refused (a full disk, a read-only file, a lock held too long) says which database and what to do
      const refused = storageFailure(err, this.store.path, 'try again')
      if (refused) throw new AppError(String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY') ? 'BUSY' : 'INTERNAL', `${refused[0].toUpperCase()}${refused.slice(1)}.`)
      throw err
    }
  }

  async close(): Promise<void> {
    clearInterval(this.fileWatch)
    await this.boards.close()
    await this.runner.shutdown()
    this.listeners.clear()
    this.store.close()
  }

  info(): AppInfo {
    return {
      name: 'Mimic Workbench',
      version: packageVersion(),
      codeVersion: codeVersion(),
      dbPath: this.store.path,
      schemaVersion: this.store.schemaVersion,
      nodeVersion: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      host: hostName(),
      addon: addonState(),
      frontDoor: this.frontDoor,
    }
  }

  runDetail(id: number): RunDetail {
    const { store } = this
    const run = store.runs.get(id)
    // The live progress of an active run; for a cancelled or interrupted one, the last progress
    // it reported (where it stopped). A finished or failed run has none.
    const job = ['queued', 'running', 'cancelled', 'interrupted'].includes(run.status) ? store.jobs.find(id) : undefined
    return {
      ...run,
      jobKind: store.jobs.find(id)?.jobKind ?? null,
      parents: store.runs.parents(id),
      children: store.runs.children(id),
      notes: store.runs.notes(id),
      artifacts: store.artifacts.list(id),
      metricKeys: store.metrics.keys(id),
      network: networkSummary(store.networks.find(id)),
      progress: job?.progress ?? null,
      resultCount: store.results.count(id),
    }
  }

  /** A cluster task's side: writes the runs a sweep shipped into this (the task's own) database under their ids. */
  importShippedRuns(projectId: number, shipped: readonly ShippedRun[]): number[] {
    this.store.projects.get(projectId)
    return this.store.writeShippedRuns(projectId, shipped)
  }

  /** A cluster task's side: a finished run as it goes back to the workbench (network row, artifacts, parent links). */
  shippedRun(runId: number): ShippedRun {
    return this.store.readShippedRun(runId)
  }

  /**
   * The parameters with what the task implies for those left out: the task of a given dataset (`data`)
   * when `task` is left out, and the task's method settings for this kind (TaskDescriptor.methodDefaults;
   * the task from `task`, the dataset, or a teacher run's).
   */
  private withTaskDefaults(kind: JobKindName, rawParams: unknown): unknown {
    if (typeof rawParams !== 'object' || rawParams === null || Array.isArray(rawParams)) return rawParams
    const raw = { ...(rawParams as Record<string, unknown>) }
    const fields = jobKinds[kind].params.info().fields ?? {}
    const taskOfRun = (id: unknown): TaskName | undefined => {
      const run = typeof id === 'number' ? this.store.runs.find(id) : undefined
      return run && isTaskName(run.params.task) ? run.params.task : undefined
    }
    // with neither a task nor a dataset given, the kind's default task (its generator's fields for data.generate)
    const task = impliedTask(kind, raw, taskOfRun)
    if (task && raw.task === undefined && 'task' in fields) raw.task = task
    const filled = Object.entries(methodDefaultsOf(kind, task)).filter(([k]) => raw[k] === undefined)
    for (const [k, v] of filled) raw[k] = v
    // a method setting that applies only with another field's value (the decay time b of the "decay"
    // η schedule) stays out when the user chose another value for that field
    for (const [k] of filled) if (!fieldApplies(fields[k] ?? {}, (f) => raw[f] ?? fields[f]?.default)) delete raw[k]
    // nor a field that a field the user gave takes the place of (the decay share when b is given, be it the
    // task's default or given too: it would not be used, so it is not recorded)
    for (const [k, info] of Object.entries(fields))
      if (info.overrides !== undefined && (rawParams as Record<string, unknown>)[k] !== undefined) delete raw[info.overrides]
    return raw
  }

  /** Creates the run of a job and queues it. Parameters are validated against the kind's schema. */
  startJob(kind: JobKindName, projectId: number, rawParams: unknown, name?: string, parents: { id: number; role: string }[] = []): number {
    const spec = jobKinds[kind]
    rawParams = this.withTaskDefaults(kind, rawParams)
    const params = jobParamsSchema(kind).parse(rawParams ?? {}, 'params') as Record<string, unknown>
    // a run that continues another takes its seed unless told otherwise (its children are found by their seeds)
    const resumeParam = (spec as JobKindSpec).resumeParam
    const resumed = resumeParam !== undefined && typeof params[resumeParam] === 'number' ? this.store.runs.find(params[resumeParam] as number) : undefined
    if ('seed' in spec.params.shape && params.seed === undefined && typeof resumed?.seed === 'number') params.seed = resumed.seed
    if ('seed' in spec.params.shape && params.seed === undefined) params.seed = randomInt(0, 2 ** 31)
    const seed = typeof params.seed === 'number' ? params.seed : null
    const lineage = [...parents]
    for (const p of refParents(kind, params)) if (!lineage.some((l) => l.id === p.id)) lineage.push(p)
    this.store.projects.get(projectId)
    precheckConditions(kind, rawParams, params)
    jobImplementations[kind].precheck(this.store, params)
    this.runner.scheduler.checkDevice(kind, params)
    const runId = this.store.transaction(() => {
      const run = this.store.runs.create({
        projectId,
        kind: spec.runKind,
        name: name ?? defaultRunName(kind, params),
        params,
        seed,
        codeVersion: codeVersion(),
        host: hostName(),
        parents: lineage,
      })
      this.store.jobs.register(run.id, kind, process.pid, hostName())
      return run.id
    })
    this.runner.enqueue(runId, projectId)
    this.publish({ type: 'runs.changed', projectId })
    return runId
  }

  private implement(): Api {
    const { store } = this
    const changed = (projectId?: number): void => {
      this.publish({ type: 'projects.changed' })
      if (projectId !== undefined) this.publish({ type: 'runs.changed', projectId })
    }
    return {
      'app.info': async () => this.info(),

      'projects.list': async () => store.projects.list(),
      'projects.create': async ({ name }) => {
        const p = store.projects.create(name)
        changed()
        return p
      },
      'projects.rename': async ({ id, name }) => {
        const p = store.projects.rename(id, name)
        changed()
        return p
      },
      'projects.delete': async ({ id }) => {
        store.projects.delete(id)
        changed()
        return { deleted: id }
      },

      'projects.export': async ({ id }) => {
        const snap = store.readProject(id)
        const bytes = writeBundle(snap, { codeVersion: codeVersion(), version: packageVersion(), host: hostName() })
        return { bytes, projectId: id, name: snap.project.name, runs: snap.runs.length, artifacts: snap.artifacts.length }
      },
      'projects.import': async ({ fileName, bytes, name }) => {
        // everything is read and checked before the one transaction that stores it
        const snap = readBundle(bytes, fileName, maxBundleBytes)
        const r = store.writeProject(snap, name)
        changed(r.projectId)
        return r
      },

      'runs.list': async (a) => {
        if (a.projectId !== undefined) store.projects.get(a.projectId)
        return store.runs.list(a).map(summaryOf)
      },
      'runs.get': async ({ id }) => this.runDetail(id),
      'runs.lineage': async ({ id }) => store.runs.lineage(id),
      'runs.export': async ({ limit, ...filter }) => {
        if (filter.projectId !== undefined) store.projects.get(filter.projectId)
        const runs = store.runs.list({ ...filter, limit: limit + 1 })
        const truncated = runs.length > limit
        if (truncated) runs.length = limit
        const ids = runs.map((r) => r.id)
        const networks = store.networks.findMany(ids)
        const parents = store.runs.parentIds(ids)
        const notes = store.runs.notesText(ids)
        const rows = runs.map((r) => {
          const net = networks.get(r.id)
          const task = net && typeof net.meta.task === 'string' ? net.meta.task : typeof r.params.task === 'string' ? r.params.task : null
          return flattenRun({ ...r, architecture: net?.architecture ?? null, task, parents: parents.get(r.id) ?? [], notes: notes.get(r.id) ?? '' })
        })
        return { columns: runColumns(rows), rows, truncated }
      },
      'runs.rename': async ({ id, name }) => {
        const r = store.runs.rename(id, name)
        changed(r.projectId)
        return summaryOf(r)
      },
      'runs.dependants': async ({ id }) => {
        store.runs.get(id)
        return store.runs.descendants(id)
      },
      'runs.delete': async ({ id, cascade }) => {
        const runs = store.runs.delete(id, cascade)
        this.publish({ type: 'projects.changed' })
        for (const projectId of new Set(runs.map((r) => r.projectId))) this.publish({ type: 'runs.changed', projectId })
        return { deleted: runs.map((r) => r.id), runs }
      },
      'runs.tag': async ({ id, tag, remove }) => {
        const tags = store.runs.tag(id, tag, remove)
        this.publish({ type: 'runs.changed', projectId: store.runs.get(id).projectId })
        return tags
      },
      'runs.note': async ({ id, body }) => store.runs.addNote(id, body),

      'metrics.get': async ({ runId, keys }) => {
        store.runs.get(runId)
        return store.metrics.series(runId, keys)
      },

      'results.query': async (filter) => {
        if (filter.runId !== undefined) store.runs.get(filter.runId)
        if (filter.projectId !== undefined) store.projects.get(filter.projectId)
        return store.results.query(filter)
      },

      'networks.export': async ({ runId, format }) => {
        if (format === 'nir') {
          const loaded = loadBundle(store, runId)
          if (loaded.architecture !== 'ads') {
            throw new AppError('INVALID_ARGUMENT', `Run ${runId} holds a ${loaded.architecture === 'rate' ? 'rate network (a teacher)' : `network of architecture ${loaded.architecture}`}, which NIR's spiking primitives do not express: export a spiking network (network ADS, or one built by \`mimic network create\`) as NIR, or this one as npz.`)
          }
          const graph = adsToNir(loaded.net as AdsNet, { runId, name: store.runs.get(runId).name })
          return { runId, format, arrays: Object.keys(graph.nodes), bytes: await writeNir(graph), approximates: String(graph.metadata.approximates) }
        }
        const arrays = exportBundle(store, runId)
        return { runId, format, arrays: Object.keys(arrays), bytes: writeNpz(arrays) }
      },
      'networks.import': async ({ projectId, fileName, bytes, name }) => {
        store.projects.get(projectId)
        // read and mapped completely before anything is stored
        const imported = nirToAds(await readNir(bytes, fileName), fileName)
        const run = store.transaction(() => {
          const r = store.runs.create({
            projectId,
            kind: 'network',
            name: name ?? `NIR ${fileName}`,
            params: { source: 'nir', fileName, neurons: imported.net.spec.neurons, groups: imported.groups.map((g) => `${g.name}:${g.type}:${g.neurons}`).join(','), dtMs: 1 },
            seed: null,
            codeVersion: codeVersion(),
            host: hostName(),
            status: 'running',
          })
          saveBundle(store, r.id, architectures.ads, imported.net, { task: null })
          if (imported.notes.length) store.runs.addNote(r.id, `Imported from NIR: ${imported.notes.join(' ')}`)
          store.runs.finish(r.id, 'succeeded', null, { neurons: imported.net.spec.neurons, dims: imported.net.spec.dims, outputs: imported.net.spec.outputs })
          return store.runs.get(r.id)
        })
        changed(projectId)
        return { run: summaryOf(run), neurons: imported.net.spec.neurons, groups: imported.groups, notes: imported.notes }
      },

      'bench.simulator': async (options) => benchSimulator(options),
      'bench.ads': async (options) => benchAds(options),
      'bench.teacher': async (options) => benchTeacher(options),

      'robustness.analysis': async ({ runId }) => robustnessAnalysis(store, runId),
      'comparison.analysis': async ({ runId }) => comparisonAnalysis(store, runId),
      'reports.html': async ({ runId }) => {
        const ctx = { appVersion: packageVersion(), codeVersion: codeVersion(), generatedAt: new Date().toISOString() }
        if (store.runs.find(runId)?.kind === 'comparison') return { runId, fileName: `comparison-${runId}.html`, html: comparisonReportHtml(comparisonAnalysis(store, runId), ctx) }
        const a = robustnessAnalysis(store, runId)
        const html = reportHtml(a, ctx)
        return { runId, fileName: `${a.kind}-${runId}.html`, html }
      },

      'artifacts.list': async ({ runId }) => {
        store.runs.get(runId)
        return store.artifacts.list(runId)
      },
      'artifacts.read': async ({ runId, name, rows }) => {
        store.runs.get(runId)
        return rows ? store.artifacts.getRows(runId, name, rows.start, rows.count) : store.artifacts.get(runId, name)
      },

      'artifacts.export': async ({ runId, names, format }) => {
        const run = store.runs.get(runId)
        const listed = store.artifacts.list(runId)
        const all = listed.map((m) => m.name)
        const wanted = names ?? all
        const missing = wanted.filter((n) => !all.includes(n))
        if (missing.length) throw new FieldError('names', `name ${missing.map((n) => `"${n}"`).join(', ')}, which run ${runId} does not have (it has: ${all.join(', ') || 'none'}).`, 'Artifacts')
        // a zip with two members of one name is read differently by different readers
        const twice = wanted.find((n, i) => wanted.indexOf(n) !== i)
        if (twice !== undefined) throw new FieldError('names', `name "${twice}" twice: name each artifact once (a .npz holds one array of a name).`, 'Artifacts')
        if (wanted.length === 0) throw new AppError('INVALID_ARGUMENT', `Run ${runId} has no artifacts to export.`)
        if (format === 'npy' && wanted.length !== 1) throw new FieldError('format', `npy holds one array, but ${wanted.length} were asked for: choose one artifact, or npz.`, 'Format')
        const member = (name: string): Uint8Array => {
          // Node makes no Uint8Array over 4 GiB, and a zip without zip64 holds no member over 4 GB;
          // 64 KiB of that are kept for the member's .npy header (its length is a 16-bit field)
          const size = listed.find((m) => m.name === name)?.byteLength ?? 0
          if (size > 2 ** 32 - 2 ** 16) throw new AppError('UNSUPPORTED', `Artifact "${name}" of run ${runId} holds ${(size / 2 ** 30).toFixed(2)} GiB; a .npy or .npz written here holds at most 4 GiB of one array: read it by rows (artifacts.read with rows), or make the run smaller.`)
          const a = store.artifacts.get(runId, name)
          return encodeNpyBytes(a.dtype, a.shape, new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength))
        }
        const safe = (t: string): string => t.replace(/[^A-Za-z0-9._-]+/g, '_')
        if (format === 'npy') return { fileName: `run${runId}-${safe(wanted[0])}.npy`, names: wanted, bytes: member(wanted[0]) }
        return { fileName: `run${runId}-${safe(run.name).slice(0, 60)}.npz`, names: wanted, bytes: writeZip(wanted.map((n) => ({ name: `${n}.npy`, bytes: member(n) }))) }
      },

      'datasets.import': async ({ projectId, fileName, name, dtMs, bytes, network, task: chosen }) => {
        store.projects.get(projectId)
        const ds = datasetFromNpz(bytes, fileName, { ...(network !== undefined ? trainedNetworkShape(store, network) : {}), maxBytes: this.maxDatasetBytes })
        // The task whose rule scores the data: the one chosen (it must fit), else the first that fits
        // (none fitting: none recorded, read as the default task).
        const fitting = tasksFitting(ds.channels, ds.outputs)
        if (chosen !== undefined && !fitting.includes(chosen)) {
          const t = taskDescriptors[chosen]
          throw new FieldError('task', `is ${t.label}, whose samples have ${t.channels} input channel(s) and ${t.outputs} output(s), but the file has ${ds.channels} and ${ds.outputs}: choose ${fitting.length ? `one of ${fitting.join(', ')}` : 'no task'}.`, 'Task')
        }
        const task = chosen ?? fitting[0]
        const run = store.transaction(() => {
          const r = store.runs.create({
            projectId,
            kind: 'dataset',
            name: name ?? `Imported ${fileName}`,
            params: {
              source: 'import',
              fileName,
              samples: ds.samples,
              steps: ds.steps,
              channels: ds.channels,
              outputs: ds.outputs,
              dtMs,
              ...(task !== undefined ? { task } : {}),
              // how the file wrote its labels (stored as −1/+1): '0/1' or '-1/+1'
              ...(ds.labelEncoding ? { labelEncoding: ds.labelEncoding } : {}),
            },
            seed: null,
            codeVersion: codeVersion(),
            host: hostName(),
            status: 'running',
          })
          store.artifacts.put(r.id, datasetArtifacts(ds))
          store.runs.finish(r.id, 'succeeded', null, { samples: ds.samples, steps: ds.steps, channels: ds.channels })
          return store.runs.get(r.id)
        })
        changed(projectId)
        return summaryOf(run)
      },

      'datasets.uploadAudio': async ({ projectId, files, manifest, folder }) => {
        store.projects.get(projectId)
        // names are paths inside the folder (a label folder, a manifest's file column): "../x" would be the label "..",
        // and a name sent twice would leave one of the files unread
        const seen = new Map<string, number>()
        files.forEach((f, i) => {
          if (f.name.split('/').some((part) => part === '' || part === '.' || part === '..')) {
            throw new FieldError(`files[${i}].name`, `must be a path inside the folder, such as positive/a.wav, without a leading / and without . or .. parts (received ${JSON.stringify(f.name)}).`)
          }
          const first = seen.get(f.name)
          if (first !== undefined) throw new FieldError('files', `name "${f.name}" twice (items ${first + 1} and ${i + 1}): send each file once.`, 'Files')
          seen.set(f.name, i)
        })
        // all files' bytes in one artifact, with the offset of each (offsets[i] .. offsets[i + 1])
        let total = 0
        for (const f of files) total += f.bytes.byteLength
        if (total > this.maxDatasetBytes) throw new FieldError('files', `hold ${total} bytes together; at most ${this.maxDatasetBytes} are accepted: import the folder in parts.`, 'Files')
        const bytes = new Uint8Array(total)
        const offsets = new Float64Array(files.length + 1)
        files.forEach((f, i) => {
          bytes.set(f.bytes, offsets[i])
          offsets[i + 1] = offsets[i] + f.bytes.byteLength
        })
        const run = store.transaction(() => {
          const r = store.runs.create({
            projectId,
            kind: 'upload',
            name: `Audio files${folder ? ` from ${folder}` : ''}`,
            params: { source: 'upload', files: files.map((f) => f.name), ...(manifest !== undefined ? { manifest } : {}), ...(folder ? { folder } : {}) },
            seed: null,
            codeVersion: codeVersion(),
            host: hostName(),
            status: 'running',
          })
          store.artifacts.put(r.id, [
            { name: 'files.bytes', data: bytes, shape: [total] },
            { name: 'files.offsets', data: offsets, shape: [files.length + 1] },
          ])
          store.runs.finish(r.id, 'succeeded', null, { files: files.length, bytes: total })
          return store.runs.get(r.id)
        })
        changed(projectId)
        return summaryOf(run)
      },

      'boards.list': async () => listBoards(store, this.boards),
      'boards.add': async ({ name, address }) => {
        if (executionTargetNames.includes(name)) {
          throw new AppError('INVALID_ARGUMENT', `Board name "${name}" is the name of an execution target (${executionTargetNames.join(', ')}): a job's --target ${name} means that target, so a board saved under it could not be used. Choose another name, e.g. board-${name}.`, { field: 'name' })
        }
        return store.boards.add(name, canonicalAddress(address))
      },
      'boards.remove': async ({ name }) => store.boards.remove(name),
      'boards.info': async ({ address, timeoutMs }) => this.boards.info(address, timeoutMs),
      'boards.connect': async ({ address }) => this.boards.connect(address),
      'boards.disconnect': async ({ address }) => this.boards.disconnect(address),
      'boards.emulate': async ({ serialNumber, chips, weightScheme }) => this.boards.startEmulator({ serialNumber, chips, weightScheme }),
      'boards.stopEmulator': async ({ address }) => this.boards.stopEmulator(address),
      'tasks.list': async () => taskNames.map(taskInfo),
      'architectures.list': async () => architectureNames.map((n) => architectureDescriptors[n]),
      'backends.list': async () =>
        Promise.all(
          Object.values(targets).map(async (t): Promise<BackendInfo> => {
            const status = await t.status()
            return {
              name: t.name,
              label: t.label,
              kind: t.kind,
              description: t.description,
              available: status.available,
              reason: status.available ? null : (status.reason ?? 'not available'),
              architectures: architectureNames.filter((a) => t.supports(a)),
            }
          }),
        ),

      'jobs.list': async ({ all }) =>
        store.jobs.list(all).map((j) => ({
          runId: j.runId,
          projectId: j.projectId,
          kind: j.kind,
          name: j.name,
          status: j.status,
          progress: j.progress,
          startedAt: j.startedAt,
          ownerPid: j.ownerPid,
          ownerHost: j.ownerHost,
          cores: j.cores,
        })),
      'jobs.start': async ({ kind, projectId, name, params }) => ({ runId: this.startJob(kind, projectId, params, name) }),
      'jobs.cancel': async ({ runId }) => {
        // a sweep on a cluster (or the run it merges into), once sent: its tasks are cancelled there
        // (scancel), as `sweep cancel` does; while it is being sent, its sender cancels it once submitted
        const sweep = store.sweeps.ofRun(runId)
        if (sweep && store.jobs.find(sweep.runId) === undefined && store.sweeps.tasks(sweep.runId).some((t) => t.slurmJob !== null)) {
          const run = store.runs.get(runId)
          if (run.status !== 'queued' && run.status !== 'running') throw nothingToCancel(runId, run.status)
          await cancelSweep(store, store.clusters.get(sweep.cluster), sweep.runId, undefined, mergedSummaryOf(sweep.jobKind))
          changed(run.projectId)
          return { runId, status: store.runs.get(runId).status }
        }
        const status = this.runner.cancel(runId)
        return { runId, status }
      },

      'clusters.add': async ({ name, ssh, sshConfig, partition, account, workdir, checkout }) => {
        // the labels are the form's; the command line adds each flag (cli/cluster.ts)
        // a front door another program can reach (the browser's, the app's window) names no file of this
        // machine: ssh reads its configuration file here, and a cluster reached through this machine's
        // SLURM client runs its checkout here (README "Security")
        if (this.frontDoor !== 'cli' && sshConfig) {
          throw new FieldError('sshConfig', `is a file of this machine, which ${holderName(this.frontDoor)} does not name: set it with the command line (mimic cluster add ${name} --slurm --ssh … --ssh-config FILE), or leave it empty (ssh then reads ~/.ssh/config).`, 'SSH configuration file')
        }
        if (this.frontDoor !== 'cli' && checkout && !ssh) {
          throw new FieldError('checkout', `names a program of this machine for a cluster reached through its own SLURM client, which ${holderName(this.frontDoor)} does not name: leave it empty (this checkout), or set it with the command line (mimic cluster add ${name} --slurm --checkout DIR).`, 'Project checkout')
        }
        if (sshConfig && !ssh) throw new FieldError('sshConfig', 'applies to a cluster reached over SSH: give its SSH login (--ssh user@login-node) too.', 'SSH configuration file')
        if (ssh && !workdir) throw new FieldError('workdir', 'is required with an SSH login (--ssh): an absolute path on the cluster\'s shared filesystem (e.g. /scratch/you/mimic-work).', 'Work directory')
        if (ssh && !checkout) throw new FieldError('checkout', 'is required with an SSH login (--ssh): the absolute path of the project checkout on the cluster\'s shared filesystem (where `npm ci` was run).', 'Project checkout')
        return store.clusters.add({
          name,
          scheduler: 'slurm',
          ssh: ssh ?? null,
          sshConfig: sshConfig ?? null,
          partition: partition ?? null,
          account: account ?? null,
          workdir: workdir ?? join(homedir(), 'mimic-work'),
          checkout: checkout ?? repoRoot,
        })
      },
      'clusters.list': async () => store.clusters.list().map((c) => ({ ...c, sweepsUnderWay: store.clusters.sweepsUnderWay(c.name).map(({ id, name, status }) => ({ id, name, status })) })),
      'clusters.remove': async ({ name }) => {
        store.clusters.remove(name)
        return { removed: name }
      },
      'clusters.test': async ({ name }) => checkCluster(store.clusters.get(name), codeVersion()),

      'sweeps.start': async ({ cluster, kind, projectId, name, params, seeds, itemsPerTask, maxAttempts, cpusPerTask, timeLimit }) => {
        const spec: JobKindSpec = jobKinds[kind]
        const c = store.clusters.get(cluster)
        store.projects.get(projectId)
        const seeded = 'seed' in spec.params.shape
        if (seeds !== undefined && !seeded) throw new FieldError('seeds', `do not apply to ${kind}, which has no seed.`, 'Seeds (--seeds)')
        if (seeds === undefined && !spec.cluster) {
          throw new FieldError('seeds', `are needed: ${kind} goes to a cluster as a sweep over seeds, one item each (e.g. --seeds 1-10).`, 'Seeds (--seeds)')
        }
        const raw = (params ?? {}) as Record<string, unknown>
        const parsed = jobParamsSchema(kind).parse(seeds ? { ...raw, seed: seeds[0] } : raw, 'params') as Record<string, unknown>
        // a split job's items share one seed, fixed now as a local run would fix it
        if (!seeds && seeded && parsed.seed === undefined) parsed.seed = randomInt(0, 2 ** 31)
        precheckConditions(kind, raw, parsed)
        jobImplementations[kind].precheck(store, parsed)
        const parents = refParents(kind, parsed)
        const inputsOf = (k: JobKindName, p: Record<string, unknown>): number[] => shippedInputs(store, refParents(k, p).map((r) => r.id))
        const { seed: _seed, ...common } = parsed
        // the items carry the parameters as given (the node's job fills in the defaults, and refuses a
        // field given where its condition does not hold, as `when` fields are), with the seed fixed
        const { seed: _rawSeed, ...given } = raw
        let items: SweepItemSpec[]
        if (seeds) {
          const inputs = inputsOf(kind, parsed)
          items = seeds.map((seed) => ({ params: { ...given, seed }, label: `seed ${seed}`, inputs }))
        } else {
          items = spec.cluster!.items({ ...given, ...(seeded ? { seed: parsed.seed } : {}) }).map((it) => {
            const k = (it.kind ?? kind) as JobKindName
            if (!jobKindNames.includes(k)) throw new AppError('INTERNAL', `${kind}'s cluster split names the unknown job kind ${k}`)
            const itemParams = jobParamsSchema(k).parse(it.params, 'params') as Record<string, unknown>
            precheckConditions(k, it.params, itemParams)
            return { ...(it.kind ? { kind: it.kind } : {}), params: it.params, label: it.label, inputs: inputsOf(k, itemParams) }
          })
        }
        const runId = await startSweep(store, c, {
          projectId,
          jobKind: kind,
          runKind: spec.runKind,
          params: seeds ? common : parsed,
          ...(seeds ? { seeds } : {}),
          items,
          ...(!seeds && spec.cluster!.merge === 'one-run'
            ? { mergeRun: { kind: spec.runKind, name: name ?? `${defaultRunName(kind, parsed)} on ${cluster}`, params: parsed, seed: typeof parsed.seed === 'number' ? parsed.seed : null, parents } }
            : {}),
          ...(timeLimit ? { timeLimit } : {}),
          itemsPerTask,
          maxAttempts,
          cpusPerTask,
          name: seeds ? (name ?? `${defaultRunName(kind, common)} × ${seeds.length} seeds on ${cluster}`) : `${defaultRunName(kind, parsed)}: ${items.length} items on ${cluster}`,
          codeVersion: codeVersion(),
          host: hostName(),
        })
        changed(projectId)
        return sweepStatus(store, runId)
      },
      'sweeps.poll': async ({ runId }) => {
        const sweep = store.sweeps.get(runId)
        const before = store.sweeps.items(runId).filter((i) => i.mergedAt !== null).length
        const status = await pollSweep(store, store.clusters.get(sweep.cluster), runId, mergedSummaryOf(sweep.jobKind))
        if (status.merged !== before || status.status !== 'running') changed(store.runs.get(runId).projectId)
        return status
      },
      'sweeps.get': async ({ runId }) => sweepStatus(store, runId),
      'sweeps.cancel': async ({ runId, task }) => {
        const sweep = store.sweeps.get(runId)
        const status = await cancelSweep(store, store.clusters.get(sweep.cluster), runId, task, mergedSummaryOf(sweep.jobKind))
        changed(store.runs.get(runId).projectId)
        return status
      },
      'sweeps.resume': async ({ runId }) => {
        const sweep = store.sweeps.get(runId)
        const status = await resumeSweep(store, store.clusters.get(sweep.cluster), runId, mergedSummaryOf(sweep.jobKind))
        changed(store.runs.get(runId).projectId)
        return status
      },
    }
  }
}

