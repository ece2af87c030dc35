// Files of the right extension that readers take differently: a WAV in WAVE_FORMAT_EXTENSIBLE whose
// sub-format is IEEE float (read as 32-bit integers, it was noise), a long recording of which only
// the first seconds are wanted, an .npz with an array twice (numpy takes the last), an .npy renamed .npz.
import { describe, expect, it } from 'vitest'
import { datasetFromNpz, encodeNpy } from '../../src/formats/npz.ts'
import { decodeWav } from '../../src/formats/wav.ts'
import { manifestHeaderProblem, parseManifest } from '../../src/plugins/audio-import.ts'
import { storedMember, zipOf } from '../support/zip.ts'

/** A RIFF/WAVE file: fmt chunk (plain, or extensible with the sub-format `code`), then data. */
function wavBytes(samples: Uint8Array, o: { code: number; extensible: boolean; channels: number; rateHz: number; bits: number }): Uint8Array {
  const block = (o.channels * o.bits) / 8
  const fmt = Buffer.alloc(o.extensible ? 40 : 16)
  fmt.writeUInt16LE(o.extensible ? 0xfffe : o.code, 0)
  fmt.writeUInt16LE(o.channels, 2)
  fmt.writeUInt32LE(o.rateHz, 4)
  fmt.writeUInt32LE(o.rateHz * block, 8)
  fmt.writeUInt16LE(block, 12)
  fmt.writeUInt16LE(o.bits, 14)
  if (o.extensible) {
    fmt.writeUInt16LE(22, 16)
    fmt.writeUInt16LE(o.bits, 18)
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the format code, then 0000-0010-8000-00aa00389b71
    Buffer.from([o.code, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).copy(fmt, 24)
  }
  const chunk = (id: string, body: Uint8Array): Buffer => {
    const head = Buffer.alloc(8)
    head.write(id, 0, 'latin1')
    head.writeUInt32LE(body.length, 4)
    return Buffer.concat([head, body])
  }
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), chunk('data', samples)])
  return new Uint8Array(chunk('RIFF', body))
}

const tone = (n: number, channels = 1): Float32Array => Float32Array.from({ length: n * channels }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * Math.floor(i / channels)) / 16000))
const bytesOf = (a: Float32Array | Int16Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

describe('WAV files readers take differently', () => {
  it('reads 32-bit float in WAVE_FORMAT_EXTENSIBLE as floats, as format code 3, mono and stereo', () => {
    for (const channels of [1, 2]) {
      const x = tone(1600, channels)
      const plain = decodeWav(wavBytes(bytesOf(x), { code: 3, extensible: false, channels, rateHz: 16000, bits: 32 }))
      const ext = decodeWav(wavBytes(bytesOf(x), { code: 3, extensible: true, channels, rateHz: 16000, bits: 32 }))
      expect(ext.format).toBe('32f')
      expect(ext.channels).toBe(channels)
      expect(ext.samples).toEqual(plain.samples)
      expect(Math.max(...ext.samples.map(Math.abs))).toBeCloseTo(0.5, 3)
    }
    // a sub-format that is neither PCM nor float is refused by its code
    expect(() => decodeWav(wavBytes(new Uint8Array(100), { code: 6, extensible: true, channels: 1, rateHz: 8000, bits: 8 }))).toThrow(/compressed WAV \(format code 65534, sub-format 6\) is not supported/)
  })

  it('decodes only the first seconds asked for, giving the whole length', () => {
    const pcm = Int16Array.from(tone(16000 * 3), (v) => Math.round(v * 32767))
    const file = wavBytes(bytesOf(pcm), { code: 1, extensible: false, channels: 1, rateHz: 16000, bits: 16 })
    const whole = decodeWav(file)
    const first = decodeWav(file, { maxSeconds: 1.5 })
    expect(whole.seconds).toBe(3)
    expect(first.seconds).toBe(3)
    expect(first.samples).toEqual(whole.samples.subarray(0, 24000))
  })

  it('decodes a recording longer than one decoding step (2^20 frames) whole, stereo averaged', () => {
    const frames = 1_500_000
    const pcm = Int16Array.from({ length: 2 * frames }, (_, i) => ((i * 7919) % 65536) - 32768)
    const w = decodeWav(wavBytes(bytesOf(pcm), { code: 1, extensible: false, channels: 2, rateHz: 48000, bits: 16 }))
    expect(w.samples.length).toBe(frames)
    const expected = Float32Array.from({ length: frames }, (_, i) => (pcm[2 * i] / 32768 + pcm[2 * i + 1] / 32768) / 2)
    expect(w.samples).toEqual(expected)
  })
})

describe('.npz files readers take differently', () => {
  const inputs = encodeNpy({ dtype: 'float32', shape: [2, 3, 1], data: new Float32Array(6).fill(1) })
  const targets = encodeNpy({ dtype: 'float32', shape: [2, 3, 1], data: new Float32Array(6) })

  it('refuses an array stored twice, naming it', () => {
    const other = encodeNpy({ dtype: 'float32', shape: [2, 3, 1], data: new Float32Array(6).fill(5) })
    const file = zipOf([storedMember('inputs.npy', inputs), storedMember('targets.npy', targets), storedMember('inputs.npy', other)])
    expect(() => datasetFromNpz(file, 'twice.npz')).toThrow(/^twice\.npz: has the array "inputs" twice \(two zip entries inputs\.npy\): the file is damaged/)
    expect(datasetFromNpz(zipOf([storedMember('inputs.npy', inputs), storedMember('targets.npy', targets)]), 'once.npz').samples).toBe(2)
  })

  it('says a lone .npy is not an .npz of named arrays', () => {
    expect(() => datasetFromNpz(inputs, 'inputs.npz')).toThrow(/^inputs\.npz: is a single \.npy array \(not a zip archive of named arrays, as an \.npz is\): save the arrays together with numpy\.savez/)
  })
})

describe('manifests as spreadsheets write them', () => {
  it('reads lines ending in a lone CR (CSV for Macintosh), with a BOM, quotes and any case of the header', () => {
    const text = '\uFEFF"File","LABEL",split\ra.wav,positive,train\r"b, ""c"".wav",negative,\r'
    expect(manifestHeaderProblem(text)).toBeNull()
    expect(parseManifest(text)).toEqual({
      rows: [
        { file: 'a.wav', label: 'positive', split: 'train', speaker: null },
        { file: 'b, "c".wav', label: 'negative', split: null, speaker: null },
      ],
      problems: [],
    })
  })

  it('names the line of a quote left open instead of reading the rest of the line as a file name', () => {
    expect(parseManifest('file,label\n"a.wav,positive\nb.wav,negative\n')).toEqual({
      rows: [{ file: 'b.wav', label: 'negative', split: null, speaker: null }],
      problems: [{ file: 'manifest line 2', reason: expect.stringMatching(/^a quote \("\) is opened but not closed on the line/) }],
    })
  })
})
