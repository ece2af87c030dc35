// Argument checks of the wrappers, made before the binding is called (the binding checks again, with
// the sizes and ranges; see native/binding/args.hpp). Every failure is a TypeError or RangeError with
// code ERR_INVALID_ARG whose message names the argument, what was expected and what was received, in
// the binding's words ("Expected an integer for count but received 1.5"), so that a wrong argument
// reads the same wherever it is caught. Unknown keys are refused by name.
//
// A schema describes an argument: its kind (number, integer, boolean, one of some strings, a typed
// array, a function, an object with known keys, ...). The wrappers check the kinds of everything they
// pass on and everything they touch themselves; values and sizes are the binding's to check, except
// in the wrappers written in TypeScript only (runSimBench, benchNetwork, spectralRadius, mulberry32),
// which check them fully here.

/** An argument error: TypeError or RangeError with code ERR_INVALID_ARG. */
export function argError(kind: 'type' | 'range', message: string): TypeError | RangeError {
  const err = kind === 'type' ? new TypeError(message) : new RangeError(message)
  return Object.assign(err, { code: 'ERR_INVALID_ARG' as const })
}

/** A number as C's printf("%.10g") prints it (the binding's FormatG). */
export function formatG(d: number): string {
  if (Number.isNaN(d)) return 'NaN'
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity'
  if (d === 0) return Object.is(d, -0) ? '-0' : '0'
  const [mantissa, exponent] = d.toExponential(9).split('e')
  const e = Number(exponent)
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s)
  if (e < -4 || e >= 10) return `${strip(mantissa)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
  return strip(d.toFixed(9 - e))
}

const typedNames: Record<string, string> = {
  Int8Array: 'an Int8Array',
  Uint8Array: 'a Uint8Array',
  Uint8ClampedArray: 'a Uint8ClampedArray',
  Int16Array: 'an Int16Array',
  Uint16Array: 'a Uint16Array',
  Int32Array: 'an Int32Array',
  Uint32Array: 'a Uint32Array',
  Float16Array: 'a Float16Array',
  Float32Array: 'a Float32Array',
  Float64Array: 'a Float64Array',
  BigInt64Array: 'a BigInt64Array',
  BigUint64Array: 'a BigUint64Array',
}

/** "16.0 GB (16002000000 bytes)", as the binding writes sizes (memory.cpp FormatBytes). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB (${bytes.toFixed(0)} bytes)`
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB (${bytes.toFixed(0)} bytes)`
  return `${bytes.toFixed(0)} bytes`
}

/** The binding's refusal of a call that needs more memory than the budget (memory.cpp MemoryPlan::check). */
export function memoryError(argument: string, what: string, bytes: number, budget: { bytes: number; source: string }, fix: string): RangeError {
  const how = budget.source.includes('MIMIC_MAX_MEMORY') ? '' : '; MIMIC_MAX_MEMORY sets it'
  return argError(
    'range',
    `${argument}: ${what} needs ${formatBytes(bytes)} but the memory limit is ${(budget.bytes / 1e9).toFixed(1)} GB (${budget.bytes} bytes, ${budget.source}${how}): ${fix}`,
  )
}

/** What a received value was, in the binding's words (args.cpp Describe). Reads no property of an object. */
export function describe(v: unknown): string {
  if (v === undefined) return 'undefined'
  if (v === null) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') return formatG(v)
  if (typeof v === 'bigint') return 'a bigint'
  if (typeof v === 'symbol') return 'a symbol'
  if (typeof v === 'string') return `the string '${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`
  if (typeof v === 'function') return 'a function'
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) return 'a DataView'
    const name = Object.prototype.toString.call(v).slice(8, -1)
    return `${typedNames[name] ?? 'a typed array'} of length ${(v as unknown as { length: number }).length}`
  }
  if (Array.isArray(v)) return `an array of length ${v.length}`
  return 'an object'
}

export type Check = (v: unknown, name: string) => void

function expected(what: string, name: string, got: unknown): never {
  throw argError('type', `Expected ${what} for ${name} but received ${describe(got)}`)
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)

/** A value of type number (finiteness, integer-ness and range are the binding's to check). */
export const num: Check = (v, name) => {
  if (typeof v !== 'number') expected('a number', name, v)
}
/** A value of type number where an integer is expected. */
export const int: Check = (v, name) => {
  if (typeof v !== 'number') expected('an integer', name, v)
}
export const bool: Check = (v, name) => {
  if (typeof v !== 'boolean') expected('a boolean', name, v)
}
export const func: Check = (v, name) => {
  if (typeof v !== 'function') expected('a function', name, v)
}
/** A string (which ones is the binding's to check). */
export function str(...choices: string[]): Check {
  const what = choices.map((c) => `'${c}'`).join(' or ')
  return (v, name) => {
    if (typeof v !== 'string') expected(what, name, v)
  }
}

type TypedKind = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Int8Array'
const typedClasses = { Float32Array, Float64Array, Int32Array, Int8Array }

/** A typed array of one of the given kinds. */
export function typed(...kinds: TypedKind[]): Check {
  const what = kinds.map((k) => typedNames[k]).join(' or ')
  return (v, name) => {
    // (ArrayBuffer.isView is a brand check: a Proxy of a typed array is not one, as for the binding)
    if (!ArrayBuffer.isView(v) || !kinds.some((k) => v instanceof typedClasses[k])) expected(what, name, v)
    // (its elements cannot be read: the binding would see an empty array, the wrappers' copies would throw)
    if ((v as ArrayBufferView).buffer && ((v as ArrayBufferView).buffer as { detached?: boolean }).detached === true)
      throw argError('type', `Expected ${what} for ${name} but received one whose buffer is detached`)
  }
}
export const f32 = typed('Float32Array')

/** undefined, or what `check` accepts. */
export function opt(check: Check): Check {
  return (v, name) => {
    if (v !== undefined) check(v, name)
  }
}

/** null, or what `check` accepts (undefined too when optional). */
export function orNull(check: Check): Check {
  return (v, name) => {
    if (v !== null) check(v, name)
  }
}

/** One of several shapes, told apart by `pick` (which returns the check to apply, or undefined: `what` was expected). */
export function either(what: string, pick: (v: unknown) => Check | undefined): Check {
  return (v, name) => {
    const check = pick(v)
    if (!check) expected(what, name, v)
    check(v, name)
  }
}

export interface ObjectOptions {
  /** keys whose value must not be undefined */
  required?: string[]
  /** how unknown keys are reported: 'quoted' ("Unknown option 'k' in options: expected one of a, b", options.hpp), 'dotted' ("Unknown option options.k (expected one of: a, b)", snn.cpp) */
  unknown?: 'quoted' | 'dotted'
  /** the keys' names in messages: 'dotted' (default, "options.count") or 'bare' ("count", as snn.cpp and tasks.cpp name top-level options) */
  names?: 'dotted' | 'bare'
}

/** An object with these keys only; each value is read once and checked. */
export function obj(fields: Record<string, Check>, options: ObjectOptions = {}): Check {
  const known = Object.keys(fields)
  return (v, name) => {
    if (!isObject(v)) expected('an object', name, v)
    for (const key of Object.keys(v)) {
      if (Object.hasOwn(fields, key)) continue
      const message =
        options.unknown === 'dotted'
          ? `Unknown option ${name}.${key} (expected one of: ${known.join(', ')})`
          : `Unknown option '${key}' in ${name}: expected one of ${known.join(', ')}`
      throw argError('type', message)
    }
    for (const key of known) {
      const value = v[key]
      const child = options.names === 'bare' || name === '' ? key : `${name}.${key}`
      if (value === undefined) {
        if (options.required?.includes(key)) fields[key](value, child)
        continue
      }
      fields[key](value, child)
    }
  }
}

/** A check that names its argument `display`, whatever name it is given (for the binding's own names of nested options). */
export function named(display: string, c: Check): Check {
  return (v) => c(v, display)
}

/**
 * A plain copy of an object's own enumerable values (other values as they are): what a wrapper checks
 * and then uses itself must be read once, or a getter could pass the check and return another value.
 */
export function own<T>(v: T): T {
  return isObject(v) ? ({ ...v } as T) : v
}

/** Runs a check on a named argument. */
export function check(v: unknown, schema: Check, name: string): void {
  schema(v, name)
}

/** An integer in [lo, hi] (for the wrappers written in TypeScript only). */
export function intIn(lo: number, hi: number): Check {
  return (v, name) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) expected('an integer', name, v)
    if (v < lo || v > hi) throw argError('range', `${name} must be between ${lo} and ${hi} but is ${formatG(v)}`)
  }
}

/** A finite number in [lo, hi] (for the wrappers written in TypeScript only). */
export function numIn(lo: number, hi: number): Check {
  return (v, name) => {
    if (typeof v !== 'number') expected('a number', name, v)
    if (!Number.isFinite(v)) expected('a finite number', name, v)
    if (v < lo || v > hi) throw argError('range', `${name} must be between ${formatG(lo)} and ${formatG(hi)} but is ${formatG(v)}`)
  }
}

/**
 * A per-neuron parameter as the wrappers pass it on: a number, a Float32Array, or an array of
 * numbers of exactly `neurons` elements (checked before it is copied: a sparse array of length 2^32
 * must not be converted). neurons undefined: the length is the binding's to check.
 */
export function perNeuron(neurons: number | undefined): Check {
  return (v, name) => {
    if (typeof v === 'number' || v instanceof Float32Array) return
    if (!Array.isArray(v)) expected('a number or a Float32Array', name, v)
    if (neurons !== undefined && v.length !== neurons)
      throw argError('range', `${name} has ${v.length} elements but neurons = ${neurons}`)
  }
}
