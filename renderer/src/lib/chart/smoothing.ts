// Display-only smoothing of an output trace: s[t] = decay·s[t−1] + (1 − decay)·y[t] from s = 0,
// with the decay a task declares for its read-out (src/shared/tasks). It only redraws what a task's
// decision rule reads; the decisions the pages show are the ones the evaluation stored.

export function exponentialSmoothing(y: ArrayLike<number>, decay: number): Float32Array {
  const out = new Float32Array(y.length)
  let s = 0
  for (let i = 0; i < y.length; i++) {
    const v = y[i]
    s = decay * s + (1 - decay) * (Number.isFinite(v) ? v : 0)
    out[i] = s
  }
  return out
}
