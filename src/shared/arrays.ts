// Typed arrays by dtype name: the one mapping used by the store, the wire encoding and the UI.
import type { DType, TypedArray } from './types.ts'
import { dtypes } from './types.ts'
import { invalid } from './errors.ts'

type Ctor = { new (n: number): TypedArray; new (buf: ArrayBuffer, offset?: number, length?: number): TypedArray; BYTES_PER_ELEMENT: number }

const ctors: Record<DType, Ctor> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
}

export function isDType(v: unknown): v is DType {
  return typeof v === 'string' && (dtypes as readonly string[]).includes(v)
}

export function dtypeOf(a: TypedArray): DType {
  for (const d of dtypes) if (a instanceof ctors[d]) return d
  throw invalid('unsupported typed array')
}

export function bytesPerElement(d: DType): number {
  return ctors[d].BYTES_PER_ELEMENT
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

/** Copies bytes (any alignment) into a new typed array of the dtype. */
export function fromBytes(d: DType, bytes: Uint8Array): TypedArray {
  const size = ctors[d].BYTES_PER_ELEMENT
  if (bytes.byteLength % size !== 0) throw invalid(`${bytes.byteLength} bytes are not a whole number of ${d} values`)
  const buf = new ArrayBuffer(bytes.byteLength)
  new Uint8Array(buf).set(bytes)
  return new ctors[d](buf)
}

export function toBytes(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

export function allocate(d: DType, n: number): TypedArray {
  return new ctors[d](n)
}

/** The parts one after the other in one new array (of the first part's type). */
export function concatArrays<T extends Uint8Array | Uint32Array>(parts: readonly T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
