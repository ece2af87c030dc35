// Metrics repository: (run, key, step, value) rows, written in bulk.
import type { MetricPoint, MetricSeries } from '../shared/types.ts'
import type { DB } from './db.ts'

export class MetricsRepo {
  private readonly db: DB
  private readonly insertStmt
  constructor(db: DB) {
    this.db = db
    this.insertStmt = db.prepare('INSERT INTO metrics (run_id, key, step, value) VALUES (?, ?, ?, ?)')
  }

  /** Appends points in one transaction. NaN and infinities are stored as NULL and read back as NaN. */
  append(runId: number, points: readonly MetricPoint[]): void {
    if (points.length === 0) return
    const tx = this.db.transaction((pts: readonly MetricPoint[]) => {
      for (const p of pts) this.insertStmt.run(runId, p.key, Math.round(p.step), Number.isFinite(p.value) ? p.value : null)
    })
    tx(points)
  }

  keys(runId: number): string[] {
    return (this.db.prepare('SELECT DISTINCT key FROM metrics WHERE run_id = ? ORDER BY key').all(runId) as { key: string }[]).map(
      (r) => r.key,
    )
  }

  series(runId: number, keys?: readonly string[]): MetricSeries[] {
    const wanted = keys ?? this.keys(runId)
    const stmt = this.db.prepare('SELECT step, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, rowid')
    return wanted.map((key) => {
      const rows = stmt.raw().all(runId, key) as [number, number | null][]
      return { key, steps: rows.map((r) => r[0]), values: rows.map((r) => (r[1] === null ? NaN : r[1])) }
    })
  }

  /** The last value of every key (the runs table shows these when a run has no summary). */
  last(runId: number): Record<string, number> {
    // SQLite returns the bare column `value` from the row holding MAX(rowid) of each group.
    const rows = this.db.prepare('SELECT key, value, MAX(rowid) FROM metrics WHERE run_id = ? GROUP BY key').all(runId) as {
      key: string
      value: number | null
    }[]
    return Object.fromEntries(rows.map((r) => [r.key, r.value ?? NaN]))
  }
}
