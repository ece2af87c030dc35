// Reading and writing numpy .npz files (a zip of .npy arrays), so datasets and trained networks
// move to and from numpy. Reads stored and deflated members; writes stored members. Every failure
// names the file, the array and what was expected.
//
// Hostile files are bounded before they cost memory: a deflated member is inflated only after its
// .npy header (read from the first few hundred compressed bytes) has declared the array's shape;
// the declared size must fit what is left of the caller's maximum and agree with the zip
// directory, and inflation stops at that size. Members a caller does not ask for are never
// inflated.
import { constants, crc32, inflateRawSync } from 'node:zlib'
import { AppError } from '../shared/errors.ts'
import { bytesPerElement, concatArrays, elementCount } from '../shared/arrays.ts'
import type { Dataset } from './dataset.ts'
import type { DType, TypedArray } from '../shared/types.ts'
import type { LabelEncoding } from '../shared/labels.ts'
import { defaultMaxDatasetBytes } from '../shared/limits.ts'

/** An array to write (dtypes the store keeps). */
export interface NpyArray {
  dtype: DType
  shape: number[]
  data: TypedArray
}

/** What .npy files may hold here: the store's dtypes plus 64-bit integers, half floats and bools. */
export type NpyDtype = DType | 'int64' | 'uint64' | 'float16' | 'bool'

/**
 * An array read from a file, in native byte order. int64/uint64 come as BigInt64Array/
 * BigUint64Array, float16 as its raw bits (Uint16Array), bool as Uint8Array; valueAt reads any
 * of them as a number.
 */
export interface NpyRead {
  dtype: NpyDtype
  shape: number[]
  data: TypedArray | BigInt64Array | BigUint64Array
}

/** The largest dataset accepted by default: all arrays of a file together, inflated (bytes). */
export { defaultMaxDatasetBytes }

/** numpy writes headers of a few hundred bytes; np.load refuses those over 10,000 by default. */
const maxHeaderBytes = 64 * 1024

type Ctor = { new (buf: ArrayBuffer, offset: number, length: number): NpyRead['data']; new (n: number): NpyRead['data'] }

const kinds: Record<string, { dtype: NpyDtype; ctor: Ctor }> = {
  b1: { dtype: 'bool', ctor: Uint8Array },
  i1: { dtype: 'int8', ctor: Int8Array },
  u1: { dtype: 'uint8', ctor: Uint8Array },
  i2: { dtype: 'int16', ctor: Int16Array },
  u2: { dtype: 'uint16', ctor: Uint16Array },
  i4: { dtype: 'int32', ctor: Int32Array },
  u4: { dtype: 'uint32', ctor: Uint32Array },
  i8: { dtype: 'int64', ctor: BigInt64Array },
  u8: { dtype: 'uint64', ctor: BigUint64Array },
  f2: { dtype: 'float16', ctor: Uint16Array },
  f4: { dtype: 'float32', ctor: Float32Array },
  f8: { dtype: 'float64', ctor: Float64Array },
}

const dtypeToDescr: Record<DType, string> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  uint32: '<u4',
  int16: '<i2',
  uint16: '<u2',
  int8: '|i1',
  uint8: '|u1',
}

/** What a numpy type code holds, for messages about dtypes this reader does not take. */
const typeCodeNames: Record<string, string> = {
  c: 'complex numbers',
  U: 'text',
  S: 'byte strings',
  a: 'byte strings',
  O: 'Python objects',
  M: 'dates',
  m: 'time spans',
  V: 'raw records',
  f: 'floats of an unsupported size',
  i: 'integers of an unsupported size',
  u: 'integers of an unsupported size',
}

function bad(file: string, message: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${file}: ${message}`)
}

/** Bytes for people: "812 bytes", "3.9 KiB", "512 MiB". */
function formatSize(bytes: number): string {
  const fmt = (v: number, unit: string): string => `${v < 10 ? v.toFixed(1) : Math.round(v)} ${unit}`
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return fmt(bytes / 1024, 'KiB')
  return fmt(bytes / (1024 * 1024), 'MiB')
}

/** A number as people write it: a real minus sign, no exponent for integers. */
function formatValue(v: number | bigint): string {
  const text = typeof v === 'bigint' ? v.toString() : Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v)
  return text.replace(/^-/, '\u2212')
}

/** The element at flat index i as a number (64-bit integers beyond 2^53 lose precision). */
export function valueAt(a: NpyRead, i: number): number {
  const v = a.data[i]
  if (typeof v === 'bigint') return Number(v)
  return a.dtype === 'float16' ? halfToNumber(v) : v
}

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exp = (bits >> 10) & 0x1f
  const frac = bits & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

interface NpyHeader {
  dtype: NpyDtype
  ctor: Ctor
  itemSize: number
  swap: boolean
  shape: number[]
  /** offset of the data in the member */
  dataStart: number
  /** dataStart + the declared data bytes: the member's whole size */
  memberSize: number
}

/** How many bytes of a member its header needs (magic, version, length field, dict), or null when too few are there to tell. */
function headerEnd(bytes: Uint8Array): number | null {
  if (bytes.length < 10) return null
  const major = bytes[6]
  if (major === 1) return 10 + (bytes[8] | (bytes[9] << 8))
  if (bytes.length < 12) return null
  return 12 + ((bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0)
}

/** Parses the .npy header at the start of `bytes` (which may hold only part of the data). */
function parseNpyHeader(bytes: Uint8Array, file: string, name: string, expected = 'integers, floats or bools'): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw bad(file, `array "${name}" is not in .npy format (bad magic bytes)`)
  const major = bytes[6]
  if (major < 1 || major > 3) throw bad(file, `array "${name}" uses .npy version ${major}, which is not supported (1-3 are)`)
  const offset = major === 1 ? 10 : 12
  const end = headerEnd(bytes)
  if (end === null || end > bytes.length) throw bad(file, `array "${name}" has a truncated header`)
  if (end - offset > maxHeaderBytes) throw bad(file, `array "${name}" has a header of ${end - offset} bytes; at most ${maxHeaderBytes} are accepted`)
  const header = new TextDecoder('latin1').decode(bytes.subarray(offset, end))
  if (/'descr'\s*:\s*\[/.test(header)) throw bad(file, `array "${name}" holds records (a structured numpy dtype); save each field as its own array`)
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(file, `array "${name}" has a malformed .npy header`)
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr)
  const kind = m ? kinds[`${m[2]}${m[3]}`] : undefined
  if (!m || !kind) {
    const what = (m && typeCodeNames[m[2]]) ?? 'values of an unknown type'
    throw bad(file, `array "${name}" holds ${what} (numpy dtype ${descr}); expected ${expected}`)
  }
  if (fortran === 'True') throw bad(file, `array "${name}" is stored in Fortran order; save it with np.ascontiguousarray first`)
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number)
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(file, `array "${name}" has an invalid shape (${shapeText})`)
  const itemSize = Number(m[3])
  return { dtype: kind.dtype, ctor: kind.ctor, itemSize, swap: m[1] === '>' && itemSize > 1, shape, dataStart: end, memberSize: end + elementCount(shape) * itemSize }
}

/**
 * The array of a whole member. `owned` says the member's buffer belongs to the reader (it was
 * inflated), so an aligned array may be a view of it instead of a copy.
 */
function npyData(member: Uint8Array, h: NpyHeader, file: string, name: string, owned: boolean): NpyRead {
  const n = elementCount(h.shape)
  if (member.length !== h.memberSize) {
    throw bad(file, `array "${name}" should hold ${n} values of ${h.dtype} (${n * h.itemSize} bytes) for shape [${h.shape.join(', ')}] but has ${member.length - h.dataStart} bytes`)
  }
  const at = member.byteOffset + h.dataStart
  let data: NpyRead['data']
  if (owned && !h.swap && at % h.itemSize === 0) data = new h.ctor(member.buffer as ArrayBuffer, at, n)
  else {
    const copy = new Uint8Array(n * h.itemSize)
    copy.set(member.subarray(h.dataStart))
    if (h.swap) for (let i = 0; i < copy.length; i += h.itemSize) copy.subarray(i, i + h.itemSize).reverse()
    data = new h.ctor(copy.buffer, 0, n)
  }
  return { dtype: h.dtype, shape: h.shape, data }
}

/** An .npy member's dtype, shape and data bytes as they are (little-endian or single-byte dtypes only). */
export function npyBytes(member: Uint8Array, file: string, name: string): { dtype: NpyDtype; shape: number[]; body: Uint8Array } {
  const h = parseNpyHeader(member, file, name)
  if (h.swap) throw bad(file, `array "${name}" is big-endian; expected the little-endian bytes this file format writes`)
  if (member.length !== h.memberSize) {
    throw bad(file, `array "${name}" should hold ${h.memberSize - h.dataStart} bytes for shape [${h.shape.join(', ')}] of ${h.dtype} but has ${member.length - h.dataStart}: the file is damaged`)
  }
  return { dtype: h.dtype, shape: h.shape, body: member.subarray(h.dataStart) }
}

/** Parses one whole .npy member. */
export function parseNpy(bytes: Uint8Array, file: string, name: string): NpyRead {
  return npyData(bytes, parseNpyHeader(bytes, file, name), file, name, false)
}

export function encodeNpy(a: NpyArray): Uint8Array {
  return encodeNpyBytes(a.dtype, a.shape, new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength))
}

/** An .npy member from raw little-endian bytes of a dtype and shape (the bytes are copied as they are). */
export function encodeNpyBytes(dtype: DType, shapeOf: readonly number[], body: Uint8Array): Uint8Array {
  const a = { dtype, shape: shapeOf }
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`
  let header = `{'descr': '${dtypeToDescr[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`
  const total = 10 + header.length + 1
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n'
  const head = new Uint8Array(10 + header.length)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8])
  head.set(new TextEncoder().encode(header), 10)
  const out = new Uint8Array(head.length + body.length)
  out.set(head)
  out.set(body, head.length)
  return out
}

interface ZipEntry {
  name: string
  method: number
  compSize: number
  size: number
  crc: number
  dataStart: number
}

/** The zip directory: every entry with where its bytes are (nothing is inflated). */
function zipEntries(bytes: Uint8Array, file: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Find the end-of-central-directory record (scanning back over a possible comment).
  let eocd = -1
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) {
    // a zip cut short (a copy or download interrupted) starts with a member's local header
    if (bytes.length >= 4 && view.getUint32(0, true) === 0x04034b50) throw bad(file, 'is truncated or damaged: it starts as a zip archive but its end (the zip directory) is missing: copy the whole file again.')
    if (bytes.length >= 6 && [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59].every((b, i) => bytes[i] === b)) {
      throw bad(file, 'is a single .npy array (not a zip archive of named arrays, as an .npz is): save the arrays together with numpy.savez(FILE, inputs=..., targets=...)')
    }
    throw bad(file, 'is not an .npz file (not a zip archive): save it with numpy.savez')
  }
  const count = view.getUint16(eocd + 10, true)
  let cd = view.getUint32(eocd + 16, true)
  if (count === 0xffff || cd === 0xffffffff) throw bad(file, 'is a zip64 archive, which is not supported: keep .npz files under 4 GB')
  const entries: ZipEntry[] = []
  for (let e = 0; e < count; e++) {
    if (cd + 46 > bytes.length || view.getUint32(cd, true) !== 0x02014b50) throw bad(file, 'has a damaged zip directory')
    const method = view.getUint16(cd + 10, true)
    const crc = view.getUint32(cd + 16, true)
    const compSize = view.getUint32(cd + 20, true)
    const size = view.getUint32(cd + 24, true)
    const nameLen = view.getUint16(cd + 28, true)
    const extraLen = view.getUint16(cd + 30, true)
    const commentLen = view.getUint16(cd + 32, true)
    const local = view.getUint32(cd + 42, true)
    if (cd + 46 + nameLen > bytes.length) throw bad(file, 'has a damaged zip directory')
    const name = new TextDecoder().decode(bytes.subarray(cd + 46, cd + 46 + nameLen))
    cd += 46 + nameLen + extraLen + commentLen
    if (compSize === 0xffffffff || size === 0xffffffff) throw bad(file, `entry ${name} is a zip64 entry, which is not supported: keep arrays under 4 GB`)
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) throw bad(file, `has a damaged zip entry for ${name}`)
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
    if (dataStart + compSize > bytes.length) throw bad(file, `is truncated (entry ${name})`)
    entries.push({ name, method, compSize, size, crc, dataStart })
  }
  return entries
}

/**
 * The header of a deflated member, from as few compressed bytes as give it: each try inflates a
 * prefix (64 bytes, then 1 KiB, then 16 KiB) without finishing the stream, so a try yields at most
 * about a thousand times its input whatever the data.
 */
function inflatedHead(raw: Uint8Array, file: string, entry: string): Uint8Array {
  for (let take = 64; ; take *= 16) {
    const part = raw.subarray(0, Math.min(take, raw.length))
    let out: Uint8Array
    try {
      out = inflateRawSync(part, { finishFlush: constants.Z_SYNC_FLUSH })
    } catch {
      throw bad(file, `entry ${entry} could not be decompressed (damaged data)`)
    }
    const end = headerEnd(out)
    if ((end !== null && end <= out.length) || part.length === raw.length || take >= 16 * 1024) return out
  }
}

/**
 * Every member of a zip archive (stored or deflated), each checked against its CRC. A member's
 * inflated size must agree with the zip directory and fit `maxBytes` (all members together).
 */
export function readZip(bytes: Uint8Array, file: string, maxBytes = Infinity): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  let used = 0
  for (const entry of zipEntries(bytes, file)) {
    if (out.has(entry.name)) throw bad(file, `has the entry ${entry.name} twice: the file is damaged`)
    if (entry.method !== 0 && entry.method !== 8) throw bad(file, `entry ${entry.name} uses zip compression method ${entry.method}; only stored and deflated are supported`)
    if (entry.size > maxBytes - used) throw bad(file, `entry ${entry.name} declares ${formatSize(entry.size)}, more than the ${formatSize(maxBytes)} allowed for the whole file`)
    used += entry.size
    const raw = bytes.subarray(entry.dataStart, entry.dataStart + entry.compSize)
    let member: Uint8Array
    if (entry.method === 0) {
      if (entry.compSize !== entry.size) throw bad(file, `entry ${entry.name} is stored with ${entry.compSize} bytes but declares ${entry.size}: the file is damaged`)
      member = raw
    } else {
      try {
        member = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) })
      } catch {
        throw bad(file, `entry ${entry.name} could not be decompressed (damaged data, or larger than the ${entry.size} bytes it declares)`)
      }
      if (member.length !== entry.size) throw bad(file, `entry ${entry.name} inflates to ${member.length} bytes, not the ${entry.size} it declares: the file is damaged`)
    }
    if ((crc32(member) >>> 0) !== entry.crc) throw bad(file, `entry ${entry.name} fails its CRC check: the file is damaged`)
    out.set(entry.name, member)
  }
  return out
}

export interface ReadNpzOptions {
  /** largest total size of the arrays read, inflated, header included (bytes); no limit when left out */
  maxBytes?: number
  /** read only these arrays (by name without .npy); the others are not inflated */
  only?: readonly string[]
  /** per array, what a refused dtype should have been ("float32 or float64") */
  expected?: Record<string, string>
}

/** Reads the arrays of an .npz file (bytes): every .npy member, or those named in `only`. */
export function readNpz(bytes: Uint8Array, file = 'the file', opts: ReadNpzOptions = {}): Map<string, NpyRead> {
  const max = opts.maxBytes ?? Infinity
  let used = 0
  const out = new Map<string, NpyRead>()
  const seen = new Set<string>()
  for (const entry of zipEntries(bytes, file)) {
    if (!entry.name.endsWith('.npy')) continue
    // readers differ in which of two members of one name they take (numpy the last)
    if (seen.has(entry.name)) throw bad(file, `has the array "${entry.name.slice(0, -4)}" twice (two zip entries ${entry.name}): the file is damaged; save it again with numpy.savez`)
    seen.add(entry.name)
    const key = entry.name.slice(0, -4)
    if (opts.only && !opts.only.includes(key)) continue
    const raw = bytes.subarray(entry.dataStart, entry.dataStart + entry.compSize)
    if (entry.method !== 0 && entry.method !== 8) throw bad(file, `entry ${entry.name} uses zip compression method ${entry.method}; only stored and deflated are supported`)
    const h = parseNpyHeader(entry.method === 0 ? raw : inflatedHead(raw, file, entry.name), file, key, opts.expected?.[key])
    if (h.memberSize > max - used) {
      const left = used > 0 ? `the ${formatSize(max - used)} left of ` : ''
      throw bad(
        file,
        `array "${key}" [${h.shape.join(', ')}] ${h.dtype} takes ${formatSize(h.memberSize)}, more than ${left}the ${formatSize(max)} allowed for one dataset (all arrays together): split the dataset into smaller files, or raise the limit (mimic data import --max-dataset-mb, or mimic serve --max-dataset-mb)`,
      )
    }
    used += h.memberSize
    if (entry.size !== h.memberSize) throw bad(file, `entry ${entry.name}: the zip directory says ${entry.size} bytes but its .npy header declares ${h.memberSize}`)
    let member: Uint8Array
    if (entry.method === 0) member = raw
    else {
      try {
        member = inflateRawSync(raw, { maxOutputLength: Math.max(1, h.memberSize) })
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          throw bad(file, `entry ${entry.name} inflates to more than the ${h.memberSize} bytes its header and the zip directory declare`)
        }
        throw bad(file, `entry ${entry.name} could not be decompressed (damaged data)`)
      }
      if (member.length < h.memberSize) throw bad(file, `entry ${entry.name} inflates to ${member.length} bytes, fewer than the ${h.memberSize} its header declares`)
    }
    if ((crc32(member) >>> 0) !== entry.crc) throw bad(file, `entry ${entry.name} fails its CRC check: the file is damaged`)
    out.set(key, npyData(member, h, file, key, entry.method !== 0))
  }
  return out
}

/**
 * A zip local (30-byte) or central (46-byte) entry header for a stored member, with the fields the
 * two share: from `at` on, version needed, flags, method 0, time, date, CRC, sizes, name length.
 */
function entryHeader(signature: number, size: number, at: number, name: Uint8Array, crc: number, length: number): Uint8Array {
  const h = new Uint8Array(size + name.length)
  const v = new DataView(h.buffer)
  v.setUint32(0, signature, true)
  v.setUint16(at, 20, true)
  v.setUint32(at + 10, crc, true)
  v.setUint32(at + 14, length, true)
  v.setUint32(at + 18, length, true)
  v.setUint16(at + 22, name.length, true)
  h.set(name, size)
  return h
}

/** Writes arrays as an .npz (stored, uncompressed; numpy.load reads it). */
export function writeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  return writeZip(Object.entries(arrays).map(([key, arr]) => ({ name: `${key}.npy`, bytes: encodeNpy(arr) })))
}

/** Most members a zip without zip64 holds. */
export const maxZipMembers = 0xffff

/** Writes members as a zip archive (stored, uncompressed, no zip64: under 4 GB and 65,535 members). */
export function writeZip(members: readonly { name: string; bytes: Uint8Array }[]): Uint8Array {
  if (members.length >= maxZipMembers) throw new AppError('INVALID_ARGUMENT', `A file of ${members.length} members is more than the ${maxZipMembers - 1} a zip without zip64 holds.`)
  const locals: Uint8Array[] = []
  const centrals: Uint8Array[] = []
  let offset = 0
  for (const member of members) {
    // unzip and other extractors write a member where its name says: no "..", no absolute path
    if (member.name.split('/').some((part) => part === '' || part === '.' || part === '..') || /[\\\0]/.test(member.name)) {
      throw new AppError('INVALID_ARGUMENT', `"${member.name}" cannot name a member of a zip file: a name there is a relative path without empty, "." or ".." parts and without backslashes.`)
    }
    const data = member.bytes
    if (offset + data.length + 30 + member.name.length > 0xfffffffe) throw new AppError('INVALID_ARGUMENT', `The file would be larger than 4 GB, more than a zip without zip64 holds: export less at once.`)
    const name = new TextEncoder().encode(member.name)
    const crc = crc32(data) >>> 0
    const local = entryHeader(0x04034b50, 30, 4, name, crc, data.length)
    const central = entryHeader(0x02014b50, 46, 6, name, crc, data.length)
    const cv = new DataView(central.buffer)
    cv.setUint16(4, 20, true) // version made by
    cv.setUint32(42, offset, true)
    locals.push(local, data)
    centrals.push(central)
    offset += local.length + data.length
  }
  const cdSize = centrals.reduce((a, c) => a + c.length, 0)
  const eocd = new Uint8Array(22)
  const ev = new DataView(eocd.buffer)
  ev.setUint32(0, 0x06054b50, true)
  ev.setUint16(8, centrals.length, true)
  ev.setUint16(10, centrals.length, true)
  ev.setUint32(12, cdSize, true)
  ev.setUint32(16, offset, true)
  return concatArrays([...locals, ...centrals, eocd], (n) => new Uint8Array(n))
}

/** Where flat index i lies in a [samples, steps, width] array, as people count it. */
function position(i: number, shape: readonly number[], width: string): string {
  const [, steps, w] = shape
  return `[sample ${Math.floor(i / (steps * w))}, step ${Math.floor(i / w) % steps}, ${width} ${i % w}]`
}

const float32Max = 3.4028234663852886e38

/** inputs or targets as float32, refusing other dtypes and values that are not finite in float32. */
function toFloat32(file: string, name: string, a: NpyRead, width: string): Float32Array {
  if (a.dtype !== 'float32' && a.dtype !== 'float64') throw bad(file, `array "${name}" has dtype ${a.dtype}; expected float32 or float64`)
  const src = a.data as Float32Array | Float64Array
  for (let i = 0; i < src.length; i++) {
    const v = src[i]
    if (!Number.isFinite(v)) {
      throw bad(file, `array "${name}" holds ${formatValue(v)} at ${position(i, a.shape, width)}; clean the data (e.g. np.nan_to_num) first`)
    }
    if (Math.abs(v) > float32Max) {
      throw bad(file, `array "${name}" holds ${v} at ${position(i, a.shape, width)}, beyond the range of float32 (±3.4e38) in which it is stored; rescale the data first`)
    }
  }
  return src instanceof Float32Array ? src : Float32Array.from(src)
}

/**
 * Labels as −1/+1: files may write them as −1/+1 or as 0/1 (0 → −1), in any integer, float or
 * bool dtype. Anything else is refused by naming the values found.
 */
function readLabels(file: string, l: NpyRead, samples: number): { labels: Int8Array; encoding: LabelEncoding } {
  if (l.shape.length !== 1 || l.shape[0] !== samples) throw bad(file, `array "labels" has shape [${l.shape.join(', ')}]; expected [${samples}] (one label per sample)`)
  // up to 9 distinct values, exactly (64-bit integers as bigints), to name them in a refusal
  const found = new Map<string, number | bigint>()
  let zero = false
  let minusOne = false
  let other = false
  for (let i = 0; i < samples; i++) {
    const v = valueAt(l, i)
    if (!Number.isFinite(v)) throw bad(file, `array "labels" holds ${formatValue(v)} at [sample ${i}]; expected −1/+1 or 0/1`)
    if (v === 0) zero = true
    else if (v === -1) minusOne = true
    else if (v !== 1) other = true
    const raw = l.data[i]
    const exact = typeof raw === 'bigint' ? raw : v
    if (found.size < 9) found.set(String(exact), exact)
  }
  if (other || (zero && minusOne)) {
    const sorted = [...found.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const shown = sorted.slice(0, 8).map(formatValue)
    const list = found.size > 8 ? `more than 8 distinct values (${shown.join(', ')}, …)` : `the values ${shown.join(', ')}`
    throw bad(file, `array "labels" holds ${list}; expected one class per sample as −1/+1 or 0/1 (0 is read as −1)`)
  }
  const labels = new Int8Array(samples)
  for (let i = 0; i < samples; i++) labels[i] = valueAt(l, i) > 0 ? 1 : -1
  return { labels, encoding: zero ? '0/1' : '-1/+1' }
}

/** A dataset read from a file, with how its labels were written (null without labels). */
export interface ImportedDataset extends Dataset {
  labelEncoding: LabelEncoding | null
}

export interface DatasetFileOptions {
  /** the network's input channels, when the file is for one */
  channels?: number
  /** the network's outputs, when the file is for one */
  outputs?: number
  /** largest total inflated size of the arrays (bytes); defaultMaxDatasetBytes when left out */
  maxBytes?: number
}

/**
 * A dataset from an .npz: `inputs` [samples, steps, channels] and `targets` [samples, steps,
 * outputs] (float32 or float64), optional `labels` [samples] (−1/+1 or 0/1, any integer, float or
 * bool dtype). Other arrays in the file are not read.
 */
export function datasetFromNpz(bytes: Uint8Array, file = 'the file', expect: DatasetFileOptions = {}): ImportedDataset {
  const arrays = readNpz(bytes, file, {
    only: ['inputs', 'targets', 'labels'],
    maxBytes: expect.maxBytes ?? defaultMaxDatasetBytes,
    expected: { inputs: 'float32 or float64', targets: 'float32 or float64', labels: '−1/+1 or 0/1 as integers, floats or bools' },
  })
  const inputs = arrays.get('inputs')
  const targets = arrays.get('targets')
  const names = () =>
    zipEntries(bytes, file)
      .filter((e) => e.name.endsWith('.npy'))
      .map((e) => e.name.slice(0, -4))
      .join(', ') || 'none'
  if (!inputs) throw bad(file, `has no array "inputs" (it has: ${names()}); expected inputs [samples, steps, channels]`)
  if (!targets) throw bad(file, `has no array "targets" (it has: ${names()}); expected targets [samples, steps, outputs]`)
  if (inputs.shape.length !== 3) throw bad(file, `array "inputs" has shape [${inputs.shape.join(', ')}]; expected 3 dimensions [samples, steps, channels]`)
  if (targets.shape.length !== 3) throw bad(file, `array "targets" has shape [${targets.shape.join(', ')}]; expected 3 dimensions [samples, steps, outputs]`)
  const [samples, steps, channels] = inputs.shape
  if (samples === 0 || steps === 0 || channels === 0) throw bad(file, `array "inputs" is empty (shape [${inputs.shape.join(', ')}])`)
  if (targets.shape[0] !== samples || targets.shape[1] !== steps) {
    throw bad(file, `array "targets" has shape [${targets.shape.join(', ')}] but inputs has ${samples} samples of ${steps} steps; expected targets [${samples}, ${steps}, outputs]`)
  }
  if (targets.shape[2] === 0) {
    throw bad(file, `array "targets" has shape [${targets.shape.join(', ')}]: no outputs; expected targets [samples, steps, outputs] with at least one output`)
  }
  if (expect.channels !== undefined && channels !== expect.channels) {
    throw bad(file, `array "inputs" has ${channels} channels but the network takes ${expect.channels}; expected inputs [samples, steps, ${expect.channels}]`)
  }
  if (expect.outputs !== undefined && targets.shape[2] !== expect.outputs) {
    throw bad(file, `array "targets" has ${targets.shape[2]} outputs but the network has ${expect.outputs}; expected targets [samples, steps, ${expect.outputs}]`)
  }
  const l = arrays.get('labels')
  const read = l ? readLabels(file, l, samples) : null
  return {
    inputs: toFloat32(file, 'inputs', inputs, 'channel'),
    targets: toFloat32(file, 'targets', targets, 'output'),
    labels: read?.labels ?? null,
    labelEncoding: read?.encoding ?? null,
    samples,
    steps,
    channels,
    outputs: targets.shape[2],
  }
}
