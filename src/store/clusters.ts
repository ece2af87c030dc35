// Clusters (SLURM execution places beside this machine) and the sweeps sent to them: each sweep is
// a run of kind "sweep" with its SLURM array's tasks and its items; an item is merged into the
// project at most once (merged_at is set in the same transaction that stores its run).
import { AppError, FieldError, type ErrorRun } from '../shared/errors.ts'
import type { Cluster, SweepItemState, SweepTaskState } from '../shared/types.ts'
import type { DB } from './db.ts'
import { isUniqueViolation, parseJsonObject } from './util.ts'

interface ClusterRow {
  name: string
  scheduler: 'slurm'
  ssh: string | null
  ssh_config: string | null
  partition: string | null
  account: string | null
  workdir: string
  checkout: string
  created_at: number
}

function toCluster(r: ClusterRow): Cluster {
  return { name: r.name, scheduler: r.scheduler, ssh: r.ssh, sshConfig: r.ssh_config, partition: r.partition, account: r.account, workdir: r.workdir, checkout: r.checkout, createdAt: new Date(r.created_at).toISOString() }
}

export class ClustersRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  add(c: Omit<Cluster, 'createdAt'>): Cluster {
    try {
      this.db
        .prepare('INSERT INTO clusters (name, scheduler, ssh, ssh_config, partition, account, workdir, checkout, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(c.name, c.scheduler, c.ssh, c.sshConfig, c.partition, c.account, c.workdir, c.checkout, Date.now())
    } catch (err) {
      if (isUniqueViolation(err) || (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new FieldError('name', `"${c.name}" names a cluster already: choose another name, or remove that cluster first.`, 'Cluster name', 'CONFLICT')
      }
      throw err
    }
    return this.get(c.name)
  }

  find(name: string): Cluster | undefined {
    const r = this.db.prepare('SELECT * FROM clusters WHERE name = ?').get(name) as ClusterRow | undefined
    return r ? toCluster(r) : undefined
  }

  get(name: string): Cluster {
    const c = this.find(name)
    if (!c) throw new AppError('NOT_FOUND', `There is no cluster named "${name}": \`mimic cluster list\` shows them, \`mimic cluster add NAME --slurm\` adds one.`)
    return c
  }

  list(): Cluster[] {
    return (this.db.prepare('SELECT * FROM clusters ORDER BY name').all() as ClusterRow[]).map(toCluster)
  }

  /** The sweeps on a cluster that are queued or running (their runs), oldest first. */
  sweepsUnderWay(name: string): ErrorRun[] {
    return this.db.prepare("SELECT r.id, r.kind, r.name, r.status FROM sweeps s JOIN runs r ON r.id = s.run_id WHERE s.cluster = ? AND r.status IN ('queued', 'running') ORDER BY r.id").all(name) as ErrorRun[]
  }

  /**
   * Forgets a cluster. Refused (CONFLICT, `details.running`) while a sweep on it is queued or running:
   * its tasks are followed and merged through the cluster's settings.
   */
  remove(name: string): void {
    this.get(name)
    const remove = this.db.transaction(() => {
      const running = this.sweepsUnderWay(name)
      const open = running.map((r) => r.id)
      if (open.length) {
        const runs = open.length === 1 ? `run ${open[0]}` : `runs ${open.join(', ')}`
        throw new AppError('CONFLICT', `Cluster "${name}" still has ${open.length === 1 ? 'a sweep' : `${open.length} sweeps`} under way (${runs}), followed through its settings: cancel ${open.length === 1 ? 'it' : 'them'} (\`mimic sweep cancel ID\`, or Cancel on the run's page) or let ${open.length === 1 ? 'it' : 'them'} finish, then remove the cluster.`, { details: { running } })
      }
      this.db.prepare('DELETE FROM clusters WHERE name = ?').run(name)
    })
    remove()
  }
}

export interface SweepRecord {
  runId: number
  cluster: string
  dir: string
  jobKind: string
  itemsPerTask: number
  maxAttempts: number
  codeVersion: string
  /** the run every item's results are appended to (a job split into items), or null (each item its own run) */
  mergeRunId: number | null
  /** SLURM time limit of each task (sbatch --time), or null for the partition's default */
  timeLimit: string | null
}

export interface SweepItemRecord {
  item: number
  task: number
  params: Record<string, unknown>
  /** the job kind the item runs, when not the sweep's */
  kind: string | null
  label: string | null
  /** the runs (ids of this database) shipped to the cluster for it */
  inputs: number[]
  mergedRunId: number | null
  mergedAt: number | null
  checksum: string | null
  host: string | null
  codeVersion: string | null
}

export class SweepsRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  create(s: SweepRecord, items: { item: number; task: number; params: Record<string, unknown>; kind?: string; label?: string; inputs?: number[] }[]): void {
    const tx = this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO sweeps (run_id, cluster, dir, job_kind, items_per_task, max_attempts, code_version, merge_run_id, time_limit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(s.runId, s.cluster, s.dir, s.jobKind, s.itemsPerTask, s.maxAttempts, s.codeVersion, s.mergeRunId, s.timeLimit)
      const insItem = this.db.prepare('INSERT INTO sweep_items (sweep_id, item, task, params, kind, label, inputs) VALUES (?, ?, ?, ?, ?, ?, ?)')
      const tasks = new Set<number>()
      for (const it of items) {
        insItem.run(s.runId, it.item, it.task, JSON.stringify(it.params), it.kind ?? null, it.label ?? null, JSON.stringify(it.inputs ?? []))
        tasks.add(it.task)
      }
      const insTask = this.db.prepare(`INSERT INTO sweep_tasks (sweep_id, task, attempts, state) VALUES (?, ?, 0, 'submitted')`)
      for (const t of [...tasks].sort((a, b) => a - b)) insTask.run(s.runId, t)
    })
    tx()
  }

  find(runId: number): SweepRecord | undefined {
    const r = this.db.prepare('SELECT * FROM sweeps WHERE run_id = ?').get(runId) as
      | { run_id: number; cluster: string; dir: string; job_kind: string; items_per_task: number; max_attempts: number; code_version: string; merge_run_id: number | null; time_limit: string | null }
      | undefined
    return r
      ? {
          runId: r.run_id,
          cluster: r.cluster,
          dir: r.dir,
          jobKind: r.job_kind,
          itemsPerTask: r.items_per_task,
          maxAttempts: r.max_attempts,
          codeVersion: r.code_version,
          mergeRunId: r.merge_run_id,
          timeLimit: r.time_limit,
        }
      : undefined
  }

  /** The sweep a run belongs to: the sweep's own run, or the run its results are merged into. */
  ofRun(runId: number): SweepRecord | undefined {
    const own = this.find(runId)
    if (own) return own
    const r = this.db.prepare('SELECT run_id FROM sweeps WHERE merge_run_id = ?').get(runId) as { run_id: number } | undefined
    return r ? this.find(r.run_id) : undefined
  }

  get(runId: number): SweepRecord {
    const s = this.find(runId)
    if (!s) throw new AppError('NOT_FOUND', `Run ${runId} is not a sweep sent to a cluster: \`mimic runs list --kind sweep\` lists them.`)
    return s
  }

  tasks(runId: number): SweepTaskState[] {
    return (this.db.prepare('SELECT task, slurm_job, attempts, timeouts, state, error FROM sweep_tasks WHERE sweep_id = ? ORDER BY task').all(runId) as {
      task: number
      slurm_job: string | null
      attempts: number
      timeouts: number
      state: SweepTaskState['state']
      error: string | null
    }[]).map((r) => ({ task: r.task, slurmJob: r.slurm_job, attempts: r.attempts, timeouts: r.timeouts, state: r.state, error: r.error, itemsDone: 0, items: 0, progress: null }))
  }

  items(runId: number): SweepItemRecord[] {
    return (this.db.prepare('SELECT * FROM sweep_items WHERE sweep_id = ? ORDER BY item').all(runId) as SweepItemRow[]).map(itemRecord)
  }

  /** One item of a sweep (undefined: the sweep has no such item). */
  item(runId: number, item: number): SweepItemRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sweep_items WHERE sweep_id = ? AND item = ?').get(runId, item) as SweepItemRow | undefined
    return row && itemRecord(row)
  }

  itemStates(runId: number): SweepItemState[] {
    return this.items(runId).map((i) => ({
      item: i.item,
      task: i.task,
      seed: typeof i.params.seed === 'number' ? i.params.seed : null,
      label: i.label ?? (typeof i.params.seed === 'number' ? `seed ${i.params.seed}` : `item ${i.item}`),
      mergedRunId: i.mergedRunId,
      host: i.host,
      codeVersion: i.codeVersion,
    }))
  }

  setTask(runId: number, task: number, fields: { state?: SweepTaskState['state']; slurmJob?: string; attempts?: number; timeouts?: number; error?: string | null }): void {
    const cur = this.tasks(runId).find((t) => t.task === task)
    if (!cur) throw new AppError('NOT_FOUND', `Sweep ${runId} has no task ${task}.`)
    this.db
      .prepare('UPDATE sweep_tasks SET state = ?, slurm_job = ?, attempts = ?, timeouts = ?, error = ? WHERE sweep_id = ? AND task = ?')
      .run(fields.state ?? cur.state, fields.slurmJob ?? cur.slurmJob, fields.attempts ?? cur.attempts, fields.timeouts ?? cur.timeouts, fields.error !== undefined ? fields.error : cur.error, runId, task)
  }

  /**
   * Takes a task that left the queue for one resubmission: true, with its SLURM job set to `claim`,
   * when it still is the job `seen` (so that of two processes, or two looks, that found it gone, one
   * resubmits it); false when another look has taken it already.
   */
  claimTask(runId: number, task: number, seen: string | null, claim: string | null): boolean {
    return this.db.prepare("UPDATE sweep_tasks SET slurm_job = ? WHERE sweep_id = ? AND task = ? AND slurm_job IS ? AND state IN ('submitted', 'running')").run(claim, runId, task, seen).changes === 1
  }

  /** Marks an item merged; false when it was merged already (the caller's transaction then stores nothing). */
  markMerged(runId: number, item: number, m: { runId: number; checksum: string; host: string; codeVersion: string }): boolean {
    const info = this.db
      .prepare('UPDATE sweep_items SET merged_run_id = ?, merged_at = ?, checksum = ?, host = ?, code_version = ? WHERE sweep_id = ? AND item = ? AND merged_at IS NULL')
      .run(m.runId, Date.now(), m.checksum, m.host, m.codeVersion, runId, item)
    return info.changes > 0
  }

  isMerged(runId: number, item: number): boolean {
    const r = this.db.prepare('SELECT merged_at FROM sweep_items WHERE sweep_id = ? AND item = ?').get(runId, item) as { merged_at: number | null } | undefined
    return r?.merged_at !== null && r?.merged_at !== undefined
  }
}

interface SweepItemRow {
  item: number
  task: number
  params: string
  kind: string | null
  label: string | null
  inputs: string
  merged_run_id: number | null
  merged_at: number | null
  checksum: string | null
  host: string | null
  code_version: string | null
}

function itemRecord(r: SweepItemRow): SweepItemRecord {
  return {
    item: r.item,
    task: r.task,
    params: parseJsonObject(r.params),
    kind: r.kind,
    label: r.label,
    inputs: JSON.parse(r.inputs) as number[],
    mergedRunId: r.merged_run_id,
    mergedAt: r.merged_at,
    checksum: r.checksum,
    host: r.host,
    codeVersion: r.code_version,
  }
}
