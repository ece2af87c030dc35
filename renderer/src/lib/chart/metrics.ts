// Live metric series for charts: columns that grow as `metrics` events arrive, grouped into
// charts. Keys "loss/train" and "loss/val" share the chart "loss"; a key without "/" gets its own.
import uPlot from 'uplot'
import type { MetricPoint, MetricSeries } from '../../../../src/shared/types.ts'
import { GrowableColumn } from './columns.ts'

export interface MetricGroup {
  name: string
  keys: string[]
}

export function groupMetricKeys(keys: readonly string[]): MetricGroup[] {
  const groups = new Map<string, string[]>()
  for (const k of [...keys].sort()) {
    const cut = k.indexOf('/')
    const name = cut > 0 ? k.slice(0, cut) : k
    const g = groups.get(name)
    if (g) g.push(k)
    else groups.set(name, [k])
  }
  return [...groups.entries()].map(([name, ks]) => ({ name, keys: ks }))
}

export class MetricStore {
  private readonly series = new Map<string, { steps: GrowableColumn; values: GrowableColumn }>()

  keys(): string[] {
    return [...this.series.keys()]
  }

  has(key: string): boolean {
    return (this.series.get(key)?.steps.length ?? 0) > 0
  }

  /** The latest [step, value] of a key. */
  last(key: string): [number, number] | null {
    const s = this.series.get(key)
    const step = s?.steps.last()
    const value = s?.values.last()
    return step === undefined || value === undefined ? null : [step, value]
  }

  /** Chart columns for these keys (outer-joined on step; missing keys give empty columns). */
  columnsOf(keys: readonly string[]): uPlot.AlignedData {
    const tables = keys.map((k): uPlot.AlignedData => {
      const s = this.series.get(k)
      return s ? [s.steps.view(), s.values.view()] : [new Float64Array(0), new Float64Array(0)]
    })
    if (tables.length === 0) return [new Float64Array(0)]
    if (tables.length === 1) return tables[0]
    return uPlot.join(tables)
  }

  load(all: MetricSeries[]): void {
    this.series.clear()
    for (const s of all) this.series.set(s.key, { steps: GrowableColumn.from(s.steps), values: GrowableColumn.from(s.values) })
  }

  /** Appends points; drops ones at or before a key's last step (already loaded). */
  append(points: readonly MetricPoint[]): void {
    for (const p of points) {
      let s = this.series.get(p.key)
      if (!s) {
        s = { steps: new GrowableColumn(), values: new GrowableColumn() }
        this.series.set(p.key, s)
      }
      const last = s.steps.last()
      if (last !== undefined && p.step <= last) continue
      s.steps.push(p.step)
      s.values.push(p.value)
    }
  }
}
