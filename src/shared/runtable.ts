// Runs as flat rows: one row per run, its parameters and summary flattened to columns
// (`param.<name>`, nested objects as `param.<a>.<b>`; `summary.<name>`). Used by `mimic runs export`
// (CSV / JSON for pandas) and by the runs table. Pure: no imports.

export interface RunTableInput {
  id: number
  projectId: number
  kind: string
  name: string
  status: string
  seed: number | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  durationSeconds: number | null
  tags: string[]
  summary: Record<string, number>
  params: Record<string, unknown>
  codeVersion?: string
  host?: string
  architecture?: string | null
  task?: string | null
  parents?: number[]
  /** the run's notes, one text */
  notes?: string
}

export type Cell = string | number | boolean | null

/** The fixed columns, in order, before the parameter and summary columns. */
export const fixedRunColumns = [
  'id',
  'project',
  'kind',
  'name',
  'status',
  'seed',
  'architecture',
  'task',
  'tags',
  'parents',
  'createdAt',
  'startedAt',
  'finishedAt',
  'durationSeconds',
  'codeVersion',
  'host',
  'notes',
] as const

function flattenInto(out: Record<string, Cell>, prefix: string, value: unknown): void {
  if (value === null || value === undefined) out[prefix] = null
  else if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') out[prefix] = value
  else if (Array.isArray(value)) out[prefix] = JSON.stringify(value) // lists stay one cell (e.g. membrane neurons "[0,1,2]")
  else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 0) out[prefix] = '{}'
    for (const [k, v] of entries) flattenInto(out, `${prefix}.${k}`, v)
  } else out[prefix] = String(value)
}

/** One run as a flat record: fixed columns, then `param.*`, then `summary.*`. */
export function flattenRun(r: RunTableInput): Record<string, Cell> {
  const row: Record<string, Cell> = {
    id: r.id,
    project: r.projectId,
    kind: r.kind,
    name: r.name,
    status: r.status,
    seed: r.seed,
    architecture: r.architecture ?? null,
    task: r.task ?? null,
    tags: r.tags.join(';'),
    parents: (r.parents ?? []).join(';'),
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationSeconds: r.durationSeconds,
    codeVersion: r.codeVersion ?? null,
    host: r.host ?? null,
    notes: r.notes ?? '',
  }
  for (const [k, v] of Object.entries(r.params)) flattenInto(row, `param.${k}`, v)
  for (const [k, v] of Object.entries(r.summary)) row[`summary.${k}`] = Number.isFinite(v) ? v : null
  return row
}

/** The columns of several flat rows: the fixed ones, then every parameter, then every summary figure (each sorted). */
export function runColumns(rows: readonly Record<string, Cell>[]): string[] {
  const params = new Set<string>()
  const summary = new Set<string>()
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (k.startsWith('param.')) params.add(k)
      else if (k.startsWith('summary.')) summary.add(k)
    }
  }
  return [...fixedRunColumns, ...[...params].sort(), ...[...summary].sort()]
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** RFC 4180 CSV: a header line, one line per run; missing and null cells are empty; numbers as the shortest text that reads back as the same double. */
export function runsCsv(rows: readonly Record<string, Cell>[], columns = runColumns(rows)): string {
  const lines = [columns.map(csvField).join(',')]
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c] === null || r[c] === undefined ? '' : String(r[c]))).join(','))
  return lines.join('\r\n') + '\r\n'
}
