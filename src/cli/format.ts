// Plain-text output for people: tables, durations, a progress line.
import { textColumns } from '../shared/jobkinds/spec.ts'
import type { JobProgress, MetricPoint } from '../shared/types.ts'

export function formatTable(header: string[], rows: string[][]): string {
  // a cell longer than 48 characters (a run's name) is cut with an ellipsis
  return textColumns([header, ...rows.map((r) => header.map((_, i) => r[i] ?? ''))], '  ', { indent: '', cap: 48 }).join('\n')
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-'
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`
  if (seconds < 120) return `${seconds.toFixed(1)} s`
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
  return `${(seconds / 3600).toFixed(1)} h`
}

/**
 * Progress on stderr: one rewritten line on a terminal; otherwise (a log) a line per 10 % and one when
 * the work changes (the message apart from its numbers and asides in brackets: "epoch 3 of 20" and
 * "epoch 4 of 20 (last epoch: loss 0.1)" are the same work, "collecting reservoir states" and "fitting
 * the read-out (ridge regression)" are not).
 */
export class ProgressLine {
  private readonly write: (s: string) => void
  private readonly tty: boolean
  private lastDecile = -1
  private lastWork = ''
  private shown = false
  private lastText = ''
  constructor(write: (s: string) => void, tty: boolean) {
    this.write = write
    this.tty = tty
  }
  update(p: JobProgress): void {
    const pct = Math.round(p.fraction * 100)
    const eta = p.etaSeconds !== null && p.fraction < 1 ? `, about ${formatDuration(p.etaSeconds)} left` : ''
    const text = `${p.stage ? `[${p.stage}] ` : ''}${pct}% ${p.message}${eta}`
    this.lastText = text
    if (this.tty) {
      this.write(`\r\x1b[2K${text}`)
      this.shown = true
    } else {
      // a line per tenth of the job, and per tenth of a phase that says its own share ("mapping the
      // network onto the chip (45 %)": seconds while the job's fraction stays at 0)
      const phase = /\((\d+) %\)$/.exec(p.message)
      const decile = Math.floor(pct / 10) * 10 + (phase ? Math.floor(Number(phase[1]) / 10) : 0)
      const work = `${p.stage ?? ''}\n${p.message.replace(/\s*\([^)]*\)/g, '').replace(/\d+(\.\d+)?(e[+-]?\d+)?/g, '#')}`
      if (decile !== this.lastDecile || work !== this.lastWork) {
        this.lastDecile = decile
        this.lastWork = work
        this.write(`${text}\n`)
      }
    }
  }
  /** A permanent line (e.g. an epoch's metrics) above the progress line. */
  note(text: string): void {
    if (this.tty && this.shown) this.write(`\r\x1b[2K${text}\n${this.lastText}`)
    else this.write(`${text}\n`)
  }
  done(): void {
    if (this.tty && this.shown) this.write('\n')
  }
}

function short(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4)
}

/** One line for a batch of streamed metric points: an epoch's values, or a series' count and last value. */
export function metricsLine(runLabel: string, points: readonly MetricPoint[]): string {
  const byKey = new Map<string, MetricPoint[]>()
  for (const p of points) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p])
  const steps = new Set(points.map((p) => p.step))
  if (steps.size === 1) {
    return `${runLabel} step ${[...steps][0]}: ${[...byKey].map(([k, ps]) => `${k} ${short(ps[0].value)}`).join(', ')}`
  }
  return `${runLabel}: ${[...byKey].map(([k, ps]) => `${k} ${ps.length} points, last ${short(ps[ps.length - 1].value)} (step ${ps[ps.length - 1].step})`).join('; ')}`
}
