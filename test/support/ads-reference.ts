// A plain-loop TypeScript reference of ADS training with the NAIVE online rule (METHOD.md §5): the
// explicit N x N slow weights, updated every step by ΔΩ_s[i,j] = η·r_i(t)·(F e(t))_j for i ≠ j, after
// step t's x̃ and e; a spike of j adds row j of the Ω_s of that moment (divided by tau_s) to I_s. The
// simulation is snn-reference.ts's float32 arithmetic (Math.fround, the native order), with the error
// feedback k·F·e(t−1) on; the slow weights are kept in double. Samples run one after the other (batch
// 1), each from zero traces and its own initial V; the weights carry over. No noise, no silencing.
import type { RefNetwork } from './snn-reference.ts'

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
  const { neurons: N, channels: C, dims: D, params: p } = net
  const { count: B, steps: T, dtMs: dt } = run
  const F = net.encoder
  const g = new Float32Array(N), c0 = new Float32Array(N)
  const decS = new Float32Array(N), decF = new Float32Array(N), decO = new Float32Array(N)
  const invS = new Float64Array(N), invF = new Float32Array(N), invO = new Float32Array(N)
  const nRef = new Int32Array(N)
  for (let i = 0; i < N; i++) {
    g[i] = dt / p.tauMemMs[i]
    c0[i] = f(p.vRest[i] + p.bias[i])
    decS[i] = Math.exp(-dt / p.tauSMs[i])
    decF[i] = Math.exp(-dt / p.tauFMs[i])
    decO[i] = Math.exp(-dt / p.tauOutMs[i])
    invS[i] = 1000 / p.tauSMs[i]
    invF[i] = 1000 / p.tauFMs[i]
    invO[i] = 1000 / p.tauOutMs[i]
    nRef[i] = Math.round(p.refractoryMs[i] / dt)
  }
  const wf = new Float32Array(N * N), dsc = new Float32Array(N * D)
  for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) wf[j * N + i] = f(net.omegaF[i * N + j] * invF[i])
  for (let j = 0; j < N; j++) for (let d = 0; d < D; d++) dsc[j * D + d] = f(net.decoder[d * N + j] * invO[j])
  const uniformOut = p.tauOutMs.every((x) => x === p.tauOutMs[0])
  const omega = Float64Array.from(net.omegaS)
  const kf = f(run.k)

  const res: AdsRefResult = { omegaS: omega, spikes: [], reconstructionError: [] }
  for (let b = 0; b < B; b++) {
    const v = Float32Array.from(run.initialV.subarray(b * N, (b + 1) * N))
    const is = new Float32Array(N), ifa = new Float32Array(N), r = new Float32Array(N)
    const refr = new Int32Array(N), ext = new Float32Array(N)
    const x = new Float32Array(D), err = new Float32Array(D), fe = new Float64Array(N)
    const spikes: Array<[number, number]> = []
    const se = new Float64Array(D), see = new Float64Array(D), sx = new Float64Array(D), sxx = new Float64Array(D)
    for (let t = 0; t < T; t++) {
      // (1) input, then the feedback of the previous step's error
      for (let i = 0; i < N; i++) {
        if (C === 0) {
          ext[i] = 0
          continue
        }
        let acc = f(net.wIn[i * C] * run.inputs[(b * T + t) * C])
        for (let c = 1; c < C; c++) acc = f(acc + f(net.wIn[i * C + c] * run.inputs[(b * T + t) * C + c]))
        ext[i] = acc
      }
      if (t > 0) {
        for (let d = 0; d < D; d++) {
          const ke = f(kf * err[d])
          if (ke !== 0) for (let i = 0; i < N; i++) ext[i] = f(ext[i] + f(F[i * D + d] * ke))
        }
      }
      // (2-4) neurons, (7) reset, (5) decay
      const fired: number[] = []
      for (let i = 0; i < N; i++) {
        const cur = f(f(is[i] + ifa[i]) + ext[i])
        const vOld = v[i]
        let vNew = f(vOld + f(g[i] * f(f(c0[i] - vOld) + cur)))
        let rc = refr[i]
        if (rc > 0) {
          vNew = vOld
          rc -= 1
        }
        const fire = vNew >= p.vTh[i]
        v[i] = fire ? p.vReset[i] : vNew
        refr[i] = fire ? nRef[i] : rc
        is[i] = f(is[i] * decS[i])
        ifa[i] = f(ifa[i] * decF[i])
        r[i] = f(r[i] * decO[i])
        if (fire) fired.push(i)
      }
      // (5) spikes: the slow row of this moment, the fast row, the read-out trace
      for (const j of fired) {
        for (let i = 0; i < N; i++) {
          if (i !== j) is[i] = f(is[i] + f(omega[j * N + i] * invS[i]))
          ifa[i] = f(ifa[i] + wf[j * N + i])
        }
        r[j] = f(r[j] + invO[j])
        spikes.push([t, j])
      }
      // (6) x̃ and e
      if (uniformOut) {
        for (let d = 0; d < D; d++) x[d] = f(x[d] * decO[0])
        for (const j of fired) for (let d = 0; d < D; d++) x[d] = f(x[d] + dsc[j * D + d])
      } else {
        x.fill(0)
        for (let i = 0; i < N; i++) if (r[i] !== 0) for (let d = 0; d < D; d++) x[d] = f(x[d] + f(net.decoder[d * N + i] * r[i]))
      }
      for (let d = 0; d < D; d++) {
        const xt = run.targets[(b * T + t) * D + d]
        err[d] = f(xt - x[d])
        se[d] += err[d]
        see[d] += err[d] * err[d]
        sx[d] += xt
        sxx[d] += xt * xt
      }
      // the rule, naively: every pair, every step
      for (let j = 0; j < N; j++) {
        let s = 0
        for (let d = 0; d < D; d++) s += F[j * D + d] * err[d]
        fe[j] = s
      }
      for (let i = 0; i < N; i++) {
        if (r[i] === 0) continue
        const c = run.eta * r[i]
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
