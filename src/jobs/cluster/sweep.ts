// A sweep on a cluster: a job that is a set of independent items (the seeds of a training grid, the
// networks × levels of a robustness run) sent as one SLURM array. The workbench writes the items and
// the runs they start from (networks, teachers, datasets: inputs/run-ID.json, each checked against
// its SHA-256 in inputs.json by the node) to the cluster's work directory, submits
// `sbatch --array` (items grouped into tasks), follows it with `squeue`, merges each item's result
// file (written atomically by the task, verified by its SHA-256) into the project with its lineage,
// code version and host, retries a task that ended without all its results up to a set count,
// cancels with `scancel`, and can be resumed. An item is merged at most once (sweeps.markMerged):
// as its own run, a child of the sweep, or as rows appended to the one run a split job makes
// (ClusterSplit, src/shared/jobkinds/spec.ts). A task that SLURM ends at its time limit (--time) is
// reported as timed out and retried like any other.
// Layout of a sweep's folder: inputs.json, inputs/run-ID.json, task.sh, results/item-N.json,
// progress/task-N.json, logs/task-N.out.
import { createHash, randomBytes } from 'node:crypto'
import { fromBytes, isDType } from '../../shared/arrays.ts'
import { neuronCountOf } from '../../shared/architectures/index.ts'
import { chooseGrouping, costRates, type CostLookup, type Grouping } from '../../shared/grouping.ts'
import { jobKinds } from '../../shared/jobkinds/index.ts'
import type { JobKindSpec } from '../../shared/jobkinds/spec.ts'
import { isTaskName, taskDescriptors, taskNames } from '../../shared/tasks/index.ts'
import { AppError, FieldError } from '../../shared/errors.ts'
import type { ShippedRun } from '../../shared/transfer.ts'
import type { Cluster, ClusterCheck, MetricSeries, ResultItem, RunStatus, SweepStatus } from '../../shared/types.ts'
import type { Store } from '../../store/index.ts'
import { mapRunRefs, runRefParams, runRefResultValues, runRefSummary } from '../../store/transfer.ts'
import { pidAlive } from '../../system/process.ts'
import { hostName } from '../../system/version.ts'
import { failure, readFilesOn, runOn, shellQuote, shOn, writeFileOn } from './remote.ts'

/** One run a task made, as it goes back to the workbench: record, metrics, per-item results, artifacts. */
export interface ItemRunData {
  run: {
    kind: string
    name: string
    params: Record<string, unknown>
    seed: number | null
    status: RunStatus
    error: string | null
    summary: Record<string, number>
    codeVersion: string
    host: string
    startedAt: string | null
    finishedAt: string | null
    /** the run's id in the task's own database (result items and parent links that name it are about it) */
    id: number
    /** its parents in the task's database: shipped inputs keep their ids, so these are ids of the project too */
    parents?: { id: number; role: string }[]
    /** its network row, when it made a network (a trained teacher): merged with its artifacts, it is usable here */
    network?: { architecture: string; formatVersion: number; meta: Record<string, unknown> } | null
  }
  metrics: MetricSeries[]
  results: ResultItem[]
  /** the run's artifacts (bytes in base64) */
  artifacts?: { name: string; dtype: string; shape: number[]; base64: string }[]
}

/** What a task writes per item (after a line with the SHA-256 of this JSON text): the item's run and the runs it made under it. */
export interface ItemResult extends ItemRunData {
  format: 1
  sweep: number
  item: number
  /** the stage runs the item's job made under its run (a pipeline's test set, teacher, network, test), parents before children */
  descendants?: ItemRunData[]
}

export interface SweepInputs {
  format: 1
  sweep: number
  jobKind: string
  codeVersion: string
  /** the SHA-256 of each shipped run's file inputs/run-ID.json, by run id */
  runs: Record<string, string>
  items: { item: number; task: number; kind?: string; params: Record<string, unknown>; inputs: number[] }[]
}

/** A checksum line (SHA-256 of the JSON text), then the JSON: how results and shipped inputs are written. */
export function checksummedText(value: unknown): { text: string; checksum: string } {
  const json = JSON.stringify(value)
  const checksum = createHash('sha256').update(json).digest('hex')
  return { text: `${checksum}\n${json}`, checksum }
}

/** The text of a result file: its checksum line, then the JSON. */
export function resultFileText(r: ItemResult): string {
  return checksummedText(r).text
}

/** Reads a result file, or says why it cannot be used (a checksum that does not match: a damaged or partial file). */
export function parseResultFile(text: string): { ok: true; result: ItemResult; checksum: string } | { ok: false; problem: string } {
  const nl = text.indexOf('\n')
  if (nl !== 64) return { ok: false, problem: 'has no checksum line' }
  const checksum = text.slice(0, 64)
  const json = text.slice(65)
  if (createHash('sha256').update(json).digest('hex') !== checksum) return { ok: false, problem: 'does not match its checksum' }
  try {
    const result = JSON.parse(json) as ItemResult
    if (result.format !== 1) return { ok: false, problem: `has format ${String(result.format)} (this version reads 1)` }
    return { ok: true, result, checksum }
  } catch (err) {
    return { ok: false, problem: `is not JSON (${(err as Error).message})` }
  }
}

/** Checks a cluster: SLURM answers (sinfo), the work directory is writable, and its mimic is our code version. */
export async function checkCluster(cluster: Cluster, localVersion: string): Promise<ClusterCheck> {
  const checks: ClusterCheck['checks'] = []
  const sinfo = await runOn(cluster, ['sinfo', '-h', '-o', '%P %a %D %t', ...(cluster.partition ? ['-p', cluster.partition] : [])], { timeoutMs: 30_000 })
  checks.push(
    sinfo.code === 0 && sinfo.stdout.trim() !== ''
      ? { name: 'sinfo', ok: true, detail: sinfo.stdout.trim().split('\n').join('; ') }
      : { name: 'sinfo', ok: false, detail: sinfo.code === 0 ? `sinfo lists no partition${cluster.partition ? ` named ${cluster.partition}` : ''}` : failure('sinfo', sinfo) },
  )
  const probe = `${cluster.workdir}/.mimic-probe-${randomBytes(4).toString('hex')}`
  const wd = await shOn(cluster, `mkdir -p ${shellQuote(cluster.workdir)} && touch ${shellQuote(probe)} && rm -f ${shellQuote(probe)}`)
  checks.push(wd.code === 0 ? { name: 'workdir', ok: true, detail: `${cluster.workdir} is writable` } : { name: 'workdir', ok: false, detail: failure(`writing in ${cluster.workdir}`, wd) })
  const v = await runOn(cluster, ['node', `${cluster.checkout}/bin/mimic.js`, '--version', '--json'], { timeoutMs: 60_000 })
  let clusterVersion: string | null = null
  if (v.code === 0) {
    try {
      clusterVersion = (JSON.parse(v.stdout) as { codeVersion: string }).codeVersion
    } catch {
      clusterVersion = null
    }
  }
  checks.push(
    clusterVersion === null
      ? { name: 'version', ok: false, detail: `${failure(`node ${cluster.checkout}/bin/mimic.js --version`, v)}: install the project there (see README, "Running on a SLURM cluster")` }
      : clusterVersion === localVersion
        ? { name: 'version', ok: true, detail: `mimic ${clusterVersion} on both` }
        : {
            name: 'version',
            ok: false,
            detail: `the cluster's mimic is ${clusterVersion} but this one is ${localVersion}: check out the same commit in ${cluster.checkout} and run npm ci there`,
          },
  )
  return { name: cluster.name, ok: checks.every((c) => c.ok), checks, clusterVersion, localVersion }
}

/** One item of a sweep as the services cut it: the job it runs and the runs (ids here) it starts from. */
export interface SweepItemSpec {
  kind?: string
  params: Record<string, unknown>
  label: string
  inputs: number[]
}

export interface StartSweep {
  projectId: number
  jobKind: string
  runKind: string
  /** what the sweep's run records: the job's parameters (without the seeds) */
  params: Record<string, unknown>
  /** a sweep over seeds (each item its own run) */
  seeds?: number[]
  items: SweepItemSpec[]
  /** a job split into items: the run they all merge into, made now with the parents a local run would have */
  mergeRun?: { kind: string; name: string; params: Record<string, unknown>; seed: number | null; parents: { id: number; role: string }[] }
  timeLimit?: string
  /** items per array task; without it, chosen from the items' estimated cost (chooseGrouping) */
  itemsPerTask?: number
  /** the run the sweep works for (a reproduction sending its children): a parent of every merged item run, in this role */
  owner?: { id: number; role: string }
  maxAttempts: number
  cpusPerTask: number
  name: string
  codeVersion: string
  host: string
}

function taskScript(cluster: Cluster, dir: string, cpus: number): string {
  return [
    '#!/bin/sh',
    '# One task of a mimic sweep: runs its items with the project checkout on the shared filesystem.',
    `export MIMIC_CORES="\${SLURM_CPUS_PER_TASK:-${cpus}}"`,
    `exec node ${shellQuote(`${cluster.checkout}/bin/mimic.js`)} cluster task ${shellQuote(dir)} "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n')
}

async function submit(store: Store, cluster: Cluster, runId: number, tasks: number[]): Promise<void> {
  const sweep = store.sweeps.get(runId)
  const stateBefore = new Map(store.sweeps.tasks(runId).map((t) => [t.task, t.state]))
  const r = await runOn(cluster, [
    'sbatch',
    '--parsable',
    `--array=${tasks.join(',')}`,
    `--job-name=${jobName(sweep.dir)}`,
    `--chdir=${sweep.dir}`,
    `--output=${sweep.dir}/logs/task-%a.out`,
    // every attempt's output in one log: a retry does not wipe why the one before ended
    '--open-mode=append',
    `--cpus-per-task=${Number((store.runs.get(runId).params as { cpusPerTask?: number }).cpusPerTask ?? 1)}`,
    ...(sweep.timeLimit ? [`--time=${sweep.timeLimit}`] : []),
    ...(cluster.partition ? [`--partition=${cluster.partition}`] : []),
    ...(cluster.account ? [`--account=${cluster.account}`] : []),
    '--export=ALL',
    `${sweep.dir}/task.sh`,
  ])
  const id = r.stdout.trim().split(';')[0]
  if (r.code !== 0 || !/^\d+$/.test(id)) throw new AppError('UNSUPPORTED', `Submitting sweep ${runId} to cluster ${cluster.name}: ${failure('sbatch', r)}`)
  // a task cancelled while sbatch ran (another process's `sweep cancel` during a resubmission) stays
  // cancelled, and the job just submitted for it goes too
  const cancelledMeanwhile: string[] = []
  store.immediate(() => {
    const byTask = new Map(store.sweeps.tasks(runId).map((t) => [t.task, t]))
    for (const t of tasks) {
      const now = byTask.get(t)
      const job = `${id}_${t}`
      const attempts = (now?.attempts ?? 0) + 1
      if (now?.state === 'cancelled' && stateBefore.get(t) !== 'cancelled') {
        store.sweeps.setTask(runId, t, { slurmJob: job, attempts })
        cancelledMeanwhile.push(job)
      } else {
        // a retried task keeps why its last attempt ended ("attempt N ...") until the new one ends
        store.sweeps.setTask(runId, t, { state: 'submitted', slurmJob: job, attempts })
      }
    }
  })
  if (cancelledMeanwhile.length) {
    const c = await runOn(cluster, ['scancel', ...cancelledMeanwhile])
    if (c.code !== 0) throw new AppError('UNSUPPORTED', `Sweep ${runId} was cancelled while its tasks ${cancelledMeanwhile.join(', ')} were being submitted, and cancelling them failed: ${failure('scancel', c)}; cancel them with scancel.`)
  }
}

/** The SLURM job name of a sweep: unique per sweep folder, so squeue finds its tasks by name. */
function jobName(dir: string): string {
  return `mimic-${dir.split('/').pop()}`
}

/** Creates the sweep's run and folder, writes its inputs, and submits its array. Returns the sweep's run id. */
export async function startSweep(store: Store, cluster: Cluster, o: StartSweep): Promise<number> {
  if (o.seeds && o.seeds.length === 0) throw new FieldError('seeds', 'must name at least one seed.', 'Seeds (--seeds)')
  if (o.seeds && new Set(o.seeds).size !== o.seeds.length) throw new FieldError('seeds', 'repeat a seed: each item of a sweep is a different seed.', 'Seeds (--seeds)')
  if (o.items.length === 0) throw new FieldError('params', 'make no items to send.', 'Parameters')
  const grouping = estimateGrouping(store, o.jobKind, o.items, o.itemsPerTask)
  const check = await checkCluster(cluster, o.codeVersion)
  const version = check.checks.find((c) => c.name === 'version')!
  if (!version.ok) throw new AppError('CONFLICT', `Cluster ${cluster.name}: ${version.detail}. Nothing was submitted.`)
  const failed = check.checks.find((c) => !c.ok)
  if (failed) throw new AppError('UNSUPPORTED', `Cluster ${cluster.name}: ${failed.detail}. Nothing was submitted.`)
  // The sweep's run (with a job row owned by this process), its merge run and its items, in one
  // transaction: until the array is submitted, the sweep is this process's (heartbeated); if it dies
  // meanwhile, the next front door to open the database ends the sweep and its merge run as interrupted
  // (nothing was submitted) instead of leaving them queued and running for ever.
  const { run, merge, dir, items } = store.immediate(() => {
    const run = store.runs.create({
      projectId: o.projectId,
      kind: 'sweep',
      name: o.name,
      params: {
        jobKind: o.jobKind,
        runKind: o.runKind,
        params: o.params,
        ...(o.seeds ? { seeds: o.seeds } : {}),
        cluster: cluster.name,
        itemsPerTask: grouping.itemsPerTask,
        grouping,
        ...(o.owner ? { owner: o.owner } : {}),
        maxAttempts: o.maxAttempts,
        cpusPerTask: o.cpusPerTask,
        ...(o.timeLimit ? { timeLimit: o.timeLimit } : {}),
      },
      seed: null,
      codeVersion: o.codeVersion,
      host: hostOf(cluster),
      // a reproduction's sweep is one of its parts: listed under it, found again by its resume
      ...(o.owner ? { parents: [{ id: o.owner.id, role: 'cluster' }] } : {}),
    })
    store.jobs.register(run.id, 'sweep', process.pid, hostName())
    const merge = o.mergeRun
      ? store.runs.create({
          projectId: o.projectId,
          kind: o.mergeRun.kind,
          name: o.mergeRun.name,
          params: o.mergeRun.params,
          seed: o.mergeRun.seed,
          codeVersion: o.codeVersion,
          host: hostOf(cluster),
          status: 'running',
          parents: [...o.mergeRun.parents, { id: run.id, role: 'sweep' }],
        })
      : null
    const dir = `${cluster.workdir.replace(/\/+$/, '')}/sweep-${run.id}-${randomBytes(4).toString('hex')}`
    const items = o.items.map((it, item) => ({ item, task: Math.floor(item / grouping.itemsPerTask), params: it.params, inputs: it.inputs, label: it.label, ...(it.kind ? { kind: it.kind } : {}) }))
    store.sweeps.create(
      { runId: run.id, cluster: cluster.name, dir, jobKind: o.jobKind, itemsPerTask: grouping.itemsPerTask, maxAttempts: o.maxAttempts, codeVersion: o.codeVersion, mergeRunId: merge?.id ?? null, timeLimit: o.timeLimit ?? null },
      items,
    )
    return { run, merge, dir, items }
  })
  const beat = setInterval(() => {
    try {
      store.jobs.beat(run.id)
    } catch {
      // a busy database: the next beat
    }
  }, 1000)
  beat.unref()
  try {
    // each run the items start from, once, with its checksum in inputs.json
    const runs: Record<string, string> = {}
    for (const id of [...new Set(items.flatMap((i) => i.inputs))].sort((a, b) => a - b)) {
      const shipped: ShippedRun = store.readShippedRun(id)
      const { text, checksum } = checksummedText(shipped)
      await writeFileOn(cluster, `${dir}/inputs/run-${id}.json`, text)
      runs[String(id)] = checksum
    }
    const inputs: SweepInputs = {
      format: 1,
      sweep: run.id,
      jobKind: o.jobKind,
      codeVersion: o.codeVersion,
      runs,
      items: items.map((i) => ({ item: i.item, task: i.task, params: i.params, inputs: i.inputs, ...(i.kind ? { kind: i.kind } : {}) })),
    }
    await writeFileOn(cluster, `${dir}/inputs.json`, JSON.stringify(inputs, null, 1))
    await writeFileOn(cluster, `${dir}/task.sh`, taskScript(cluster, dir, o.cpusPerTask), '0755')
    const mk = await shOn(cluster, `mkdir -p ${shellQuote(`${dir}/results`)} ${shellQuote(`${dir}/progress`)} ${shellQuote(`${dir}/logs`)}`)
    if (mk.code !== 0) throw new Error(failure(`making ${dir}`, mk))
    store.runs.markStarted(run.id)
    if (merge) store.runs.markStarted(merge.id)
    await submit(store, cluster, run.id, [...new Set(items.map((i) => i.task))])
    // cancelled while it was being sent (`jobs cancel`, the tray's Cancel): cancelled there now
    if (store.jobs.cancelRequested([run.id]).length) await cancelSweep(store, cluster, run.id)
  } catch (err) {
    store.runs.finish(run.id, 'failed', (err as Error).message)
    if (merge) store.runs.finish(merge.id, 'failed', (err as Error).message)
    throw err
  } finally {
    clearInterval(beat)
    // on the cluster (or failed): followed by polling from now on, owned by no process
    store.jobs.unregister(run.id)
  }
  return run.id
}

/**
 * The runs a cluster's node needs for a job that names `ids`: those runs, and their parents that hold
 * a network (a network's teacher, whose unperturbed decisions a robustness run compares against).
 */
export function shippedInputs(store: Store, ids: readonly number[]): number[] {
  const out = new Set<number>()
  for (const id of ids) {
    out.add(id)
    for (const p of store.runs.parents(id)) if (store.networks.find(p.id)) out.add(p.id)
  }
  return [...out].sort((a, b) => a - b)
}

/** The size of a network run (its neurons, every spiking layer; a teacher's units), from its parameters as its architecture counts them. */
function neuronsOfRun(store: Store, id: number): number | null {
  const run = store.runs.find(id)
  if (!run) return null
  return neuronCountOf({ architecture: store.networks.find(id)?.architecture, kind: run.kind }, (k) => run.params[k])
}

/** Time steps of one sample of a dataset run: the second axis of its inputs. */
function stepsOfDataset(store: Store, id: number): number | null {
  const inputs = store.artifacts.meta(id, 'inputs')
  return inputs && inputs.shape.length >= 2 ? inputs.shape[1] : null
}

/** What the job kinds' cost estimates (\`itemSeconds\`) look up: network sizes and sample lengths from the store, a task's sample length. */
export function costLookup(store: Store): CostLookup {
  return {
    neurons: (id) => neuronsOfRun(store, id),
    steps: (id) => stepsOfDataset(store, id),
    taskSteps: (task) => {
      const name = task ?? taskNames[0]
      return isTaskName(name) ? Math.round(((taskDescriptors[name].durationS ?? 1) * 1000) / taskDescriptors[name].dtMs) : null
    },
  }
}

/** How the items are grouped into tasks: as given, or from the mean estimated cost of an item (its job kind's `itemSeconds`). */
export function estimateGrouping(store: Store, jobKind: string, items: readonly SweepItemSpec[], given: number | undefined): Grouping {
  const look = costLookup(store)
  let total = 0
  let known = true
  for (const it of items) {
    const spec = (jobKinds as Record<string, JobKindSpec | undefined>)[it.kind ?? jobKind]
    const s = spec?.itemSeconds ? spec.itemSeconds(it.params, look) : null
    if (s === null || !Number.isFinite(s)) known = false
    else total += s + costRates.itemStartSeconds
  }
  return chooseGrouping({ items: items.length, itemSeconds: known && items.length ? total / items.length : null, ...(given !== undefined ? { given } : {}) })
}

const hostOf = (cluster: Cluster): string => (cluster.ssh ? `${cluster.name} (${cluster.ssh})` : cluster.name)

/**
 * Merges one item's result into the project, once (false when merged already). A sweep over seeds:
 * the item becomes its own run, a child of the sweep, with the parents it had on the node (shipped
 * runs keep their ids), its metrics, results, artifacts and network row. A split job: the item's
 * result rows are appended to the sweep's merge run.
 */
export function mergeItem(store: Store, sweepRunId: number, r: ItemResult, checksum: string): boolean {
  const sweep = store.sweeps.get(sweepRunId)
  const sweepRun = store.runs.get(sweepRunId)
  if (r.sweep !== sweepRunId) throw new AppError('INVALID_ARGUMENT', `a result of sweep ${r.sweep} is in the folder of sweep ${sweepRunId}`)
  if (r.run.codeVersion !== sweep.codeVersion) throw new AppError('CONFLICT', `item ${r.item} was computed by mimic ${r.run.codeVersion}, not ${sweep.codeVersion}: not merged`)
  const record = store.sweeps.item(sweepRunId, r.item)
  if (!record) throw new AppError('INVALID_ARGUMENT', `sweep ${sweepRunId} has no item ${r.item}`)
  const shipped = new Set(record.inputs)
  return store.immediate(() => {
    if (store.sweeps.isMerged(sweepRunId, r.item)) return false
    // a result row about a network names it by its id: the item's own run, a shipped run (same id here), or none
    const networkId = (id: number | null | undefined, own: number): number | null => (id === r.run.id ? own : id != null && shipped.has(id) ? id : null)
    if (sweep.mergeRunId !== null) {
      if (r.run.status !== 'succeeded') throw new AppError('CONFLICT', `item ${r.item} ${r.run.status}: ${r.run.error ?? 'no error given'}`)
      // numbered by item, then by row, whatever order the items come in; numbered 0, 1, ... when the sweep ends
      if (r.results.length >= rowsPerItem) throw new AppError('INVALID_ARGUMENT', `item ${r.item} has ${r.results.length} result rows (at most ${rowsPerItem - 1})`)
      store.results.insert(
        sweep.mergeRunId,
        r.results.map((x, k) => ({ ...x, item: r.item * rowsPerItem + k, networkId: networkId(x.networkId, sweep.mergeRunId!) })),
      )
      if (!store.sweeps.markMerged(sweepRunId, r.item, { runId: sweep.mergeRunId, checksum, host: r.run.host, codeVersion: r.run.codeVersion })) throw new AppError('CONFLICT', `item ${r.item} was merged twice`)
      return true
    }
    // node ids -> ids here: shipped runs keep theirs; the item's run and the runs it made get new ones
    const ids = new Map<number, number>()
    const owner = ownerOf(sweepRun.params)
    const top = mergeRunData(store, sweepRun.projectId, r, ids, shipped, [{ id: sweepRunId, role: 'sweep' }, ...(owner ? [owner] : [])], r.item)
    for (const d of [...(r.descendants ?? [])].sort((a, b) => a.run.id - b.run.id)) mergeRunData(store, sweepRun.projectId, d, ids, shipped, [], r.item)
    const run = { id: top }
    const values: Record<string, number | null> = { ...r.run.summary }
    if (Object.keys(values).length === 0) values.succeeded = r.run.status === 'succeeded' ? 1 : 0
    store.results.insert(sweepRunId, [{ item: r.item, networkId: run.id, labels: { seed: r.run.seed ?? -1, host: r.run.host }, values }])
    if (!store.sweeps.markMerged(sweepRunId, r.item, { runId: run.id, checksum, host: r.run.host, codeVersion: r.run.codeVersion })) throw new AppError('CONFLICT', `item ${r.item} was merged twice`)
    return true
  })
}

/** The run a sweep works for (a reproduction whose children it runs), recorded in the sweep run's parameters. */
function ownerOf(params: Record<string, unknown>): { id: number; role: string } | null {
  const o = params.owner as { id?: unknown; role?: unknown } | undefined
  return o && typeof o.id === 'number' && typeof o.role === 'string' ? { id: o.id, role: o.role } : null
}

/**
 * Writes one run of an item's result as a new run of the project: its parents mapped (a run the item
 * made, a shipped run, or dropped), plus `extra`; its metrics, results (networks mapped the same way),
 * artifacts and network row. Records its new id in `ids`.
 */
function mergeRunData(store: Store, projectId: number, d: ItemRunData, ids: Map<number, number>, shipped: ReadonlySet<number>, extra: { id: number; role: string }[], item: number): number {
  const mapId = (id: number | null | undefined): number | null => (id == null ? null : (ids.get(id) ?? (shipped.has(id) ? id : null)))
  const parents = [...extra]
  for (const p of d.run.parents ?? []) {
    const id = mapId(p.id)
    if (id !== null && !parents.some((x) => x.id === id)) parents.push({ id, role: p.role })
  }
  // the runs its parameters, summary and result values name, by their ids here (they were the task
  // database's: a stage's teacher or dataset named whichever run here had that id)
  const outside: string[] = []
  const drop = (key: string, old: number): void => void outside.push(`${key} (run ${old} of the cluster task's database)`)
  const idOf = (old: number): number | undefined => mapId(old) ?? undefined
  const run = store.runs.create({
    projectId,
    kind: d.run.kind,
    name: d.run.name,
    params: mapRunRefs(d.run.params, runRefParams, idOf, drop),
    seed: d.run.seed,
    codeVersion: d.run.codeVersion,
    host: d.run.host,
    status: 'running',
    parents,
  })
  ids.set(d.run.id, run.id)
  store.runs.finish(run.id, d.run.status === 'succeeded' ? 'succeeded' : d.run.status === 'cancelled' ? 'cancelled' : 'failed', d.run.error, mapRunRefs(d.run.summary, runRefSummary, idOf, drop))
  store.runs.importTimes(run.id, d.run.startedAt, d.run.finishedAt)
  store.metrics.append(run.id, d.metrics.flatMap((m) => m.steps.map((step, i) => ({ key: m.key, step, value: m.values[i] ?? NaN }))))
  store.results.insert(
    run.id,
    d.results.map((x) => ({ ...x, networkId: mapId(x.networkId), values: Object.fromEntries(Object.entries(x.values).map(([k, v]) => [k, runRefResultValues.has(k) && v !== null ? mapId(v) : v])) })),
  )
  if (outside.length) store.runs.addNote(run.id, `Merged from a cluster task: ${outside.join(', ')} named a run that did not come back with it; left out of this run's record.`)
  if (d.artifacts?.length) {
    store.artifacts.put(
      run.id,
      d.artifacts.map((a) => {
        if (!isDType(a.dtype)) throw new AppError('INVALID_ARGUMENT', `item ${item}: artifact ${a.name} has the unknown type ${a.dtype}`)
        return { name: a.name, shape: a.shape, data: fromBytes(a.dtype, Buffer.from(a.base64, 'base64')) }
      }),
    )
  }
  if (d.run.network) store.networks.put(run.id, d.run.network.architecture, d.run.network.formatVersion, d.run.network.meta)
  return run.id
}

/** Room for one item's rows in a merge run until the sweep ends and the rows are numbered 0, 1, ... */
const rowsPerItem = 10_000_000

/** The sweep as stored (no cluster round trip). */
export function sweepStatus(store: Store, runId: number, progress?: Map<number, { fraction: number; message: string; host: string; itemsDone: number }>): SweepStatus {
  const sweep = store.sweeps.get(runId)
  const run = store.runs.get(runId)
  const items = store.sweeps.itemStates(runId)
  const tasks = store.sweeps.tasks(runId).map((t) => {
    const mine = items.filter((i) => i.task === t.task)
    const p = progress?.get(t.task)
    return { ...t, items: mine.length, itemsDone: mine.filter((i) => i.mergedRunId !== null).length, progress: p && t.state !== 'done' ? { fraction: p.fraction, message: p.message, host: p.host } : null }
  })
  return {
    runId,
    status: run.status,
    cluster: sweep.cluster,
    jobKind: sweep.jobKind,
    dir: sweep.dir,
    maxAttempts: sweep.maxAttempts,
    timeLimit: sweep.timeLimit,
    mergeRunId: sweep.mergeRunId,
    tasks,
    items,
    merged: items.filter((i) => i.mergedRunId !== null).length,
    grouping: (run.params.grouping as SweepStatus['grouping'] | undefined) ?? null,
    ownerRunId: ownerOf(run.params)?.id ?? null,
  }
}

const activeTask = (s: string): boolean => s === 'submitted' || s === 'running'

/**
 * One look at the sweep: which tasks SLURM still has (squeue), which results are there (merged
 * now, once each), which tasks ended without all their results (resubmitted while attempts are
 * left, else failed with their log's last lines). Finishes the sweep's run when no task is left.
 */
export function pollSweep(store: Store, cluster: Cluster, runId: number, mergedSummary?: MergedSummary): Promise<SweepStatus> {
  // one look at a time per sweep in this process: a look asked for while one is under way gets its answer
  const key = lookKey(store, runId)
  const under = looks.get(key)
  if (under) return under
  const look = lookAtSweep(store, cluster, runId, mergedSummary).finally(() => looks.delete(key))
  looks.set(key, look)
  return look
}

const looks = new Map<string, Promise<SweepStatus>>()
const lookKey = (store: Store, runId: number): string => `${store.path}\n${runId}`
/**
 * The mark of a task's SLURM job while a look resubmits it (store.sweeps.claimTask): who marked it and
 * when, "5_0 (resubmitting by pid 123 on host since 2026-12-07T01:40:00.000Z)".
 */
const resubmitting = / \(resubmitting(?: by pid (\d+) on (.*) since (\S+))?\)$/
/** A task's job id as marked while this process resubmits it (once, however often a mark is marked again). */
const markedForResubmission = (job: string | null): string => `${(job ?? '').replace(resubmitting, '')} (resubmitting by pid ${process.pid} on ${hostName()} since ${new Date().toISOString()})`
/** The job id a mark was made on (null for a task that had none). */
const unmarked = (job: string): string | null => job.replace(resubmitting, '') || null
/** A look takes at most a minute or so to resubmit (sbatch's timeout is 60 s): a mark this old was left behind. */
export const resubmissionStaleMs = 10 * 60_000
/**
 * Whether a mark was left by a look that will not finish: its process, on this host, is gone, or the
 * mark is older than any resubmission takes (a process on another host that died). A mark written by
 * an older version says neither who made it nor when, so it is never taken as left behind: \`sweep
 * cancel\` then \`sweep resume\` send such a task again.
 */
export function markLeftBehind(job: string, now = Date.now()): boolean {
  const m = resubmitting.exec(job)
  if (!m || m[1] === undefined) return false
  if (m[2] === hostName() && !pidAlive(Number(m[1]))) return true
  const since = Date.parse(m[3])
  return Number.isFinite(since) && now - since > resubmissionStaleMs
}

async function lookAtSweep(store: Store, cluster: Cluster, runId: number, mergedSummary?: MergedSummary): Promise<SweepStatus> {
  const sweep = store.sweeps.get(runId)
  // still being sent to the cluster by the process that started it: its tasks are not submitted yet (not failed)
  if (store.runs.get(runId).status === 'queued') return sweepStatus(store, runId)
  // squeue first: a task missing from it has written every result it will write before the files are read
  const q = await runOn(cluster, ['squeue', '-h', '-r', '-n', jobName(sweep.dir), '-o', '%i %T'])
  if (q.code !== 0) throw new AppError('UNSUPPORTED', `Following sweep ${runId} on cluster ${cluster.name}: ${failure('squeue', q)}`)
  const queued = new Map<string, string>()
  for (const line of q.stdout.trim().split('\n')) {
    const [id, state] = line.trim().split(/\s+/)
    if (id) queued.set(id, state)
  }
  const files = await readFilesOn(cluster, `${sweep.dir}/results`, 'item-')
  const problems = new Map<number, string>()
  for (const [name, text] of files) {
    const item = Number(/^item-(\d+)\.json$/.exec(name)?.[1] ?? NaN)
    if (!Number.isInteger(item) || store.sweeps.isMerged(runId, item)) continue
    const parsed = parseResultFile(text)
    if (!parsed.ok) {
      problems.set(item, `results/${name} ${parsed.problem}`)
      continue
    }
    try {
      mergeItem(store, runId, parsed.result, parsed.checksum)
    } catch (err) {
      problems.set(item, (err as Error).message)
    }
  }
  const progress = new Map<number, { fraction: number; message: string; host: string; itemsDone: number }>()
  for (const [name, text] of await readFilesOn(cluster, `${sweep.dir}/progress`, 'task-')) {
    const task = Number(/^task-(\d+)\.json$/.exec(name)?.[1] ?? NaN)
    try {
      const p = JSON.parse(text) as { fraction: number; message: string; host: string; itemsDone: number }
      if (Number.isInteger(task)) progress.set(task, p)
    } catch {
      // a progress file is replaced atomically; one that does not parse is ignored until the next look
    }
  }
  const items = store.sweeps.items(runId)
  const retry: number[] = []
  // each retried task's job id before this look marked it, and the mark
  const seen = new Map<number, { job: string | null; mark: string }>()
  for (const t of store.sweeps.tasks(runId)) {
    const mine = items.filter((i) => i.task === t.task)
    const allMerged = mine.every((i) => i.mergedAt !== null)
    if (allMerged && t.state !== 'done') {
      store.sweeps.setTask(runId, t.task, { state: 'done', error: null })
      continue
    }
    if (!activeTask(t.state)) continue
    if (t.slurmJob !== null && resubmitting.test(t.slurmJob)) {
      // being resubmitted by another look (another process): its job id follows
      if (!markLeftBehind(t.slurmJob)) continue
      // that look's process died between the mark and the job id: the job it may have submitted is in
      // the queue under the sweep's name (taken over), else the task is sent again below
      const before = unmarked(t.slurmJob)
      const submitted = [...queued.keys()].filter((id) => id.endsWith(`_${t.task}`) && id !== before).sort((a, b) => parseInt(b) - parseInt(a))[0]
      if (submitted !== undefined) {
        if (store.sweeps.claimTask(runId, t.task, t.slurmJob, submitted)) {
          store.sweeps.setTask(runId, t.task, { state: queued.get(submitted) === 'RUNNING' ? 'running' : 'submitted', attempts: t.attempts + 1 })
        }
        continue
      }
      const mark = markedForResubmission(t.slurmJob)
      if (!store.sweeps.claimTask(runId, t.task, t.slurmJob, mark)) continue
      retry.push(t.task)
      seen.set(t.task, { job: before, mark })
      continue
    }
    const state = t.slurmJob ? queued.get(t.slurmJob) : undefined
    if (state !== undefined) {
      if (state === 'RUNNING' && t.state !== 'running') store.sweeps.setTask(runId, t.task, { state: 'running' })
      continue
    }
    // gone from the queue without all its results: failed, cancelled by someone, timed out, or killed
    const missing = mine.filter((i) => i.mergedAt === null).map((i) => i.item)
    const log = await shOn(cluster, `tail -n 3 ${shellQuote(`${sweep.dir}/logs/task-${t.task}.out`)} 2>/dev/null`)
    const timedOut = await endedAtTimeLimit(cluster, t.slurmJob, log.stdout)
    const why = [...missing.map((i) => problems.get(i)).filter((p): p is string => p !== undefined), log.stdout.trim().split('\n').filter(Boolean).join(' / ')].filter(Boolean).join('; ')
    const error = timedOut
      ? `attempt ${t.attempts} timed out: SLURM ended it at its time limit (--time ${sweep.timeLimit ?? 'of the partition'}) without the results of item${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`
      : `attempt ${t.attempts} ended without the results of item${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${why ? `: ${why}` : ''}`
    const timeouts = t.timeouts + (timedOut ? 1 : 0)
    if (t.attempts < sweep.maxAttempts) {
      // another process's look may have found it gone too: one of them resubmits it
      const mark = markedForResubmission(t.slurmJob)
      if (!store.sweeps.claimTask(runId, t.task, t.slurmJob, mark)) continue
      store.sweeps.setTask(runId, t.task, { error, timeouts })
      retry.push(t.task)
      seen.set(t.task, { job: t.slurmJob, mark })
    } else store.sweeps.setTask(runId, t.task, { state: 'failed', timeouts, error: `${error} (after ${t.attempts} attempt${t.attempts > 1 ? 's' : ''})` })
  }
  if (retry.length) {
    try {
      await submit(store, cluster, runId, retry)
    } catch (err) {
      // not resubmitted: the next look finds them gone again
      store.immediate(() => {
        for (const task of retry) store.sweeps.claimTask(runId, task, seen.get(task)!.mark, seen.get(task)!.job)
      })
      throw err
    }
  }
  finishIfOver(store, runId, mergedSummary)
  return sweepStatus(store, runId, progress)
}

/**
 * Whether SLURM ended a task at its time limit: sacct's state TIMEOUT where accounting is kept, else
 * the line slurmstepd writes into the task's output ("*** JOB n ... CANCELLED AT ... DUE TO TIME LIMIT ***").
 */
async function endedAtTimeLimit(cluster: Cluster, slurmJob: string | null, logTail: string): Promise<boolean> {
  if (/DUE TO TIME LIMIT/.test(logTail)) return true
  if (!slurmJob) return false
  const acct = await runOn(cluster, ['sacct', '-n', '-P', '-X', '-o', 'State', '-j', slurmJob], { timeoutMs: 30_000 })
  return acct.code === 0 && /^TIMEOUT/m.test(acct.stdout)
}

/** The summary of a split job's merge run, from its merged rows (the job kind's own, when it has one). */
export type MergedSummary = (store: Store, runId: number) => Record<string, number>

function finishIfOver(store: Store, runId: number, mergedSummary?: MergedSummary): void {
  const tasks = store.sweeps.tasks(runId)
  if (tasks.some((t) => activeTask(t.state))) return
  const sweep = store.sweeps.get(runId)
  const items = store.sweeps.items(runId)
  const merged = items.filter((i) => i.mergedAt !== null).length
  const failed = tasks.filter((t) => t.state === 'failed')
  const cancelled = tasks.filter((t) => t.state === 'cancelled')
  const summary = {
    items: items.length,
    merged,
    failedTasks: failed.length,
    cancelledTasks: cancelled.length,
    attempts: tasks.reduce((n, t) => n + t.attempts, 0),
    timeouts: tasks.reduce((n, t) => n + t.timeouts, 0),
  }
  const error = failed.map((t) => `task ${t.task}: ${t.error}`).join('; ')
  if (failed.length) store.runs.finish(runId, 'failed', error, summary)
  else if (cancelled.length) store.runs.finish(runId, 'cancelled', null, summary)
  else store.runs.finish(runId, 'succeeded', null, summary)
  if (sweep.mergeRunId !== null && store.runs.find(sweep.mergeRunId)) {
    // the merge run ends with its sweep; it holds what was merged (a resume reopens both)
    if (failed.length) store.runs.finish(sweep.mergeRunId, 'failed', `sweep ${runId} on ${sweep.cluster}: ${error}`)
    else if (cancelled.length) store.runs.finish(sweep.mergeRunId, 'cancelled', `sweep ${runId} on ${sweep.cluster} was cancelled with items left`)
    else {
      // the rows in the order a run made here has them: item by item (network by network, level by level)
      store.results.renumber(sweep.mergeRunId)
      store.runs.finish(sweep.mergeRunId, 'succeeded', null, mergedSummary ? mergedSummary(store, sweep.mergeRunId) : { merged })
    }
  }
}

/** Cancels the sweep's tasks (or one) with scancel. Results already written are still merged by the next look. */
export async function cancelSweep(store: Store, cluster: Cluster, runId: number, task?: number, mergedSummary?: MergedSummary): Promise<SweepStatus> {
  // after a look under way in this process (which may be resubmitting a task)
  await looks.get(lookKey(store, runId))?.catch(() => {})
  const tasks = store.sweeps.tasks(runId).filter((t) => activeTask(t.state) && (task === undefined || t.task === task))
  if (task !== undefined && tasks.length === 0) {
    const known = store.sweeps.tasks(runId).find((t) => t.task === task)
    throw new AppError(known ? 'CONFLICT' : 'NOT_FOUND', known ? `Task ${task} of sweep ${runId} is ${known.state}: only a submitted or running task can be cancelled.` : `Sweep ${runId} has no task ${task}.`)
  }
  // a task marked as being resubmitted by another process has no job to cancel yet (that process
  // cancels the one it submits); one whose mark was left by a process that died may have a job in the
  // queue that no task records
  const ids = tasks.map((t) => t.slurmJob).filter((j): j is string => j !== null && !resubmitting.test(j))
  const leftBehind = tasks.filter((t) => t.slurmJob !== null && markLeftBehind(t.slurmJob))
  if (leftBehind.length) {
    const q = await runOn(cluster, ['squeue', '-h', '-r', '-n', jobName(store.sweeps.get(runId).dir), '-o', '%i'])
    if (q.code !== 0) throw new AppError('UNSUPPORTED', `Cancelling sweep ${runId}: ${failure('squeue', q)}`)
    for (const id of q.stdout.split('\n').map((l) => l.trim())) if (id && leftBehind.some((t) => id.endsWith(`_${t.task}`))) ids.push(id)
  }
  if (ids.length) {
    const r = await runOn(cluster, ['scancel', ...ids])
    if (r.code !== 0) throw new AppError('UNSUPPORTED', `Cancelling sweep ${runId}: ${failure('scancel', r)}`)
  }
  store.immediate(() => {
    for (const t of tasks) store.sweeps.setTask(runId, t.task, { state: 'cancelled', error: 'cancelled with scancel' })
  })
  finishIfOver(store, runId, mergedSummary)
  return sweepStatus(store, runId)
}

/** Resubmits every task that ended without all its results (failed or cancelled), with its attempts counted afresh. */
export async function resumeSweep(store: Store, cluster: Cluster, runId: number, mergedSummary?: MergedSummary): Promise<SweepStatus> {
  const all = store.sweeps.tasks(runId)
  if (all.every((t) => t.slurmJob === null)) {
    // its folder on the cluster may be half written: sending it again is a new sweep
    throw new AppError('CONFLICT', `Sweep ${runId} was stopped before it was submitted to cluster ${cluster.name} (${store.runs.get(runId).status}); there is nothing to resume: start the job again.`)
  }
  const items = store.sweeps.items(runId)
  const todo = store.sweeps
    .tasks(runId)
    .filter((t) => (t.state === 'failed' || t.state === 'cancelled') && items.some((i) => i.task === t.task && i.mergedAt === null))
    .map((t) => t.task)
  if (todo.length === 0) return pollSweep(store, cluster, runId, mergedSummary)
  store.immediate(() => {
    for (const t of todo) store.sweeps.setTask(runId, t, { attempts: 0 })
    store.runs.reopen(runId)
    const merge = store.sweeps.get(runId).mergeRunId
    if (merge !== null && store.runs.find(merge)) store.runs.reopen(merge)
  })
  await submit(store, cluster, runId, todo)
  return sweepStatus(store, runId)
}
