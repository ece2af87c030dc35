// Networks repository: the bundle row of every trained network (its architecture, the format
// version its arrays were written in, and its metadata). The arrays are artifacts of the same run.
// A run is a network iff it has a row here.
import { AppError } from '../shared/errors.ts'
import type { DB } from './db.ts'
import { parseJsonObject } from './util.ts'

export interface NetworkRecord {
  runId: number
  architecture: string
  formatVersion: number
  meta: Record<string, unknown>
}

interface Row {
  run_id: number
  architecture: string
  format_version: number
  meta: string
}

function toRecord(r: Row): NetworkRecord {
  return { runId: r.run_id, architecture: r.architecture, formatVersion: r.format_version, meta: parseJsonObject(r.meta) }
}

export class NetworksRepo {
  private readonly db: DB
  constructor(db: DB) {
    this.db = db
  }

  /** Records (or replaces) the bundle row of a run. */
  put(runId: number, architecture: string, formatVersion: number, meta: Record<string, unknown>): void {
    if (!Number.isSafeInteger(formatVersion) || formatVersion < 1) throw new AppError('INTERNAL', `format version ${formatVersion} of run ${runId} must be a positive integer`)
    this.db
      .prepare(
        `INSERT INTO networks (run_id, architecture, format_version, meta) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET architecture = excluded.architecture, format_version = excluded.format_version, meta = excluded.meta`,
      )
      .run(runId, architecture, formatVersion, JSON.stringify(meta))
  }

  find(runId: number): NetworkRecord | undefined {
    const row = this.db.prepare('SELECT * FROM networks WHERE run_id = ?').get(runId) as Row | undefined
    return row ? toRecord(row) : undefined
  }

  /** The bundle rows of these runs (ids without one are left out). */
  findMany(runIds: readonly number[]): Map<number, NetworkRecord> {
    const out = new Map<number, NetworkRecord>()
    if (runIds.length === 0) return out
    const rows = this.db.prepare(`SELECT * FROM networks WHERE run_id IN (${runIds.map(() => '?').join(',')})`).all(...runIds) as Row[]
    for (const r of rows) out.set(r.run_id, toRecord(r))
    return out
  }
}
