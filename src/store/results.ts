// Long-form results: per-item outcomes of a run (one item per sample, per perturbation draw, per
// level), each with its coordinates (`labels`) and named numeric values, queryable across runs
// beside the per-step metrics.
import { FieldError } from '../shared/errors.ts'
import { maxResultRows } from '../shared/limits.ts'
import type { ResultFilter, ResultItem, ResultRow } from '../shared/types.ts'
import type { DB } from './db.ts'
import { parseJsonObject } from './util.ts'

const keyMax = 100

function checkItem(r: ResultItem, i: number): void {
  const at = `results[${i}]`
  if (!Number.isInteger(r.item) || r.item < 0) throw new FieldError(`${at}.item`, `must be an integer of at least 0 (received ${r.item}).`)
  if (r.networkId !== undefined && r.networkId !== null && (!Number.isInteger(r.networkId) || r.networkId < 1)) {
    throw new FieldError(`${at}.networkId`, `must be a run id or null (received ${r.networkId}).`)
  }
  for (const [k, v] of Object.entries(r.labels ?? {})) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) throw new FieldError(`${at}.labels.${k}`, 'must be a string, a number or a boolean.')
  }
  const keys = Object.keys(r.values)
  if (keys.length === 0) throw new FieldError(`${at}.values`, 'must name at least one value.')
  for (const k of keys) {
    if (k.length === 0 || k.length > keyMax) throw new FieldError(`${at}.values`, `keys must have 1 to ${keyMax} characters (received "${k.slice(0, 20)}").`)
    const v = r.values[k]
    if (v !== null && typeof v !== 'number') throw new FieldError(`${at}.values.${k}`, 'must be a number or null.')
  }
}

interface Row {
  run_id: number
  project_id: number
  item: number
  network_id: number | null
  architecture: string | null
  labels: string
  key: string
  value: number | null
}

export class ResultsRepo {
  private readonly db: DB
  private readonly insertItem
  private readonly insertValue
  constructor(db: DB) {
    this.db = db
    this.insertItem = db.prepare('INSERT INTO result_items (run_id, item, network_id, architecture, labels) VALUES (?, ?, ?, ?, ?)')
    this.insertValue = db.prepare('INSERT INTO result_values (item_id, key, value) VALUES (?, ?, ?)')
  }

  /**
   * Stores a run's result items with their values, all in one transaction: a bad item stores none.
   * NaN and infinities are stored as NULL (not measured) and read back as null. Returns the items stored.
   */
  insert(runId: number, items: readonly ResultItem[]): number {
    if (items.length === 0) return 0
    items.forEach(checkItem)
    const tx = this.db.transaction(() => {
      for (const r of items) {
        const id = this.insertItem.run(runId, r.item, r.networkId ?? null, r.architecture ?? null, JSON.stringify(r.labels ?? {})).lastInsertRowid
        for (const [key, value] of Object.entries(r.values)) this.insertValue.run(id, key, value !== null && Number.isFinite(value) ? value : null)
      }
    })
    try {
      tx()
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new FieldError('results', `of run ${runId} repeat an item number that is stored already: each item of a run is written once.`, undefined, 'CONFLICT')
      }
      throw err
    }
    return items.length
  }

  /** Every item of a run with its values, in item order (no row limit: for analyses of one run). */
  items(runId: number): Required<Pick<ResultItem, 'item' | 'networkId' | 'architecture' | 'labels' | 'values'>>[] {
    const rows = this.db
      .prepare(
        `SELECT i.item, i.network_id, i.architecture, i.labels, v.key, v.value
         FROM result_items i LEFT JOIN result_values v ON v.item_id = i.id
         WHERE i.run_id = ? ORDER BY i.item, v.key`,
      )
      .all(runId) as { item: number; network_id: number | null; architecture: string | null; labels: string; key: string | null; value: number | null }[]
    const out: Required<Pick<ResultItem, 'item' | 'networkId' | 'architecture' | 'labels' | 'values'>>[] = []
    for (const r of rows) {
      let last = out[out.length - 1]
      if (!last || last.item !== r.item) {
        last = { item: r.item, networkId: r.network_id, architecture: r.architecture, labels: parseJsonObject(r.labels) as ResultItem['labels'] & object, values: {} }
        out.push(last)
      }
      if (r.key !== null) last.values[r.key] = r.value
    }
    return out
  }

  /** Items a run has. */
  /** Numbers a run's result items 0, 1, ... in the order of their present numbers (one transaction). */
  renumber(runId: number): void {
    this.db.transaction(() => {
      // moved above every present number first, so that no step meets UNIQUE (run_id, item)
      const top = (this.db.prepare('SELECT coalesce(max(item), 0) + 1 AS top FROM result_items WHERE run_id = ?').get(runId) as { top: number }).top
      this.db.prepare('UPDATE result_items SET item = item + ? WHERE run_id = ?').run(top, runId)
      const ids = this.db.prepare('SELECT id FROM result_items WHERE run_id = ? ORDER BY item').all(runId) as { id: number }[]
      const set = this.db.prepare('UPDATE result_items SET item = ? WHERE id = ?')
      ids.forEach((r, i) => set.run(i, r.id))
    })()
  }

  count(runId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM result_items WHERE run_id = ?').get(runId) as { n: number }).n
  }

  /**
   * Long-form rows (one per item and key) of the runs that match, ordered by run, item and key:
   * at most `limit` (and `truncated` when there were more).
   */
  query(filter: ResultFilter): { rows: ResultRow[]; truncated: boolean } {
    const where: string[] = []
    const args: (number | string)[] = []
    if (filter.runId !== undefined) where.push('i.run_id = ?'), args.push(filter.runId)
    if (filter.projectId !== undefined) where.push('r.project_id = ?'), args.push(filter.projectId)
    if (filter.architecture !== undefined) where.push('i.architecture = ?'), args.push(filter.architecture)
    if (filter.key !== undefined) where.push('v.key = ?'), args.push(filter.key)
    const limit = Math.min(filter.limit ?? maxResultRows, maxResultRows)
    const rows = this.db
      .prepare(
        `SELECT i.run_id, r.project_id, i.item, i.network_id, i.architecture, i.labels, v.key, v.value
         FROM result_values v JOIN result_items i ON i.id = v.item_id JOIN runs r ON r.id = i.run_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY i.run_id, i.item, v.key LIMIT ?`,
      )
      .all(...args, limit + 1) as Row[]
    const truncated = rows.length > limit
    return {
      rows: rows.slice(0, limit).map((r) => ({
        runId: r.run_id,
        projectId: r.project_id,
        item: r.item,
        networkId: r.network_id,
        architecture: r.architecture,
        labels: parseJsonObject(r.labels) as ResultRow['labels'],
        key: r.key,
        value: r.value,
      })),
      truncated,
    }
  }
}
