// Quantisation per matrix (docs/method.md §10) for a network whose stored arrays hold more than one of
// its matrices: the BPTT network keeps layer 1 → 2 and layer 2 → 2 in one recurrent array, and their
// scales differ by an order of magnitude (max |w| 1.5 against 0.07 in a trained one). Quantised as one
// array, the recurrent block fell to zero at 6 bits (accuracy 0.13 where full precision gave 0.99);
// each block now takes its own step q. Checked against a straightforward reference.
import { describe, expect, it } from 'vitest'
import { perturbedNetwork } from '../../src/plugins/perturb.ts'
import type { LoadedNetwork } from '../../src/plugins/architectures/architecture.ts'
import type { LifNet } from '../../src/plugins/architectures/lif.ts'
import { architectures } from '../../src/plugins/architectures/index.ts'

/** w ↦ q·⌊w/q + ½⌋, q = (max − min)/(2^b − 1) over `values` (the method's rule, written out). */
function reference(values: ArrayLike<number>, bits: number): Float64Array {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i])
    max = Math.max(max, values[i])
  }
  const q = (max - min) / (2 ** bits - 1)
  return Float64Array.from(values, (w) => (q === 0 ? w : q * Math.floor(w / q + 0.5)))
}

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1
}

function bpttNet(layer1: number, layer2: number): LoadedNetwork<LifNet> {
  const n = layer1 + layer2
  const r = lcg(7)
  const wRec = new Float32Array(n * n)
  // row = presynaptic: layer 1 → 2 large, layer 2 → 2 small, the rest structural zeros
  for (let pre = 0; pre < n; pre++)
    for (let post = layer1; post < n; post++) wRec[pre * n + post] = pre < layer1 ? 1.5 * r() : 0.07 * r()
  const wIn = new Float32Array(n).map((_, i) => (i < layer1 ? 10 * r() : 0))
  const wOut = new Float32Array(n).map((_, i) => (i >= layer1 ? 0.01 * r() : 0))
  const per = (v: number) => new Float32Array(n).fill(v)
  const net: LifNet = {
    neurons: n, channels: 1, outputs: 1, subtractReset: true, tauOutMs: 70, wIn, wRec, wOut, outBias: new Float32Array(1),
    tauMemMs: per(20), tauSynMs: per(10), vTh: per(1), vReset: per(0), bias: per(0), refractoryMs: per(0), layer1,
  }
  return {
    runId: 1, architecture: 'bptt-snn', variant: null, formatVersion: 1, meta: { layer1 }, task: 'xor', fitted: {},
    sizes: architectures['bptt-snn'].sizes(net as never), net,
  }
}

describe('quantisation per matrix', () => {
  it('takes the BPTT network\'s two recurrent matrices one by one, each with its own step; structural zeros stay zero', async () => {
    const l1 = 12
    const l2 = 9
    const n = l1 + l2
    const net = bpttNet(l1, l2)
    for (const bits of [6, 4, 2]) {
      const { net: q } = await perturbedNetwork(net, 'quantisation', bits, 1, 0, 1)
      const got = (q.net as LifNet).wRec
      for (const [row0, row1] of [[0, l1], [l1, n]]) {
        const block: number[] = []
        for (let row = row0; row < row1; row++) for (let c = l1; c < n; c++) block.push(net.net.wRec[row * n + c])
        const want = reference(block, bits)
        let k = 0
        for (let row = row0; row < row1; row++) for (let c = l1; c < n; c++) expect(got[row * n + c], `${bits} bits, row ${row}, column ${c}`).toBeCloseTo(want[k++], 6)
      }
      for (let row = 0; row < n; row++) for (let c = 0; c < l1; c++) expect(got[row * n + c]).toBe(0)
      // the small block keeps 2^bits levels of its own: at 6 bits none of it is lost
      const small = Array.from({ length: l2 * l2 }, (_, k) => got[(l1 + Math.floor(k / l2)) * n + l1 + (k % l2)])
      if (bits === 6) expect(small.filter((v) => v === 0).length).toBeLessThan(3)
      // the input and read-out arrays are one matrix each
      const wIn = reference(net.net.wIn, bits)
      for (let i = 0; i < n; i++) expect((q.net as LifNet).wIn[i]).toBeCloseTo(wIn[i], 5)
      const wOut = reference(net.net.wOut, bits)
      for (let i = 0; i < n; i++) expect((q.net as LifNet).wOut[i]).toBeCloseTo(wOut[i], 8)
    }
    // one matrix (a FORCE or reservoir network, or a BPTT one without layers): the whole array, as before
    const flat = { ...net, architecture: 'reservoir' as const, net: { ...net.net, layer1: undefined } }
    const { net: q } = await perturbedNetwork(flat, 'quantisation', 6, 1, 0, 1)
    const want = reference(net.net.wRec, 6)
    for (let i = 0; i < n * n; i++) expect((q.net as LifNet).wRec[i]).toBeCloseTo(want[i], 6)
  })
})
