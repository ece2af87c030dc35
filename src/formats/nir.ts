// NIR (the Neuromorphic Intermediate Representation, github.com/neuromorphs/NIR) files: HDF5 through
// h5wasm (HDF5 compiled to WebAssembly; no native build). The layout is NIR's: a string dataset
// `version` at the root and the graph in the group `node`: `type` = "NIRGraph", `nodes/<name>/` with
// a string dataset `type` and one dataset per parameter, `edges` a [E, 2] string dataset
// (source, target), and an optional `metadata` group of datasets. Time constants are in seconds.
// This module reads and writes that structure; what the graph means is src/plugins/nir.ts.
// h5wasm is loaded by the first read or write (its module and WebAssembly took 56 ms of every command's start).
import type h5wasm from 'h5wasm'
import { AppError } from '../shared/errors.ts'
import { maxNeurons } from '../shared/limits.ts'

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

/** The most values one dataset of a graph may hold (a full weight matrix of the largest network). */
export const maxNirDatasetValues = maxNeurons * maxNeurons
/** The most values all numeric datasets of a file may hold together. */
export const maxNirFileValues = 4 * maxNirDatasetValues
/** The most edges (and strings in any one dataset) a graph may have. */
const maxNirStrings = 1 << 20

type H5Module = Awaited<typeof h5wasm.ready>
type H5File = InstanceType<typeof h5wasm.File>

let module: Promise<H5Module> | null = null
/** h5wasm itself, once `hdf5()` has loaded it. */
let h5: typeof h5wasm
let nextFile = 0

/**
 * h5wasm's HDF5 on its in-memory file system: a file is read from and written to memory only, so an
 * HDF5 file whose datasets keep their data in other files (external storage, external links,
 * virtual datasets) cannot make it read a file of this host (those reads fail and are refused).
 */
function hdf5(): Promise<H5Module> {
  module ??= import('h5wasm').then(async ({ default: lib }) => {
    const m = await lib.ready
    h5 = lib
    // HDF5 prints a stack of diagnostics on stderr for every call that fails; each failure that
    // matters is reported here as a sentence instead (the stream of fd 2 goes to /dev/null)
    const fs = m.FS as unknown as { getStream(fd: number): unknown; close(s: unknown): void; open(path: string, flags: string): { fd: number } }
    fs.close(fs.getStream(2))
    fs.open('/dev/null', 'w')
    return m
  })
  return module
}

/** A fresh path in the in-memory file system. */
function memoryPath(): string {
  return `/mimic-nir-${process.pid}-${nextFile++}.h5`
}

function bad(file: string, message: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${file}: ${message}`)
}

/** Writes a graph as an NIR HDF5 file and returns its bytes. */
export async function writeNir(graph: NirGraph): Promise<Uint8Array> {
  const m = await hdf5()
  const path = memoryPath()
  try {
    const f = new h5.File(path, 'w')
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
        const md = g.create_group('metadata')
        for (const [k, v] of Object.entries(graph.metadata)) md.create_dataset({ name: k, data: typeof v === 'number' ? new Float64Array([v]) : v, shape: typeof v === 'number' ? [] : undefined })
      }
    } finally {
      f.close()
    }
    return m.FS.readFile(path)
  } finally {
    unlinkQuietly(m, path)
  }
}

function unlinkQuietly(m: H5Module, path: string): void {
  try {
    m.FS.unlink(path)
  } catch {
    // not created
  }
}

type H5Group = InstanceType<typeof h5wasm.Group>
type H5Dataset = InstanceType<typeof h5wasm.Dataset>

function isGroup(e: unknown): e is H5Group {
  return e instanceof h5.Group
}
function isDataset(e: unknown): e is H5Dataset {
  return e instanceof h5.Dataset
}

/** What a dataset's bytes are, as HDF5 describes them (the part of h5wasm's metadata read here). */
type DatasetMetadata = H5Dataset['metadata']

/** HDF5 type classes (H5T_class_t) */
const H5T_INTEGER = 0
const H5T_FLOAT = 1
const H5T_STRING = 3
const H5T_OPAQUE = 5
/** The longest text kept as bytes (a node's type written as uint8 or opaque data) that is read. */
const maxTextBytes = 4096

/**
 * A reader of one file's datasets: each is checked against what a graph holds before memory is
 * taken for it, read with HDF5's status checked (h5wasm's own reads ignore it, returning whatever
 * the buffer held), and counted against the file's budget.
 */
function datasetReader(m: H5Module, f: H5File, file: string) {
  let values = 0
  const raw = (d: H5Dataset, md: DatasetMetadata, where: string): Uint8Array => {
    if (md.virtual_sources?.length) throw bad(file, `${where} is a virtual dataset, whose data is in other files; an NIR file holds its data itself: write it with nir.write`)
    const count = md.total_size
    const nbytes = md.size * count
    const ptr = m._malloc(Math.max(1, nbytes))
    if (!ptr) throw bad(file, `${where} (${nbytes} bytes) does not fit in memory`)
    try {
      m.HEAPU8.fill(0, ptr, ptr + nbytes)
      if (m.get_dataset_data(f.file_id, d.path, null, null, null, BigInt(ptr)) < 0) {
        throw bad(file, `${where} cannot be read: its data is damaged, or kept outside the file (HDF5 external storage), which NIR files do not use. Write the file again with nir.write.`)
      }
      const bytes = m.HEAPU8.slice(ptr, ptr + nbytes)
      if (md.vlen) m.reclaim_vlen_memory(f.file_id, d.path, '', BigInt(ptr))
      return bytes
    } finally {
      m._free(ptr)
    }
  }
  const metadataOf = (e: H5Dataset, where: string, max: number, what: string): DatasetMetadata => {
    const md = e.metadata
    if (!md.shape) throw bad(file, `${where} is an empty dataset (no shape); expected ${what}`)
    if (md.total_size > max) throw bad(file, `${where} has shape [${md.shape.join(', ')}] (${md.total_size} values), more than the ${max} a dataset of an NIR graph may hold here`)
    return md
  }
  return {
    string(e: unknown, where: string): string {
      if (!isDataset(e)) throw bad(file, `${where} is missing: it is not an NIR file written by nir.write (expected a string dataset)`)
      const kind = e.metadata
      // text kept as bytes (uint8 or opaque data), as some writers store it
      if ((kind.type === H5T_OPAQUE || (kind.type === H5T_INTEGER && kind.size === 1 && !kind.signed)) && kind.shape && kind.size * kind.total_size <= maxTextBytes) {
        return new TextDecoder().decode(raw(e, kind, where)).replace(/\0+$/, '')
      }
      const md = metadataOf(e, where, 1, 'a string')
      if (md.type !== H5T_STRING) throw bad(file, `${where} should be a string`)
      raw(e, md, where)
      const v = e.value
      if (typeof v === 'string') return v
      if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0]
      throw bad(file, `${where} should be a string`)
    },
    strings(e: H5Dataset, where: string): { values: string[]; shape: number[] } {
      const md = metadataOf(e, where, maxNirStrings, 'node names')
      if (md.total_size === 0) return { values: [], shape: md.shape ?? [] }
      if (md.type !== H5T_STRING) throw bad(file, `${where} should hold strings (node names)`)
      raw(e, md, where)
      const v = e.value
      const list = Array.isArray(v) ? v : [v]
      return { values: list.map((x) => (typeof x === 'string' ? x : x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x))), shape: md.shape ?? [] }
    },
    isString(e: H5Dataset): boolean {
      return e.metadata.type === H5T_STRING
    },
    /** integers or floats (a writer's other parameters, such as flags stored as enums, are not read) */
    isNumeric(e: H5Dataset): boolean {
      const t = e.metadata.type
      return t === H5T_INTEGER || t === H5T_FLOAT
    },
    numeric(e: H5Dataset, where: string): NirArray {
      const md = metadataOf(e, where, maxNirDatasetValues, 'numbers')
      if (md.type !== H5T_INTEGER && md.type !== H5T_FLOAT) throw bad(file, `${where} is not numeric (HDF5 type ${String(e.dtype)}); expected integers or floats`)
      if (md.type === H5T_FLOAT ? ![2, 4, 8].includes(md.size) : ![1, 2, 4, 8].includes(md.size)) throw bad(file, `${where} holds ${md.size * 8}-bit ${md.type === H5T_FLOAT ? 'floats' : 'integers'}, which are not read here`)
      if (md.total_size > maxNirFileValues - values) throw bad(file, `holds more than ${maxNirFileValues} numbers in all (at ${where}); an NIR graph of at most ${maxNeurons} neurons holds fewer`)
      values += md.total_size
      const bytes = raw(e, md, where)
      const n = md.total_size
      // HDF5 converts to the memory's byte order (WebAssembly's: little-endian) whatever the file's
      const le = true
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      const shape = md.shape ?? []
      if (md.type === H5T_FLOAT && md.size === 4) {
        const data = new Float32Array(n)
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, le)
        return { data, shape }
      }
      const data = new Float64Array(n)
      const s = md.size
      const get: (at: number) => number =
        md.type === H5T_FLOAT
          ? s === 8
            ? (at) => view.getFloat64(at, le)
            : (at) => view.getFloat16(at, le)
          : s === 8
            ? md.signed
              ? (at) => Number(view.getBigInt64(at, le))
              : (at) => Number(view.getBigUint64(at, le))
            : s === 4
              ? md.signed
                ? (at) => view.getInt32(at, le)
                : (at) => view.getUint32(at, le)
              : s === 2
                ? md.signed
                  ? (at) => view.getInt16(at, le)
                  : (at) => view.getUint16(at, le)
                : md.signed
                  ? (at) => view.getInt8(at)
                  : (at) => view.getUint8(at)
      for (let i = 0; i < n; i++) data[i] = get(s * i)
      return { data, shape }
    },
  }
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
  const m = await hdf5()
  const magic = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
  if (bytes.length < 8 || !magic.every((b, i) => bytes[i] === b)) throw bad(file, 'is not an HDF5 file (no HDF5 signature), so not an NIR file: write one with nir.write (Python) or `mimic export RUN --format nir`.')
  // a truncated file (the commonest damage: a copy or download cut short) is named as such before HDF5 sees it
  const end = hdf5EndOfFile(bytes)
  if (end !== undefined && end > bytes.length) {
    throw bad(file, `is truncated: its HDF5 header says it is ${end} bytes long, but it has ${bytes.length}. Copy the whole file again.`)
  }
  const path = memoryPath()
  m.FS.writeFile(path, bytes)
  let f: H5File | null = null
  try {
    try {
      f = new h5.File(path, 'r')
    } catch (err) {
      throw bad(file, `cannot be opened as HDF5 (${(err as Error).message}): the file is damaged or truncated.`)
    }
    if (Number(f.file_id) < 0) {
      f = null
      throw bad(file, 'cannot be opened as HDF5: the file is damaged or truncated.')
    }
    const read = datasetReader(m, f, file)
    const root = f.get('node')
    if (!isGroup(root)) throw bad(file, 'has no group "node", so it is not an NIR graph (NIR files keep the graph in /node).')
    const readGraph = (g: H5Group, where: string): NirGraph => {
      const type = read.string(g.get('type'), `${where}/type`)
      if (type !== 'NIRGraph') throw bad(file, `${where} is a ${type}, not an NIRGraph`)
      const nodesGroup = g.get('nodes')
      if (!isGroup(nodesGroup)) throw bad(file, `${where}/nodes is missing`)
      const nodes: Record<string, NirNode> = {}
      for (const name of nodesGroup.keys()) {
        const n = nodesGroup.get(name)
        if (!isGroup(n)) throw bad(file, `${where}/nodes/${name} is not a group`)
        const t = read.string(n.get('type'), `${where}/nodes/${name}/type`)
        const arrays: Record<string, NirArray> = {}
        if (t !== 'NIRGraph') {
          for (const k of n.keys()) {
            if (k === 'type' || k === 'metadata') continue
            const d = n.get(k)
            if (isDataset(d) && read.isNumeric(d)) arrays[k] = read.numeric(d, `${where}/nodes/${name}/${k}`)
          }
        }
        nodes[name] = { type: t, arrays }
      }
      const e = g.get('edges')
      if (!isDataset(e)) throw bad(file, `${where}/edges is missing`)
      const { values: flat, shape } = read.strings(e, `${where}/edges`)
      if (flat.length > 0 && (shape.length !== 2 || shape[1] !== 2)) throw bad(file, `${where}/edges should be a [E, 2] array of node names`)
      const edges: [string, string][] = []
      for (let i = 0; i < flat.length; i += 2) edges.push([flat[i], flat[i + 1]])
      const metadata: Record<string, string | number> = {}
      const md = g.get('metadata')
      if (isGroup(md)) {
        for (const k of md.keys()) {
          const d = md.get(k)
          if (!isDataset(d)) continue
          // what the graph's writer noted (one string or number each); anything else is not read
          const { total_size: count, type: kind } = d.metadata
          if (count !== 1) continue
          if (kind === H5T_STRING) metadata[k] = read.string(d, `${where}/metadata/${k}`)
          else if (kind === H5T_INTEGER || kind === H5T_FLOAT) metadata[k] = read.numeric(d, `${where}/metadata/${k}`).data[0]
        }
      }
      return { nodes, edges, metadata }
    }
    return readGraph(root, '/node')
  } finally {
    f?.close()
    unlinkQuietly(m, path)
  }
}
