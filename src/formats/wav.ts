// Reading WAV files for audio import (docs/method.md §2.2): any sample rate, mono or stereo (channels
// averaged to mono), 8-bit unsigned or 16/24/32-bit signed integer PCM, or 32/64-bit float. The RIFF
// parsing is the `wavefile` package's (MIT, pinned in package.json); this module checks what it read
// and scales the samples to [−1, 1]. Every refusal is a WavError whose reason says what to do.
import wavefile from 'wavefile'

export class WavError extends Error {}

export interface DecodedWav {
  sampleRateHz: number
  /** channels in the file (the samples are their mean) */
  channels: number
  /** '8', '16', '24', '32' (integer PCM) or '32f', '64f' (float) */
  format: string
  /** mono samples in [−1, 1] */
  samples: Float32Array
}

interface Fmt {
  audioFormat: number
  numChannels: number
  sampleRate: number
  bitsPerSample: number
}

const PCM = 1, FLOAT = 3, EXTENSIBLE = 0xfffe

/** Decodes one WAV file's bytes; throws WavError with the reason when it cannot. */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  if (bytes.length === 0) throw new WavError('the file is empty')
  let w: InstanceType<typeof wavefile.WaveFile>
  try {
    w = new wavefile.WaveFile(bytes)
  } catch (err) {
    throw new WavError(`not a readable WAV file (${(err as Error).message}): export it as RIFF/WAVE PCM`)
  }
  const fmt = w.fmt as Fmt
  const bits = fmt.bitsPerSample
  let float: boolean
  if (fmt.audioFormat === FLOAT) float = true
  else if (fmt.audioFormat === PCM || fmt.audioFormat === EXTENSIBLE) float = false
  else throw new WavError(`compressed WAV (format code ${fmt.audioFormat}) is not supported: convert it to PCM or float`)
  if (float ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits))
    throw new WavError(`${bits}-bit ${float ? 'float' : 'integer PCM'} is not supported: use 8/16/24/32-bit PCM or 32/64-bit float`)
  if (!(fmt.numChannels >= 1)) throw new WavError('the header declares no channels')
  if (!(fmt.sampleRate >= 1000 && fmt.sampleRate <= 384000)) throw new WavError(`sample rate ${fmt.sampleRate} Hz is outside 1000 to 384000 Hz`)
  let raw: Float64Array | Float64Array[]
  try {
    raw = w.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[]
  } catch (err) {
    throw new WavError(`its samples cannot be read (${(err as Error).message})`)
  }
  const channels = Array.isArray(raw) ? raw : [raw]
  const n = channels[0]?.length ?? 0
  if (n === 0) throw new WavError('the file holds no samples')
  const scale = float ? 1 : bits === 8 ? 1 / 128 : 1 / 2 ** (bits - 1)
  const offset = !float && bits === 8 ? 128 : 0
  const mono = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let s = 0
    for (const c of channels) s += (c[i] - offset) * scale
    const v = s / channels.length
    if (!Number.isFinite(v)) throw new WavError(`sample ${i} is not a finite number`)
    mono[i] = v
  }
  return { sampleRateHz: fmt.sampleRate, channels: channels.length, format: float ? `${bits}f` : String(bits), samples: mono }
}
