// NIR (the Neuromorphic Intermediate Representation, github.com/neuromorphs/NIR) files: HDF5 through
// h5wasm (HDF5 compiled to WebAssembly; no native build). The layout is NIR's: a string dataset
// `version` at the root and the graph in the group `node`: `type` = "NIRGraph", `nodes/<name>/` with
// a string dataset `type` and one dataset per parameter, `edges` a [E, 2] string dataset
// (source, target), and an optional `metadata` group of datasets. Time constants are in seconds.
// This module reads and writes that structure; what the graph means is src/plugins/nir.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import h5wasm from 'h5wasm/node'
import { AppError } from '../shared/errors.ts'

/** The NIR version we write (the spec's serialization as of nir 1.0). */
export const nirVersion = '1.0.0'

export type NirValue = Float32Array | Float64Array | BigInt64Array | Int32Array | string

export interface NirArray {
  data: Float32Array | Float64Array
  shape: number[]
}

export interface NirNode {
  type: string
  /** numeric parameters (weights, time constants, shapes) */
  arrays: Record<string, NirArray>
}

export interface NirGraph {
  nodes: Record<string, NirNode>
  edges: [string, string][]
  metadata: Record<string, string | number>
}

function bad(file: string, message: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${file}: ${message}`)
}

/** Writes a graph as an NIR HDF5 file and returns its bytes. */
export async function writeNir(graph: NirGraph): Promise<Uint8Array> {
  await h5wasm.ready
  const dir = mkdtempSync(join(tmpdir(), 'mimic-nir-'))
  const path = join(dir, 'graph.nir')
  try {
    const f = new h5wasm.File(path, 'w')
    try {
      f.create_dataset({ name: 'version', data: nirVersion })
      const g = f.create_group('node')
      g.create_dataset({ name: 'type', data: 'NIRGraph' })
      const nodes = g.create_group('nodes')
      for (const [name, node] of Object.entries(graph.nodes)) {
        const n = nodes.create_group(name)
        n.create_dataset({ name: 'type', data: node.type })
        for (const [k, a] of Object.entries(node.arrays)) n.create_dataset({ name: k, data: a.data, shape: a.shape })
      }
      g.create_dataset({ name: 'edges', data: graph.edges.flat(), shape: [graph.edges.length, 2] })
      if (Object.keys(graph.metadata).length) {
        const m = g.create_group('metadata')
        for (const [k, v] of Object.entries(graph.metadata)) m.create_dataset({ name: k, data: typeof v === 'number' ? new Float64Array([v]) : v, shape: typeof v === 'number' ? [] : undefined })
      }
    } finally {
      f.close()
    }
    return new Uint8Array(readFileSync(path))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

type H5Group = InstanceType<typeof h5wasm.Group>
type H5Dataset = InstanceType<typeof h5wasm.Dataset>

function isGroup(e: unknown): e is H5Group {
  return e instanceof h5wasm.Group
}
function isDataset(e: unknown): e is H5Dataset {
  return e instanceof h5wasm.Dataset
}

function stringOf(e: unknown, file: string, where: string): string {
  if (!isDataset(e)) throw bad(file, `${where} is missing: it is not an NIR file written by nir.write (expected a string dataset)`)
  const v = e.value
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0]
  if (v instanceof Uint8Array) return new TextDecoder().decode(v)
  throw bad(file, `${where} should be a string`)
}

function numericOf(e: H5Dataset, file: string, where: string): NirArray {
  const v = e.value as unknown
  const shape = e.shape ?? []
  let data: Float32Array | Float64Array
  if (v instanceof Float32Array || v instanceof Float64Array) data = v
  else if (typeof v === 'number') data = new Float64Array([v])
  else if (typeof v === 'bigint') data = new Float64Array([Number(v)])
  else if (v instanceof BigInt64Array || v instanceof BigUint64Array) data = Float64Array.from(v, (x) => Number(x))
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) data = Float64Array.from(v as unknown as ArrayLike<number>)
  else if (typeof v === 'boolean') data = new Float64Array([v ? 1 : 0])
  else throw bad(file, `${where} is not numeric (${e.dtype})`)
  return { data, shape }
}

/**
 * The length an HDF5 file declares in its superblock (base address + end-of-file address), for a
 * superblock at offset 0 of version 0 to 3; undefined when it cannot be read (then HDF5 judges the file).
 */
export function hdf5EndOfFile(bytes: Uint8Array): number | undefined {
  if (bytes.length < 16) return undefined
  const version = bytes[8]
  const offsets = version <= 1 ? bytes[13] : bytes[9]
  if (offsets !== 4 && offsets !== 8) return undefined
  const base = version === 0 ? 24 : version === 1 ? 28 : version <= 3 ? 12 : -1
  if (base < 0) return undefined
  const address = (at: number): number | undefined => {
    if (at + offsets > bytes.length) return undefined
    let v = 0
    let undefinedAddress = true
    for (let i = offsets - 1; i >= 0; i--) {
      if (bytes[at + i] !== 0xff) undefinedAddress = false
      v = v * 256 + bytes[at + i]
    }
    return undefinedAddress || !Number.isSafeInteger(v) ? undefined : v
  }
  const baseAddress = address(base)
  const eof = address(base + 2 * offsets)
  return baseAddress === undefined || eof === undefined ? undefined : baseAddress + eof
}

/** Reads an NIR HDF5 file (bytes) into its graph; refuses files that are not HDF5 or not NIR graphs. */
export async function readNir(bytes: Uint8Array, file = 'the file'): Promise<NirGraph> {
  await h5wasm.ready
  const magic = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
  if (bytes.length < 8 || !magic.every((b, i) => bytes[i] === b)) throw bad(file, 'is not an HDF5 file (no HDF5 signature), so not an NIR file: write one with nir.write (Python) or `mimic export RUN --format nir`.')
  // HDF5 prints its own diagnostics on stderr when it cannot open a file: a truncated one (the commonest
  // damage: a copy or download cut short) is refused before HDF5 sees it
  const end = hdf5EndOfFile(bytes)
  if (end !== undefined && end > bytes.length) {
    throw bad(file, `is truncated: its HDF5 header says it is ${end} bytes long, but it has ${bytes.length}. Copy the whole file again.`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'mimic-nir-'))
  const path = join(dir, 'graph.nir')
  writeFileSync(path, bytes)
  let f: InstanceType<typeof h5wasm.File> | null = null
  try {
    try {
      f = new h5wasm.File(path, 'r')
    } catch (err) {
      throw bad(file, `cannot be opened as HDF5 (${(err as Error).message}): the file is damaged or truncated.`)
    }
    if (Number(f.file_id) < 0) {
      f = null
      throw bad(file, 'cannot be opened as HDF5: the file is damaged or truncated.')
    }
    const root = f.get('node')
    if (!isGroup(root)) throw bad(file, 'has no group "node", so it is not an NIR graph (NIR files keep the graph in /node).')
    const readGraph = (g: H5Group, where: string): NirGraph => {
      const type = stringOf(g.get('type'), file, `${where}/type`)
      if (type !== 'NIRGraph') throw bad(file, `${where} is a ${type}, not an NIRGraph`)
      const nodesGroup = g.get('nodes')
      if (!isGroup(nodesGroup)) throw bad(file, `${where}/nodes is missing`)
      const nodes: Record<string, NirNode> = {}
      for (const name of nodesGroup.keys()) {
        const n = nodesGroup.get(name)
        if (!isGroup(n)) throw bad(file, `${where}/nodes/${name} is not a group`)
        const t = stringOf(n.get('type'), file, `${where}/nodes/${name}/type`)
        const arrays: Record<string, NirArray> = {}
        if (t !== 'NIRGraph') {
          for (const k of n.keys()) {
            if (k === 'type' || k === 'metadata') continue
            const d = n.get(k)
            if (isDataset(d) && typeof d.value !== 'string') arrays[k] = numericOf(d, file, `${where}/nodes/${name}/${k}`)
          }
        }
        nodes[name] = { type: t, arrays }
      }
      const e = g.get('edges')
      if (!isDataset(e)) throw bad(file, `${where}/edges is missing`)
      const flat = (e.value as unknown[] | null) ?? []
      const shape = e.shape ?? []
      if (!Array.isArray(flat) || (flat.length > 0 && (shape.length !== 2 || shape[1] !== 2))) throw bad(file, `${where}/edges should be a [E, 2] array of node names`)
      const edges: [string, string][] = []
      const text = (x: unknown): string => (typeof x === 'string' ? x : x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x))
      for (let i = 0; i < flat.length; i += 2) edges.push([text(flat[i]), text(flat[i + 1])])
      const metadata: Record<string, string | number> = {}
      const m = g.get('metadata')
      if (isGroup(m)) {
        for (const k of m.keys()) {
          const d = m.get(k)
          if (!isDataset(d)) continue
          const v = d.value as unknown
          if (typeof v === 'string' || typeof v === 'number') metadata[k] = v
          else if (v instanceof Float64Array || v instanceof Float32Array) metadata[k] = v[0]
        }
      }
      return { nodes, edges, metadata }
    }
    return readGraph(root, '/node')
  } finally {
    f?.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
