// Long-form results as text: a table for people and CSV for other programs (RFC 4180: fields with a
// comma, a quote or a line break are quoted, quotes doubled; Python's csv module and pandas read it).
// The labels of the items (their coordinates: sample, level, draw...) become columns of their own.
import type { ResultRow } from '../shared/types.ts'
import { formatTable } from './format.ts'

const fixed = ['run', 'project', 'item', 'network', 'architecture'] as const
const tail = ['key', 'value'] as const

/** The label columns of some rows: every label name, sorted; a name that clashes with a fixed column gets "label." in front. */
function labelColumns(rows: readonly ResultRow[]): { name: string; column: string }[] {
  const names = new Set<string>()
  for (const r of rows) for (const k of Object.keys(r.labels)) names.add(k)
  const taken = new Set<string>([...fixed, ...tail])
  return [...names].sort().map((name) => ({ name, column: taken.has(name) ? `label.${name}` : name }))
}

/** A number as CSV and the table write it: the shortest text that reads back as the same double; empty for null. */
function numberText(v: number | null): string {
  return v === null ? '' : String(v)
}

function labelText(v: string | number | boolean | undefined): string {
  return v === undefined ? '' : String(v)
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function resultsCsv(rows: readonly ResultRow[]): string {
  const labels = labelColumns(rows)
  const header = [...fixed, ...labels.map((l) => l.column), ...tail]
  const lines = [header.map(csvField).join(',')]
  for (const r of rows) {
    const cells = [
      String(r.runId),
      String(r.projectId),
      String(r.item),
      r.networkId === null ? '' : String(r.networkId),
      r.architecture ?? '',
      ...labels.map((l) => labelText(r.labels[l.name])),
      r.key,
      numberText(r.value),
    ]
    lines.push(cells.map(csvField).join(','))
  }
  return lines.join('\n') + '\n'
}

export function resultsTable(rows: readonly ResultRow[]): string {
  const labels = labelColumns(rows)
  return formatTable(
    [...fixed, ...labels.map((l) => l.column), ...tail],
    rows.map((r) => [
      String(r.runId),
      String(r.projectId),
      String(r.item),
      r.networkId === null ? '-' : String(r.networkId),
      r.architecture ?? '-',
      ...labels.map((l) => labelText(r.labels[l.name])),
      r.key,
      r.value === null ? '-' : String(Number(r.value.toPrecision(6))),
    ]),
  )
}
