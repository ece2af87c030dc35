// Training the teacher through the real addon: streamed epoch records, determinism across thread
// counts and across split / cancelled runs, the busy guard, frozen groups, clipping, and learning.
import { describe, expect, it } from 'vitest'
import { generateXor, initTeacher, NativeError, teacherForward, teacherGradient, TeacherTrainer, trainTeacher, taskScore, type TeacherEpochRecord, type TeacherParams, type TeacherTrainerOptions } from '../../native/index.ts'
import { thrown } from '../support/thrown.ts'

async function xorData(count: number, seed: number, durationS = 0.3): Promise<{ inputs: Float32Array; targets: Float32Array; count: number; steps: number }> {
  const x = await generateXor({ count, seed, durationS })
  return { inputs: x.inputs, targets: x.targets, count, steps: x.steps }
}

async function smallOptions(extra: Partial<TeacherTrainerOptions> = {}): Promise<TeacherTrainerOptions> {
  const params = await initTeacher({ units: 8, channels: 1, outputs: 1, seed: 5 })
  return { params, data: { task: { name: 'xor', samplesPerEpoch: 24, options: { durationS: 0.3 } } }, stepSize: 1e-3, seed: 3, ...extra }
}

function expectSameParams(a: TeacherParams, b: TeacherParams): void {
  for (const k of ['wIn', 'wRec', 'wOut', 'bias', 'tauMs'] as const) expect(a[k], k).toEqual(b[k])
}

/** Two epochs of a trainer on `data` with `threads` threads: its parameters and records. */
async function trainTwoEpochs(params: TeacherParams, data: Awaited<ReturnType<typeof xorData>>, batchSize: number, threads: number): Promise<[TeacherParams, TeacherEpochRecord[]]> {
  const t = new TeacherTrainer({ params, data, batchSize, threads, stepSize: 1e-3, seed: 4 })
  const h = await t.runEpochs(2)
  return [t.getParams(), h]
}

function changed(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('TeacherTrainer', () => {
  it('streams one record per epoch, in order, before the promise settles', async () => {
    const trainer = new TeacherTrainer(await smallOptions())
    const seen: TeacherEpochRecord[] = []
    const fractions: number[] = []
    let settled = false
    const p = trainer.runEpochs(4, { onEpoch: (r) => seen.push(r), onProgress: (f) => fractions.push(f) })
    void p.then(() => (settled = true))
    expect(trainer.busy).toBe(true)
    const records = await p
    expect(settled).toBe(true)
    expect(seen.map((r) => r.epoch)).toEqual([1, 2, 3, 4])
    expect(records).toEqual(seen)
    expect(trainer.epoch).toBe(4)
    expect(trainer.adamSteps).toBe(4 * 24)
    expect(trainer.busy).toBe(false)
    expect(fractions.at(-1)).toBe(1)
    const r = records[0]
    expect(r.samples).toBe(24)
    expect(r.batches).toBe(24)
    // the share of the epoch's 24 samples decided right: a whole number of them, 0 to 24
    expect(typeof r.accuracy).toBe('number')
    const right = (r.accuracy as number) * 24
    expect(right).toBeCloseTo(Math.round(right), 9)
    expect(Array.from({ length: 25 }, (_, i) => i)).toContain(Math.round(right))
    expect(r.valAccuracy).toBeNull()
    expect(r.loss).toBeCloseTo(r.terms.mse + r.terms.tau + r.terms.maxTau + r.terms.rec + r.terms.diag + r.terms.bias, 6)
    expect(r.terms.mse).toBeCloseTo(1e6 * r.mse, 3)
    // A throwing listener does not stop the training.
    const more = await trainer.runEpochs(1, { onEpoch: () => { throw new Error('listener') } })
    expect(more[0].epoch).toBe(5)
  })

  it('gives identical results for any thread count (batches spread over the pool)', async () => {
    const params = await initTeacher({ units: 12, channels: 1, outputs: 1, seed: 2 })
    const data = await xorData(20, 8)
    const run = (threads: number): Promise<[TeacherParams, TeacherEpochRecord[]]> => trainTwoEpochs(params, data, 6, threads)
    const [p1, h1] = await run(1)
    const [p2, h2] = await run(2)
    const [p0, h0] = await run(0)
    expectSameParams(p1, p2)
    expectSameParams(p1, p0)
    expect(h2.map((r) => [r.loss, r.mse, r.accuracy])).toEqual(h1.map((r) => [r.loss, r.mse, r.accuracy]))
    expect(h0.map((r) => r.loss)).toEqual(h1.map((r) => r.loss))
    expect(h1[0].batches).toBe(4) // 6 + 6 + 6 + 2
    // The batch gradient too.
    const g1 = await teacherGradient(params, data, { threads: 1 })
    const g2 = await teacherGradient(params, data, { threads: 2 })
    expect(g2.grads.wRec).toEqual(g1.grads.wRec)
    expect(g2.loss).toBe(g1.loss)
  })

  it('batch 1: the same with the wRec product on the pool\'s second thread beside the backward pass (all threads) as after it (1 thread)', async () => {
    // 1 s samples (1000 steps: 16 chunks of 64 steps, the last one short) at 64 units, and 0.3 s at
    // 13 (the product's odd columns); teacher_kernel-inl.hpp, sample_gradient
    for (const [units, durationS] of [[64, 1], [13, 0.3]] as const) {
      const params = await initTeacher({ units, channels: 1, outputs: 1, seed: 3 })
      const data = await xorData(6, 5, durationS)
      const [p1, h1] = await trainTwoEpochs(params, data, 1, 1)
      const [p0, h0] = await trainTwoEpochs(params, data, 1, 0)
      expectSameParams(p1, p0)
      expect(h0.map((r) => [r.loss, r.gradNorm])).toEqual(h1.map((r) => [r.loss, r.gradNorm]))
      expect(changed(p1.wRec, params.wRec)).toBeGreaterThan(0)
      const one = { inputs: data.inputs.subarray(0, data.steps), targets: data.targets.subarray(0, data.steps), count: 1, steps: data.steps }
      const g1 = await teacherGradient(params, one, { threads: 1 })
      const g0 = await teacherGradient(params, one, { threads: 0 })
      expect(g0.grads.wRec, `${units} units`).toEqual(g1.grads.wRec)
      expect(g0.loss).toBe(g1.loss)
    }
  })

  it('continues deterministically: 3 epochs in one call equal 1 + 2 in two calls', async () => {
    const opts = await smallOptions()
    const a = new TeacherTrainer(opts)
    await a.runEpochs(3)
    const b = new TeacherTrainer(opts)
    await b.runEpochs(1)
    await b.runEpochs(2)
    expectSameParams(a.getParams(), b.getParams())
    // and the start parameters passed in were not modified
    const fresh = await initTeacher({ units: 8, channels: 1, outputs: 1, seed: 5 })
    expectSameParams(opts.params, fresh)
  })

  it('cancels between batches, rolls back the unfinished epoch, and can go on', async () => {
    const opts = await smallOptions({ data: { task: { name: 'xor', samplesPerEpoch: 400, options: { durationS: 0.3 } } } })
    const trainer = new TeacherTrainer(opts)
    const ac = new AbortController()
    const p = trainer.runEpochs(1000, { signal: ac.signal, onEpoch: (r) => { if (r.epoch === 2) ac.abort() } })
    await expect(p).rejects.toMatchObject({ code: 'ERR_CANCELLED', name: 'NativeError' })
    await expect(p).rejects.toThrow('TeacherTrainer.runEpochs was cancelled')
    expect(trainer.busy).toBe(false)
    const done = trainer.epoch
    expect(done).toBeGreaterThanOrEqual(2)
    expect(done).toBeLessThan(1000)
    // The state is exactly that of `done` uninterrupted epochs ...
    const ref = new TeacherTrainer(opts)
    await ref.runEpochs(done)
    expectSameParams(trainer.getParams(), ref.getParams())
    expect(trainer.adamSteps).toBe(ref.adamSteps)
    // ... and training goes on from there.
    const next = await trainer.runEpochs(1)
    expect(next[0].epoch).toBe(done + 1)
    // A signal aborted before the start rejects without running.
    const pre = new AbortController()
    pre.abort()
    await expect(trainer.runEpochs(1, { signal: pre.signal })).rejects.toMatchObject({ code: 'ERR_CANCELLED' })
    expect(trainer.epoch).toBe(done + 1)
  })

  it('refuses a second call while running (ERR_BUSY)', async () => {
    const trainer = new TeacherTrainer(await smallOptions())
    const p = trainer.runEpochs(3)
    for (const call of [() => trainer.runEpochs(1), () => trainer.getParams(), () => trainer.getBestParams(), () => trainer.epoch]) {
      const err = thrown(call)
      expect(err).toBeInstanceOf(Error)
      expect((err as { code?: string }).code).toBe('ERR_BUSY')
      expect((err as Error).message).toMatch(/^This TeacherTrainer is busy running epochs: wait for runEpochs\(\) to settle before calling /)
    }
    expect(trainer.busy).toBe(true)
    await p
    expect(trainer.busy).toBe(false)
    expect(trainer.epoch).toBe(3)
  })

  it('validates each epoch and keeps the best parameters', async () => {
    const val = await xorData(30, 99)
    const opts = await smallOptions({ validation: val, keepBest: true })
    const trainer = new TeacherTrainer(opts)
    expect(trainer.getBestParams()).toBeNull()
    const h = await trainer.runEpochs(5)
    for (const r of h) {
      expect(r.valAccuracy).not.toBeNull()
      expect(r.valMse).toBeGreaterThan(0)
    }
    const bestRecord = h.filter((r) => r.best).at(-1)!
    expect(trainer.bestEpoch).toBe(bestRecord.epoch)
    const best = trainer.getBestParams()!
    // The best parameters reproduce the recorded validation accuracy.
    const f = await teacherForward(best, val, { activations: false })
    expect(taskScore('xor', { outputs: f.outputs, shape: [30, val.steps, 1], targets: val.targets }).accuracy).toBeCloseTo(bestRecord.valAccuracy!, 12)
    // labels given explicitly are used instead of the ones derived from the targets
    const flipped = new Int8Array(taskScore('xor', { outputs: f.outputs, shape: [30, val.steps, 1], targets: val.targets }).labels!.map((l) => -l))
    const t2 = new TeacherTrainer({ ...opts, validation: { ...val, labels: flipped } })
    const h2 = await t2.runEpochs(1)
    expect(h2[0].valAccuracy).toBeLessThanOrEqual(1)
  })

  it('freezes parameter groups, and clipping bounds the update', async () => {
    const opts = await smallOptions({ train: { wIn: false, tau: false } })
    const t = new TeacherTrainer(opts)
    await t.runEpochs(1)
    const p = t.getParams()
    expect(p.wIn).toEqual(opts.params.wIn)
    expect(p.tauMs).toEqual(opts.params.tauMs)
    expect(changed(p.wRec, opts.params.wRec)).toBeGreaterThan(0)
    expect(changed(p.wOut, opts.params.wOut)).toBeGreaterThan(0)
    // A tiny global-norm limit makes every step tiny compared with Adam's epsilon.
    const free = new TeacherTrainer(await smallOptions())
    const clipped = new TeacherTrainer(await smallOptions({ clipNorm: 1e-12 }))
    const hf = await free.runEpochs(1)
    const hc = await clipped.runEpochs(1)
    expect(hc[0].gradNorm).toBeGreaterThan(1e6 * 1e-12) // reported before clipping
    expect(hf[0].gradNorm).toBeGreaterThan(0)
    expect(changed(clipped.getParams().wRec, opts.params.wRec)).toBeLessThan(0.01 * changed(free.getParams().wRec, opts.params.wRec))
  })

  it('a cosine step-size schedule: each epoch takes the schedule\'s step size, down to the floor', async () => {
    const cosine = new TeacherTrainer(await smallOptions({ stepSizeSchedule: { cosineEpochs: 5, floor: 0.1 } }))
    const records = await cosine.runEpochs(6)
    const expected = [1, 2, 3, 4, 5, 6].map((e) => 1e-3 * (e >= 5 ? 0.1 : 0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (e - 1)) / 4))))
    records.forEach((r, i) => expect(r.stepSize, `epoch ${i + 1}`).toBeCloseTo(expected[i], 15))
    // a constant schedule reports its step size; a floor of 1 is the constant schedule, bit for bit
    const constant = new TeacherTrainer(await smallOptions())
    expect((await constant.runEpochs(2)).map((r) => r.stepSize)).toEqual([1e-3, 1e-3])
    const flat = new TeacherTrainer(await smallOptions({ stepSizeSchedule: { cosineEpochs: 3, floor: 1 } }))
    await flat.runEpochs(2)
    expectSameParams(flat.getParams(), constant.getParams())
    // the factor reaches Adam's steps: in the last epoch of a 2-epoch schedule with a tiny floor the parameters hardly move
    const steep = new TeacherTrainer(await smallOptions({ stepSizeSchedule: { cosineEpochs: 2, floor: 1e-6 } }))
    await steep.runEpochs(1)
    const before = steep.getParams().wRec
    await steep.runEpochs(1)
    const first = new TeacherTrainer(await smallOptions())
    await first.runEpochs(1)
    const constBefore = first.getParams().wRec
    await first.runEpochs(1)
    expect(changed(steep.getParams().wRec, before)).toBeLessThan(1e-3 * changed(first.getParams().wRec, constBefore))
    // a bad schedule is refused, naming the field
    const err = thrown(() => new TeacherTrainer({ params: cosine.getParams(), data: { task: { name: 'xor', samplesPerEpoch: 4 } }, stepSizeSchedule: { cosineEpochs: 0 } }))
    expect(err).toBeInstanceOf(RangeError)
    expect((err as Error).message).toMatch(/stepSizeSchedule\.cosineEpochs/)
  })

  it('trains from a dataset with shuffling, and through trainTeacher', async () => {
    const params = await initTeacher({ units: 8, channels: 1, outputs: 1, seed: 1 })
    const data = await xorData(10, 3)
    const a = await trainTeacher({ params, data, epochs: 2, seed: 1, stepSize: 1e-3 })
    const b = await trainTeacher({ params, data, epochs: 2, seed: 2, stepSize: 1e-3 })
    const c = await trainTeacher({ params, data, epochs: 2, seed: 2, stepSize: 1e-3, shuffle: false })
    expect(a.history).toHaveLength(2)
    expect(a.bestParams).toBeNull()
    expect(changed(a.params.wRec, b.params.wRec)).toBeGreaterThan(0) // another order
    expect(changed(b.params.wRec, c.params.wRec)).toBeGreaterThan(0)
    const err = await trainTeacher({ params, data, epochs: 0 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RangeError)
    expect((err as Error).message).toBe('epochs must be between 1 and 1000000 but is 0')
  })

  it('learns a reduced temporal XOR: the MSE falls substantially within seconds', async () => {
    // 24 units, 12 epochs x 200 fresh samples, a 30x larger step than the paper's. Adam steps tau in
    // ms here (tau nearly fixed): with a step this large and tau stepped in seconds, the max-tau term
    // shortens the longest time constants within a few epochs, before the network has found the
    // memory the task needs, and the MSE stays on the 0.23 plateau (see the report in the commit log).
    const start = performance.now()
    const params = await initTeacher({ units: 24, channels: 1, outputs: 1, seed: 11 })
    const val = await xorData(100, 12345, 1)
    const t = new TeacherTrainer({ params, data: { task: { name: 'xor', samplesPerEpoch: 200 } }, stepSize: 3e-3, tauStepUnit: 'ms', seed: 11, validation: val })
    const h = await t.runEpochs(12)
    const seconds = (performance.now() - start) / 1000
    const first = h[0]
    const last = h.at(-1)!
    expect(last.mse).toBeLessThan(0.25 * first.mse)
    expect(last.valMse!).toBeLessThan(0.25 * first.valMse!)
    expect(last.loss).toBeLessThan(0.25 * first.loss)
    expect(last.valAccuracy!).toBeGreaterThanOrEqual(0.9)
    expect(seconds).toBeLessThan(30)
  })
})
