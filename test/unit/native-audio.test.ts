// The audio front end (docs/method.md §2.2) through the real addon: the filters against the analytic
// Butterworth design, a tone's envelope through the whole chain, resampling, and argument errors.
import { describe, expect, it } from 'vitest'
import { audioFeatures, audioFilterBank, audioResample } from '../../native/index.ts'
import { thrown } from '../support/thrown.ts'

/** |H(e^{jω})| of biquads [b0 b1 b2 a1 a2] at hz, computed here from the coefficients. */
function gain(sections: Float64Array, first: number, count: number, hz: number, rateHz: number): number {
  const w = (2 * Math.PI * hz) / rateHz
  let g = 1
  for (let s = first; s < first + count; s++) {
    const [b0, b1, b2, a1, a2] = sections.subarray(s * 5, s * 5 + 5)
    const re = (c0: number, c1: number, c2: number): [number, number] => [c0 + c1 * Math.cos(w) + c2 * Math.cos(2 * w), -c1 * Math.sin(w) - c2 * Math.sin(2 * w)]
    const [nr, ni] = re(b0, b1, b2)
    const [dr, di] = re(1, a1, a2)
    g *= Math.hypot(nr, ni) / Math.hypot(dr, di)
  }
  return g
}

/** The analytic order-2 Butterworth band-pass after the bilinear transform with pre-warped edges. */
function analytic(lowHz: number, highHz: number, hz: number, rateHz: number): number {
  const t = (f: number): number => Math.tan((Math.PI * f) / rateHz)
  const w1 = t(lowHz), w2 = t(highHz), W = t(hz)
  const x = (W * W - w1 * w2) / (W * (w2 - w1))
  return 1 / Math.sqrt(1 + x ** 4)
}

const mel = (hz: number): number => 2595 * Math.log10(1 + hz / 700)

function tone(hz: number, amplitude: number, seconds: number, rateHz: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * rateHz))
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rateHz)
  return x
}

/** The mean of band b over steps [from, steps). */
function bandMean(f: { features: Float32Array; steps: number; bands: number }, b: number, from: number): number {
  let s = 0
  for (let t = from; t < f.steps; t++) s += f.features[t * f.bands + b]
  return s / (f.steps - from)
}

describe('filter bank', () => {
  const rate = 16000
  const bank = audioFilterBank({})

  it('16 bands, mel-spaced centres from 100 Hz to 0.9 × Nyquist, relative bandwidth 2/16', () => {
    expect(bank.bands).toHaveLength(16)
    expect(bank.sections).toHaveLength(16 * 2 * 5)
    const nominal = bank.bands.map((b) => (b.lowHz + b.highHz) / 2)
    expect(nominal[0]).toBeCloseTo(100, 9)
    expect(nominal[15]).toBeCloseTo(7200, 9)
    const steps = nominal.slice(1).map((f, i) => mel(f) - mel(nominal[i]))
    for (const d of steps) expect(d).toBeCloseTo(steps[0], 9)
    for (let i = 0; i < 16; i++) expect((bank.bands[i].highHz - bank.bands[i].lowHz) / nominal[i]).toBeCloseTo(2 / 16, 12)
  })

  it('each band: unit gain at its centre, −3 dB at its edges, and the analytic response elsewhere', () => {
    for (let i = 0; i < 16; i++) {
      const b = bank.bands[i]
      expect(gain(bank.sections, 2 * i, 2, b.centreHz, rate)).toBeCloseTo(1, 9)
      expect(gain(bank.sections, 2 * i, 2, b.lowHz, rate)).toBeCloseTo(Math.SQRT1_2, 9)
      expect(gain(bank.sections, 2 * i, 2, b.highHz, rate)).toBeCloseTo(Math.SQRT1_2, 9)
      for (const f of [0.5, 0.8, 0.97, 1.03, 1.2, 2].map((k) => k * b.centreHz).filter((f) => f < rate / 2))
        expect(gain(bank.sections, 2 * i, 2, f, rate)).toBeCloseTo(analytic(b.lowHz, b.highHz, f, rate), 9)
      // the geometric centre of the pre-warped edges
      const t = (f: number): number => Math.tan((Math.PI * f) / rate)
      expect(t(b.centreHz)).toBeCloseTo(Math.sqrt(t(b.lowHz) * t(b.highHz)), 12)
    }
  })

  it('the envelope low-pass: unit gain at DC, −3 dB at 400 Hz', () => {
    expect(gain(bank.envelope, 0, 1, 0, rate)).toBeCloseTo(1, 12)
    expect(gain(bank.envelope, 0, 1, 400, rate)).toBeCloseTo(Math.SQRT1_2, 9)
  })

  it('at another filter rate the edges stay where the design puts them', () => {
    const b44 = audioFilterBank({ rateHz: 48000 })
    expect((b44.bands[15].lowHz + b44.bands[15].highHz) / 2).toBeCloseTo(21600, 6)
    expect(gain(b44.sections, 30, 2, b44.bands[15].highHz, 48000)).toBeCloseTo(Math.SQRT1_2, 9)
  })
})

describe('features', () => {
  const bank = audioFilterBank({})
  const band = 8
  const c = bank.bands[band]

  it('a tone at a band centre gives the rectified mean 2A/π there, A/√2·2/π at its −3 dB point, and little elsewhere', async () => {
    const A = 0.5
    const f = await audioFeatures(tone(c.centreHz, A, 1, 16000), { sampleRateHz: 16000 })
    expect(f.bands).toBe(16)
    expect(f.steps).toBe(1000)
    expect(f.features).toHaveLength(16000)
    expect(bandMean(f, band, 500) / ((2 * A) / Math.PI)).toBeCloseTo(1, 2)
    expect(bandMean(f, 2, 500)).toBeLessThan(0.02 * bandMean(f, band, 500))
    const edge = await audioFeatures(tone(c.lowHz, A, 1, 16000), { sampleRateHz: 16000 })
    expect(bandMean(edge, band, 500) / ((2 * A) / Math.PI)).toBeCloseTo(Math.SQRT1_2, 2)
  })

  it('other input rates are resampled first: the same tone at 44.1 kHz and 8 kHz gives the same envelope', async () => {
    const ref = await audioFeatures(tone(c.centreHz, 0.3, 1, 16000), { sampleRateHz: 16000 })
    for (const rate of [44100, 8000, 22050]) {
      const f = await audioFeatures(tone(c.centreHz, 0.3, 1, rate), { sampleRateHz: rate })
      expect(f.steps).toBe(Math.floor(Math.floor(rate * 16000 / rate) / 16))
      expect(bandMean(f, band, 500) / bandMean(ref, band, 500)).toBeCloseTo(1, 2)
    }
  })

  it('audioResample: a 1 kHz tone at 44.1 kHz becomes the same tone at 16 kHz (and back to 44.1 kHz)', async () => {
    const x = tone(1000, 0.5, 0.5, 44100)
    const y = await audioResample(x, { fromHz: 44100, toHz: 16000 })
    expect(y.length).toBe(Math.floor((x.length * 16000) / 44100))
    const ref = tone(1000, 0.5, 0.5, 16000)
    let err = 0
    for (let i = 200; i < y.length - 200; i++) err = Math.max(err, Math.abs(y[i] - ref[i]))
    expect(err).toBeLessThan(2e-3)
    const z = await audioResample(y, { fromHz: 16000, toHz: 44100 })
    expect(z.length).toBe(Math.floor((y.length * 44100) / 16000))
    for (let i = 500; i < z.length - 500; i += 37) expect(Math.abs(z[i] - x[i])).toBeLessThan(3e-3)
    expect(String(thrown(() => audioResample(x, { fromHz: 44100 } as never)))).toMatch(/options\.toHz/)
  })

  it('does not depend on the thread count', async () => {
    const x = tone(1234, 0.2, 0.3, 16000)
    for (let i = 0; i < x.length; i++) x[i] += 0.1 * Math.sin(i * i * 1e-5)
    const a = await audioFeatures(x, { sampleRateHz: 16000, threads: 1 })
    const b = await audioFeatures(x, { sampleRateHz: 16000, threads: 0 })
    expect(Buffer.from(a.features.buffer).equals(Buffer.from(b.features.buffer))).toBe(true)
  })

  it('is cancelled through an AbortSignal', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(audioFeatures(tone(440, 0.1, 1, 16000), { sampleRateHz: 16000 }, { signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_CANCELLED' })
  })

  it('wrong arguments are errors naming the argument', async () => {
    expect(String(thrown(() => audioFeatures([1, 2] as unknown as Float32Array, { sampleRateHz: 16000 })))).toMatch(/Float32Array for samples/)
    expect(String(thrown(() => audioFeatures(new Float32Array(10), {} as never)))).toMatch(/options\.sampleRateHz/)
    expect(String(thrown(() => audioFeatures(new Float32Array(10), { sampleRateHz: 16000, bnds: 3 } as never)))).toMatch(/Unknown option 'bnds'/)
    expect(String(thrown(() => audioFeatures(new Float32Array(10), { sampleRateHz: 16000, maxFraction: 0.95 })))).toMatch(/options\.maxFraction/)
    expect(String(thrown(() => audioFeatures(new Float32Array(10), { sampleRateHz: 16000, rateHz: 16500 })))).toMatch(/options\.rateHz must be an integer multiple/)
    expect(String(thrown(() => audioFeatures(new Float32Array(10), { sampleRateHz: 100 })))).toMatch(/sampleRateHz/)
    expect(String(thrown(() => audioFeatures(Float32Array.of(0, NaN), { sampleRateHz: 16000 })))).toMatch(/samples must hold finite numbers but element 1/)
    // the lowest centre at least 1 Hz: at 1e-30 Hz the filters' coefficients and every feature were NaN
    const low = thrown(() => audioFeatures(new Float32Array(10), { sampleRateHz: 16000, minHz: 1e-30 }))
    expect(low).toBeInstanceOf(RangeError)
    expect((low as Error).message).toBe('options.minHz must be between 1 and 192000 but is 1e-30')
    expect((thrown(() => audioFilterBank({ minHz: 1e-30 })) as Error).message).toBe('options.minHz must be between 1 and 192000 but is 1e-30')
    expect(audioFilterBank({ minHz: 1 }).sections.every(Number.isFinite)).toBe(true)
    // a detached buffer (transferred to a worker) is not an empty recording
    const gone = new Float32Array(16000)
    ;(gone.buffer as unknown as { transfer(): ArrayBuffer }).transfer()
    const detached = thrown(() => audioFeatures(gone, { sampleRateHz: 16000 }))
    expect(detached).toBeInstanceOf(TypeError)
    expect((detached as Error).message).toBe('Expected a Float32Array for samples but received one whose buffer is detached')
  })
})
