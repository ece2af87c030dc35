// A plain-loop TypeScript reference of one spiking-network step (docs/method.md §4), written from the
// equations in native/core/snn.hpp with every float32 operation rounded by Math.fround, in the same
// order as the native kernel. No noise. Used to check the native simulator on small networks.
import type { NeuronParamArrays } from '../../native/index.ts'

const f = Math.fround

export type RefParams = NeuronParamArrays

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

/** Per-neuron constants of the step and the spike rows, rounded as the native layout keeps them. */
export interface StepConstants {
  g: Float32Array // dt / tau_mem
  c0: Float32Array // v_rest + bias
  decS: Float32Array // exp(-dt / tau), per trace
  decF: Float32Array
  decO: Float32Array
  invS: Float32Array // 1000 / tau (1/s), per trace
  invF: Float32Array
  invO: Float32Array
  nRef: Int32Array // refractory steps
  /** W̃_f = Ω_f / tau_post, [pre, post] */
  wf: Float32Array
  /** decoder / tau_out, [neuron, dim]: what one spike adds to x̃ */
  dsc: Float32Array
  /** one tau_out for all neurons (x̃ can then decay as a whole) */
  uniformOut: boolean
}

export function stepConstants(net: RefNetwork, dt: number): StepConstants {
  const { neurons: N, dims: D, params: p } = net
  const k: StepConstants = {
    g: new Float32Array(N), c0: new Float32Array(N),
    decS: new Float32Array(N), decF: new Float32Array(N), decO: new Float32Array(N),
    invS: new Float32Array(N), invF: new Float32Array(N), invO: new Float32Array(N),
    nRef: new Int32Array(N),
    wf: new Float32Array(N * N), dsc: new Float32Array(N * D),
    uniformOut: p.tauOutMs.every((x) => x === p.tauOutMs[0]),
  }
  for (let i = 0; i < N; i++) {
    k.g[i] = dt / p.tauMemMs[i]
    k.c0[i] = f(p.vRest[i] + p.bias[i])
    k.decS[i] = Math.exp(-dt / p.tauSMs[i])
    k.decF[i] = Math.exp(-dt / p.tauFMs[i])
    k.decO[i] = Math.exp(-dt / p.tauOutMs[i])
    k.invS[i] = 1000 / p.tauSMs[i]
    k.invF[i] = 1000 / p.tauFMs[i]
    k.invO[i] = 1000 / p.tauOutMs[i]
    k.nRef[i] = Math.round(p.refractoryMs[i] / dt)
  }
  for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) k.wf[j * N + i] = f(net.omegaF[i * N + j] * k.invF[i])
  for (let j = 0; j < N; j++) for (let d = 0; d < D; d++) k.dsc[j * D + d] = f(net.decoder[d * N + j] * k.invO[j])
  return k
}

/** One sample's state: membrane, traces, refractory counters, external current, x̃ and e. */
export interface SampleState {
  v: Float32Array
  is: Float32Array
  ifa: Float32Array
  r: Float32Array
  refr: Int32Array
  ext: Float32Array
  x: Float32Array
  err: Float32Array
}

export function sampleState(N: number, D: number, initialV: Float32Array): SampleState {
  return {
    v: Float32Array.from(initialV),
    is: new Float32Array(N), ifa: new Float32Array(N), r: new Float32Array(N),
    refr: new Int32Array(N), ext: new Float32Array(N),
    x: new Float32Array(D), err: new Float32Array(D),
  }
}

/** (1) The input current of step t of sample b into ext (zero without input channels). */
export function inputCurrent(net: RefNetwork, inputs: Float32Array, b: number, t: number, T: number, ext: Float32Array): void {
  const { neurons: N, channels: C } = net
  ext.fill(0)
  if (C === 0) return
  for (let i = 0; i < N; i++) {
    let acc = f(net.wIn[i * C] * inputs[(b * T + t) * C])
    for (let c = 1; c < C; c++) acc = f(acc + f(net.wIn[i * C + c] * inputs[(b * T + t) * C + c]))
    ext[i] = acc
  }
}

/** (1) Adds the feedback of the previous step's error, encoder · (gain · e), to ext; gain is a float32 value. */
export function addFeedback(ext: Float32Array, encoder: Float32Array, err: Float32Array, gain: number): void {
  const N = ext.length, D = err.length
  for (let d = 0; d < D; d++) {
    const ke = f(gain * err[d])
    if (ke !== 0) for (let i = 0; i < N; i++) ext[i] = f(ext[i] + f(encoder[i * D + d] * ke))
  }
}

/**
 * (2) Euler, not while refractory, (3) silencing, (4) spike, (7) reset (V is not used again in this
 * step), (5) decay of the traces. ext undefined: no external current. Returns who fired, in
 * increasing index; their spike contributions (5) are the caller's.
 */
export function stepNeurons(s: SampleState, k: StepConstants, p: RefParams, ext: Float32Array | undefined, silenced?: Set<number>): number[] {
  const fired: number[] = []
  for (let i = 0; i < s.v.length; i++) {
    let cur = f(s.is[i] + s.ifa[i])
    if (ext) cur = f(cur + ext[i])
    const vOld = s.v[i]
    let vNew = f(vOld + f(k.g[i] * f(f(k.c0[i] - vOld) + cur)))
    let rc = s.refr[i]
    if (rc > 0) {
      vNew = vOld
      rc -= 1
    }
    let fire = vNew >= p.vTh[i]
    if (silenced?.has(i)) {
      vNew = 0
      fire = false
    }
    s.v[i] = fire ? p.vReset[i] : vNew
    s.refr[i] = fire ? k.nRef[i] : rc
    s.is[i] = f(s.is[i] * k.decS[i])
    s.ifa[i] = f(s.ifa[i] * k.decF[i])
    s.r[i] = f(s.r[i] * k.decO[i])
    if (fire) fired.push(i)
  }
  return fired
}

/** (6) x̃: event-driven (decay as a whole, then the spikes' rows) or from the read-out traces. */
export function decode(s: SampleState, k: StepConstants, decoder: Float32Array, fired: number[], eventDriven: boolean): void {
  const N = s.r.length, D = s.x.length
  if (eventDriven) {
    for (let d = 0; d < D; d++) s.x[d] = f(s.x[d] * k.decO[0])
    for (const j of fired) for (let d = 0; d < D; d++) s.x[d] = f(s.x[d] + k.dsc[j * D + d])
  } else {
    s.x.fill(0)
    for (let i = 0; i < N; i++) if (s.r[i] !== 0) for (let d = 0; d < D; d++) s.x[d] = f(s.x[d] + f(decoder[d * N + i] * s.r[i]))
  }
}

export function simulateReference(net: RefNetwork, run: RefRun): RefResult {
  const { neurons: N, channels: C, dims: D, params: p } = net
  const { batch: B, steps: T, dtMs: dt } = run
  const k = stepConstants(net, dt)
  // W̃_s = Ω_s / tau_post, rounded once (as the native layout stores it)
  const ws = new Float32Array(N * N)
  for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) ws[j * N + i] = f(net.omegaS[j * N + i] * k.invS[i])
  const fb = run.feedback
  const eventX = k.uniformOut && D > 0 && (fb !== undefined || run.recordDecoded)
  const hasExt = C > 0 || fb !== undefined

  const res: RefResult = { spikes: [], membrane: new Float32Array(B * T * N), decoded: new Float32Array(B * T * D) }
  for (let b = 0; b < B; b++) {
    const s = sampleState(N, D, run.initialV.subarray(b * N, (b + 1) * N))
    const spikes: Array<[number, number]> = []
    for (let t = 0; t < T; t++) {
      // (1) external current: input, then feedback of the previous step's error
      inputCurrent(net, run.inputs, b, t, T, s.ext)
      if (fb && t > 0) addFeedback(s.ext, net.encoder!, s.err, typeof fb.gain === 'number' ? f(fb.gain) : fb.gain[t])
      const silenced =
        run.silence !== undefined && t >= run.silence.startStep && t < run.silence.endStep ? new Set(run.silence.neurons) : undefined
      const fired = stepNeurons(s, k, p, hasExt ? s.ext : undefined, silenced)
      // (5) spike contributions, in increasing presynaptic index
      for (const j of fired) {
        for (let i = 0; i < N; i++) {
          s.is[i] = f(s.is[i] + ws[j * N + i])
          s.ifa[i] = f(s.ifa[i] + k.wf[j * N + i])
        }
        s.r[j] = f(s.r[j] + k.invO[j])
        spikes.push([t, j])
      }
      decode(s, k, net.decoder, fired, eventX)
      if (fb) for (let d = 0; d < D; d++) s.err[d] = f(fb.target[(b * T + t) * D + d] - s.x[d])
      res.membrane.set(s.v, (b * T + t) * N)
      res.decoded.set(s.x, (b * T + t) * D)
    }
    res.spikes.push(spikes)
  }
  return res
}
