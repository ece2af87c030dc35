// Command-line parsing: global flags anywhere, per-command flags declared once (or derived from a
// job's parameter schema, so every hyperparameter is a flag whose default is the paper's).
// Errors name the flag and say what to do.
import { editDistance, type FieldInfo } from '../shared/schema.ts'

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export type FlagType = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'integers' | 'numbers'

export interface FlagSpec {
  type: FlagType
  help: string
  required?: boolean
  default?: unknown
  values?: readonly string[]
  min?: number
  max?: number
  unit?: string
  /** name of the parameter this flag fills (camelCase) */
  param?: string
}

export interface Parsed {
  positionals: string[]
  flags: Record<string, unknown>
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/** Flags from a schema's fields (camelCase params become --kebab-case flags). */
export function flagsFromSchema(info: FieldInfo, skip: readonly string[] = []): Record<string, FlagSpec> {
  const out: Record<string, FlagSpec> = {}
  for (const [name, f] of Object.entries(info.fields ?? {})) {
    if (skip.includes(name)) continue
    const type: FlagType =
      f.type === 'integer'
        ? 'integer'
        : f.type === 'number'
          ? 'number'
          : f.type === 'boolean'
            ? 'boolean'
            : f.type === 'enum'
              ? 'enum'
              : f.type === 'array' && f.items?.type === 'integer'
                ? 'integers'
                : f.type === 'array' && f.items?.type === 'number'
                  ? 'numbers'
                  : 'string'
    const only = f.when ? ` (only with --${kebab(f.when.field)} ${String(f.when.equals)})` : ''
    const values = f.valueHelp ? `; ${Object.entries(f.valueHelp).map(([v, h]) => `${v}: ${h}`).join('; ')}` : ''
    out[kebab(name)] = {
      type,
      help: ([f.label, f.help].filter(Boolean).join(': ') || name) + values + only,
      default: Array.isArray(f.default) ? f.default.join(',') : f.default,
      values: f.values,
      min: f.min,
      max: f.max,
      unit: f.unit,
      param: name,
      required: !f.optional,
    }
  }
  return out
}

function inRange(name: string, spec: FlagSpec, n: number, kind: string, raw: string): number {
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    throw new UsageError(`--${name} must be ${kind}${rangeHint(spec)} (received ${raw.trim()}).`)
  }
  return n
}

/** A number written in decimal (1, -0.5, 1e-6, .5): not hexadecimal, binary or octal, which Number() also reads. */
const decimal = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

function convert(name: string, spec: FlagSpec, raw: string): unknown {
  switch (spec.type) {
    case 'integer': {
      if (!/^[+-]?\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be an integer${rangeHint(spec)} (received "${raw}").`)
      return inRange(name, spec, Number(raw), 'an integer', raw)
    }
    case 'number': {
      const n = Number(raw)
      if (!decimal.test(raw.trim()) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number${rangeHint(spec)} (received "${raw}").`)
      return inRange(name, spec, n, 'a number', raw)
    }
    case 'integers': {
      const parts = raw.split(',').map((x) => x.trim())
      if (raw.trim() === '') return []
      if (!parts.every((x) => /^\d+$/.test(x))) throw new UsageError(`--${name} must be a comma-separated list of integers, e.g. 0,1,2 (received "${raw}").`)
      return parts.map(Number)
    }
    case 'numbers': {
      if (raw.trim() === '') return []
      const parts = raw.split(',').map((x) => x.trim())
      const bad = parts.find((x) => !decimal.test(x) || !Number.isFinite(Number(x)))
      if (bad !== undefined) throw new UsageError(`--${name} must be a comma-separated list of numbers, e.g. 0,0.05,0.1 (received "${raw}").`)
      return parts.map(Number)
    }
    case 'enum':
      if (!spec.values?.includes(raw)) throw new UsageError(`--${name} must be one of ${spec.values?.join(', ')} (received "${raw}").`)
      return raw
    case 'boolean':
      if (raw === 'true' || raw === '1' || raw === 'yes') return true
      if (raw === 'false' || raw === '0' || raw === 'no') return false
      throw new UsageError(`--${name} is a switch: give --${name} or --no-${name} (received "${raw}").`)
    default:
      return raw
  }
}

function rangeHint(spec: FlagSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` between ${spec.min} and ${spec.max}`
  if (spec.min !== undefined) return ` of at least ${spec.min}`
  if (spec.max !== undefined) return ` of at most ${spec.max}`
  return ''
}

/**
 * Parses argv against the flag specs. Unknown flags are refused with the nearest known one.
 * `--flag value`, `--flag=value`, `--switch`, `--no-switch` and `--` (end of flags) are understood.
 */
export function parseFlags(argv: readonly string[], specs: Record<string, FlagSpec>, where: string): Parsed {
  const positionals: string[] = []
  const flags: Record<string, unknown> = {}
  // how each flag was written (--ebn, --no-ebn, --count): a flag given twice is refused
  const written: Record<string, string> = {}
  const once = (name: string, as: string): void => {
    const before = written[name]
    if (before !== undefined) throw new UsageError(`--${name} is given twice${before !== as ? ` (as ${before} and ${as})` : ''}: give it once.`)
    written[name] = as
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UsageError(`${a} is not an option of ${where}: options are written in full with two dashes (\`mimic ${where} --help\` lists them).`)
      positionals.push(a)
      continue
    }
    let name = a.slice(2)
    let value: string | undefined
    const eq = name.indexOf('=')
    if (eq >= 0) {
      value = name.slice(eq + 1)
      name = name.slice(0, eq)
    }
    let spec = specs[name]
    if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean' && value === undefined) {
      once(name.slice(3), `--${name}`)
      flags[name.slice(3)] = false
      continue
    }
    if (!spec) {
      const known = Object.keys(specs)
      let best: string | undefined
      let bestD = Infinity
      for (const k of known) {
        const d = editDistance(name, k)
        if (d < bestD) {
          bestD = d
          best = k
        }
      }
      const hint = best && bestD <= Math.max(2, Math.floor(name.length / 3)) ? `: did you mean --${best}?` : known.length ? ` (known: ${known.map((k) => `--${k}`).join(', ')})` : ''
      throw new UsageError(`--${name} is not an option of ${where}${hint}`)
    }
    once(name, `--${name}`)
    if (spec.type === 'boolean' && value === undefined) {
      flags[name] = true
      continue
    }
    if (value === undefined) {
      if (i + 1 >= argv.length || (argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) {
        throw new UsageError(`--${name} needs a value${spec.unit ? ` (${spec.unit})` : ''}: ${spec.help}.`)
      }
      value = argv[++i]
    }
    flags[name] = convert(name, spec, value)
    spec = specs[name]
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && spec.default === undefined && flags[name] === undefined && !spec.param) {
      throw new UsageError(`${where} needs --${name}: ${spec.help}.`)
    }
  }
  return { positionals, flags }
}

/** Takes the global flags (--db, --json, --help) out of argv wherever they are. */
export function splitGlobal(argv: readonly string[]): { db: string | undefined; json: boolean; help: boolean; rest: string[] } {
  let db: string | undefined
  let json = false
  let help = false
  const rest: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      rest.push(...argv.slice(i))
      break
    }
    if (a === '--json') json = true
    else if (a === '--help' || a === '-h') help = true
    else if (a === '--db' || a.startsWith('--db=')) {
      if (db !== undefined) throw new UsageError('--db is given twice: give one database.')
      if (a.startsWith('--db=')) db = a.slice(5)
      else {
        if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError('--db needs a path: --db PATH (default ./experiments.db).')
        db = argv[++i]
      }
    } else rest.push(a)
  }
  if (db !== undefined && db.trim() === '') throw new UsageError('--db needs a path: --db PATH (default ./experiments.db).')
  return { db, json, help, rest }
}

/** An integer id from a positional argument. */
export function parseId(raw: string | undefined, what: string, usage: string): number {
  if (raw === undefined) throw new UsageError(`${usage} needs ${what}.`)
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`${what} must be a positive integer id (received "${raw}").`)
  }
  return Number(raw)
}

export function helpFor(specs: Record<string, FlagSpec>): string {
  const lines = Object.entries(specs).map(([name, s]) => {
    const value = s.type === 'boolean' ? '' : s.type === 'enum' ? ` ${s.values?.join('|')}` : s.type === 'string' ? ' TEXT' : s.type === 'integers' || s.type === 'numbers' ? ' N,N,...' : ' N'
    const def = s.default !== undefined ? ` (default ${String(s.default)}${s.unit ? ' ' + s.unit : ''})` : s.required ? ' (required)' : ''
    return `  --${name}${value}`.padEnd(30) + ` ${s.help}${def}`
  })
  return lines.join('\n')
}
