// A direct TypeScript simulation of the LIF baseline model (docs/method.md §13, the header of
// native/core/baseline.hpp) with membrane noise and silencing (§10), written from the equations, one
// sample at a time in double precision: to check the native runner (lifRun) on small networks.
// Noise: the ziggurat of Marsaglia and Tsang (2000) with 128 layers (as native/core/snn_noise.hpp
// describes it), on mimic::Rng's stream (Rng64, ./perturb-reference.ts). BigInt: small networks only.
import type { LifNetwork } from '../../native/index.ts'
import { Rng64 } from './perturb-reference.ts'

const R = 3.442619855899
const V = 9.91256303526217e-3

/** Standard normal deviates by the ziggurat method (Marsaglia & Tsang 2000), 128 layers. */
class Ziggurat {
  kn = new Array<number>(128)
  wn = new Array<number>(128)
  fn = new Array<number>(128)
  constructor() {
    const m = 2 ** 31
    let dn = R
    let tn = dn
    const q = V / Math.exp(-0.5 * dn * dn)
    this.kn[0] = Math.trunc((dn / q) * m)
    this.kn[1] = 0
    this.wn[0] = q / m
    this.wn[127] = dn / m
    this.fn[0] = 1
    this.fn[127] = Math.exp(-0.5 * dn * dn)
    for (let i = 126; i >= 1; i--) {
      dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)))
      this.kn[i + 1] = Math.trunc((dn / tn) * m)
      tn = dn
      this.fn[i] = Math.exp(-0.5 * dn * dn)
      this.wn[i] = dn / m
    }
  }
  normal(rng: Rng64): number {
    for (;;) {
      const bits = rng.next()
      const hz = Number(BigInt.asIntN(32, bits >> 32n))
      const iz = Number(bits & 127n)
      if (Math.abs(hz) < this.kn[iz]) return hz * this.wn[iz]
      const x = hz * this.wn[iz]
      if (iz === 0) {
        let tx: number
        let ty: number
        do {
          let u = rng.uniform()
          while (u <= 0) u = rng.uniform()
          tx = -Math.log(u) / R
          u = rng.uniform()
          while (u <= 0) u = rng.uniform()
          ty = -Math.log(u)
        } while (ty + ty < tx * tx)
        return hz > 0 ? R + tx : -R - tx
      }
      if (this.fn[iz] + rng.uniform() * (this.fn[iz - 1] - this.fn[iz]) < Math.exp(-0.5 * x * x)) return x
    }
  }
}

export interface LifReferenceOptions {
  seed: number
  dtMs?: number
  noiseStd?: number
  silence?: { neurons: number[]; startStep?: number; endStep?: number }
  /** V of these neurons after each step's spikes and resets, at steps 0, decimate, ... */
  membrane?: { neurons: number[]; decimate?: number }
}

/** Outputs [count, steps, outputs] and spike counts [count, neurons] of the model, sample b from Rng(seed, b). */
export function lifReference(net: LifNetwork, inputs: Float32Array, count: number, steps: number, o: LifReferenceOptions): { outputs: Float64Array; spikeCounts: Int32Array; membrane: number[][][] } {
  const N = net.neurons
  const C = net.channels
  const O = net.outputs
  const dt = o.dtMs ?? 1
  const noiseStd = o.noiseStd ?? 0
  const dead = new Set(o.silence?.neurons ?? [])
  const start = o.silence?.startStep ?? 0
  const end = o.silence?.endStep ?? steps
  const zig = new Ziggurat()
  const outputs = new Float64Array(count * steps * O)
  const spikeCounts = new Int32Array(count * N)
  // membrane[b][recorded step][k]
  const membrane: number[][][] = []
  const decimate = o.membrane?.decimate ?? 1
  for (let b = 0; b < count; b++) {
    membrane.push([])
    const rng = new Rng64(BigInt(o.seed), BigInt(b))
    const v = new Float64Array(N)
    for (let n = 0; n < N; n++) v[n] = net.vReset[n] + (net.vTh[n] - net.vReset[n]) * rng.uniform()
    const syn = new Float64Array(N)
    const r = new Float64Array(N)
    const refr = new Float64Array(N)
    const yPrev = new Float64Array(O)
    for (let t = 0; t < steps; t++) {
      const xi = new Float64Array(N)
      if (noiseStd > 0) for (let n = 0; n < N; n++) xi[n] = noiseStd * zig.normal(rng)
      const fired: number[] = []
      for (let n = 0; n < N; n++) {
        let I = net.bias[n] + syn[n]
        for (let c = 0; c < C; c++) I += net.wIn[n * C + c] * inputs[(b * steps + t) * C + c]
        if (net.encoders) for (let k = 0; k < O; k++) I += net.encoders[n * O + k] * yPrev[k]
        if (refr[n] > 0) {
          refr[n] -= dt
          v[n] = net.vReset[n]
        } else if (dead.has(n) && t >= start && t < end) {
          v[n] = net.vReset[n]
        } else {
          v[n] = I + (v[n] - I) * Math.exp(-dt / net.tauMemMs[n]) + xi[n]
          if (v[n] >= net.vTh[n]) {
            fired.push(n)
            v[n] = net.subtractReset ? v[n] - (net.vTh[n] - net.vReset[n]) : net.vReset[n]
            refr[n] = net.refractoryMs[n]
          }
        }
      }
      if (o.membrane && t % decimate === 0) membrane[b].push(o.membrane.neurons.map((n) => v[n]))
      for (let n = 0; n < N; n++) {
        syn[n] *= Math.exp(-dt / net.tauSynMs[n])
        r[n] *= Math.exp(-dt / net.tauOutMs)
      }
      for (const m of fired) {
        for (let n = 0; n < N; n++) syn[n] += net.wRec[m * N + n]
        r[m] += 1000 / net.tauOutMs
        spikeCounts[b * N + m]++
      }
      for (let k = 0; k < O; k++) {
        let y = net.outBias[k]
        for (let n = 0; n < N; n++) y += net.wOut[k * N + n] * r[n]
        yPrev[k] = y
        outputs[(b * steps + t) * O + k] = y
      }
    }
  }
  return { outputs, spikeCounts, membrane }
}
