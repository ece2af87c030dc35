// Series colours: distinguishable, print-safe, colour-blind-aware ordering (blue, orange first).
export const palette = ['#2457c5', '#e8590c', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285', '#a07a00', '#495057'] as const

export function seriesColor(i: number): string {
  return palette[i % palette.length]
}

/** Spike rasters: near-black ink, distinct from the grey axes and from every series colour. */
export const spikeColor = '#1d2330'

/** Reference (target) curves and guides. */
export const referenceColor = '#8a93a0'

/** A series colour made translucent (a raw trace drawn under its smoothed version). */
export function withAlpha(hex: string, alpha: number): string {
  const v = Number.parseInt(hex.slice(1), 16)
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`
}
