// BPTT gradients of the teacher against central finite differences of the native loss, in double
// precision, for every parameter group and every loss term; and the float32 build against the double one.
import { describe, expect, it } from 'vitest'
import { generateXor, initTeacher, teacherGradient, type TeacherLossOptions, type TeacherParams } from '../../native/index.ts'
import { refLoss, defaultLoss } from '../support/teacher-reference.ts'
import { atEverySimdLevel } from '../support/simd-levels.ts'

const N = 5
const C = 2
const O = 2
const T = 30
const B = 2
const groups = ['wIn', 'wRec', 'wOut', 'bias', 'tauMs'] as const
type Group = (typeof groups)[number]

function lcg(seed: number): () => number {
  let s = seed
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
}

function params64(): TeacherParams<Float64Array> {
  const r = lcg(42)
  const f = (n: number, scale: number): Float64Array => Float64Array.from({ length: n }, () => r() * scale)
  const wRec = f(N * N, 0.5)
  for (let j = 0; j < N; j++) wRec[j * N + j] = 0.05 * (j % 2 === 0 ? 1 : -1) * (j + 1) // nonzero: |w| is smooth there
  return {
    units: N, channels: C, outputs: O, dtMs: 1,
    wIn: f(N * C, 1.5), wRec, wOut: f(O * N, 0.8), bias: f(N, 0.3),
    // two units below tauMin = 15 ms (barrier active), a unique maximum (max term), none near 15
    tauMs: Float64Array.from([11, 13.5, 25, 40, 70]),
  }
}

function batch(): { inputs: Float32Array; targets: Float32Array; count: number; steps: number } {
  const r = lcg(7)
  return {
    inputs: Float32Array.from({ length: B * T * C }, () => r()),
    targets: Float32Array.from({ length: B * T * O }, () => 0.8 * r()),
    count: B,
    steps: T,
  }
}

const off: TeacherLossOptions = { lambdaMse: 0, lambdaTau: 0, lambdaMaxTau: 0, lambdaRec: 0, lambdaDiag: 0, lambdaBias: 0 }
const cases: [string, TeacherLossOptions, Group[]][] = [
  ['mse', { ...off, lambdaMse: 1 }, [...groups]],
  ['tau barrier (ms)', { ...off, lambdaTau: 1e6 }, ['tauMs']],
  ['tau barrier (s)', { ...off, lambdaTau: 1e6, tauUnit: 's' }, ['tauMs']],
  ['max tau (ms)', { ...off, lambdaMaxTau: 1 }, ['tauMs']],
  ['max tau (s)', { ...off, lambdaMaxTau: 1e3, tauUnit: 's' }, ['tauMs']],
  ['rec L2', { ...off, lambdaRec: 1 }, ['wRec']],
  ['diag L1', { ...off, lambdaDiag: 1 }, ['wRec']],
  ['bias L2', { ...off, lambdaBias: 1e3 }, ['bias']],
  ['all terms, paper weights', {}, [...groups]],
  ['all terms, paper weights, tau in s', { tauUnit: 's' }, [...groups]],
]

async function loss(p: TeacherParams<Float64Array>, l: TeacherLossOptions): Promise<number> {
  return (await teacherGradient(p, batch(), { loss: l })).loss
}

atEverySimdLevel('teacher BPTT gradient (double) vs central finite differences', () => {
  for (const [name, l, active] of cases) {
    it(`${name}: relative error < 1e-5 in every parameter group`, async () => {
      const p = params64()
      const g = await teacherGradient(p, batch(), { loss: l })
      for (const group of groups) {
        const an = g.grads[group]
        expect(an).toBeInstanceOf(Float64Array)
        if (!active.includes(group)) {
          // A term that does not depend on this group contributes exactly nothing.
          expect([...an].every((v) => v === 0)).toBe(true)
          continue
        }
        const fd = new Float64Array(an.length)
        for (let k = 0; k < an.length; k++) {
          const arr = p[group]
          const v = arr[k]
          const h = group === 'tauMs' ? 1e-4 : 1e-6
          arr[k] = v + h
          const up = await loss(p, l)
          arr[k] = v - h
          const down = await loss(p, l)
          arr[k] = v
          fd[k] = (up - down) / (2 * h)
        }
        let maxFd = 0
        let maxDiff = 0
        for (let k = 0; k < an.length; k++) {
          maxFd = Math.max(maxFd, Math.abs(fd[k]))
          maxDiff = Math.max(maxDiff, Math.abs(fd[k] - an[k]))
        }
        expect(maxFd, `${group} gradient is not trivially zero`).toBeGreaterThan(0)
        expect(maxDiff / maxFd, `${name}: ${group}`).toBeLessThan(1e-5)
        // Element-wise too, for every entry that is not negligible within its group.
        for (let k = 0; k < an.length; k++)
          if (Math.abs(fd[k]) > 1e-3 * maxFd) expect(Math.abs(fd[k] - an[k]) / Math.abs(fd[k]), `${group}[${k}]`).toBeLessThan(1e-5)
      }
    })
  }

  it.each(['ms', 's'] as const)('reports the loss terms as the TypeScript reference computes them (tau in %s)', async (tauUnit) => {
    const p = params64()
    const b = batch()
    const g = await teacherGradient(p, b, { loss: { tauUnit } })
    const ref = refLoss(p, b.inputs, b.targets, B, T, { ...defaultLoss, tauUnit })
    expect(g.mse).toBeCloseTo(ref.mse, 12)
    expect(g.terms.mse / 1e6).toBeCloseTo(ref.mse, 12)
    for (const k of ['tau', 'maxTau', 'rec', 'diag', 'bias'] as const) expect(Math.abs(g.terms[k] - ref[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref[k])))
    expect(Math.abs(g.loss - ref.total) / ref.total).toBeLessThan(1e-12)
  })
})

atEverySimdLevel('other Euler steps', () => {
  it.each([0.5, 2])('dtMs = %s: the tau and wRec gradients match finite differences', async (dtMs) => {
    const p = { ...params64(), dtMs }
    const l: TeacherLossOptions = {}
    const g = await teacherGradient(p, batch(), { loss: l })
    for (const group of ['tauMs', 'wRec'] as const) {
      let maxFd = 0
      let maxDiff = 0
      for (let k = 0; k < p[group].length; k++) {
        const v = p[group][k]
        const h = group === 'tauMs' ? 1e-4 : 1e-6
        p[group][k] = v + h
        const up = await loss(p, l)
        p[group][k] = v - h
        const down = await loss(p, l)
        p[group][k] = v
        const fd = (up - down) / (2 * h)
        maxFd = Math.max(maxFd, Math.abs(fd))
        maxDiff = Math.max(maxDiff, Math.abs(fd - g.grads[group][k]))
      }
      expect(maxDiff / maxFd, group).toBeLessThan(1e-5)
    }
  })
})

atEverySimdLevel('teacher gradient: float32 build vs double build', () => {
  it('agrees on the small network', async () => {
    const p64 = params64()
    const p32: TeacherParams = { ...p64, wIn: Float32Array.from(p64.wIn), wRec: Float32Array.from(p64.wRec), wOut: Float32Array.from(p64.wOut), bias: Float32Array.from(p64.bias), tauMs: Float32Array.from(p64.tauMs) }
    const pd: TeacherParams<Float64Array> = { ...p64, wIn: Float64Array.from(p32.wIn), wRec: Float64Array.from(p32.wRec), wOut: Float64Array.from(p32.wOut), bias: Float64Array.from(p32.bias), tauMs: Float64Array.from(p32.tauMs) }
    const g32 = await teacherGradient(p32, batch(), {})
    const g64 = await teacherGradient(pd, batch(), {})
    expect(g32.grads.wIn).toBeInstanceOf(Float32Array)
    expect(Math.abs(g32.loss - g64.loss) / g64.loss).toBeLessThan(1e-5)
    for (const group of groups) {
      let max = 0
      let diff = 0
      for (let k = 0; k < g64.grads[group].length; k++) {
        max = Math.max(max, Math.abs(g64.grads[group][k]))
        diff = Math.max(diff, Math.abs(g64.grads[group][k] - g32.grads[group][k]))
      }
      expect(diff / max, group).toBeLessThan(1e-5)
    }
  })

  it('agrees on the paper-size network over a 1 s XOR sample', async () => {
    const p32 = await initTeacher({ units: 64, channels: 1, outputs: 1, seed: 9 })
    const pd = { ...p32, wIn: Float64Array.from(p32.wIn), wRec: Float64Array.from(p32.wRec), wOut: Float64Array.from(p32.wOut), bias: Float64Array.from(p32.bias), tauMs: Float64Array.from(p32.tauMs) }
    const x = await generateXor({ count: 2, seed: 1 })
    const b = { inputs: x.inputs, targets: x.targets, count: 2, steps: x.steps }
    const g32 = await teacherGradient(p32, b)
    const g64 = await teacherGradient(pd, b)
    for (const group of groups) {
      let max = 0
      let diff = 0
      for (let k = 0; k < g64.grads[group].length; k++) {
        max = Math.max(max, Math.abs(g64.grads[group][k]))
        diff = Math.max(diff, Math.abs(g64.grads[group][k] - g32.grads[group][k]))
      }
      expect(diff / max, group).toBeLessThan(1e-4)
    }
  })
})
