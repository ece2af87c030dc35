// The read-out refit's arithmetic (src/plugins/deploy/readout.ts, docs/method.md §14.4): traces filtered
// from spike events as the targets decode them, ridge sums and their solution, the held-out error from
// the sums, and the decoder that carries a fitted read-out.
import { describe, expect, it } from 'vitest'
import { accumulateSample, addSums, decoderFor, effectiveReadout, outputsOf, ridgeMse, ridgeSolve, ridgeSums, traceFilter, walkTraces } from '../../src/plugins/deploy/readout.ts'

/** A seeded stream in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
}

describe('the read-out refit', () => {
  it('filters spikes as the targets decode them: decay per step, a jump of 1000/τ in the spike’s step', () => {
    const f = traceFilter(Float32Array.from([10, 30]), 1, false)
    const sp = { steps: Int32Array.from([0, 2, 2]), neurons: Int32Array.from([0, 0, 1]), offsets: Int32Array.from([0, 3]) }
    const seen: number[][] = []
    walkTraces(sp, 0, 3, f, (_, r) => seen.push(Array.from(r)))
    const d0 = Math.exp(-1 / 10)
    expect(seen[0][0]).toBeCloseTo(100, 10)
    expect(seen[1][0]).toBeCloseTo(100 * d0, 10)
    expect(seen[2][0]).toBeCloseTo(100 * d0 * d0 + 100, 10)
    expect(seen[2][1]).toBeCloseTo(1000 / 30, 10)
    // shared: the mean τ for every neuron (the emulator and boards)
    expect(traceFilter(Float32Array.from([10, 30]), 1, true).jump[1]).toBeCloseTo(50, 10)
  })

  it('recovers a read-out from its own outputs, chooses by held-out error, and the decoder carries it', () => {
    const N = 6
    const T = 200
    const S = 10
    const rand = rng(7)
    // spikes of S samples, and targets made by a known read-out on their traces
    const steps: number[] = []
    const neurons: number[] = []
    const offsets = [0]
    for (let b = 0; b < S; b++) {
      for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) if (rand() < 0.05 * (n + 1)) { steps.push(t); neurons.push(n) }
      offsets.push(steps.length)
    }
    const sp = { steps: Int32Array.from(steps), neurons: Int32Array.from(neurons), offsets: Int32Array.from(offsets) }
    const f = traceFilter(new Float32Array(N).fill(20), 1, false)
    const truth = Float32Array.from([0.01, -0.02, 0.005, 0, 0.003, -0.001])
    const targets = outputsOf(sp, Array.from({ length: S }, (_, b) => b), T, f, truth, 1)
    const fit = ridgeSums(N, 1)
    const held = ridgeSums(N, 1)
    for (let b = 0; b < S; b++) accumulateSample(b < 8 ? fit : held, sp, b, T, f, targets, b, 1)
    expect(fit.rows).toBe(8 * T)
    const w = ridgeSolve(fit, 1e-9)!
    for (let n = 0; n < N; n++) expect(w[n]).toBeCloseTo(truth[n], 5)
    expect(ridgeMse(held, w)).toBeLessThan(1e-8)
    // a heavy ridge shrinks the read-out and costs held-out error
    expect(ridgeMse(held, ridgeSolve(fit, 10)!)).toBeGreaterThan(1e-4)
    expect(addSums(fit, held).rows).toBe(S * T)

    // the decoder that makes readout·decoder' the fitted read-out, changing the decoder least
    const D = 3
    const O = 2
    const readout = Float32Array.from([1, 0.5, 0, 0, 1, -1]) // [O, D]
    const decoder = Float32Array.from({ length: D * N }, () => rand() - 0.5)
    const wOut = Float32Array.from({ length: O * N }, () => rand() - 0.5)
    const next = decoderFor(readout, decoder, wOut, O, D, N)
    const eff = effectiveReadout(readout, next, O, D, N)
    for (let i = 0; i < O * N; i++) expect(eff[i]).toBeCloseTo(wOut[i], 5)
    // the change lies in the read-out's row space: orthogonal to its null space (here (−0.5, 1, 1)/‖·‖)
    for (let n = 0; n < N; n++) {
      const delta = [0, 1, 2].map((d) => next[d * N + n] - decoder[d * N + n])
      expect(-0.5 * delta[0] + delta[1] + delta[2]).toBeCloseTo(0, 5)
    }
    expect(() => decoderFor(Float32Array.from([1, 2, 2, 4]), new Float32Array(2 * N), new Float32Array(2 * N), 2, 2, N)).toThrow(/dependent rows/)
  })
})
