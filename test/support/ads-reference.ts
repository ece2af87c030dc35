// A plain-loop TypeScript reference of ADS training with the NAIVE online rule (docs/method.md §5): the
// explicit N x N slow weights, updated every step by ΔΩ_s[i,j] = η·r_i(t)·(F e(t))_j for i ≠ j, after
// step t's x̃ and e; a spike of j adds row j of the Ω_s of that moment (divided by tau_s) to I_s. The
// simulation is snn-reference.ts's float32 arithmetic (Math.fround, the native order), with the error
// feedback k·F·e(t−1) on; the slow weights are kept in double. Samples run one after the other (batch
// 1), each from zero traces and its own initial V; the weights carry over. No noise, no silencing.
import { addFeedback, decode, inputCurrent, sampleState, stepConstants, stepNeurons, type RefNetwork } from './snn-reference.ts'

const f = Math.fround

export interface AdsRefRun {
  count: number
  steps: number
  dtMs: number
  /** [count x T x C] */
  inputs: Float32Array
  /** x̂ [count x T x D] */
  targets: Float32Array
  /** [count x N] */
  initialV: Float32Array
  k: number
  eta: number
}

export interface AdsRefResult {
  /** Ω_s [pre, post] after the samples (double) */
  omegaS: Float64Array
  /** per sample: [step, neuron] in time then neuron order */
  spikes: Array<Array<[number, number]>>
  /** per sample: Σ_d Var(x̂_d − x̃_d)/Σ_d Var(x̂_d) over the sample */
  reconstructionError: number[]
}

export function trainReference(net: RefNetwork & { encoder: Float32Array }, run: AdsRefRun): AdsRefResult {
  const { neurons: N, dims: D, params: p } = net
  const { count: B, steps: T, dtMs: dt } = run
  const F = net.encoder
  const k = stepConstants(net, dt)
  // the slow row of a spike is made at that moment from the double Ω_s, with 1/tau_s in double
  const invS = Float64Array.from(p.tauSMs, (tau) => 1000 / tau)
  const omega = Float64Array.from(net.omegaS)
  const kf = f(run.k)

  const res: AdsRefResult = { omegaS: omega, spikes: [], reconstructionError: [] }
  for (let b = 0; b < B; b++) {
    const s = sampleState(N, D, run.initialV.subarray(b * N, (b + 1) * N))
    const fe = new Float64Array(N)
    const spikes: Array<[number, number]> = []
    const se = new Float64Array(D), see = new Float64Array(D), sx = new Float64Array(D), sxx = new Float64Array(D)
    for (let t = 0; t < T; t++) {
      // (1) input, then the feedback of the previous step's error
      inputCurrent(net, run.inputs, b, t, T, s.ext)
      if (t > 0) addFeedback(s.ext, F, s.err, kf)
      // (2-4) neurons, (7) reset, (5) decay
      const fired = stepNeurons(s, k, p, s.ext)
      // (5) spikes: the slow row of this moment, the fast row, the read-out trace
      for (const j of fired) {
        for (let i = 0; i < N; i++) {
          if (i !== j) s.is[i] = f(s.is[i] + f(omega[j * N + i] * invS[i]))
          s.ifa[i] = f(s.ifa[i] + k.wf[j * N + i])
        }
        s.r[j] = f(s.r[j] + k.invO[j])
        spikes.push([t, j])
      }
      // (6) x̃ and e
      decode(s, k, net.decoder, fired, k.uniformOut)
      for (let d = 0; d < D; d++) {
        const xt = run.targets[(b * T + t) * D + d]
        s.err[d] = f(xt - s.x[d])
        se[d] += s.err[d]
        see[d] += s.err[d] * s.err[d]
        sx[d] += xt
        sxx[d] += xt * xt
      }
      // the rule, naively: every pair, every step
      for (let j = 0; j < N; j++) {
        let sum = 0
        for (let d = 0; d < D; d++) sum += F[j * D + d] * s.err[d]
        fe[j] = sum
      }
      for (let i = 0; i < N; i++) {
        if (s.r[i] === 0) continue
        const c = run.eta * s.r[i]
        for (let j = 0; j < N; j++) if (j !== i) omega[i * N + j] += c * fe[j]
      }
    }
    let num = 0, den = 0
    for (let d = 0; d < D; d++) {
      num += see[d] / T - (se[d] / T) ** 2
      den += sxx[d] / T - (sx[d] / T) ** 2
    }
    res.spikes.push(spikes)
    res.reconstructionError.push(num / den)
  }
  return res
}
