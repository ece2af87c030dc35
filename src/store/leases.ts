// Job leases: the cores (and the exclusive device) the scheduler granted to each running job, by
// which process, with a heartbeat. Every process on the database (the app, `mimic serve`, CLI
// commands) reads and writes the same rows; src/jobs/scheduler.ts makes the decisions, inside one
// IMMEDIATE transaction (Store.immediate).
import type { RunStatus } from '../shared/types.ts'
import type { DB } from './db.ts'
import { parseJsonObject } from './util.ts'

export interface Lease {
  runId: number
  cores: number
  device: string | null
  ownerPid: number
  ownerHost: string
  grantedAt: number
  heartbeatAt: number
  /** the status of the leased run */
  status: RunStatus
}

/** A queued job that has no lease yet. */
export interface WaitingJob {
  runId: number
  jobKind: string
  params: Record<string, unknown>
  ownerPid: number
  ownerHost: string
  heartbeatAt: number
}

interface LeaseRow {
  run_id: number
  cores: number
  device: string | null
  owner_pid: number
  owner_host: string
  granted_at: number
  heartbeat_at: number
  status: RunStatus
}

export class LeasesRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  all(): Lease[] {
    const rows = this.db.prepare('SELECT l.*, r.status FROM job_leases l JOIN runs r ON r.id = l.run_id ORDER BY l.run_id').all() as LeaseRow[]
    return rows.map((r) => ({
      runId: r.run_id,
      cores: r.cores,
      device: r.device,
      ownerPid: r.owner_pid,
      ownerHost: r.owner_host,
      grantedAt: r.granted_at,
      heartbeatAt: r.heartbeat_at,
      status: r.status,
    }))
  }

  find(runId: number): Lease | undefined {
    return this.all().find((l) => l.runId === runId)
  }

  /** Queued jobs without a lease, oldest first (not pipeline stages, nor sweeps being sent to a cluster: they use no cores here). */
  waiting(): WaitingJob[] {
    const rows = this.db
      .prepare(
        `SELECT j.run_id, j.job_kind, r.params, j.owner_pid, j.owner_host, j.heartbeat_at
         FROM jobs j JOIN runs r ON r.id = j.run_id
         WHERE r.status = 'queued' AND j.job_kind NOT LIKE 'stage:%' AND j.job_kind <> 'sweep' AND NOT EXISTS (SELECT 1 FROM job_leases l WHERE l.run_id = j.run_id)
         ORDER BY j.run_id`,
      )
      .all() as { run_id: number; job_kind: string; params: string; owner_pid: number; owner_host: string; heartbeat_at: number }[]
    return rows.map((r) => ({
      runId: r.run_id,
      jobKind: r.job_kind,
      params: parseJsonObject(r.params),
      ownerPid: r.owner_pid,
      ownerHost: r.owner_host,
      heartbeatAt: r.heartbeat_at,
    }))
  }

  grant(lease: { runId: number; cores: number; device: string | null; ownerPid: number; ownerHost: string }): void {
    const now = Date.now()
    this.db
      .prepare('INSERT INTO job_leases (run_id, cores, device, owner_pid, owner_host, granted_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(lease.runId, lease.cores, lease.device, lease.ownerPid, lease.ownerHost, now, now)
  }

  release(runIds: readonly number[]): void {
    const stmt = this.db.prepare('DELETE FROM job_leases WHERE run_id = ?')
    for (const id of runIds) stmt.run(id)
  }

  /** Renews the leases a process holds. */
  heartbeat(ownerPid: number, ownerHost: string): void {
    this.db.prepare('UPDATE job_leases SET heartbeat_at = ? WHERE owner_pid = ? AND owner_host = ?').run(Date.now(), ownerPid, ownerHost)
  }
}
