// A small runtime schema library: every argument that crosses a front door (IPC, HTTP, CLI, job
// parameters) is parsed by one of these. Failures name the field, say what was expected and what
// was received, and what to do. Schemas also describe themselves (default, unit, range, help) so
// the UI can render forms with every default visible.
import { AppError, FieldError } from './errors.ts'

export interface FieldInfo {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'object' | 'array' | 'typed' | 'unknown'
  optional: boolean
  default?: unknown
  min?: number
  max?: number
  /** the value must be greater than this (time constants, rates) */
  exclusiveMin?: number
  values?: readonly string[]
  unit?: string
  help?: string
  label?: string
  /** for run-id fields: the kind(s) of run expected (the UI offers a picker of such runs) */
  ref?: string
  /** for string fields naming an execution target: the UI offers the registered targets (backends.list) to choose from */
  choices?: 'targets'
  /**
   * for string fields naming a board or a chip target: the UI suggests these names, then the saved
   * boards and the running emulators (boards.list); any other value (an address) may be typed
   */
  suggest?: { names: readonly string[] }
  /**
   * for run-id fields: a file of this type may be chosen instead; the form imports it as such a run
   * (datasets.import), checked against the run named by field `fits` when given
   */
  upload?: { accept: string; fits?: string }
  /** for enum fields: what each value means, in plain words (shown with the choices) */
  valueHelp?: Record<string, string>
  /** the field applies only when another field of the same object has this value (forms hide it otherwise) */
  when?: { field: string; equals: string | boolean }
  /** given, this field takes the place of another field of the same object, which is then left out (not used, not recorded) */
  overrides?: string
  /**
   * for number fields: the value must be above (orEqual: at least) the value of each of these fields of
   * the same object (a threshold above its reset), checked before a job's run is made
   */
  above?: readonly { field: string; orEqual?: boolean }[]
  /** for optional fields that stand for another schema's default when left out: that default (compared by `above`) */
  emptyIs?: unknown
  fields?: Record<string, FieldInfo>
  items?: FieldInfo
}

/**
 * Whether a field applies (FieldInfo.when): always without a condition; with one, when the other
 * field's value, as `valueOf` reads it, is the condition's value (a string of an enum, or a boolean).
 * The one rule for every side: the service reads typed parameter values (a field left out as its
 * default), the forms read their texts, whose enum and boolean values are already of those types.
 */
export function fieldApplies(info: Pick<FieldInfo, 'when'>, valueOf: (field: string) => unknown): boolean {
  const when = info.when
  return when === undefined || valueOf(when.field) === when.equals
}

export interface Schema<T> {
  parse(value: unknown, path?: string): T
  info(): FieldInfo
}

export type Infer<S> = S extends Schema<infer T> ? T : never

interface Meta {
  help?: string
  unit?: string
  label?: string
  ref?: string
  choices?: 'targets'
  suggest?: { names: readonly string[] }
  upload?: { accept: string; fits?: string }
  valueHelp?: Record<string, string>
  when?: { field: string; equals: string | boolean }
  overrides?: string
  above?: readonly { field: string; orEqual?: boolean }[]
  emptyIs?: unknown
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing'
  if (v === null) return 'null'
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v)
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v)
  if (typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `an array of ${v.length} items`
  // "an Int32Array", "a Uint8Array" (said "you-int"), "a Float32Array"
  if (ArrayBuffer.isView(v)) return `${/^Int/.test(v.constructor.name) ? 'an' : 'a'} ${v.constructor.name}`
  if (typeof v === 'object') return 'an object'
  return `a ${typeof v}`
}

function fail(path: string, expected: string, got: unknown): never {
  if (got === undefined) throw new FieldError(path, `is required: give ${expected}.`)
  throw new FieldError(path, `must be ${expected} (received ${describeValue(got)}).`)
}

/** 'an' before a vowel (an ads run, an evaluation run, an upload run), 'a' otherwise. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a'
}

/** Run kinds as a phrase: ["network", "ads"] -> "network or ads"; three or more: "network, ads or reservoir". */
export function kindsText(kinds: readonly string[]): string {
  return kinds.length <= 2 ? kinds.join(' or ') : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`
}

/** "network,ads" -> "network or ads" */
function refText(ref: string): string {
  return kindsText(ref.split(',').map((k) => k.trim()))
}

/**
 * An error from parsing the field at `path`, told with the field's label when it has one
 * ("Network run is required: choose a teacher or ads run." rather than "params.network is required.").
 */
function relabel(err: unknown, path: string, info: FieldInfo): unknown {
  if (!(err instanceof FieldError) || err.label !== undefined || !info.label) return err
  if (err.field === path) {
    const ref = info.ref ?? info.items?.ref
    const problem = !err.problem.startsWith('is required') || !ref ? err.problem : info.ref ? `is required: choose ${article(ref)} ${refText(ref)} run.` : `is required: choose one or more ${refText(ref)} runs.`
    return err.labelled(info.label, problem)
  }
  const item = err.field.startsWith(`${path}[`) ? /^\[(\d+)\]$/.exec(err.field.slice(path.length)) : null
  if (item) return err.labelled(`${info.label} (item ${Number(item[1]) + 1})`)
  return err
}

class Base<T> implements Schema<T> {
  protected meta: Meta
  protected readonly parseFn: (v: unknown, path: string) => T
  protected readonly infoFn: () => FieldInfo
  constructor(parseFn: (v: unknown, path: string) => T, infoFn: () => FieldInfo, meta: Meta = {}) {
    this.parseFn = parseFn
    this.infoFn = infoFn
    this.meta = meta
  }
  parse(value: unknown, path = ''): T {
    return this.parseFn(value, path)
  }
  info(): FieldInfo {
    return { ...this.infoFn(), ...this.meta }
  }
  /** Adds help text, a unit and a label for forms and CLI help. */
  doc(meta: Meta): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this
    Object.assign(copy, this)
    copy.meta = { ...this.meta, ...meta }
    return copy
  }
}

// Brands (type-only) so object schemas know which fields may be left out.
class Optional<T> extends Base<T | undefined> {
  declare readonly __optional: true
}
class WithDefault<T> extends Base<T> {
  declare readonly __default: true
}

export interface StringOptions {
  min?: number
  max?: number
  /** Trim whitespace before checking (names). */
  trim?: boolean
  pattern?: RegExp
  patternHelp?: string
  /** Text of several lines (a note, a CSV manifest): tabs and line breaks are allowed; other control characters are not. */
  multiline?: boolean
}

/** Control characters (C0, DEL, C1): a one-line value holds none of them. */
const controlChar = /[\u0000-\u001f\u007f-\u009f]/
/** The same for text of several lines, which may hold tabs and line breaks. */
const textControlChar = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/
/** Half of a UTF-16 surrogate pair without the other half: no character; SQLite would store U+FFFD instead. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const codePoint = (c: string): string => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`

export function string(opts: StringOptions = {}): Base<string> {
  const { min = 0, max = 10_000, trim = false } = opts
  return new Base<string>(
    (v, path) => {
      if (typeof v !== 'string') fail(path, 'a string', v)
      const s = trim ? (v as string).trim() : (v as string)
      if (s.length < min) {
        throw new FieldError(
          path || 'the value',
          min === 1 ? 'must not be empty: give at least one character that is not a space.' : `must have at least ${min} characters (it has ${s.length}).`,
        )
      }
      if (s.length > max) throw new FieldError(path || 'the value', `must have at most ${max} characters (it has ${s.length}): shorten it.`)
      const control = (opts.multiline ? textControlChar : controlChar).exec(s)
      if (control) {
        throw new FieldError(
          path || 'the value',
          `must not contain a control character (${codePoint(control[0])} at character ${control.index + 1}): ${opts.multiline ? 'remove it.' : 'give it on one line, without tabs or control characters.'}`,
        )
      }
      const half = loneSurrogate.exec(s)
      if (half) throw new FieldError(path || 'the value', `is not well-formed Unicode (a lone surrogate ${codePoint(half[0])} at character ${half.index + 1}): send the text as UTF-8.`)
      if (opts.pattern && !opts.pattern.test(s)) {
        throw new FieldError(path || 'the value', `${opts.patternHelp ?? `must match ${opts.pattern}`} (received ${describeValue(s)}).`)
      }
      return s
    },
    () => ({ type: 'string', optional: false, min, max }),
  )
}

export interface NumberOptions {
  min?: number
  max?: number
  /** Exclusive lower bound (for time constants and rates that must be strictly positive). */
  gt?: number
}

function rangeText(o: NumberOptions): string {
  if (o.min !== undefined && o.max !== undefined) return `between ${o.min} and ${o.max}`
  const parts: string[] = []
  if (o.gt !== undefined) parts.push(`greater than ${o.gt}`)
  if (o.min !== undefined) parts.push(`at least ${o.min}`)
  if (o.max !== undefined) parts.push(`at most ${o.max}`)
  // "an integer of at least 1", "a number greater than 0 and at most 5"
  return parts.length && !parts[0].startsWith('greater') ? `of ${parts.join(' and ')}` : parts.join(' and ')
}

function checkRange(n: number, o: NumberOptions, path: string, kind: string): number {
  const ok = (o.gt === undefined || n > o.gt) && (o.min === undefined || n >= o.min) && (o.max === undefined || n <= o.max)
  if (!ok) fail(path, `${kind} ${rangeText(o)}`, n)
  return n
}

export function number(opts: NumberOptions = {}): Base<number> {
  return new Base<number>(
    (v, path) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'a finite number', v)
      return checkRange(v as number, opts, path, 'a number')
    },
    () => ({ type: 'number', optional: false, min: opts.min, exclusiveMin: opts.gt, max: opts.max }),
  )
}

export function integer(opts: NumberOptions = {}): Base<number> {
  return new Base<number>(
    (v, path) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, `an integer${opts.min !== undefined || opts.max !== undefined ? ' ' + rangeText(opts) : ''}`, v)
      return checkRange(v as number, opts, path, 'an integer')
    },
    () => ({ type: 'integer', optional: false, min: opts.min ?? (opts.gt !== undefined ? opts.gt + 1 : undefined), max: opts.max }),
  )
}

/** A database id: a positive integer. */
export function id(): Base<number> {
  return integer({ min: 1 })
}

/** A seed: an integer in [0, 2^53), exact in JSON, SQLite and the native RNG. */
export function seed(): Base<number> {
  return integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).doc({ help: 'random seed (recorded with the run)' })
}

export function boolean(): Base<boolean> {
  return new Base<boolean>(
    (v, path) => {
      if (typeof v !== 'boolean') fail(path, 'true or false', v)
      return v as boolean
    },
    () => ({ type: 'boolean', optional: false }),
  )
}

export function oneOf<const V extends readonly string[]>(values: V): Base<V[number]> {
  return new Base<V[number]>(
    (v, path) => {
      if (typeof v !== 'string' || !values.includes(v)) fail(path, `one of ${values.map((x) => `"${x}"`).join(', ')}`, v)
      return v as V[number]
    },
    () => ({ type: 'enum', optional: false, values }),
  )
}

export function optional<T>(inner: Schema<T>): Optional<T> {
  return new Optional<T>(
    (v, path) => (v === undefined || v === null ? undefined : inner.parse(v, path)),
    // left out it is undefined: a default the inner schema has is not this field's
    () => {
      const { default: _default, ...info } = inner.info()
      return { ...info, optional: true }
    },
  )
}

/** Missing values take the default; the default is shown in forms and CLI help. */
export function withDefault<T>(inner: Schema<T>, def: T): WithDefault<T> {
  return new WithDefault<T>(
    (v, path) => (v === undefined || v === null ? def : inner.parse(v, path)),
    () => ({ ...inner.info(), optional: true, default: def }),
  )
}

/** An array; with `unique` (what an item is, e.g. 'neuron'), an item given twice is refused. */
export function array<T>(inner: Schema<T>, opts: { min?: number; max?: number; unique?: string } = {}): Base<T[]> {
  const { min = 0, max = 100_000 } = opts
  return new Base<T[]>(
    (v, path) => {
      if (!Array.isArray(v)) fail(path, 'an array', v)
      const a = v as unknown[]
      if (a.length < min || a.length > max) fail(path, `an array of ${min} to ${max} items`, v)
      const items = a.map((x, i) => inner.parse(x, `${path}[${i}]`))
      if (opts.unique !== undefined) {
        const twice = items.find((x, i) => items.indexOf(x) !== i)
        if (twice !== undefined) throw new FieldError(path, `names ${opts.unique} ${String(twice)} twice: give each ${opts.unique} once.`)
      }
      return items
    },
    () => ({ type: 'array', optional: false, min, max, items: inner.info() }),
  )
}

type Shape = Record<string, Schema<unknown>>
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S]
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
/** The input type of an object schema: fields with defaults may be left out. */
export type InputOf<S extends Shape> = {
  [K in keyof S as S[K] extends Optional<unknown> | WithDefault<unknown> ? never : K]: Infer<S[K]>
} & {
  [K in keyof S as S[K] extends Optional<unknown> | WithDefault<unknown> ? K : never]?: Infer<S[K]>
}

function nearest(name: string, options: string[]): string | undefined {
  const lower = name.toLowerCase()
  let best: string | undefined
  let bestScore = Infinity
  for (const o of options) {
    const d = editDistance(lower, o.toLowerCase())
    if (d < bestScore) {
      bestScore = d
      best = o
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]
}

export interface ObjectSchema<S extends Shape> extends Schema<ObjectOf<S>> {
  readonly shape: S
  /** Every problem of `value` at once (parse stops at the first): for forms that mark all invalid fields. */
  problems(value: unknown, path?: string): AppError[]
}

/** An object with exactly these fields; unknown fields are refused (catches misspelled options). */
export function object<S extends Shape>(shape: S): ObjectSchema<S> & Base<ObjectOf<S>> {
  const keys = Object.keys(shape)
  // own fields only: `in` would take "constructor" or "__proto__" (every object's) for fields of the shape
  const known = (k: string): boolean => Object.prototype.hasOwnProperty.call(shape, k)
  const unknownField = (k: string, path: string): FieldError => {
    const guess = nearest(k, keys)
    return new FieldError(
      path ? `${path}.${k}` : k,
      `is not a known field: ${guess ? `did you mean "${guess}"?` : keys.length ? `expected one of ${keys.join(', ')}.` : 'no fields are expected here.'}`,
    )
  }
  const asObject = (v: unknown, path: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) fail(path, 'an object', v)
    return v as Record<string, unknown>
  }
  const parseField = (k: string, input: Record<string, unknown>, path: string): unknown => {
    const at = path ? `${path}.${k}` : k
    try {
      return shape[k].parse(input[k], at)
    } catch (err) {
      throw relabel(err, at, shape[k].info())
    }
  }
  const schema = new Base<ObjectOf<S>>(
    (v, path) => {
      const input = asObject(v, path)
      for (const k of Object.keys(input)) if (!known(k)) throw unknownField(k, path)
      const out: Record<string, unknown> = {}
      for (const k of keys) {
        const parsed = parseField(k, input, path)
        if (parsed !== undefined) out[k] = parsed
      }
      return out as ObjectOf<S>
    },
    () => ({
      type: 'object',
      optional: false,
      fields: Object.fromEntries(keys.map((k) => [k, shape[k].info()])),
    }),
  ) as Base<ObjectOf<S>> & ObjectSchema<S>
  Object.defineProperty(schema, 'shape', { value: shape, enumerable: false })
  const problems = (v: unknown, path = ''): AppError[] => {
    let input: Record<string, unknown>
    try {
      input = asObject(v, path)
    } catch (err) {
      return [err as AppError]
    }
    const out: AppError[] = Object.keys(input)
      .filter((k) => !known(k))
      .map((k) => unknownField(k, path))
    for (const k of keys) {
      try {
        parseField(k, input, path)
      } catch (err) {
        if (!(err instanceof AppError)) throw err
        out.push(err)
      }
    }
    return out
  }
  Object.defineProperty(schema, 'problems', { value: problems, enumerable: false })
  return schema
}

/** Raw bytes (a Uint8Array; over HTTP they travel base64-encoded). */
export function bytes(opts: { max?: number } = {}): Base<Uint8Array> {
  const max = opts.max ?? 256 * 1024 * 1024
  return new Base<Uint8Array>(
    (v, path) => {
      if (!(v instanceof Uint8Array)) fail(path, 'bytes (a Uint8Array)', v)
      const b = v as Uint8Array
      if (b.byteLength > max) throw new FieldError(path || 'the value', `holds ${b.byteLength} bytes; at most ${max} are accepted here.`)
      return b
    },
    () => ({ type: 'typed', optional: false, max }),
  )
}

/** Any JSON value (for opaque parameter bags that were validated elsewhere). */
export function unknown(): Base<unknown> {
  return new Base<unknown>((v) => v, () => ({ type: 'unknown', optional: false }))
}
