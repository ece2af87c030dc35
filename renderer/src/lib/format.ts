// Formatting for tables, status lines and forms. Pure functions: no DOM, no state.

const dash = '—'

/** 0.175 -> "175 ms", 12.3 -> "12.3 s", 245 -> "4 min 05 s", 7500 -> "2 h 05 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return dash
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`
  const s = Math.round(seconds)
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}

/** Seconds left, phrased for a progress label. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return ''
  if (seconds < 1) return 'under 1 s left'
  return `about ${formatDuration(seconds)} left`
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return dash
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** ISO time -> local "2026-11-28 08:41:12". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return dash
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** Integers as they are (with thin group separators), other numbers to 4 significant digits. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return dash
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞'
  if (Number.isInteger(v)) return Math.abs(v) >= 10_000 ? v.toLocaleString('en-US').replace(/,/g, '\u202f') : String(v)
  const a = Math.abs(v)
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return Number(v.toPrecision(4)).toExponential()
  return String(Number(v.toPrecision(4)))
}

/** [200, 1000, 1] -> "200 × 1000 × 1". */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join(' × ')
}

/** A parameter value for a table cell. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return dash
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (Array.isArray(v)) {
    if (v.length > 8) return `[${v.slice(0, 6).map(formatValue).join(', ')}, … ${v.length} items]`
    return `[${v.map(formatValue).join(', ')}]`
  }
  return JSON.stringify(v)
}

/** Units a key may end in (camel case: meanRateHz, tauMemMs), as they are written after a quantity. */
const unitSuffixes: Record<string, string> = { ms: 'ms', us: 'µs', hz: 'Hz', khz: 'kHz', db: 'dB' }

/** "tauMemMs" -> "Tau mem (ms)", "meanRateHz" -> "Mean rate (Hz)", "positive_fraction" -> "Positive fraction". */
export function humanize(key: string): string {
  const words = key
    .replace(/[_.-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase()
    .split(/\s+/)
  const last = words.length > 1 ? unitSuffixes[words[words.length - 1]] : undefined
  const text = (last ? words.slice(0, -1) : words).join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1) + (last ? ` (${last})` : '')
}

/** A run's headline numbers in a line: "testAccuracy 0.93 · testMse 0.012" (first `max` entries). */
export function summaryText(summary: Record<string, number>, max = 3): string {
  return Object.entries(summary)
    .filter(([k]) => !/seed$/i.test(k))
    .slice(0, max)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(' · ')
}

/**
 * How many samples reached no decision, for an accuracy tile: "99 of 100 undecided" (such samples
 * count as wrong, so an accuracy alone can look like a bug). Undefined when the count is not known.
 */
export function undecidedText(undecided: number | undefined, samples: number | undefined): string | undefined {
  if (undecided === undefined || !Number.isFinite(undecided)) return undefined
  return samples !== undefined && Number.isFinite(samples) ? `${formatNumber(undecided)} of ${formatNumber(samples)} undecided` : `${formatNumber(undecided)} undecided`
}
