// The teacher's building blocks against independent references: initialisation and the eigenvalue
// routine, the forward pass, and the argument checks of every entry point (the tasks' decision rules:
// native-tasks.test.ts).
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { eigenvalues, generateXor, initTeacher, setMemoryBudget, spectralRadius, teacherForward, teacherGradient, TeacherTrainer, type TeacherParams } from '../../native/index.ts'
import { logGrowth, refForward } from '../support/teacher-reference.ts'
import { thrown } from '../support/thrown.ts'
import { atEverySimdLevel } from '../support/simd-levels.ts'

/** A synchronous argument error: its class, code ERR_INVALID_ARG, and the exact message (or its start). */
function expectArgError(fn: () => unknown, cls: typeof TypeError | typeof RangeError, message: string): void {
  const err = thrown(fn)
  expect(err, message).toBeInstanceOf(cls)
  expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG')
  expect((err as Error).message.startsWith(message), `${(err as Error).message} should start with ${message}`).toBe(true)
}

function sortedPairs(re: ArrayLike<number>, im: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = []
  for (let i = 0; i < re.length; i++) out.push([re[i], im[i]])
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1])
}

function expectEigen(matrix: number[], n: number, expected: [number, number][], tol: number): void {
  const { re, im } = eigenvalues(Float64Array.from(matrix), n)
  const got = sortedPairs(re, im)
  const want = [...expected].sort((a, b) => a[0] - b[0] || a[1] - b[1])
  expect(got.length).toBe(want.length)
  for (let i = 0; i < n; i++) {
    expect(Math.abs(got[i][0] - want[i][0])).toBeLessThan(tol)
    expect(Math.abs(got[i][1] - want[i][1])).toBeLessThan(tol)
  }
}

/** Q T Q^T with the Householder reflector Q = I - 2 v v^T / v^T v (Q = Q^T = Q^-1). */
function similar(t: number[], n: number, v: number[]): number[] {
  const vv = v.reduce((s, x) => s + x * x, 0)
  const q = (i: number, j: number): number => (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv
  const qt = new Array(n * n).fill(0)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) qt[i * n + j] += q(i, k) * t[k * n + j]
  const out = new Array(n * n).fill(0)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += qt[i * n + k] * q(k, j)
  return out
}

describe('eigenvalues (Hessenberg + shifted QR)', () => {
  it('finds known real and complex eigenvalues', () => {
    expectEigen([2], 1, [[2, 0]], 1e-15)
    expectEigen([0, -1, 1, 0], 2, [[0, 1], [0, -1]], 1e-14)
    expectEigen(new Array(16).fill(0), 4, [[0, 0], [0, 0], [0, 0], [0, 0]], 1e-15)
    // Companion matrix of (x - 1)(x - 2)(x - 3)(x^2 + 4) = x^5 - 6x^4 + 15x^3 - 30x^2 + 44x - 24
    const c = [6, -15, 30, -44, 24, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    expectEigen(c, 5, [[1, 0], [2, 0], [3, 0], [0, 2], [0, -2]], 1e-9)
    // A hidden quasi-triangular matrix: blocks 0.9 ± 0.3i, -0.5 ± 1.2i, and 0.7, -0.95, 0.2
    const t = [
      0.9, 0.3, 1, 2, -1, 0.5, 0.3,
      -0.3, 0.9, 0.4, -2, 1, 0.2, -0.1,
      0, 0, -0.5, 1.2, 0.3, 0.7, 1,
      0, 0, -1.2, -0.5, -0.2, 0.1, 0.4,
      0, 0, 0, 0, 0.7, 1, -1,
      0, 0, 0, 0, 0, -0.95, 2,
      0, 0, 0, 0, 0, 0, 0.2,
    ]
    expectEigen(similar(t, 7, [1, -2, 0.5, 3, -1, 0.25, 2]), 7, [[0.9, 0.3], [0.9, -0.3], [-0.5, 1.2], [-0.5, -1.2], [0.7, 0], [-0.95, 0], [0.2, 0]], 1e-12)
  })

  it('handles matrices that stall unshifted QR (cyclic permutation) and badly scaled ones', () => {
    const n = 6
    const p = new Array(n * n).fill(0)
    for (let i = 0; i < n; i++) p[i * n + ((i + 1) % n)] = 1
    const roots: [number, number][] = []
    for (let k = 0; k < n; k++) roots.push([Math.cos((2 * Math.PI * k) / n), Math.sin((2 * Math.PI * k) / n)])
    expectEigen(p, n, roots, 1e-12)
    // D A D^-1 with D = diag(1e-6, 1, 1e6): same eigenvalues 1, 2, 3 as the triangular A
    const a = [1, 5, 7, 0, 2, 4, 0, 0, 3]
    const d = [1e-6, 1, 1e6]
    const b = a.map((v, k) => (v * d[Math.floor(k / 3)]) / d[k % 3])
    expectEigen(b, 3, [[1, 0], [2, 0], [3, 0]], 1e-9)
    // Identity and a Jordan block (defective: eigenvalue accuracy ~ eps^(1/3))
    expectEigen([1, 0, 0, 0, 1, 0, 0, 0, 1], 3, [[1, 0], [1, 0], [1, 0]], 1e-15)
    expectEigen([2, 1, 0, 0, 2, 1, 0, 0, 2], 3, [[2, 0], [2, 0], [2, 0]], 1e-4)
  })

  it('agrees with trace identities on a random matrix (sum of lambda^k = trace(A^k))', () => {
    const n = 9
    let s = 12345
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
    const a = Array.from({ length: n * n }, rand)
    const { re, im } = eigenvalues(Float64Array.from(a), n)
    let pw = a.slice()
    for (let k = 1; k <= n; k++) {
      let tr = 0
      for (let i = 0; i < n; i++) tr += pw[i * n + i]
      let sumRe = 0
      for (let i = 0; i < n; i++) {
        const r = Math.hypot(re[i], im[i]) ** k
        sumRe += r * Math.cos(k * Math.atan2(im[i], re[i]))
      }
      expect(Math.abs(sumRe - tr)).toBeLessThan(1e-9 * Math.max(1, Math.abs(tr)))
      const next = new Array(n * n).fill(0)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let m = 0; m < n; m++) next[i * n + j] += pw[i * n + m] * a[m * n + j]
      pw = next
    }
  })

  it('rejects bad arguments', () => {
    expectArgError(() => eigenvalues(new Float64Array(3), 2), RangeError, 'matrix must have n × n (2 × 2) = 4 elements but has 3')
    expectArgError(() => eigenvalues(new Float32Array(4) as unknown as Float64Array, 2), TypeError, 'Expected a Float64Array for matrix but received a Float32Array of length 4')
    expectArgError(() => eigenvalues(new Float64Array(4), 0), RangeError, 'n must be between 1 and 256 but is 0 (larger matrices would block the event loop)')
    expectArgError(() => eigenvalues(Float64Array.from([1, NaN, 0, 1]), 2), RangeError, 'matrix must hold finite numbers but element 1 is NaN')
  })
})

describe('initTeacher', () => {
  it('the same weights as before the reduction walked rows (digests of the previous addon), and progress through the eigenvalue problem', async () => {
    const digest = (a: Float32Array): string => createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex')
    expect(digest((await initTeacher({ units: 300, channels: 2, outputs: 1, seed: 11 })).wRec)).toBe('06df7b91eea69d21aa528834d26ab9fa25268f03ae6c19efa1761f470d4ad0ef')
    expect(digest((await initTeacher({ units: 64, channels: 2, outputs: 1, seed: 11 })).wRec)).toBe('238ae5debc6b9dd3bf2f34323b1734a6ebe724d6dae5cdb4ba66612666860fee')
    // 512 units (~0.7 s; 1.4 s before): reports from inside (the reduction's columns, then the QR
    // iterations as eigenvalues split off), rising
    const seen: Array<[number, string]> = []
    await initTeacher({ units: 512, channels: 1, outputs: 1, seed: 1 }, { onProgress: (f, m) => seen.push([f, m]) })
    const inside = seen.filter(([f]) => f > 0 && f < 1)
    expect(inside.length).toBeGreaterThanOrEqual(3)
    expect(inside.every(([, m]) => m === 'finding the spectral radius of the recurrent weights')).toBe(true)
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0])
  })

  it('draws the paper initialisation: spectral radius 0.95, zero diagonal, tau 10..100 ms, seeded', async () => {
    const p = await initTeacher({ units: 64, channels: 1, outputs: 1, seed: 7 })
    expect(p.wIn.length).toBe(64)
    expect(p.wRec.length).toBe(64 * 64)
    expect(p.wOut.length).toBe(64)
    for (let j = 0; j < 64; j++) expect(p.wRec[j * 64 + j]).toBe(0)
    expect(Math.abs(spectralRadius(p.wRec, 64) - 0.95)).toBeLessThan(1e-6)
    // Independent of the eigenvalue routine: (W/s)^k grows for s below the radius, decays above.
    expect(logGrowth(p.wRec, 64, 0.94, 4000)).toBeGreaterThan(20)
    expect(logGrowth(p.wRec, 64, 0.96, 4000)).toBeLessThan(-20)
    expect(Math.max(...p.wIn.map(Math.abs))).toBeLessThanOrEqual(5)
    expect(Math.max(...p.wIn.map(Math.abs))).toBeGreaterThan(4)
    expect(Math.max(...p.wOut.map(Math.abs))).toBeLessThanOrEqual(0.2)
    expect([...p.bias].every((b) => b === 0)).toBe(true)
    expect(p.tauMs[0]).toBe(10)
    expect(p.tauMs[63]).toBe(100)
    expect(p.tauMs[21]).toBeCloseTo(10 + (90 * 21) / 63, 4)
    expect(p.dtMs).toBe(1)
    const again = await initTeacher({ units: 64, channels: 1, outputs: 1, seed: 7 })
    expect(again.wRec).toEqual(p.wRec)
    const other = await initTeacher({ units: 64, channels: 1, outputs: 1, seed: 8 })
    expect(other.wRec).not.toEqual(p.wRec)
    // wRec comes from its own stream: more channels do not change it.
    const wide = await initTeacher({ units: 64, channels: 3, outputs: 2, seed: 7 })
    expect(wide.wRec).toEqual(p.wRec)
  })

  it('handles a single unit (radius 0) and custom ranges', async () => {
    const p = await initTeacher({ units: 1, channels: 2, outputs: 1, seed: 1, tauInitMs: [20, 30], spectralRadius: 0.5 })
    expect([...p.wRec]).toEqual([0])
    expect([...p.tauMs]).toEqual([20])
    const q = await initTeacher({ units: 5, channels: 1, outputs: 1, seed: 1, spectralRadius: 0.5 })
    expect(Math.abs(spectralRadius(q.wRec, 5) - 0.5)).toBeLessThan(1e-6)
  })

  it('rejects bad options synchronously', () => {
    expectArgError(() => initTeacher({ units: 0, channels: 1, outputs: 1, seed: 1 }), RangeError, 'units must be between 1 and 4096 but is 0')
    expectArgError(() => initTeacher({ units: 1e9, channels: 1, outputs: 1, seed: 1 }), RangeError, 'units must be between 1 and 4096 but is 1000000000')
    expectArgError(() => initTeacher({ units: NaN, channels: 1, outputs: 1, seed: 1 }), TypeError, 'Expected an integer for units but received NaN')
    expectArgError(() => initTeacher({ units: 4, channels: 1, outputs: 1, seed: -1 }), RangeError, 'seed must be between 0 and 9007199254740991 but is -1')
    expectArgError(() => initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1, dtMs: 0 }), RangeError, 'dtMs must be greater than 0 and at most 1000 but is 0')
    expectArgError(() => initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1, tauInitMs: [-1, 10] }), RangeError, 'tauInitMs.0 must be greater than 0')
    expectArgError(() => initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1, spectralradius: 1 } as never), TypeError, "Unknown option 'spectralradius' in options")
    expectArgError(() => initTeacher({ units: 0, channels: 1, outputs: 1, seed: 1 }), RangeError, 'units must be between 1 and 4096 but is 0')
  })
})

function smallParams(units: number, channels: number, outputs: number, seed: number): TeacherParams {
  let s = seed
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
  const f = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => rand() * scale)
  return {
    units, channels, outputs, dtMs: 1,
    wIn: f(units * channels, 2), wRec: f(units * units, 0.4), wOut: f(outputs * units, 0.5), bias: f(units, 0.3),
    tauMs: Float32Array.from({ length: units }, (_, j) => 5 + 13 * j),
  }
}

atEverySimdLevel('teacherForward', () => {
  it('matches the TypeScript reference within 1e-5', async () => {
    const p = smallParams(7, 3, 2, 11)
    const steps = 200
    const count = 3
    let s = 5
    const inputs = Float32Array.from({ length: count * steps * 3 }, () => ((s = (s * 69069 + 1) % 4294967296) / 4294967296) * 2 - 1)
    const r = await teacherForward(p, { inputs, count, steps })
    expect(r.outputs.length).toBe(count * steps * 2)
    expect(r.activations!.length).toBe(count * steps * 7)
    let maxErr = 0
    for (let b = 0; b < count; b++) {
      const ref = refForward(p, inputs.subarray(b * steps * 3, (b + 1) * steps * 3), steps)
      for (let k = 0; k < steps * 2; k++) maxErr = Math.max(maxErr, Math.abs(ref.outputs[k] - r.outputs[b * steps * 2 + k]))
      for (let k = 0; k < steps * 7; k++) maxErr = Math.max(maxErr, Math.abs(ref.activations[k] - r.activations![b * steps * 7 + k]))
    }
    expect(maxErr).toBeLessThan(1e-5)
    const noActs = await teacherForward(p, { inputs, count, steps }, { activations: false, threads: 1 })
    expect(noActs.activations).toBeUndefined()
    expect(noActs.outputs).toEqual(r.outputs)
  })

  it("the wake phrase's 16 channels (43 units: vector lanes and a tail at every level): the reference within 1e-5, and the very bytes of the scalar input drive", async () => {
    const p = smallParams(43, 16, 1, 21)
    const steps = 150
    let s = 8
    const inputs = Float32Array.from({ length: steps * 16 }, () => ((s = (s * 69069 + 1) % 4294967296) / 4294967296) * 2 - 1)
    const targets = Float32Array.from({ length: steps }, (_, t) => Math.sin(t / 20))
    const r = await teacherForward(p, { inputs, count: 1, steps }, { threads: 1 })
    const ref = refForward(p, inputs, steps)
    let maxErr = 0
    for (let k = 0; k < steps; k++) maxErr = Math.max(maxErr, Math.abs(ref.outputs[k] - r.outputs[k]))
    for (let k = 0; k < steps * 43; k++) maxErr = Math.max(maxErr, Math.abs(ref.activations[k] - r.activations![k]))
    expect(maxErr).toBeLessThan(1e-5)
    // the digest of the forward pass and the gradient measured with the addon before the input drive ran
    // in vector lanes (a scalar loop per unit), the same at every level: the vector form changed no bit
    const g = await teacherGradient(p, { inputs, targets, count: 1, steps }, { threads: 1 })
    const digest = (): string => {
      const h = createHash('sha256')
      for (const a of [r.outputs, r.activations!, g.grads.wIn, g.grads.wRec, g.grads.wOut, g.grads.bias, g.grads.tauMs]) h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
      h.update(Buffer.from(Float64Array.from([g.loss, g.mse]).buffer))
      return h.digest('hex')
    }
    expect(digest()).toBe('f19bf123357b25a84632324e25578887b62413e57fb67f157119b3bb2244192c')
    // on one thread (one workspace), other channels and other input weights in between: the transposed
    // weights are made again for each sample, so the last run equals a run of its own
    const three = smallParams(43, 3, 1, 5)
    await teacherForward(three, { inputs: inputs.subarray(0, steps * 3), count: 1, steps }, { threads: 1 })
    const other = { ...p, wIn: p.wIn.map((w) => -0.5 * w) }
    const after = await teacherForward(other, { inputs, count: 1, steps }, { threads: 1 })
    const alone = refForward(other, inputs, steps)
    for (let k = 0; k < steps; k++) expect(Math.abs(alone.outputs[k] - after.outputs[k])).toBeLessThan(1e-5)
  })

  it('matches the reference with other Euler steps (dtMs 0.5 and 3)', async () => {
    for (const dtMs of [0.5, 3]) {
      const p = { ...smallParams(6, 1, 1, 4), dtMs }
      const steps = 120
      const inputs = Float32Array.from({ length: steps }, (_, t) => Math.sin(t / 9))
      const r = await teacherForward(p, { inputs, count: 1, steps })
      const ref = refForward(p, inputs, steps)
      let maxErr = 0
      for (let k = 0; k < steps; k++) maxErr = Math.max(maxErr, Math.abs(ref.outputs[k] - r.outputs[k]))
      expect(maxErr).toBeLessThan(1e-5)
    }
  })

  it('runs the paper-size network on XOR samples, identically for any thread count', async () => {
    const p = await initTeacher({ units: 64, channels: 1, outputs: 1, seed: 3 })
    const x = await generateXor({ count: 8, seed: 4 })
    const one = await teacherForward(p, { inputs: x.inputs, count: 8, steps: x.steps }, { threads: 1 })
    const two = await teacherForward(p, { inputs: x.inputs, count: 8, steps: x.steps }, { threads: 2 })
    expect(two.outputs).toEqual(one.outputs)
    expect(two.activations).toEqual(one.activations)
    const ref = refForward(p, x.inputs.subarray(0, x.steps), x.steps)
    let maxErr = 0
    for (let k = 0; k < x.steps; k++) maxErr = Math.max(maxErr, Math.abs(ref.outputs[k] - one.outputs[k]))
    expect(maxErr).toBeLessThan(1e-5)
  })

  it('rejects bad parameters and batches synchronously, naming the argument and sizes', () => {
    const p = smallParams(5, 2, 2, 1)
    const batch = { inputs: new Float32Array(2 * 30 * 2), count: 2, steps: 30 }
    const bad = (patch: Partial<TeacherParams>): TeacherParams => ({ ...p, ...patch })
    expectArgError(() => teacherForward(bad({ wRec: new Float32Array(24) }), batch), RangeError, 'params.wRec must have units × units (5 × 5) = 25 elements but has 24')
    expectArgError(() => teacherForward(bad({ wIn: new Float32Array(9) }), batch), RangeError, 'params.wIn must have units × channels (5 × 2) = 10 elements but has 9')
    expectArgError(() => teacherForward(bad({ wOut: new Float32Array(5) }), batch), RangeError, 'params.wOut must have outputs × units (2 × 5) = 10 elements but has 5')
    expectArgError(() => teacherForward(bad({ tauMs: Float32Array.from([10, 20, -5, 30, 40]) }), batch), RangeError, 'params.tauMs must hold positive time constants (ms) but element 2 is -5')
    expectArgError(() => teacherForward(bad({ tauMs: Float32Array.from([10, 20, 0, 30, 40]) }), batch), RangeError, 'params.tauMs must hold positive time constants (ms) but element 2 is 0')
    expectArgError(() => teacherForward(bad({ bias: Float32Array.from([0, NaN, 0, 0, 0]) }), batch), RangeError, 'params.bias must hold finite numbers but element 1 is NaN')
    expectArgError(() => teacherForward(bad({ units: 0 }), batch), RangeError, 'params.units must be between 1 and 4096 but is 0')
    expectArgError(() => teacherForward(bad({ units: 1e7 }), batch), RangeError, 'params.units must be between 1 and 4096 but is 10000000')
    expectArgError(() => teacherForward(bad({ dtMs: -1 }), batch), RangeError, 'params.dtMs must be greater than 0')
    expectArgError(() => teacherForward(bad({ wRec: [1, 2] as unknown as Float32Array }), batch), TypeError, 'Expected a Float32Array for params.wRec but received an array of length 2')
    expectArgError(() => teacherForward(p, { ...batch, inputs: new Float32Array(119) }), RangeError, 'batch.inputs must have count × steps × channels (2 × 30 × 2) = 120 elements but has 119')
    expectArgError(() => teacherForward(p, { ...batch, count: 0 }), RangeError, 'batch.count must be between 1 and 2147483647 but is 0')
    expectArgError(() => teacherForward(p, { ...batch, steps: 1e12 }), RangeError, 'batch.steps must be between 1 and 2147483647')
    expectArgError(() => teacherForward(p, batch, { threads: -1 }), RangeError, 'threads must be between 0 and 1024 but is -1')
    expectArgError(() => teacherForward(p, batch, { thread: 1 } as never), TypeError, "Unknown option 'thread' in options")
    expectArgError(() => teacherForward(null as never, batch), TypeError, 'Expected an object for params but received null')
    try {
      void teacherForward(bad({ wRec: new Float32Array(24) }), batch)
      expect.unreachable()
    } catch (err) {
      expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG')
    }
  })
})

describe('argument checks of teacherGradient and TeacherTrainer', () => {
  it('rejects mixed precision, missing targets, and bad trainer options', () => {
    const p = smallParams(5, 1, 1, 3)
    const batch = { inputs: new Float32Array(30), targets: new Float32Array(30), count: 1, steps: 30 }
    const mixed = { ...p, wIn: Float64Array.from(p.wIn) } as unknown as TeacherParams
    expectArgError(() => teacherGradient(mixed, batch), TypeError, 'Expected a Float64Array for params.wRec but received a Float32Array of length 25')
    expectArgError(() => teacherGradient(p, { ...batch, targets: undefined as never }), TypeError, 'Expected a Float32Array for batch.targets but received undefined')
    expectArgError(() => teacherGradient(p, batch, { loss: { lambdaMse: -1 } }), RangeError, 'options.loss.lambdaMse must be between 0 and 1000000000000 but is -1')
    expectArgError(() => teacherGradient(p, batch, { loss: { lamdaMse: 1 } as never }), TypeError, "Unknown option 'lamdaMse' in options.loss")
    const data = { inputs: new Float32Array(60), targets: new Float32Array(60), count: 2, steps: 30 }
    expectArgError(() => new TeacherTrainer({ params: p, data, stepSize: -1 }), RangeError, 'options.stepSize must be between 0 and 1000 but is -1')
    expectArgError(() => new TeacherTrainer({ params: p, data, batchSize: 0 }), RangeError, 'options.batchSize must be between 1 and 100000 but is 0')
    expectArgError(() => new TeacherTrainer({ params: p, data, stepsize: 1 } as never), TypeError, "Unknown option 'stepsize' in options")
    expectArgError(() => new TeacherTrainer({ params: p, data: { ...data, targets: new Float32Array(59) } }), RangeError, 'options.data.targets must have count × steps × outputs (2 × 30 × 1) = 60 elements but has 59')
    expectArgError(() => new TeacherTrainer({ params: p, data: { ...data, labels: Int8Array.from([1, 0]) } }), RangeError, 'options.data.labels must hold 1 or -1 but element 1 is 0')
    expectArgError(() => new TeacherTrainer({ params: p, data, keepBest: true }), RangeError, 'options.keepBest needs options.validation')
    expectArgError(() => new TeacherTrainer({ params: p, data, tauStepUnit: 'us' as never }), TypeError, "Expected 's' or 'ms' for options.tauStepUnit but received the string 'us'")
    expectArgError(() => new TeacherTrainer({ params: p, data: { task: { name: 'xor', samplesPerEpoch: 0 } } }), RangeError, 'options.data.task.samplesPerEpoch must be between 1 and 2147483647 but is 0')
    const two = smallParams(5, 2, 1, 3)
    expectArgError(() => new TeacherTrainer({ params: two, data: { task: { name: 'xor', samplesPerEpoch: 10 } } }), RangeError, "options.data.task: the task 'xor' draws samples of 1 channel and 1 output but params has 2 channels and 1 output")
    const big = smallParams(1000, 1, 1, 3)
    // sizes against a memory budget of 2 GB (the default is half of the machine's memory)
    setMemoryBudget(2e9)
    try {
      // per-sample gradients: 1000 × 1,004,000 parameters × 4 bytes = 4 GB
      expectArgError(() => new TeacherTrainer({ params: big, data: { task: { name: 'xor', samplesPerEpoch: 1000 } }, batchSize: 1000 }), RangeError, 'options.batchSize: training a teacher of 1000 units on samples of 1000 steps in batches of 1000 needs 4.1 GB (')
      // trajectories for the backward pass: 2 × 20000 steps × 4096 units × 4 bytes per thread
      const wide = smallParams(4096, 1, 1, 3)
      expectArgError(() => new TeacherTrainer({ params: wide, data: { task: { name: 'xor', samplesPerEpoch: 10, options: { durationS: 20 } } } }), RangeError, 'options.data.task: training a teacher of 4096 units on samples of 20000 steps')
    } finally {
      setMemoryBudget()
    }
  })
})
