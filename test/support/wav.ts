// WAV files of a pure tone for the tests of recordings (import, corpus noise, the wake phrase's
// baselines and result pages): 16-bit PCM, mono, 8 kHz by default; and folders of them.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import wavefile from 'wavefile'

export interface ToneOptions {
  /** peak in 16-bit units (default 6000) */
  amplitude?: number
  /** seconds of silence before the tone (default 0) */
  delayS?: number
  /** seconds of tone after the silence (default 1) */
  seconds?: number
  /** sample rate in Hz (default 8000) */
  rateHz?: number
}

/** A WAV file (its bytes) holding a sine of `hz`, after `delayS` of silence. */
export function toneWav(hz: number, { amplitude = 6000, delayS = 0, seconds = 1, rateHz = 8000 }: ToneOptions = {}): Uint8Array {
  const w = new wavefile.WaveFile()
  const start = Math.round(delayS * rateHz)
  const n = start + Math.round(seconds * rateHz)
  w.fromScratch(1, rateHz, '16', Array.from({ length: n }, (_, i) => (i < start ? 0 : Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rateHz)))))
  return w.toBuffer()
}

/**
 * A folder of recordings as `mimic data import audio` reads it: one subfolder per label holding its
 * files by name (WAV bytes, or any text for a file that is not audio). Returns `dir`.
 */
export function recordingsFolder(dir: string, labels: Record<string, Record<string, Uint8Array | string>>): string {
  for (const [label, files] of Object.entries(labels)) {
    mkdirSync(join(dir, label), { recursive: true })
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, label, name), bytes)
  }
  return dir
}

/** `count` files named `${prefix}0.wav` … , file i holding `wav(i)`: a label's part of a recordingsFolder. */
export function numberedWavs(prefix: string, count: number, wav: (i: number) => Uint8Array): Record<string, Uint8Array> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}.wav`, wav(i)]))
}
