// Artifacts repository: named n-dimensional arrays (weights, recordings, datasets) stored as BLOBs.
import { AppError, invalid } from '../shared/errors.ts'
import { allocate, bytesPerElement, dtypeOf, elementCount, fromBytes, isDType } from '../shared/arrays.ts'
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

// Storage layout (migration 12). SQLite, as better-sqlite3 builds it, refuses any one value above
// 2^29 - 24 bytes (the longest string V8 makes), so an artifact's bytes are its row's `bytes`
// followed by its rows in artifact_parts, in order of `part`, each starting at byte `start`. An
// artifact of at most partBytes (4 MiB) keeps its bytes in its row, as every artifact did before; a
// larger one has an empty row and parts of partBytes (the last shorter). length() reads a BLOB's
// size from the record header, so the sizes below never load the bytes.

/**
 * The size of the parts of a large artifact. SQLite reads a whole value to take a substr of it, so
 * the part size bounds what reading a few rows costs: measured on a 160 MiB artifact, 2 rows (640 KB)
 * took 0.19 s of CPU in one value, 0.05 s with 64 MiB parts, 0.009 s with 16 MiB and 0.003 s with
 * 4 MiB parts, while storing and reading it whole took the same time with each.
 */
export const defaultPartBytes = 4 * 1024 * 1024

/** The largest part size accepted: half of what SQLite takes as one value. */
export const maxPartBytes = 256 * 1024 * 1024

/** An artifact's size in bytes, as SQL over `artifacts a`. */
export const byteLengthSql = 'length(a.bytes) + coalesce((SELECT sum(length(p.bytes)) FROM artifact_parts p WHERE p.artifact_id = a.id), 0)'
const metaColumns = `a.id, a.run_id, a.name, a.dtype, a.shape, ${byteLengthSql} AS byte_length, a.created_at`

/** Throws unless n is a usable part size (a test stores small artifacts in several parts). */
export function checkPartBytes(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > maxPartBytes) {
    throw invalid(`artifactPartBytes must be a whole number of bytes from 1 to ${maxPartBytes} (got ${n}).`)
  }
  return n
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`
}

/** An artifact as one row of the artifacts table, for insertArtifact. */
export interface ArtifactRecord {
  runId: number
  name: string
  dtype: string
  /** JSON text */
  shape: string
  createdAt: number
  /** the bytes of this view (a typed array of any size: Node makes no Uint8Array over 4 GiB, so parts are cut from the buffer) */
  bytes: ArrayBufferView
}

/** Bytes [start, start + length) of a view, as a Uint8Array over the same memory. */
function bytesAt(v: ArrayBufferView, start: number, length: number): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset + start, length)
}

/**
 * Inserts an artifact: its row, and its parts when it holds more than partBytes. Returns its id.
 * Call inside a transaction (the row and its parts stand or fall together). A UNIQUE violation of
 * (run_id, name) is thrown as SQLite's; a value SQLite still refuses, or a full disk, is thrown as
 * an error naming the artifact, its size and what to do.
 */
export function insertArtifact(db: DB, a: ArtifactRecord, partBytes: number): number {
  const size = a.bytes.byteLength
  const inRow = size <= partBytes
  try {
    const info = db
      .prepare('INSERT INTO artifacts (run_id, name, dtype, shape, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(a.runId, a.name, a.dtype, a.shape, bytesAt(a.bytes, 0, inRow ? size : 0), a.createdAt)
    const id = Number(info.lastInsertRowid)
    if (!inRow) {
      const insPart = db.prepare('INSERT INTO artifact_parts (artifact_id, part, start, bytes) VALUES (?, ?, ?, ?)')
      for (let part = 0, start = 0; start < size; part++, start += partBytes) insPart.run(id, part, start, bytesAt(a.bytes, start, Math.min(partBytes, size - start)))
    }
    return id
  } catch (err) {
    const what = `Artifact "${a.name}" of run ${a.runId} (${a.dtype}${a.shape}, ${sizeText(size)})`
    if (err instanceof RangeError && /too big/.test(err.message)) {
      throw new AppError('INTERNAL', `${what} could not be stored: SQLite refused a value of ${sizeText(Math.min(size, partBytes))} as too big (its limit is 512 MiB per value, and parts are at most ${sizeText(maxPartBytes)}). Report this, and make the run smaller (fewer samples) meanwhile; nothing of it was kept.`)
    }
    const code = (err as { code?: unknown }).code
    if (code === 'SQLITE_FULL') {
      throw new AppError('INTERNAL', `${what} could not be stored: the database cannot grow (the disk holding it is full). Free at least ${sizeText(size)} there (or choose a --db on a larger disk) and run it again; nothing of it was kept.`)
    }
    throw err
  }
}

/**
 * All the bytes of artifact `id`: rowBytes (what its row holds) followed by its parts, written into
 * `out` (a view of byteLength bytes). Parts are read one at a time, so that the peak is the artifact
 * plus one part.
 */
function readArtifactBytes<V extends ArrayBufferView>(db: DB, id: number, rowBytes: Uint8Array, byteLength: number, what: string, out: V): V {
  bytesAt(out, 0, rowBytes.byteLength).set(rowBytes)
  let filled = rowBytes.byteLength
  for (const [start, bytes] of db.prepare('SELECT start, bytes FROM artifact_parts WHERE artifact_id = ? ORDER BY part').raw().iterate(id) as Iterable<[number, Buffer]>) {
    if (start !== filled || filled + bytes.byteLength > byteLength) throw new AppError('INTERNAL', `${what} has a part at byte ${start} where byte ${filled} was expected: the database is damaged.`)
    bytesAt(out, filled, bytes.byteLength).set(bytes)
    filled += bytes.byteLength
  }
  if (filled !== byteLength) throw new AppError('INTERNAL', `${what} holds ${filled} of its ${byteLength} bytes: the database is damaged.`)
  return out
}

/** All the bytes of artifact `id` as one Uint8Array: its row's (not copied) when it has no parts, else its row and parts (readArtifactBytes). */
export function artifactBytes(db: DB, id: number, rowBytes: Uint8Array, byteLength: number, what: string): Uint8Array {
  if (byteLength === rowBytes.byteLength) return new Uint8Array(rowBytes.buffer, rowBytes.byteOffset, rowBytes.byteLength)
  return readArtifactBytes(db, id, rowBytes, byteLength, what, new Uint8Array(byteLength))
}

/** An artifact's data as a typed array of its dtype (readArtifactBytes into it, when in parts). */
function readArtifactData(db: DB, id: number, dtype: DType, rowBytes: Uint8Array, byteLength: number, what: string): TypedArray {
  if (byteLength === rowBytes.byteLength) return fromBytes(dtype, rowBytes)
  const size = bytesPerElement(dtype)
  if (byteLength % size !== 0) throw new AppError('INTERNAL', `${what} holds ${byteLength} bytes, not a whole number of ${dtype} values: the database is damaged.`)
  const data = allocate(dtype, byteLength / size)
  return readArtifactBytes(db, id, rowBytes, byteLength, what, data)
}

export interface NewArtifact {
  name: string
  data: TypedArray
  shape: readonly number[]
}

export class ArtifactsRepo {
  private readonly db: DB
  /** artifacts larger than this are stored in parts of this size (checkPartBytes: the Store checks it before it opens the database) */
  readonly partBytes: number
  constructor(db: DB, partBytes: number) {
    this.db = db
    this.partBytes = partBytes
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
          return insertArtifact(this.db, { runId, name: a.name, dtype: dtypes[i], shape: JSON.stringify(a.shape), createdAt: now, bytes: a.data }, this.partBytes)
        } catch (err) {
          if (isUniqueViolation(err)) throw new AppError('CONFLICT', `Run ${runId} already has an artifact named "${a.name}".`)
          throw err
        }
      }),
    )
    const ids = tx()
    return ids.map((id) => toMeta(this.db.prepare(`SELECT ${metaColumns} FROM artifacts a WHERE a.id = ?`).get(id) as Row))
  }

  /**
   * Entries [start, start + count) along the first axis, read from inside the BLOB (the rest is
   * never loaded). The returned shape has count (clipped to what exists) as its first dimension.
   * The size of an entry comes from the shape and dtype, so shapes with a zero-length dimension
   * read as empty arrays.
   */
  getRows(runId: number, name: string, start: number, count: number): ArtifactData {
    const meta = this.meta(runId, name)
    if (!meta) return this.get(runId, name) // throws NOT_FOUND with the names that exist
    return this.rowsOf(meta, start, count)
  }

  /** getRows of an artifact whose meta is at hand (from meta() or list()), without looking it up again. */
  rowsOf(meta: ArtifactMeta, start: number, count: number): ArtifactData {
    const { runId, name } = meta
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
    return { ...meta, shape, byteLength: take * rowBytes, data: this.readRange(meta, start * rowBytes, take * rowBytes) }
  }

  /**
   * Bytes [from, from + length) of an artifact as a typed array: substr of its row's BLOB, or of
   * the parts the range overlaps (the other parts are not read).
   */
  private readRange(meta: ArtifactMeta, from: number, length: number): TypedArray {
    const inRow = (this.db.prepare('SELECT length(bytes) AS n FROM artifacts WHERE id = ?').get(meta.id) as { n: number }).n
    if (inRow === meta.byteLength) {
      const row = this.db.prepare('SELECT substr(bytes, ?, ?) AS piece FROM artifacts WHERE id = ?').get(from + 1, length, meta.id) as { piece: Buffer }
      return fromBytes(meta.dtype, row.piece)
    }
    const what = `Artifact "${meta.name}" of run ${meta.runId}`
    if (inRow !== 0) throw new AppError('INTERNAL', `${what} has bytes both in its row and in parts: the database is damaged.`)
    const to = from + length
    const data = allocate(meta.dtype, length / bytesPerElement(meta.dtype))
    let filled = 0
    const pieces = this.db
      .prepare(
        `SELECT start, substr(bytes, max(@from - start, 0) + 1, @to - max(@from, start)) AS piece FROM artifact_parts
          WHERE artifact_id = @id AND start < @to AND start + length(bytes) > @from ORDER BY part`,
      )
      .raw()
      .iterate({ id: meta.id, from, to }) as Iterable<[number, Buffer]>
    for (const [start, piece] of pieces) {
      if (Math.max(start, from) - from !== filled) throw new AppError('INTERNAL', `${what} has a part at byte ${start} where byte ${from + filled} was expected: the database is damaged.`)
      bytesAt(data, filled, piece.byteLength).set(piece)
      filled += piece.byteLength
    }
    if (filled !== length) throw new AppError('INTERNAL', `${what} holds ${filled} of bytes ${from} to ${to}: the database is damaged.`)
    return data
  }

  list(runId: number): ArtifactMeta[] {
    return (this.db.prepare(`SELECT ${metaColumns} FROM artifacts a WHERE a.run_id = ? ORDER BY a.name`).all(runId) as Row[]).map(toMeta)
  }

  /** The metadata of one artifact of a run (as an element of list()), or undefined when the run has no artifact of that name. */
  meta(runId: number, name: string): ArtifactMeta | undefined {
    const row = this.db.prepare(`SELECT ${metaColumns} FROM artifacts a WHERE a.run_id = ? AND a.name = ?`).get(runId, name) as Row | undefined
    return row ? toMeta(row) : undefined
  }

  find(runId: number, name: string): ArtifactData | undefined {
    const row = this.db.prepare(`SELECT ${metaColumns}, a.bytes FROM artifacts a WHERE a.run_id = ? AND a.name = ?`).get(runId, name) as
      | (Row & { bytes: Buffer })
      | undefined
    if (!row) return undefined
    const meta = toMeta(row)
    return { ...meta, data: readArtifactData(this.db, row.id, meta.dtype, row.bytes, row.byte_length, `Artifact "${name}" of run ${runId}`) }
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
