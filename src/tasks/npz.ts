// Reading and writing numpy .npz files (a zip of .npy arrays), so datasets and trained networks
// move to and from numpy. Reads stored and deflated members; writes stored members. Every failure
// names the file, the array and what was expected.
import { crc32, inflateRawSync } from 'node:zlib'
import { AppError } from '../shared/errors.ts'
import { bytesPerElement, elementCount, fromBytes } from '../shared/arrays.ts'
import type { Dataset } from './dataset.ts'
import type { DType, TypedArray } from '../shared/types.ts'

export interface NpyArray {
  dtype: DType
  shape: number[]
  data: TypedArray
}

const descrToDtype: Record<string, DType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<u4': 'uint32',
  '<i2': 'int16',
  '<u2': 'uint16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '<i1': 'int8',
  '<u1': 'uint8',
  '|b1': 'uint8',
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

function bad(file: string, message: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${file}: ${message}`)
}

/** Parses one .npy member. */
export function parseNpy(bytes: Uint8Array, file: string, name: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw bad(file, `array "${name}" is not in .npy format (bad magic bytes)`)
  const major = bytes[6]
  let headerLen: number
  let offset: number
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8)
    offset = 10
  } else if (major === 2 || major === 3) {
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0
    offset = 12
  } else throw bad(file, `array "${name}" uses .npy version ${major}, which is not supported (1-3 are)`)
  if (offset + headerLen > bytes.length) throw bad(file, `array "${name}" has a truncated header`)
  const header = new TextDecoder('latin1').decode(bytes.subarray(offset, offset + headerLen))
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(file, `array "${name}" has a malformed .npy header`)
  const dtype = descrToDtype[descr]
  if (!dtype) {
    throw bad(file, `array "${name}" has dtype ${descr}; expected one of float32, float64, int8/16/32, uint8/16/32 (little-endian)`)
  }
  if (fortran === 'True') throw bad(file, `array "${name}" is stored in Fortran order; save it with np.ascontiguousarray first`)
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number)
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(file, `array "${name}" has an invalid shape (${shapeText})`)
  const dataStart = offset + headerLen
  const size = bytesPerElement(dtype)
  const n = elementCount(shape)
  if (bytes.length - dataStart !== n * size) {
    throw bad(file, `array "${name}" should hold ${n} values of ${dtype} (${n * size} bytes) for shape [${shape.join(', ')}] but has ${bytes.length - dataStart} bytes`)
  }
  return { dtype, shape, data: fromBytes(dtype, bytes.subarray(dataStart, dataStart + n * size)) }
}

export function encodeNpy(a: NpyArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`
  let header = `{'descr': '${dtypeToDescr[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`
  const total = 10 + header.length + 1
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n'
  const head = new Uint8Array(10 + header.length)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8])
  head.set(new TextEncoder().encode(header), 10)
  const body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength)
  const out = new Uint8Array(head.length + body.length)
  out.set(head)
  out.set(body, head.length)
  return out
}

/** Reads every array of an .npz file (bytes). */
export function readNpz(bytes: Uint8Array, file = 'the file'): Map<string, NpyArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Find the end-of-central-directory record (scanning back over a possible comment).
  let eocd = -1
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw bad(file, 'is not an .npz file (not a zip archive): save it with numpy.savez')
  const entries = view.getUint16(eocd + 10, true)
  let cd = view.getUint32(eocd + 16, true)
  if (entries === 0xffff || cd === 0xffffffff) throw bad(file, 'is a zip64 archive, which is not supported: keep .npz files under 4 GB')
  const out = new Map<string, NpyArray>()
  for (let e = 0; e < entries; e++) {
    if (cd + 46 > bytes.length || view.getUint32(cd, true) !== 0x02014b50) throw bad(file, 'has a damaged zip directory')
    const method = view.getUint16(cd + 10, true)
    const compSize = view.getUint32(cd + 20, true)
    const size = view.getUint32(cd + 24, true)
    const nameLen = view.getUint16(cd + 28, true)
    const extraLen = view.getUint16(cd + 30, true)
    const commentLen = view.getUint16(cd + 32, true)
    const local = view.getUint32(cd + 42, true)
    const name = new TextDecoder().decode(bytes.subarray(cd + 46, cd + 46 + nameLen))
    cd += 46 + nameLen + extraLen + commentLen
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) throw bad(file, `has a damaged zip entry for ${name}`)
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
    if (dataStart + compSize > bytes.length) throw bad(file, `is truncated (entry ${name})`)
    const raw = bytes.subarray(dataStart, dataStart + compSize)
    let member: Uint8Array
    if (method === 0) member = raw
    else if (method === 8) {
      try {
        member = inflateRawSync(raw)
      } catch {
        throw bad(file, `entry ${name} could not be decompressed`)
      }
    } else throw bad(file, `entry ${name} uses zip compression method ${method}; only stored and deflated are supported`)
    if (member.length !== size) throw bad(file, `entry ${name} has ${member.length} bytes but the directory says ${size}`)
    if (!name.endsWith('.npy')) continue
    const key = name.slice(0, -4)
    out.set(key, parseNpy(member, file, key))
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
  const locals: Uint8Array[] = []
  const centrals: Uint8Array[] = []
  let offset = 0
  for (const [key, arr] of Object.entries(arrays)) {
    const data = encodeNpy(arr)
    const name = new TextEncoder().encode(`${key}.npy`)
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
  const parts = [...locals, ...centrals, eocd]
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function toFloat32(file: string, name: string, a: NpyArray): Float32Array {
  if (a.dtype !== 'float32' && a.dtype !== 'float64') throw bad(file, `array "${name}" has dtype ${a.dtype}; expected float32 or float64`)
  const out = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as Float64Array)
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw bad(file, `array "${name}" holds a non-finite value (${out[i]}) at flat index ${i}; clean the data (e.g. np.nan_to_num) first`)
    }
  }
  return out
}

/**
 * A dataset from an .npz: `inputs` [samples, steps, channels] and `targets` [samples, steps,
 * outputs] (float32 or float64), optional `labels` [samples] (+1 / -1, any integer or float type).
 */
export function datasetFromNpz(bytes: Uint8Array, file = 'the file', expect: { channels?: number; outputs?: number } = {}): Dataset {
  const arrays = readNpz(bytes, file)
  const inputs = arrays.get('inputs')
  const targets = arrays.get('targets')
  const names = [...arrays.keys()].join(', ') || 'none'
  if (!inputs) throw bad(file, `has no array "inputs" (it has: ${names}); expected inputs [samples, steps, channels]`)
  if (!targets) throw bad(file, `has no array "targets" (it has: ${names}); expected targets [samples, steps, outputs]`)
  if (inputs.shape.length !== 3) throw bad(file, `array "inputs" has shape [${inputs.shape.join(', ')}]; expected 3 dimensions [samples, steps, channels]`)
  if (targets.shape.length !== 3) throw bad(file, `array "targets" has shape [${targets.shape.join(', ')}]; expected 3 dimensions [samples, steps, outputs]`)
  const [samples, steps, channels] = inputs.shape
  if (samples === 0 || steps === 0 || channels === 0) throw bad(file, `array "inputs" is empty (shape [${inputs.shape.join(', ')}])`)
  if (targets.shape[0] !== samples || targets.shape[1] !== steps) {
    throw bad(file, `array "targets" has shape [${targets.shape.join(', ')}] but inputs has ${samples} samples of ${steps} steps; expected targets [${samples}, ${steps}, outputs]`)
  }
  if (expect.channels !== undefined && channels !== expect.channels) {
    throw bad(file, `array "inputs" has ${channels} channels but the network takes ${expect.channels}; expected inputs [samples, steps, ${expect.channels}]`)
  }
  if (expect.outputs !== undefined && targets.shape[2] !== expect.outputs) {
    throw bad(file, `array "targets" has ${targets.shape[2]} outputs but the network has ${expect.outputs}; expected targets [samples, steps, ${expect.outputs}]`)
  }
  let labels: Int8Array | null = null
  const l = arrays.get('labels')
  if (l) {
    if (l.shape.length !== 1 || l.shape[0] !== samples) throw bad(file, `array "labels" has shape [${l.shape.join(', ')}]; expected [${samples}] (one label per sample)`)
    labels = new Int8Array(samples)
    for (let i = 0; i < samples; i++) {
      const v = Number(l.data[i])
      if (!Number.isFinite(v)) throw bad(file, `array "labels" holds a non-finite value at index ${i}`)
      labels[i] = v > 0 ? 1 : -1
    }
  }
  return {
    inputs: toFloat32(file, 'inputs', inputs),
    targets: toFloat32(file, 'targets', targets),
    labels,
    samples,
    steps,
    channels,
    outputs: targets.shape[2],
  }
}
