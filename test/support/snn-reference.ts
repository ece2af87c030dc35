// A plain-loop TypeScript reference of one spiking-network step (METHOD.md §4), written from the
// equations in native/core/snn.hpp with every float32 operation rounded by Math.fround, in the same
// order as the native kernel. No noise. Used to check the native simulator on small networks.
const f = Math.fround

export interface RefParams {
  tauMemMs: Float32Array
  tauSMs: Float32Array
  tauFMs: Float32Array
  tauOutMs: Float32Array
  vTh: Float32Array
  vRest: Float32Array
  vReset: Float32Array
  bias: Float32Array
  refractoryMs: Float32Array
}

export interface RefNetwork {
  neurons: number
  channels: number
  dims: number
  params: RefParams
  wIn: Float32Array // [N x C]
  omegaF: Float32Array // [post, pre]
  omegaS: Float32Array // [pre, post]
  decoder: Float32Array // [D x N]
  encoder?: Float32Array // [N x D]
}

export interface RefRun {
  batch: number
  steps: number
  dtMs: number
  inputs: Float32Array // [B x T x C]
  initialV: Float32Array // [B x N]
  silence?: { neurons: number[]; startStep: number; endStep: number }
  feedback?: { target: Float32Array; gain: number | Float32Array }
  recordDecoded: boolean
}

export interface RefResult {
  /** per sample: [step, neuron] pairs in time then neuron order */
  spikes: Array<Array<[number, number]>>
  /** [B x T x N] membrane after each step */
  membrane: Float32Array
  /** [B x T x D] */
  decoded: Float32Array
}

export function simulateReference(net: RefNetwork, run: RefRun): RefResult {
  const { neurons: N, channels: C, dims: D, params: p } = net
  const { batch: B, steps: T, dtMs: dt } = run
  const g = new Float32Array(N), c0 = new Float32Array(N)
  const decS = new Float32Array(N), decF = new Float32Array(N), decO = new Float32Array(N)
  const invS = new Float32Array(N), invF = new Float32Array(N), invO = new Float32Array(N)
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
  // W̃ = W / tau_post, rounded once (as the native layout stores it)
  const ws = new Float32Array(N * N), wf = new Float32Array(N * N), dsc = new Float32Array(N * D)
  for (let j = 0; j < N; j++)
    for (let i = 0; i < N; i++) {
      ws[j * N + i] = f(net.omegaS[j * N + i] * invS[i])
      wf[j * N + i] = f(net.omegaF[i * N + j] * invF[i])
    }
  for (let j = 0; j < N; j++) for (let d = 0; d < D; d++) dsc[j * D + d] = f(net.decoder[d * N + j] * invO[j])
  const uniformOut = p.tauOutMs.every((x) => x === p.tauOutMs[0])
  const fb = run.feedback
  const eventX = uniformOut && D > 0 && (fb !== undefined || run.recordDecoded)
  const hasExt = C > 0 || fb !== undefined

  const res: RefResult = { spikes: [], membrane: new Float32Array(B * T * N), decoded: new Float32Array(B * T * D) }
  for (let b = 0; b < B; b++) {
    const v = Float32Array.from(run.initialV.subarray(b * N, (b + 1) * N))
    const is = new Float32Array(N), ifa = new Float32Array(N), r = new Float32Array(N)
    const refr = new Int32Array(N), ext = new Float32Array(N)
    const x = new Float32Array(D), err = new Float32Array(D)
    const spikes: Array<[number, number]> = []
    for (let t = 0; t < T; t++) {
      // (1) external current: input, then feedback of the previous step's error
      ext.fill(0)
      if (C > 0) {
        for (let i = 0; i < N; i++) {
          let acc = f(net.wIn[i * C] * run.inputs[(b * T + t) * C])
          for (let c = 1; c < C; c++) acc = f(acc + f(net.wIn[i * C + c] * run.inputs[(b * T + t) * C + c]))
          ext[i] = acc
        }
      }
      if (fb && t > 0) {
        const k = typeof fb.gain === 'number' ? f(fb.gain) : fb.gain[t]
        for (let d = 0; d < D; d++) {
          const ke = f(k * err[d])
          if (ke !== 0) for (let i = 0; i < N; i++) ext[i] = f(ext[i] + f(net.encoder![i * D + d] * ke))
        }
      }
      const silenced =
        run.silence !== undefined && t >= run.silence.startStep && t < run.silence.endStep ? new Set(run.silence.neurons) : undefined
      const fired: number[] = []
      for (let i = 0; i < N; i++) {
        let cur = f(is[i] + ifa[i])
        if (hasExt) cur = f(cur + ext[i])
        const vOld = v[i]
        // (2) Euler, not while refractory
        let vNew = f(vOld + f(g[i] * f(f(c0[i] - vOld) + cur)))
        let rc = refr[i]
        if (rc > 0) {
          vNew = vOld
          rc -= 1
        }
        // (3) silencing, (4) spike
        let fire = vNew >= p.vTh[i]
        if (silenced?.has(i)) {
          vNew = 0
          fire = false
        }
        // (7) reset (V is not used again in this step)
        v[i] = fire ? p.vReset[i] : vNew
        refr[i] = fire ? nRef[i] : rc
        // (5) decay
        is[i] = f(is[i] * decS[i])
        ifa[i] = f(ifa[i] * decF[i])
        r[i] = f(r[i] * decO[i])
        if (fire) fired.push(i)
      }
      // (5) spike contributions, in increasing presynaptic index
      for (const j of fired) {
        for (let i = 0; i < N; i++) {
          is[i] = f(is[i] + ws[j * N + i])
          ifa[i] = f(ifa[i] + wf[j * N + i])
        }
        r[j] = f(r[j] + invO[j])
        spikes.push([t, j])
      }
      // (6) decoded x̃
      if (eventX) {
        for (let d = 0; d < D; d++) x[d] = f(x[d] * decO[0])
        for (const j of fired) for (let d = 0; d < D; d++) x[d] = f(x[d] + dsc[j * D + d])
      } else if (D > 0) {
        x.fill(0)
        for (let i = 0; i < N; i++)
          if (r[i] !== 0) for (let d = 0; d < D; d++) x[d] = f(x[d] + f(net.decoder[d * N + i] * r[i]))
      }
      if (fb) for (let d = 0; d < D; d++) err[d] = f(fb.target[(b * T + t) * D + d] - x[d])
      res.membrane.set(v, (b * T + t) * N)
      res.decoded.set(x, (b * T + t) * D)
    }
    res.spikes.push(spikes)
  }
  return res
}
