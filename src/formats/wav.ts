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
  /** mono samples in [−1, 1] (at most `maxSeconds` of them when asked for) */
  samples: Float32Array
  /** the length of the whole recording */
  seconds: number
}

export interface DecodeOptions {
  /** decode only the first this many seconds (a long recording costs neither the memory nor the time of the rest) */
  maxSeconds?: number
}

interface Fmt {
  audioFormat: number
  numChannels: number
  sampleRate: number
  bitsPerSample: number
  /** WAVE_FORMAT_EXTENSIBLE's sub-format GUID as four 32-bit words: the first is the format code */
  subformat?: number[]
}

const PCM = 1, FLOAT = 3, EXTENSIBLE = 0xfffe

/** Frames decoded at once (the samples of every channel as 64-bit floats, for that many frames). */
const decodeFrames = 1 << 20

/** 32-bit float samples, interleaved, as one array per channel (little-endian, or big-endian in an RIFX file). */
function float32Channels(bytes: Uint8Array, channels: number, littleEndian: boolean): Float64Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const frames = Math.floor(bytes.byteLength / (4 * channels))
  const out = Array.from({ length: channels }, () => new Float64Array(frames))
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) out[c][i] = view.getFloat32(4 * (i * channels + c), littleEndian)
  return out
}

/** Decodes one WAV file's bytes; throws WavError with the reason when it cannot. */
export function decodeWav(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedWav {
  if (bytes.length === 0) throw new WavError('the file is empty')
  let w: InstanceType<typeof wavefile.WaveFile>
  try {
    w = new wavefile.WaveFile(bytes)
  } catch (err) {
    throw new WavError(`not a readable WAV file (${(err as Error).message}): export it as RIFF/WAVE PCM`)
  }
  const fmt = w.fmt as Fmt
  const bits = fmt.bitsPerSample
  // WAVE_FORMAT_EXTENSIBLE (written for more than two channels, or more than 16 bits, by many tools)
  // says PCM or float in its sub-format
  const extensible = fmt.audioFormat === EXTENSIBLE
  const code = extensible ? (fmt.subformat?.[0] ?? -1) : fmt.audioFormat
  let float: boolean
  if (code === FLOAT) float = true
  else if (code === PCM) float = false
  else throw new WavError(`compressed WAV (format code ${extensible ? `${EXTENSIBLE}, sub-format ${code}` : code}) is not supported: convert it to PCM or float`)
  if (float ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits))
    throw new WavError(`${bits}-bit ${float ? 'float' : 'integer PCM'} is not supported: use 8/16/24/32-bit PCM or 32/64-bit float`)
  if (!(fmt.numChannels >= 1)) throw new WavError('the header declares no channels')
  if (!(fmt.sampleRate >= 1000 && fmt.sampleRate <= 384000)) throw new WavError(`sample rate ${fmt.sampleRate} Hz is outside 1000 to 384000 Hz`)
  const data = w.data as { samples: Uint8Array }
  const all = data.samples
  const frameBytes = (fmt.numChannels * (((bits - 1) | 7) + 1)) / 8
  // whole frames only (a last frame cut short by a truncated copy is left out)
  const total = Math.floor(all.length / frameBytes)
  const seconds = total / fmt.sampleRate
  const frames = opts.maxSeconds === undefined ? total : Math.min(total, Math.ceil(opts.maxSeconds * fmt.sampleRate))
  if (frames === 0) throw new WavError('the file holds no samples')
  const scale = float ? 1 : bits === 8 ? 1 / 128 : 1 / 2 ** (bits - 1)
  const offset = !float && bits === 8 ? 128 : 0
  const mono = new Float32Array(frames)
  // decoded a million frames at a time: a long recording costs its mono samples, not 8 bytes per sample of every channel
  for (let start = 0; start < frames; start += decodeFrames) {
    const count = Math.min(decodeFrames, frames - start)
    data.samples = all.subarray(start * frameBytes, (start + count) * frameBytes)
    let raw: Float64Array | Float64Array[]
    try {
      // wavefile reads 32-bit floats only under format code 3: the extensible ones are decoded here
      raw = extensible && float && bits === 32 ? float32Channels(data.samples, fmt.numChannels, w.container !== 'RIFX') : (w.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[])
    } catch (err) {
      throw new WavError(`its samples cannot be read (${(err as Error).message})`)
    }
    const channels = Array.isArray(raw) ? raw : [raw]
    for (let i = 0; i < count; i++) {
      let s = 0
      for (const c of channels) s += (c[i] - offset) * scale
      const v = s / channels.length
      if (!Number.isFinite(v)) throw new WavError(`sample ${start + i} is not a finite number`)
      mono[start + i] = v
    }
  }
  return { sampleRateHz: fmt.sampleRate, channels: fmt.numChannels, format: float ? `${bits}f` : String(bits), samples: mono, seconds }
}
