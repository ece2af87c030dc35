// Reading artifacts for the run pages: whole small arrays, or some entries along the first axis
// (`rows`) of big ones, so a per-sample view loads one sample, not the whole recording. Stored
// artifacts never change once written, so reads are cached (bounded by bytes, least recently used
// first out); flipping back to a sample seen before costs nothing.
import type { ArtifactData, ArtifactMeta, TypedArray } from '../../../src/shared/types.ts'
import { api } from './api.ts'

const maxCacheBytes = 192 * 1024 * 1024
const cache = new Map<string, Promise<ArtifactData>>()
const sizes = new Map<string, number>()
let cachedBytes = 0

function remember(key: string, p: Promise<ArtifactData>): void {
  cache.set(key, p)
  p.then(
    (a) => {
      if (!cache.has(key)) return
      sizes.set(key, a.data.byteLength)
      cachedBytes += a.data.byteLength
      for (const k of cache.keys()) {
        if (cachedBytes <= maxCacheBytes || k === key) break
        cachedBytes -= sizes.get(k) ?? 0
        sizes.delete(k)
        cache.delete(k)
      }
    },
    () => cache.delete(key),
  )
}

/** Reads an artifact, or `count` entries from `start` along its first axis. */
export function readArtifact(runId: number, name: string, rows?: { start: number; count: number }): Promise<ArtifactData> {
  const key = `${runId}\u0000${name}\u0000${rows ? `${rows.start}:${rows.count}` : '*'}`
  const hit = cache.get(key)
  if (hit) {
    // most recently used goes last
    cache.delete(key)
    cache.set(key, hit)
    return hit
  }
  const p = api.call('artifacts.read', rows ? { runId, name, rows } : { runId, name })
  remember(key, p)
  return p
}

/** Reads one entry along the first axis (one sample of [S, T, C]); shape[0] becomes 1. */
export function readRow(runId: number, name: string, row: number): Promise<ArtifactData> {
  return readArtifact(runId, name, { start: row, count: 1 })
}

/** Entries [start, end) of a 1-D artifact (e.g. the spike events of one sample); empty when end ≤ start. */
export async function readRange(runId: number, name: string, start: number, end: number, empty: () => TypedArray): Promise<TypedArray> {
  if (end <= start) return empty()
  return (await readArtifact(runId, name, { start, count: end - start })).data
}

export function findArtifact(artifacts: readonly ArtifactMeta[], name: string): ArtifactMeta | undefined {
  return artifacts.find((a) => a.name === name)
}

export function hasArtifacts(artifacts: readonly ArtifactMeta[], ...names: string[]): boolean {
  return names.every((n) => artifacts.some((a) => a.name === n))
}

/**
 * Columns of a [1, T, W] (or [T, W]) array for the chosen last-axis indices: strided copies into
 * Float32Arrays, one per index (uPlot wants one array per series).
 */
export function columnsOf(a: ArtifactData, indices: readonly number[]): Float32Array[] {
  const width = a.shape[a.shape.length - 1] ?? 1
  const steps = a.shape.length >= 2 ? a.shape[a.shape.length - 2] : a.data.length
  return indices.map((w) => {
    const col = new Float32Array(steps)
    if (w < 0 || w >= width) return col.fill(NaN)
    for (let i = 0, j = w; i < steps; i++, j += width) col[i] = a.data[j]
    return col
  })
}

/** Number of entries along the last axis of an artifact (channels, dimensions, outputs). */
export function widthOf(meta: Pick<ArtifactMeta, 'shape'> | undefined): number {
  return meta ? (meta.shape[meta.shape.length - 1] ?? 0) : 0
}

/** Saves what the server made as a file (the browser's or Electron's download). */
export function saveFile(fileName: string, data: BlobPart, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([data], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
