// Artifacts repository: named n-dimensional arrays (weights, recordings, datasets) stored as BLOBs.
import { AppError, invalid } from '../shared/errors.ts'
import { allocate, bytesPerElement, dtypeOf, elementCount, fromBytes, isDType, toBytes } from '../shared/arrays.ts'
import type { ArtifactData, ArtifactMeta, DType, TypedArray } from '../shared/types.ts'
import type { DB } from './db.ts'
import { isUniqueViolation } from './util.ts'

interface Row {
  id: number
  run_id: number
  name: string
  dtype: string
  shape: string
  byte_length: number
  created_at: number
}

function toMeta(r: Row): ArtifactMeta {
  return {
    id: r.id,
    runId: r.run_id,
    name: r.name,
    dtype: r.dtype as DType,
    shape: JSON.parse(r.shape) as number[],
    byteLength: r.byte_length,
    createdAt: new Date(r.created_at).toISOString(),
  }
}

const metaColumns = 'id, run_id, name, dtype, shape, length(bytes) AS byte_length, created_at'

export interface NewArtifact {
  name: string
  data: TypedArray
  shape: readonly number[]
}

export class ArtifactsRepo {
  private readonly db: DB
  private readonly insertStmt
  constructor(db: DB) {
    this.db = db
    this.insertStmt = db.prepare('INSERT INTO artifacts (run_id, name, dtype, shape, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)')
  }

  private check(a: NewArtifact): DType {
    const dtype = dtypeOf(a.data)
    if (!isDType(dtype)) throw invalid(`artifact ${a.name}: unsupported array type`)
    if (!a.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw invalid(`artifact ${a.name}: shape must be non-negative integers`)
    if (elementCount(a.shape) !== a.data.length) {
      throw invalid(`artifact ${a.name}: shape [${a.shape.join(', ')}] holds ${elementCount(a.shape)} values but the array has ${a.data.length}`)
    }
    return dtype
  }

  /** Stores several artifacts of a run in one transaction. */
  put(runId: number, items: readonly NewArtifact[]): ArtifactMeta[] {
    const dtypes = items.map((a) => this.check(a))
    const now = Date.now()
    const tx = this.db.transaction(() =>
      items.map((a, i) => {
        try {
          const info = this.insertStmt.run(runId, a.name, dtypes[i], JSON.stringify(a.shape), toBytes(a.data), now)
          return Number(info.lastInsertRowid)
        } catch (err) {
          if (isUniqueViolation(err)) throw new AppError('CONFLICT', `Run ${runId} already has an artifact named "${a.name}".`)
          throw err
        }
      }),
    )
    const ids = tx()
    return ids.map((id) => toMeta(this.db.prepare(`SELECT ${metaColumns} FROM artifacts WHERE id = ?`).get(id) as Row))
  }

  /**
   * Entries [start, start + count) along the first axis, read from inside the BLOB (the rest is
   * never loaded). The returned shape has count (clipped to what exists) as its first dimension.
   * The size of an entry comes from the shape and dtype, so shapes with a zero-length dimension
   * read as empty arrays.
   */
  getRows(runId: number, name: string, start: number, count: number): ArtifactData {
    const meta = this.list(runId).find((m) => m.name === name)
    if (!meta) return this.get(runId, name) // throws NOT_FOUND with the names that exist
    if (meta.shape.length === 0) throw invalid(`"${name}" has no first axis (shape []): read it without rows.`)
    const rows = meta.shape[0]
    if (start >= rows) {
      throw new AppError('INVALID_ARGUMENT', `rows.start must be below ${rows}, the length of the first axis of "${name}" (got ${start}).`)
    }
    const rowBytes = elementCount(meta.shape.slice(1)) * bytesPerElement(meta.dtype)
    if (rows * rowBytes !== meta.byteLength) {
      throw new AppError('INTERNAL', `Artifact "${name}" of run ${runId} holds ${meta.byteLength} bytes, not the ${rows * rowBytes} its shape [${meta.shape.join(', ')}] of ${meta.dtype} needs: the database is damaged.`)
    }
    const take = Math.min(count, rows - start)
    const shape = [take, ...meta.shape.slice(1)]
    if (take * rowBytes === 0) return { ...meta, shape, byteLength: 0, data: allocate(meta.dtype, 0) }
    const row = this.db
      .prepare('SELECT substr(bytes, ?, ?) AS part FROM artifacts WHERE run_id = ? AND name = ?')
      .get(start * rowBytes + 1, take * rowBytes, runId, name) as { part: Buffer }
    return { ...meta, shape, byteLength: take * rowBytes, data: fromBytes(meta.dtype, row.part) }
  }

  list(runId: number): ArtifactMeta[] {
    return (this.db.prepare(`SELECT ${metaColumns} FROM artifacts WHERE run_id = ? ORDER BY name`).all(runId) as Row[]).map(toMeta)
  }

  find(runId: number, name: string): ArtifactData | undefined {
    const row = this.db.prepare(`SELECT ${metaColumns}, bytes FROM artifacts WHERE run_id = ? AND name = ?`).get(runId, name) as
      | (Row & { bytes: Buffer })
      | undefined
    if (!row) return undefined
    return { ...toMeta(row), data: fromBytes(row.dtype as DType, row.bytes) }
  }

  get(runId: number, name: string): ArtifactData {
    const a = this.find(runId, name)
    if (!a) {
      const names = this.list(runId).map((m) => m.name)
      throw new AppError(
        'NOT_FOUND',
        `Run ${runId} has no artifact named "${name}"${names.length ? ` (it has: ${names.join(', ')})` : ' (it has none)'}.`,
      )
    }
    return a
  }
}
