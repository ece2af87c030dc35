// Jobs repository: which process owns a running run, its progress, heartbeats and cancel requests.
import { currentJobKind } from '../shared/jobkinds/index.ts'
import type { Job, JobProgress, RunStatus } from '../shared/types.ts'
import type { DB } from './db.ts'
import { iso } from './util.ts'

interface Row {
  run_id: number
  job_kind: string
  project_id: number
  kind: string
  name: string
  status: RunStatus
  started_at: number | null
  owner_pid: number
  owner_host: string
  worker_pid: number | null
  fraction: number
  eta_seconds: number | null
  message: string
  stage: string | null
  updated_at: number
  heartbeat_at: number
  cancel_requested: number
  lease_cores: number | null
}

export interface JobRecord extends Job {
  jobKind: string
  workerPid: number | null
  heartbeatAt: number
  cancelRequested: boolean
}

function progressOf(r: Pick<Row, 'fraction' | 'eta_seconds' | 'message' | 'stage' | 'updated_at'>): JobProgress {
  return { fraction: r.fraction, etaSeconds: r.eta_seconds, message: r.message, stage: r.stage, updatedAt: iso(r.updated_at) as string }
}

function toJob(r: Row): JobRecord {
  return {
    runId: r.run_id,
    // kinds stored under an older name (before tasks were plug-ins) are read as the kind that replaced them
    jobKind: currentJobKind(r.job_kind),
    projectId: r.project_id,
    kind: r.kind,
    name: r.name,
    status: r.status,
    progress: progressOf(r),
    startedAt: iso(r.started_at),
    ownerPid: r.owner_pid,
    ownerHost: r.owner_host,
    cores: r.lease_cores,
    workerPid: r.worker_pid,
    heartbeatAt: r.heartbeat_at,
    cancelRequested: r.cancel_requested !== 0,
  }
}

const select = `SELECT j.*, r.project_id, r.kind, r.name, r.status, r.started_at, l.cores AS lease_cores
  FROM jobs j JOIN runs r ON r.id = j.run_id LEFT JOIN job_leases l ON l.run_id = j.run_id`

export class JobsRepo {
  private readonly db: DB
  private readonly progressStmt
  constructor(db: DB) {
    this.db = db
    this.progressStmt = db.prepare(
      'UPDATE jobs SET fraction = ?, eta_seconds = ?, message = ?, stage = ?, updated_at = ?, heartbeat_at = ? WHERE run_id = ?',
    )
  }

  register(runId: number, jobKind: string, ownerPid: number, ownerHost: string): void {
    const now = Date.now()
    this.db
      .prepare(
        `INSERT INTO jobs (run_id, job_kind, owner_pid, owner_host, updated_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, jobKind, ownerPid, ownerHost, now, now)
  }

  /** Drops a run's job row (a sweep's, once it is on the cluster: SLURM runs it, polling follows it). */
  unregister(runId: number): void {
    this.db.prepare('DELETE FROM jobs WHERE run_id = ?').run(runId)
  }

  /** Renews the heartbeat of one job row (a sweep being sent to its cluster, by the process sending it). */
  beat(runId: number): void {
    this.db.prepare('UPDATE jobs SET heartbeat_at = ? WHERE run_id = ?').run(Date.now(), runId)
  }

  setWorker(runId: number, pid: number | null): void {
    this.db.prepare('UPDATE jobs SET worker_pid = ? WHERE run_id = ?').run(pid, runId)
  }

  progress(runId: number, p: Omit<JobProgress, 'updatedAt'>): void {
    const now = Date.now()
    this.progressStmt.run(p.fraction, p.etaSeconds, p.message, p.stage, now, now, runId)
  }

  /** One heartbeat for every active job an owner process runs (its jobs and their stage runs). */
  heartbeat(ownerPid: number, ownerHost: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET heartbeat_at = ? WHERE owner_pid = ? AND owner_host = ?
         AND run_id IN (SELECT id FROM runs WHERE status IN ('queued','running'))`,
      )
      .run(Date.now(), ownerPid, ownerHost)
  }

  /** Active runs owned by this process whose cancellation another process asked for. */
  cancelRequestedByOwner(ownerPid: number, ownerHost: string): number[] {
    const rows = this.db
      .prepare(
        `SELECT j.run_id FROM jobs j JOIN runs r ON r.id = j.run_id
         WHERE j.cancel_requested = 1 AND j.owner_pid = ? AND j.owner_host = ? AND r.status IN ('queued','running')`,
      )
      .all(ownerPid, ownerHost) as { run_id: number }[]
    return rows.map((r) => r.run_id)
  }

  /**
   * Stage runs of a job that are still active: its children linked with role "pipeline", and theirs
   * (a reproduction's pipelines run their own stages).
   */
  activeStages(runId: number): number[] {
    const rows = this.db
      .prepare(
        `WITH RECURSIVE s(id) AS (
           SELECT child_id FROM run_lineage WHERE parent_id = ? AND role = 'pipeline'
           UNION SELECT l.child_id FROM run_lineage l JOIN s ON l.parent_id = s.id WHERE l.role = 'pipeline'
         )
         SELECT s.id AS child_id FROM s JOIN runs r ON r.id = s.id WHERE r.status IN ('queued','running') ORDER BY s.id`,
      )
      .all(runId) as { child_id: number }[]
    return rows.map((r) => r.child_id)
  }

  /** The job a stage run belongs to: the topmost of its ancestors linked with role "pipeline", if any. */
  stageOwner(runId: number): number | undefined {
    const stmt = this.db.prepare(`SELECT parent_id FROM run_lineage WHERE child_id = ? AND role = 'pipeline'`)
    let owner: number | undefined
    const seen = new Set<number>()
    for (let id = runId; !seen.has(id); ) {
      seen.add(id)
      const row = stmt.get(id) as { parent_id: number } | undefined
      if (!row) break
      owner = id = row.parent_id
    }
    return owner
  }

  requestCancel(runId: number): void {
    this.db.prepare('UPDATE jobs SET cancel_requested = 1 WHERE run_id = ?').run(runId)
  }

  cancelRequested(runIds: readonly number[]): number[] {
    if (runIds.length === 0) return []
    const rows = this.db
      .prepare(`SELECT run_id FROM jobs WHERE cancel_requested = 1 AND run_id IN (${runIds.map(() => '?').join(',')})`)
      .all(...runIds) as { run_id: number }[]
    return rows.map((r) => r.run_id)
  }

  /** The owner of a job row (for stage runs: the same process as their pipeline). */
  owner(runId: number): { pid: number; host: string } | undefined {
    const row = this.db.prepare('SELECT owner_pid, owner_host FROM jobs WHERE run_id = ?').get(runId) as
      | { owner_pid: number; owner_host: string }
      | undefined
    return row ? { pid: row.owner_pid, host: row.owner_host } : undefined
  }

  find(runId: number): JobRecord | undefined {
    const row = this.db.prepare(`${select} WHERE j.run_id = ?`).get(runId) as Row | undefined
    return row ? toJob(row) : undefined
  }

  /** Active jobs (queued or running), or every job row when `all`. */
  list(all = false): JobRecord[] {
    const where = all ? '' : `WHERE r.status IN ('queued','running')`
    return (this.db.prepare(`${select} ${where} ORDER BY j.run_id DESC LIMIT 500`).all() as Row[]).map(toJob)
  }

  /**
   * Marks as interrupted every active run whose owner process is gone: on this host, a pid that no
   * longer exists; anywhere, a heartbeat older than `staleMs`, except of a process of this host that
   * is stopped (Ctrl-Z, SIGSTOP: its worker goes on when it is continued). One transaction. Returns
   * the run ids.
   * A sweep on a cluster is left alone, and so is the run its items merge into: SLURM runs it, and it
   * is followed by polling, not owned. A sweep still queued is being sent to its cluster by the
   * process that owns its job row; when that process is gone, nothing was submitted: the sweep, its
   * merge run and its tasks end.
   */
  recoverInterrupted(host: string, isAlive: (pid: number) => boolean, staleMs: number, isStopped: (pid: number) => boolean = () => false): number[] {
    const now = Date.now()
    const tx = this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT r.id AS run_id, j.owner_pid, j.owner_host, j.heartbeat_at, r.status, s.merge_run_id FROM runs r LEFT JOIN jobs j ON j.run_id = r.id LEFT JOIN sweeps s ON s.run_id = r.id
           WHERE r.status IN ('queued','running')
             AND (s.run_id IS NULL OR r.status = 'queued')
             AND r.id NOT IN (SELECT merge_run_id FROM sweeps WHERE merge_run_id IS NOT NULL)`,
        )
        .all() as { run_id: number; owner_pid: number | null; owner_host: string | null; heartbeat_at: number | null; merge_run_id: number | null }[]
      const dead = rows.filter((r) => {
        if (r.owner_pid === null) return true // a run marked active with no owning job cannot progress
        if (r.owner_host === host && !isAlive(r.owner_pid)) return true
        if (r.owner_host === host && isStopped(r.owner_pid)) return false
        return now - (r.heartbeat_at ?? 0) > staleMs
      })
      const stmt = this.db.prepare(
        `UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status IN ('queued','running')`,
      )
      const unsent = this.db.prepare(`UPDATE sweep_tasks SET state = 'cancelled', error = ? WHERE sweep_id = ? AND state IN ('submitted','running') AND slurm_job IS NULL`)
      const ids: number[] = []
      for (const r of dead) {
        let why = `interrupted: the process that ran it (pid ${r.owner_pid ?? '?'} on ${r.owner_host ?? '?'}) stopped before the run finished`
        // a sweep stopped while it was being sent: nothing of it reached the cluster
        const sweep = `${why} (while it was being sent to its cluster: nothing was submitted; start it again)`
        if (unsent.run(sweep, r.run_id).changes > 0) why = sweep
        stmt.run(now, why, r.run_id)
        ids.push(r.run_id)
        if (r.merge_run_id !== null && stmt.run(now, why, r.merge_run_id).changes > 0) ids.push(r.merge_run_id)
      }
      return ids
    })
    return tx.immediate()
  }
}
