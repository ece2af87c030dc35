// The trainers fit a task's fitted settings (the wake-phrase decision boundary) on each epoch's
// validation outputs before scoring them (docs/method.md §5-6): a one-unit teacher whose output
// follows its input, on hand-made validation inputs whose largest stretch above 0.5 is long for the
// positives and short for the negatives. With the unfitted boundary (0) every sample is "keyword"
// (accuracy 0.5); with the fitted one every sample is right.
import { describe, expect, it } from 'vitest'
import { taskScore, TeacherTrainer, type TeacherParams } from '../../native/index.ts'

const T = 400

/** Input 3 on [50, 50 + len), else 0: the teacher's output rises above 0.5 for about len steps. */
function sample(len: number): Float32Array {
  const x = new Float32Array(T)
  for (let t = 50; t < 50 + len; t++) x[t] = 3
  return x
}

function dataset(lens: number[], labels: number[]) {
  const inputs = new Float32Array(lens.length * T)
  lens.forEach((l, i) => inputs.set(sample(l), i * T))
  // targets only for the MSE; the labels are given
  return { inputs, targets: new Float32Array(lens.length * T), labels: Int8Array.from(labels), count: lens.length, steps: T }
}

describe('validation with fitted settings', () => {
  it('the teacher trainer refits the wake-phrase boundary on the validation outputs of every epoch', async () => {
    const params: TeacherParams = {
      units: 1, channels: 16, outputs: 1, dtMs: 1,
      wIn: Float32Array.from({ length: 16 }, (_, c) => (c === 0 ? 1 : 0)),
      wRec: new Float32Array(1), wOut: Float32Array.of(1), bias: new Float32Array(1), tauMs: Float32Array.of(5),
    }
    const widen = (d: ReturnType<typeof dataset>) => {
      const inputs = new Float32Array(d.count * T * 16)
      for (let i = 0; i < d.count * T; i++) inputs[i * 16] = d.inputs[i]
      return { ...d, inputs }
    }
    const validation = widen(dataset([300, 280, 60, 40], [1, 1, -1, -1]))
    const train = widen(dataset([300, 40], [1, -1]))
    const common = { params, data: train, validation, stepSize: 1e-12, loss: { lambdaMse: 0, lambdaTau: 0, lambdaMaxTau: 0, lambdaRec: 0, lambdaDiag: 0, lambdaBias: 0 }, train: { wIn: false, wRec: false, wOut: false, bias: false, tau: false }, shuffle: false, seed: 1 }
    const wake = new TeacherTrainer({ ...common, decision: { task: 'wake-phrase' } })
    const [rec] = await wake.runEpochs(1)
    expect(rec.valAccuracy).toBe(1)
    // the same outputs scored with the boundary left at its default (0): every sample is "keyword"
    const out = new Float32Array(validation.count * T)
    const p = wake.getParams()
    for (let i = 0; i < validation.count; i++) {
      let x = 0
      for (let t = 0; t < T; t++) {
        x += (1 / p.tauMs[0]) * (-x + p.wIn[0] * validation.inputs[(i * T + t) * 16])
        out[i * T + t] = p.wOut[0] * Math.tanh(x)
      }
    }
    const unfitted = taskScore('wake-phrase', { outputs: out, shape: [validation.count, T, 1], labels: validation.labels })
    expect(unfitted.accuracy).toBe(0.5)
    const fitted = taskScore('wake-phrase', { outputs: out, shape: [validation.count, T, 1], labels: validation.labels, fit: true })
    expect(fitted.accuracy).toBe(1)
    expect(fitted.fitted.boundary).toBeGreaterThan(0)
  })
})
