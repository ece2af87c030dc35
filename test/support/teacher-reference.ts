// A straightforward float64 TypeScript model of the teacher (docs/method.md §3, §6), written from the
// equations in native/core/teacher.hpp and independent of the native code: the tests compare the
// addon against it.

export interface RefParams {
  units: number
  channels: number
  outputs: number
  dtMs: number
  wIn: ArrayLike<number>
  wRec: ArrayLike<number>
  wOut: ArrayLike<number>
  bias: ArrayLike<number>
  tauMs: ArrayLike<number>
}

/** One sample: input [T, C] -> outputs [T, O], activations [T, N]. */
export function refForward(p: RefParams, input: ArrayLike<number>, steps: number): { outputs: Float64Array; activations: Float64Array } {
  const { units: N, channels: C, outputs: O } = p
  const x = new Float64Array(N)
  let a = new Float64Array(N) // tanh(x(0)) = 0
  const outputs = new Float64Array(steps * O)
  const activations = new Float64Array(steps * N)
  for (let t = 0; t < steps; t++) {
    const next = new Float64Array(N)
    for (let j = 0; j < N; j++) {
      let u = p.bias[j]
      for (let c = 0; c < C; c++) u += p.wIn[j * C + c] * input[t * C + c]
      for (let i = 0; i < N; i++) u += p.wRec[i * N + j] * a[i]
      x[j] += (p.dtMs / p.tauMs[j]) * (u - x[j])
      next[j] = Math.tanh(x[j])
    }
    a = next
    for (let j = 0; j < N; j++) activations[t * N + j] = a[j]
    for (let o = 0; o < O; o++) {
      let y = 0
      for (let j = 0; j < N; j++) y += p.wOut[o * N + j] * a[j]
      outputs[t * O + o] = y
    }
  }
  return { outputs, activations }
}

export interface RefLoss {
  lambdaMse: number
  lambdaTau: number
  tauMinMs: number
  lambdaMaxTau: number
  lambdaRec: number
  lambdaDiag: number
  lambdaBias: number
  tauUnit: 'ms' | 's'
}

export const defaultLoss: RefLoss = { lambdaMse: 1e6, lambdaTau: 1e6, tauMinMs: 15, lambdaMaxTau: 1, lambdaRec: 1, lambdaDiag: 1, lambdaBias: 1e3, tauUnit: 'ms' }

/** The loss of a batch, term by term. */
export function refLoss(
  p: RefParams,
  inputs: ArrayLike<number>,
  targets: ArrayLike<number>,
  count: number,
  steps: number,
  l: RefLoss,
): { mse: number; tau: number; maxTau: number; rec: number; diag: number; bias: number; total: number } {
  const N = p.units
  let sse = 0
  for (let b = 0; b < count; b++) {
    const inp = Array.prototype.slice.call(inputs, b * steps * p.channels, (b + 1) * steps * p.channels) as number[]
    const { outputs } = refForward(p, inp, steps)
    for (let k = 0; k < steps * p.outputs; k++) sse += (outputs[k] - targets[b * steps * p.outputs + k]) ** 2
  }
  const mse = sse / (count * steps * p.outputs)
  const unit = l.tauUnit === 's' ? 1000 : 1
  const tmin = l.tauMinMs / unit
  let tau = 0
  let maxExcess = 0
  for (let j = 0; j < N; j++) {
    const ts = p.tauMs[j] / unit
    if (ts < tmin) tau += Math.exp(-(ts - tmin))
    maxExcess = Math.max(maxExcess, Math.max(ts - tmin, 0))
  }
  tau *= l.lambdaTau / N
  const maxTau = l.lambdaMaxTau * maxExcess * maxExcess
  let rec = 0
  for (let k = 0; k < N * N; k++) rec += p.wRec[k] ** 2
  rec *= l.lambdaRec / (N * N)
  let diag = 0
  for (let j = 0; j < N; j++) diag += Math.abs(p.wRec[j * N + j])
  diag *= l.lambdaDiag / (N * N)
  let bias = 0
  for (let j = 0; j < N; j++) bias += p.bias[j] ** 2
  bias *= l.lambdaBias / N
  return { mse, tau, maxTau, rec, diag, bias, total: l.lambdaMse * mse + tau + maxTau + rec + diag + bias }
}

/** docs/method.md §6: smoothed output crosses +0.5 -> 1, else crosses -0.5 -> -1, else 0. */
export function refXorDecision(y: ArrayLike<number>, steps: number, stride = 1, offset = 0, alpha = 0.95, threshold = 0.5): number {
  let ys = 0
  let above = false
  let below = false
  for (let t = 0; t < steps; t++) {
    ys = alpha * ys + (1 - alpha) * y[offset + t * stride]
    if (ys > threshold) above = true
    if (ys < -threshold) below = true
  }
  return above ? 1 : below ? -1 : 0
}

export function refXorLabel(target: ArrayLike<number>, steps: number, stride = 1, offset = 0, threshold = 0.5): number {
  for (let t = 0; t < steps; t++) if (target[offset + t * stride] > threshold) return 1
  return -1
}

/**
 * Spectral-radius bracket without eigenvalues (Gelfand: rho(A) = lim ||A^k||^(1/k)): the iterates of
 * A/s grow without bound when s < rho(A) and vanish when s > rho(A). Returns log ||(A/s)^k v|| for a
 * fixed start vector (renormalised as it goes, so nothing overflows).
 */
export function logGrowth(a: ArrayLike<number>, n: number, s: number, k: number): number {
  let v = new Float64Array(n)
  for (let i = 0; i < n; i++) v[i] = Math.sin(1 + 7 * i) // a generic start vector
  let logNorm = 0
  for (let it = 0; it < k; it++) {
    const w = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let acc = 0
      for (let j = 0; j < n; j++) acc += a[i * n + j] * v[j]
      w[i] = acc / s
    }
    let norm = 0
    for (let i = 0; i < n; i++) norm += w[i] * w[i]
    norm = Math.sqrt(norm)
    logNorm += Math.log(norm)
    for (let i = 0; i < n; i++) w[i] /= norm
    v = w
  }
  return logNorm
}
