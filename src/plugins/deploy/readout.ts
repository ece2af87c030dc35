// The read-out refitted on the chip (docs/method.md §14.4): a deployed network ADS keeps its
// recurrent weights as mapped, and only its linear read-out y = W_out·r is fitted again, by ridge
// regression of the task's targets on the filtered spikes r of the network as it runs on the target
// (the mapped network on the simulator, the emulator of one virtual chip, a board): the
// chip-in-the-loop calibration. Everything here is plain arithmetic on the target's spike events.
//
//   r_i[t] = r_i[t − 1]·exp(−dt/τ_out,i) + (1000/τ_out,i)·(spikes of neuron i in step t)   (as the target decodes)
//   W_out = argmin Σ_rows ‖y*[t] − W·r[t]‖² + λ‖W‖²,  λ = ρ·mean(diag RᵀR)   (rows: every `stride`-th step)
//
// A network ADS decodes y = readout·decoder·r, so the fitted W_out is stored as the decoder changed
// least (in the Frobenius norm) that gives readout·decoder' = W_out:
//   decoder' = decoder + readoutᵀ (readout·readoutᵀ)⁻¹ (W_out − readout·decoder).

/** Sums of a ridge regression over the rows seen so far: RᵀR (full, [N, N]), RᵀY ([N, O]), Σy² per output. */
export interface RidgeSums {
  features: number
  outputs: number
  gram: Float64Array
  cross: Float64Array
  yy: Float64Array
  rows: number
}

export function ridgeSums(features: number, outputs: number): RidgeSums {
  return { features, outputs, gram: new Float64Array(features * features), cross: new Float64Array(features * outputs), yy: new Float64Array(outputs), rows: 0 }
}

export function addSums(a: RidgeSums, b: RidgeSums): RidgeSums {
  const out = ridgeSums(a.features, a.outputs)
  for (let i = 0; i < out.gram.length; i++) out.gram[i] = a.gram[i] + b.gram[i]
  for (let i = 0; i < out.cross.length; i++) out.cross[i] = a.cross[i] + b.cross[i]
  for (let i = 0; i < out.yy.length; i++) out.yy[i] = a.yy[i] + b.yy[i]
  out.rows = a.rows + b.rows
  return out
}

/** Spike events of a batch: sample b's events are [offsets[b], offsets[b + 1]), time-ordered by step. */
export interface SpikeEventsOf {
  steps: Int32Array
  neurons: Int32Array
  offsets: Int32Array
}

/** How a target turns spikes into the traces r: per neuron, the decay per step and the jump per spike. */
export interface TraceFilter {
  decay: Float64Array
  jump: Float64Array
}

/** The filter of per-neuron τ_out (ms) at time step dt; `shared` uses their mean for every neuron (as the chip emulator and boards decode). */
export function traceFilter(tauOutMs: Float32Array, dtMs: number, shared: boolean): TraceFilter {
  const N = tauOutMs.length
  let mean = 0
  for (let i = 0; i < N; i++) mean += tauOutMs[i] / N
  const decay = new Float64Array(N)
  const jump = new Float64Array(N)
  for (let i = 0; i < N; i++) {
    const tau = shared ? mean : tauOutMs[i]
    decay[i] = Math.exp(-dtMs / tau)
    jump[i] = 1000 / tau
  }
  return { decay, jump }
}

/**
 * Walks the traces r[t] of sample b step by step, calling `visit(t, r)` for each step (r is reused:
 * copy what is kept).
 */
export function walkTraces(sp: SpikeEventsOf, b: number, steps: number, filter: TraceFilter, visit: (t: number, r: Float64Array) => void): void {
  const N = filter.decay.length
  const r = new Float64Array(N)
  let k = sp.offsets[b]
  const end = sp.offsets[b + 1]
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < N; i++) r[i] *= filter.decay[i]
    while (k < end && sp.steps[k] === t) {
      const n = sp.neurons[k]
      r[n] += filter.jump[n]
      k++
    }
    visit(t, r)
  }
}

/**
 * Adds the rows of sample b (every `stride`-th step) to the sums: r[t] against its targets y*[t]
 * (`targets` [*, steps, O] with sample b at `targetSample`).
 */
export function accumulateSample(sums: RidgeSums, sp: SpikeEventsOf, b: number, steps: number, filter: TraceFilter, targets: Float32Array, targetSample: number, stride: number): void {
  const N = sums.features
  const O = sums.outputs
  const G = sums.gram
  walkTraces(sp, b, steps, filter, (t, r) => {
    if (t % stride !== 0) return
    // upper triangle only (made symmetric when solving)
    for (let i = 0; i < N; i++) {
      const ri = r[i]
      if (ri === 0) continue
      const row = i * N
      for (let j = i; j < N; j++) G[row + j] += ri * r[j]
    }
    const base = (targetSample * steps + t) * O
    for (let o = 0; o < O; o++) {
      const y = targets[base + o]
      sums.yy[o] += y * y
      if (y === 0) continue
      for (let i = 0; i < N; i++) sums.cross[i * O + o] += r[i] * y
    }
    sums.rows++
  })
}

/** The full symmetric RᵀR from the upper triangle the accumulation keeps. */
function symmetric(s: RidgeSums): Float64Array {
  const N = s.features
  const A = s.gram.slice()
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) A[j * N + i] = A[i * N + j]
  return A
}

/** Solves (A + λI)·X = B for symmetric positive definite A [N, N] and B [N, O] by Cholesky; null when not definite. */
function choleskySolve(A: Float64Array, N: number, lambda: number, B: Float64Array, O: number): Float64Array | null {
  const L = new Float64Array(N * N)
  for (let i = 0; i < N; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * N + j] + (i === j ? lambda : 0)
      for (let k = 0; k < j; k++) s -= L[i * N + k] * L[j * N + k]
      if (i === j) {
        if (!(s > 0)) return null
        L[i * N + i] = Math.sqrt(s)
      } else L[i * N + j] = s / L[j * N + j]
    }
  }
  const X = new Float64Array(N * O)
  for (let o = 0; o < O; o++) {
    const z = new Float64Array(N)
    for (let i = 0; i < N; i++) {
      let s = B[i * O + o]
      for (let k = 0; k < i; k++) s -= L[i * N + k] * z[k]
      z[i] = s / L[i * N + i]
    }
    for (let i = N - 1; i >= 0; i--) {
      let s = z[i]
      for (let k = i + 1; k < N; k++) s -= L[k * N + i] * X[k * O + o]
      X[i * O + o] = s / L[i * N + i]
    }
  }
  return X
}

/** The ridge solution as W_out [O, N] for a relative λ (ρ·mean diagonal of RᵀR); null when the system is singular. */
export function ridgeSolve(s: RidgeSums, relativeLambda: number): Float32Array | null {
  const N = s.features
  const O = s.outputs
  const A = symmetric(s)
  let diag = 0
  for (let i = 0; i < N; i++) diag += A[i * N + i] / N
  const lambda = relativeLambda * (diag > 0 ? diag : 1) + 1e-12
  const X = choleskySolve(A, N, lambda, s.cross, O)
  if (!X) return null
  const W = new Float32Array(O * N)
  for (let o = 0; o < O; o++) for (let i = 0; i < N; i++) W[o * N + i] = X[i * O + o]
  for (const v of W) if (!Number.isFinite(v)) return null
  return W
}

/** Mean squared error per row and output of W [O, N] on the rows of these sums: (Σy² − 2·wᵀRᵀy + wᵀRᵀRw)/(rows·O). */
export function ridgeMse(s: RidgeSums, W: Float32Array): number {
  const N = s.features
  const O = s.outputs
  if (s.rows === 0) return Number.NaN
  const A = symmetric(s)
  let total = 0
  for (let o = 0; o < O; o++) {
    let cross = 0
    let quad = 0
    for (let i = 0; i < N; i++) {
      const wi = W[o * N + i]
      cross += wi * s.cross[i * O + o]
      let row = 0
      for (let j = 0; j < N; j++) row += A[i * N + j] * W[o * N + j]
      quad += wi * row
    }
    total += s.yy[o] - 2 * cross + quad
  }
  return total / (s.rows * O)
}

/** The relative ridge factors ρ tried on the validation rows when none is given. */
export const ridgeGrid = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1] as const

/** W_out = readout·decoder [O, N]: what a network ADS's read-out applies to r. */
export function effectiveReadout(readout: Float32Array, decoder: Float32Array, O: number, D: number, N: number): Float32Array {
  const W = new Float32Array(O * N)
  for (let o = 0; o < O; o++) for (let d = 0; d < D; d++) {
    const a = readout[o * D + d]
    if (a === 0) continue
    for (let n = 0; n < N; n++) W[o * N + n] += a * decoder[d * N + n]
  }
  return W
}

/**
 * The decoder changed least that makes readout·decoder' equal W_out: decoder + readoutᵀ·M⁻¹·(W_out −
 * readout·decoder) with M = readout·readoutᵀ [O, O]; throws when the read-out's rows are dependent.
 */
export function decoderFor(readout: Float32Array, decoder: Float32Array, wOut: Float32Array, O: number, D: number, N: number): Float32Array {
  const now = effectiveReadout(readout, decoder, O, D, N)
  // M [O, O] and its inverse by Gauss-Jordan
  const M = new Float64Array(O * O)
  for (let a = 0; a < O; a++) for (let b = 0; b < O; b++) {
    let s = 0
    for (let d = 0; d < D; d++) s += readout[a * D + d] * readout[b * D + d]
    M[a * O + b] = s
  }
  const inv = new Float64Array(O * O)
  for (let i = 0; i < O; i++) inv[i * O + i] = 1
  for (let c = 0; c < O; c++) {
    let p = c
    for (let r = c + 1; r < O; r++) if (Math.abs(M[r * O + c]) > Math.abs(M[p * O + c])) p = r
    if (!(Math.abs(M[p * O + c]) > 1e-12)) throw new Error('the network’s read-out has dependent rows, so no decoder gives the fitted read-out')
    for (let k = 0; k < O; k++) {
      ;[M[c * O + k], M[p * O + k]] = [M[p * O + k], M[c * O + k]]
      ;[inv[c * O + k], inv[p * O + k]] = [inv[p * O + k], inv[c * O + k]]
    }
    const piv = M[c * O + c]
    for (let k = 0; k < O; k++) {
      M[c * O + k] /= piv
      inv[c * O + k] /= piv
    }
    for (let r = 0; r < O; r++) {
      if (r === c) continue
      const f = M[r * O + c]
      if (f === 0) continue
      for (let k = 0; k < O; k++) {
        M[r * O + k] -= f * M[c * O + k]
        inv[r * O + k] -= f * inv[c * O + k]
      }
    }
  }
  // Δ = M⁻¹ (W_out − now) [O, N]; decoder' = decoder + readoutᵀ Δ
  const out = Float32Array.from(decoder)
  for (let a = 0; a < O; a++) {
    const delta = new Float64Array(N)
    for (let b = 0; b < O; b++) {
      const m = inv[a * O + b]
      if (m === 0) continue
      for (let n = 0; n < N; n++) delta[n] += m * (wOut[b * N + n] - now[b * N + n])
    }
    for (let d = 0; d < D; d++) {
      const w = readout[a * D + d]
      if (w === 0) continue
      for (let n = 0; n < N; n++) out[d * N + n] += w * delta[n]
    }
  }
  return out
}

/** The outputs y[t] = W·r[t] [samples, steps, O] of the given samples of a batch's spikes (for scoring a read-out without running the target again). */
export function outputsOf(sp: SpikeEventsOf, samples: number[], steps: number, filter: TraceFilter, W: Float32Array, O: number): Float32Array {
  const N = filter.decay.length
  const y = new Float32Array(samples.length * steps * O)
  samples.forEach((b, s) => {
    walkTraces(sp, b, steps, filter, (t, r) => {
      for (let o = 0; o < O; o++) {
        let v = 0
        for (let i = 0; i < N; i++) v += W[o * N + i] * r[i]
        y[(s * steps + t) * O + o] = v
      }
    })
  })
  return y
}
