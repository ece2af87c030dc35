// The runs table's query language and statistics, pure (no Svelte), over the flat rows of
// `runs.export` (src/shared/runtable.ts). A query is words separated by spaces ("quotes" keep spaces):
//   text            free text: in the name, notes, tags or kind (case-insensitive)
//   col:text        the column contains text (col may leave out its "param." / "summary." prefix)
//   col=v col!=v    equals / differs (numbers compared as numbers)
//   col>n col>=n col<n col<=n   numeric comparisons (rows without a number there do not match)
import { isArchitectureName, neuronCountOf, neuronsParamCounts } from '../../../src/shared/architectures/index.ts'
import type { Cell } from '../../../src/shared/runtable.ts'
import { humanize } from './format.ts'

export type Row = Record<string, Cell>

/** The column of a network's count of neurons (withNeuronColumn): what `neurons` names in the query box, the extra columns and the grouping. */
export const neuronsColumn = 'neurons'

/**
 * The rows of `runs.export` with a `neurons` column: a network run's neurons as its architecture
 * counts them from its parameters (neuronCountOf: every spiking layer, so a BPTT network's two), else
 * the run's `neurons` parameter where it has one (a pipeline's, for instance), else, for a network whose
 * parameters do not size it (a finetune run's refitted network), its result's `neurons`. The column comes after
 * `architecture`.
 */
export function withNeuronColumn<T extends { columns: string[]; rows: Row[] }>(table: T): T {
  const rows = table.rows.map((r) => {
    const count = neuronCountOf({ architecture: typeof r.architecture === 'string' ? r.architecture : null, kind: String(r.kind) }, (k) => r[`param.${k}`])
    const own = r[`param.${neuronsColumn}`]
    const stored = r[`summary.${neuronsColumn}`]
    const fromParams = typeof own === 'number' && neuronsParamCounts(r['param.architecture']) ? own : null
    // a network whose parameters do not size it (a refitted read-out: its parameters name the network
    // it refits) counts the neurons its job reported
    const fromResult = isArchitectureName(r.architecture) && typeof stored === 'number' && Number.isFinite(stored) ? stored : null
    return { ...r, [neuronsColumn]: count ?? fromParams ?? fromResult }
  })
  const columns = table.columns.filter((c) => c !== neuronsColumn)
  const at = columns.indexOf('architecture') + 1
  return { ...table, rows, columns: [...columns.slice(0, at), neuronsColumn, ...columns.slice(at)] }
}

export interface Clause {
  column: string | null
  op: ':' | '=' | '!=' | '>' | '>=' | '<' | '<=' | 'text'
  value: string
}

export interface ParsedQuery {
  clauses: Clause[]
  /** words that name no column, said to the user */
  unknown: string[]
}

function tokens(q: string): string[] {
  const out: string[] = []
  const re = /"([^"]*)"|(\S+)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(q))) out.push(m[1] ?? m[2])
  return out
}

/**
 * A column's heading: its name without the "param." / "summary." prefix, in words; "Created" for
 * createdAt. When another of the columns shown beside it (`columns`) has the same name (a run's neurons parameter or
 * count, and a result of that name), a prefixed column says which it is: "(parameter)" or "(result)".
 */
export function columnLabel(c: string, columns: readonly string[]): string {
  if (c === 'createdAt') return 'Created'
  const bare = (x: string): string => x.replace(/^(param|summary)\./, '')
  const text = humanize(bare(c))
  if (bare(c) === c || !columns.some((o) => o !== c && bare(o) === bare(c))) return text
  const which = c.startsWith('param.') ? 'parameter' : 'result'
  // a unit already in brackets takes the word in: "Dt (ms, parameter)"
  return text.endsWith(')') ? `${text.slice(0, -1)}, ${which})` : `${text} (${which})`
}

/** The column a user's name stands for: itself, or param.NAME / summary.NAME. */
export function resolveColumn(name: string, columns: readonly string[]): string | null {
  if (columns.includes(name)) return name
  for (const p of ['param.', 'summary.']) if (columns.includes(p + name)) return p + name
  const lower = name.toLowerCase()
  return columns.find((c) => c.toLowerCase() === lower || c.toLowerCase().endsWith('.' + lower)) ?? null
}

export function parseQuery(q: string, columns: readonly string[]): ParsedQuery {
  const clauses: Clause[] = []
  const unknown: string[] = []
  for (const t of tokens(q)) {
    const m = /^([A-Za-z_][\w.]*)(!=|>=|<=|:|=|>|<)(.*)$/.exec(t)
    if (m) {
      const column = resolveColumn(m[1], columns)
      if (column) {
        clauses.push({ column, op: m[2] as Clause['op'], value: m[3] })
        continue
      }
      unknown.push(m[1])
      continue
    }
    clauses.push({ column: null, op: 'text', value: t })
  }
  return { clauses, unknown }
}

const textColumns = ['name', 'notes', 'tags', 'kind'] as const

function num(c: Cell | undefined): number | null {
  if (typeof c === 'number') return c
  if (typeof c === 'string' && c.trim() !== '' && Number.isFinite(Number(c))) return Number(c)
  if (typeof c === 'boolean') return c ? 1 : 0
  return null
}

/** A predicate for the clauses; free-text words are lower-cased once. */
export function matcher(parsed: ParsedQuery): (r: Row) => boolean {
  const tests = parsed.clauses.map((c): ((r: Row) => boolean) => {
    const v = c.value.toLowerCase()
    if (c.op === 'text') return (r) => textColumns.some((k) => String(r[k] ?? '').toLowerCase().includes(v))
    const col = c.column as string
    if (c.op === ':') return (r) => String(r[col] ?? '').toLowerCase().includes(v)
    const target = Number(c.value)
    const numeric = c.value.trim() !== '' && Number.isFinite(target)
    if (c.op === '=' || c.op === '!=') {
      const eq = (r: Row): boolean => {
        const x = r[col]
        if (numeric && num(x) !== null) return num(x) === target
        return String(x ?? '').toLowerCase() === v
      }
      return c.op === '=' ? eq : (r) => !eq(r)
    }
    return (r) => {
      const x = num(r[col])
      if (x === null || !numeric) return false
      return c.op === '>' ? x > target : c.op === '>=' ? x >= target : c.op === '<' ? x < target : x <= target
    }
  })
  return (r) => tests.every((t) => t(r))
}

/** Sorts rows by a column: numbers as numbers, text as text, empty cells last in both directions. */
export function sortRows(rows: Row[], column: string, dir: 1 | -1): Row[] {
  const keyed = rows.map((r) => ({ r, v: r[column] ?? null }))
  keyed.sort((a, b) => {
    const va = a.v === '' ? null : a.v
    const vb = b.v === '' ? null : b.v
    if (va === null && vb === null) return (Number(b.r.id) - Number(a.r.id))
    if (va === null) return 1
    if (vb === null) return -1
    const na = num(va)
    const nb = num(vb)
    const c = na !== null && nb !== null ? na - nb : String(va).localeCompare(String(vb))
    return c === 0 ? (Number(b.r.id) - Number(a.r.id)) * dir : Math.sign(c) * dir
  })
  return keyed.map((k) => k.r)
}

export interface Stats {
  n: number
  mean: number
  sd: number
  median: number
  q1: number
  q3: number
  iqr: number
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const hi = Math.ceil(h)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo)
}

/** Mean, sample standard deviation (n − 1), median and IQR of the numbers; null when there are none. */
export function stats(values: readonly number[]): Stats | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0
  const q1 = quantile(v, 0.25)
  const q3 = quantile(v, 0.75)
  return { n: v.length, mean, sd, median: quantile(v, 0.5), q1, q3, iqr: q3 - q1 }
}

export interface Group {
  key: string
  rows: Row[]
  stats: Record<string, Stats | null>
}

/** Rows grouped by the values of some columns, with the statistics of each summary column per group. */
export function groupBy(rows: readonly Row[], by: readonly string[], summaryColumns: readonly string[]): Group[] {
  const groups = new Map<string, Row[]>()
  for (const r of rows) {
    const key = by.map((c) => `${c.replace(/^(param|summary)\./, '')}=${r[c] ?? '∅'}`).join(', ')
    const list = groups.get(key)
    if (list) list.push(r)
    else groups.set(key, [r])
  }
  return [...groups.entries()]
    .sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }))
    .map(([key, rs]) => ({
      key,
      rows: rs,
      stats: Object.fromEntries(summaryColumns.map((c) => [c, stats(rs.map((r) => num(r[c])).filter((x): x is number => x !== null))])),
    }))
}

/** The parameter columns whose values differ among the rows (the rest is the same for all). */
export function differingColumns(rows: readonly Row[], columns: readonly string[]): string[] {
  return columns.filter((c) => c.startsWith('param.') && new Set(rows.map((r) => JSON.stringify(r[c] ?? null))).size > 1)
}
