// ADS training through the real addon as a caller uses it: the rule lowers the reconstruction error,
// results do not depend on threads or on how epochs are split, cancel rolls back, the busy guard, the
// streamed records, model selection, and evaluateAds against simulate() plus the decision in TypeScript.
import { describe, expect, it } from 'vitest'
import { atEverySimdLevel } from '../support/simd-levels.ts'
import {
  AdsTrainer,
  createNetwork,
  evaluateAds,
  generateXor,
  initTeacher,
  teacherForward,
  taskScore,
  type AdsEpochRecord,
  type AdsTrainerOptions,
  type TeacherParams,
} from '../../native/index.ts'
import { thrown } from '../support/thrown.ts'

let teacher12: TeacherParams | undefined
/** A random (untrained) 12-unit teacher: a smooth, task-driven trajectory to learn, cheap to make. */
async function teacher(): Promise<TeacherParams> {
  teacher12 ??= await initTeacher({ units: 12, channels: 1, outputs: 1, seed: 3 })
  return teacher12
}

const strip = (r: AdsEpochRecord): Omit<AdsEpochRecord, 'seconds'> => {
  const { seconds: _s, ...rest } = r
  return rest
}

async function untrainedError(o: AdsTrainerOptions, count = 40): Promise<number> {
  const net = new AdsTrainer({ ...o, validation: null }).getNetwork()
  const x = await generateXor({ count, seed: 5 })
  const t = await teacherForward(o.teacher, { inputs: x.inputs, count, steps: x.steps })
  const ev = await evaluateAds(net, { inputs: x.inputs, count, steps: x.steps, teacherTargets: t.activations })
  return ev.reconstructionError!
}

describe('the learning rule lowers the reconstruction error (N 128, D 12, 4 x 50 samples)', () => {
  // Measured (seed 2): untrained 23 (the input drive A·F·F̂ alone overshoots x̂); online η 1e-6:
  // validation 1.96, 1.25, 1.02, 0.88 over the 4 epochs; η 0 stays at 23. Batched η 1e-4: 0.59 after
  // one epoch, then 1.2-1.6 (its normalised steps do not shrink).
  it('online rule', async () => {
    const base: AdsTrainerOptions = { teacher: await teacher(), neurons: 128, seed: 2, data: { task: { name: 'xor', samplesPerEpoch: 50 } }, validation: { count: 40 } }
    const before = await untrainedError(base)
    const t0 = performance.now()
    const tr = new AdsTrainer({ ...base, eta: 1e-6 })
    const phases: string[] = []
    const recs = await tr.runEpochs(4, { onProgress: (_f, phase) => void (phases.at(-1) !== phase && phases.push(phase)) })
    expect(performance.now() - t0).toBeLessThan(5000)
    // each epoch says when it forms its weights and validates (seconds at N = 4096), not only "training"
    expect(phases.slice(0, 3)).toEqual(['training', 'forming the weights', 'validating'])
    const val = recs.map((r) => r.valReconstructionError!)
    expect(before).toBeGreaterThan(5)
    expect(val[3]).toBeLessThan(0.1 * before)
    expect(val[3]).toBeLessThan(0.6 * val[0])
    expect(recs[3].trainReconstructionError).toBeLessThan(recs[0].trainReconstructionError)
    for (const r of recs) {
      expect(r.meanRateHz!).toBeGreaterThan(0.5)
      expect(r.meanRateHz!).toBeLessThan(30)
    }
    // the learning does it: η = 0 leaves the error where it was
    const frozen = await new AdsTrainer({ ...base, eta: 0 }).runEpochs(1)
    expect(frozen[0].valReconstructionError!).toBeGreaterThan(0.5 * before)
    // the best network is the one with the lowest validation error, and it is what getBestNetwork returns
    const bestIdx = val.indexOf(Math.min(...val))
    expect(tr.bestEpoch).toBe(bestIdx + 1)
    expect(recs.filter((r) => r.best).at(-1)!.epoch).toBe(bestIdx + 1)
    const x = await generateXor({ count: 40, seed: 5 })
    const t = await teacherForward(base.teacher, { inputs: x.inputs, count: 40, steps: x.steps })
    const ev = await evaluateAds(tr.getBestNetwork()!, { inputs: x.inputs, count: 40, steps: x.steps, teacherTargets: t.activations })
    expect(ev.reconstructionError!).toBeLessThan(0.1 * before)
  })

  it('batched rule', async () => {
    const base: AdsTrainerOptions = { teacher: await teacher(), neurons: 128, seed: 2, data: { task: { name: 'xor', samplesPerEpoch: 50 } }, validation: { count: 40 } }
    const before = await untrainedError(base)
    const recs = await new AdsTrainer({ ...base, rule: 'batched', eta: 1e-4 }).runEpochs(2)
    expect(Math.min(...recs.map((r) => r.valReconstructionError!))).toBeLessThan(0.1 * before)
  })

  it('a dataset instead of fresh XOR draws (targets x̂ from the teacher, natively)', async () => {
    const x = await generateXor({ count: 50, seed: 11 })
    const base: AdsTrainerOptions = { teacher: await teacher(), neurons: 128, seed: 2 }
    const before = await untrainedError({ ...base, data: { task: { name: 'xor' } } })
    const tr = new AdsTrainer({ ...base, eta: 1e-6, data: { inputs: x.inputs, targets: x.targets, count: 50, steps: x.steps }, validation: { count: 40 }, decision: { task: 'xor' } })
    expect(tr.samplesPerEpoch).toBe(50)
    const recs = await tr.runEpochs(3)
    expect(recs[2].valReconstructionError!).toBeLessThan(0.1 * before)
  })
})

describe('determinism', () => {
  it('the same records and networks for 1 and all threads, repeated runs, and epochs split over calls', async () => {
    const o: AdsTrainerOptions = { teacher: await teacher(), neurons: 64, seed: 9, eta: 2e-6, data: { task: { name: 'xor', samplesPerEpoch: 20 } }, validation: { count: 20 } }
    const a = new AdsTrainer({ ...o, threads: 1 })
    const ra = await a.runEpochs(3)
    const b = new AdsTrainer({ ...o, threads: 0 })
    const rb = await b.runEpochs(3)
    const c = new AdsTrainer({ ...o, threads: 2 })
    const rc = [...(await c.runEpochs(1)), ...(await c.runEpochs(2))]
    expect(rb.map(strip)).toEqual(ra.map(strip))
    expect(rc.map(strip)).toEqual(ra.map(strip))
    expect(b.getNetwork()).toEqual(a.getNetwork())
    expect(c.getNetwork()).toEqual(a.getNetwork())
    expect(c.getBestNetwork()).toEqual(a.getBestNetwork())
    expect(a.getNetwork().weights.omegaS.some((x) => x !== 0)).toBe(true)
    // another seed trains differently
    const d = new AdsTrainer({ ...o, seed: 10 })
    await d.runEpochs(1)
    expect(d.getNetwork().weights.omegaS).not.toEqual(a.getNetwork().weights.omegaS)
  })

  it('the low-rank form trains the same while the next chunk of teacher trajectories is computed beside it (all threads) as one chunk after the other (1 thread)', async () => {
    // 40 samples per epoch: three chunks of 16, so chunks 2 and 3 are computed on the pool's second
    // thread while chunks 1 and 2 train (ads_train.cpp, run_epoch); a wrong half of the buffer, a chunk
    // computed late or for the wrong samples changes every record after it.
    const o: AdsTrainerOptions = { teacher: await teacher(), neurons: 48, seed: 4, eta: 2e-6, rule: 'online-lowrank', data: { task: { name: 'xor', samplesPerEpoch: 40 } }, validation: { count: 8 } }
    const one = new AdsTrainer({ ...o, threads: 1 })
    const all = new AdsTrainer({ ...o, threads: 0 })
    const r1 = await one.runEpochs(2)
    const r0 = await all.runEpochs(2)
    expect(r0.map(strip)).toEqual(r1.map(strip))
    expect(all.getNetwork()).toEqual(one.getNetwork())
    expect(r1[1].trainReconstructionError).not.toEqual(r1[0].trainReconstructionError)
  })
})

describe('jobs: streaming, progress, cancel, busy guard', () => {
  it('streams one record per epoch while training, reports progress up to 1', async () => {
    const tr = new AdsTrainer({ teacher: await teacher(), neurons: 64, seed: 1, data: { task: { name: 'xor', samplesPerEpoch: 30 } }, validation: { count: 10 } })
    const seen: number[] = []
    let resolved = false
    const fractions: number[] = []
    const p = tr.runEpochs(3, { onEpoch: (r) => seen.push(resolved ? -r.epoch : r.epoch), onProgress: (f) => fractions.push(f) })
    const recs = await p
    resolved = true
    expect(seen).toEqual([1, 2, 3])
    expect(recs.map((r) => r.epoch)).toEqual([1, 2, 3])
    expect(fractions.length).toBeGreaterThan(0)
    expect(fractions.at(-1)).toBe(1)
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1])
    expect(tr.epoch).toBe(3)
    expect(tr.samplesDone).toBe(90)
  })

  it('validation reports as a step of its epoch: not the done/total of the evaluator, never past the epoch', async () => {
    // 400 validation samples of 1000 steps take longer than the 50 ms progress throttle, so the
    // evaluator's own done/total (reaching 1 within epoch 1) would show if it leaked. Drawing 400
    // validation samples is more than a constructor does on the event loop: create() builds it.
    const tr = await AdsTrainer.create({ teacher: await teacher(), neurons: 96, seed: 2, data: { task: { name: 'xor', samplesPerEpoch: 10 } }, validation: { count: 400 } })
    const reports: [number, string, number][] = []
    let epochsSeen = 0
    await tr.runEpochs(2, { onProgress: (f, m) => reports.push([f, m, epochsSeen]), onEpoch: () => epochsSeen++ })
    expect(reports.at(-1)![0]).toBe(1)
    for (const [, m] of reports) expect(['training', 'forming the weights', 'validating']).toContain(m)
    for (let i = 1; i < reports.length; i++) expect(reports[i][0]).toBeGreaterThanOrEqual(reports[i - 1][0])
    const duringFirst = reports.filter(([, , e]) => e === 0)
    expect(duringFirst.length).toBeGreaterThan(0)
    for (const [f] of duringFirst) expect(f).toBeLessThanOrEqual(0.5) // epoch 1 of 2
    // and the bar moves while it validates: 400 validation samples count as 134 training samples (a
    // third each), so epoch 1's 10 training samples end at 10/288 and its validation runs on to 144/288
    const validating = duringFirst.filter(([, m]) => m === 'validating').map(([f]) => f)
    expect(Math.min(...validating)).toBeCloseTo(10 / 288, 9)
    expect(Math.max(...validating)).toBeGreaterThan(0.3)
  })

  it("the evaluator's progress only rises: each batch's simulation reports inside the batch's share", async () => {
    // 48 samples in two batches (the 8 whose spikes are kept, then the rest), each batch's simulation long
    // enough to report before it ends: its reports (steps of the batch) were read as the whole
    // evaluation's, and the fraction went 0 → 1 → 0.17 → 0 → … → 1
    const net = new AdsTrainer({ teacher: await teacher(), neurons: 768, seed: 2, data: { task: { name: 'xor', samplesPerEpoch: 1 } }, validation: null }).getNetwork()
    const x = await generateXor({ count: 48, seed: 6, durationS: 8 })
    const fractions: number[] = []
    await evaluateAds(net, { inputs: x.inputs, count: 48, steps: x.steps }, { threads: 1, record: { spikes: 8 } }, { onProgress: (f) => void fractions.push(f) })
    expect(fractions.length).toBeGreaterThan(3)
    for (let i = 1; i < fractions.length; i++) expect(fractions[i], `report ${i} of ${fractions.length}: ${fractions.join(', ')}`).toBeGreaterThanOrEqual(fractions[i - 1])
    expect(fractions.at(-1)).toBe(1)
  })

  it('cancel mid-epoch rolls back to the last completed epoch; training then continues as if never interrupted', async () => {
    const o: AdsTrainerOptions = { teacher: await teacher(), neurons: 128, seed: 4, eta: 2e-6, data: { task: { name: 'xor', samplesPerEpoch: 300 } }, validation: { count: 20 } }
    const a = new AdsTrainer(o)
    const controller = new AbortController()
    let progressAfterFirst = 0
    let first = false
    const p = a.runEpochs(3, {
      signal: controller.signal,
      onEpoch: () => {
        first = true
      },
      onProgress: (f) => {
        if (first && f > 1 / 3 + 0.05) {
          progressAfterFirst = f
          controller.abort() // inside epoch 2
        }
      },
    })
    await expect(p).rejects.toMatchObject({ name: 'NativeError', code: 'ERR_CANCELLED', message: expect.stringMatching(/keeps the state of its last completed epoch/) })
    expect(progressAfterFirst).toBeGreaterThan(1 / 3)
    expect(progressAfterFirst).toBeLessThan(2 / 3)
    expect(a.busy).toBe(false)
    expect(a.epoch).toBe(1)
    expect(a.samplesDone).toBe(300)
    const b = new AdsTrainer(o)
    const rb = await b.runEpochs(1)
    expect(a.getNetwork()).toEqual(b.getNetwork())
    expect(a.getBestNetwork()).toEqual(b.getBestNetwork())
    expect(a.bestEpoch).toBe(1)
    const ra2 = await a.runEpochs(1)
    const rb2 = await b.runEpochs(1)
    expect(ra2.map(strip)).toEqual(rb2.map(strip))
    expect(a.getNetwork()).toEqual(b.getNetwork())
    expect(rb[0].epoch).toBe(1)
    // an aborted signal before the start rejects without touching the trainer
    const c = new AbortController()
    c.abort()
    await expect(a.runEpochs(1, { signal: c.signal })).rejects.toMatchObject({ code: 'ERR_CANCELLED' })
    expect(a.epoch).toBe(2)
  })

  it('while runEpochs runs, the trainer refuses other calls with ERR_BUSY; afterwards they work', async () => {
    const tr = new AdsTrainer({ teacher: await teacher(), neurons: 64, seed: 1, data: { task: { name: 'xor', samplesPerEpoch: 100 } }, validation: null })
    const p = tr.runEpochs(2)
    expect(tr.busy).toBe(true)
    const busy = (fn: () => unknown, what: string): void => {
      const caught = thrown(fn)
      expect(caught, what).toBeInstanceOf(Error)
      expect((caught as { code?: string }).code).toBe('ERR_BUSY')
      expect((caught as Error).message).toBe(`This AdsTrainer is busy running epochs: wait for runEpochs() to settle before calling ${what}`)
    }
    busy(() => tr.runEpochs(1), 'runEpochs()')
    busy(() => tr.getNetwork(), 'getNetwork()')
    busy(() => tr.getBestNetwork(), 'getBestNetwork()')
    busy(() => tr.epoch, 'epoch')
    busy(() => tr.bestEpoch, 'bestEpoch')
    busy(() => tr.samplesDone, 'samplesDone')
    expect(tr.samplesPerEpoch).toBe(100)
    await p
    expect(tr.busy).toBe(false)
    expect(tr.epoch).toBe(2)
    expect(tr.getBestNetwork()).toBeNull() // no validation, no selection
    expect(tr.getNetwork().neurons).toBe(64)
  })

  it('model selection by validation accuracy', async () => {
    const tr = new AdsTrainer({ teacher: await teacher(), neurons: 64, seed: 3, eta: 2e-6, selection: 'accuracy', data: { task: { name: 'xor', samplesPerEpoch: 20 } }, validation: { count: 20 } })
    const recs = await tr.runEpochs(4)
    let best = 0
    for (let i = 1; i < recs.length; i++) {
      const a = recs[i], b = recs[best]
      if (a.valAccuracy! > b.valAccuracy! || (a.valAccuracy === b.valAccuracy && a.valReconstructionError! < b.valReconstructionError!)) best = i
    }
    expect(tr.bestEpoch).toBe(best + 1)
  })
})

describe('evaluateAds', () => {
  it('equals simulate() with the same seed plus the task\'s decision (taskScore) and the errors computed in TypeScript', async () => {
    const T0 = await teacher()
    const tr = new AdsTrainer({ teacher: T0, neurons: 96, seed: 6, eta: 2e-6, data: { task: { name: 'xor', samplesPerEpoch: 30 } }, validation: null })
    await tr.runEpochs(1)
    const spec = tr.getNetwork()
    const B = 24
    const x = await generateXor({ count: B, seed: 21 })
    const T = x.steps
    const t = await teacherForward(T0, { inputs: x.inputs, count: B, steps: T })
    const data = { inputs: x.inputs, count: B, steps: T, targets: x.targets, teacherTargets: t.activations }
    const ev = await evaluateAds(spec, data, { seed: 5, threads: 1, decision: { task: 'xor' }, record: { decoded: true, output: true, smoothed: true, spikes: 3 } })
    const ev2 = await evaluateAds(createNetwork(spec), data, { seed: 5, threads: 0, decision: { task: 'xor' }, record: { decoded: true, spikes: 3 } })
    const sim = await createNetwork(spec).simulate(x.inputs, { batch: B, steps: T, seed: 5, record: { decoded: true, output: true } })
    expect(ev.decoded).toEqual(sim.decoded)
    expect(ev.output).toEqual(sim.output)
    expect(ev2.decoded).toEqual(sim.decoded)
    expect(ev2.predictions).toEqual(ev.predictions)
    expect(ev2.perSample).toEqual(ev.perSample)
    // spikes of the first 3 samples
    const s = sim.spikes!
    expect(ev.spikes!.offsets.length).toBe(4)
    expect(ev.spikes!.neurons).toEqual(s.neurons.subarray(0, s.offsets[3]))
    expect(ev.spikes!.steps).toEqual(s.steps.subarray(0, s.offsets[3]))
    // the decision, the smoothing, the errors
    const dec = taskScore('xor', { outputs: sim.output!, shape: [B, T, 1], targets: x.targets })
    expect(ev.predictions).toEqual(dec.decisions)
    expect(ev.labels).toEqual(x.labels)
    expect(ev.accuracy).toBeCloseTo(dec.accuracy!, 12)
    const D = T0.units
    let recon = 0, mse = 0
    for (let b = 0; b < B; b++) {
      let ys = 0
      for (let k = 0; k < T; k++) {
        ys = 0.95 * ys + 0.05 * sim.output![b * T + k]
        expect(ev.smoothed![b * T + k]).toBeCloseTo(ys, 5)
      }
      let num = 0, den = 0
      for (let d = 0; d < D; d++) {
        let se = 0, see = 0, sx = 0, sxx = 0
        for (let k = 0; k < T; k++) {
          const xh = t.activations![(b * T + k) * D + d], e = xh - sim.decoded![(b * T + k) * D + d]
          se += e
          see += e * e
          sx += xh
          sxx += xh * xh
        }
        num += see / T - (se / T) ** 2
        den += sxx / T - (sx / T) ** 2
      }
      expect(ev.perSample.reconstructionError![b]).toBeCloseTo(num / den, 5)
      recon += num / den
      let m = 0
      for (let k = 0; k < T; k++) m += (sim.output![b * T + k] - x.targets[b * T + k]) ** 2
      expect(ev.perSample.outputMse![b]).toBeCloseTo(m / T, 6)
      mse += m / T
      let spikes = 0
      for (let i = 0; i < 96; i++) spikes += sim.spikeCounts[b * 96 + i]
      expect(ev.perSample.rateHz[b]).toBeCloseTo(spikes / (96 * T * 1e-3), 9)
    }
    expect(ev.reconstructionError!).toBeCloseTo(recon / B, 6)
    expect(ev.outputMse!).toBeCloseTo(mse / B, 6)
    expect(ev.totalSpikes).toBe(sim.totalSpikes)
    expect(ev.meanRateHz).toBeCloseTo(sim.meanRateHz, 9)
    // without targets and x̂: the predictions only
    const bare = await evaluateAds(spec, { inputs: x.inputs, count: B, steps: T }, { seed: 5, decision: { task: 'xor' } })
    expect(bare.accuracy).toBeNull()
    expect(bare.reconstructionError).toBeNull()
    expect(bare.outputMse).toBeNull()
    expect(bare.labels).toBeNull()
    expect(bare.predictions).toEqual(ev.predictions)
  })
})

describe('neuron death in training (trainDeath, docs/method.md §10)', () => {
  /** Presynaptic rows of Ω_s [pre, post] that are all zero: neurons that never spiked in training (Ω_0 = 0). */
  const silentRows = (omegaS: Float32Array, n: number): number[] =>
    Array.from({ length: n }, (_, i) => i).filter((i) => omegaS.subarray(i * n, (i + 1) * n).every((x) => x === 0))

  it('each training sample silences round(share·N) neurons, a fresh subset per sample, in both online forms; 0 is the default bit for bit', async () => {
    const n = 64
    const o: AdsTrainerOptions = { teacher: await teacher(), neurons: n, seed: 9, eta: 2e-6, data: { task: { name: 'xor', samplesPerEpoch: 1 } }, validation: null }
    // one sample: without death 23 of the 64 neurons of this untrained network never spike (measured);
    // 16 silenced ones add to them (35 measured), in both forms of the online rule
    const alive = new AdsTrainer(o)
    await alive.runEpochs(1)
    const unused = silentRows(alive.getNetwork().weights.omegaS, n).length
    expect(unused).toBeLessThan(32)
    const zero = new AdsTrainer({ ...o, trainDeath: 0 })
    await zero.runEpochs(1)
    expect(zero.getNetwork()).toEqual(alive.getNetwork())
    for (const rule of ['online', 'online-lowrank'] as const) {
      const t = new AdsTrainer({ ...o, rule, trainDeath: 0.25 })
      await t.runEpochs(1)
      const first = silentRows(t.getNetwork().weights.omegaS, n)
      expect(first.length, rule).toBeGreaterThanOrEqual(16)
      expect(first.length, rule).toBeGreaterThanOrEqual(unused + 8)
      await t.runEpochs(1)
      const both = silentRows(t.getNetwork().weights.omegaS, n)
      // a fresh subset in the second sample: rows that learned stay learned, and fewer stay silent
      expect(both.every((i) => first.includes(i)), rule).toBe(true)
      expect(both.length, rule).toBeLessThan(first.length - 8)
    }
    // the same subsets for any thread count
    const one = new AdsTrainer({ ...o, trainDeath: 0.25, threads: 1 })
    const two = new AdsTrainer({ ...o, trainDeath: 0.25, threads: 2 })
    expect((await two.runEpochs(2)).map(strip)).toEqual((await one.runEpochs(2)).map(strip))
    expect(two.getNetwork()).toEqual(one.getNetwork())
  })

  it('refuses a share outside [0, 0.9], naming the option', async () => {
    const o: AdsTrainerOptions = { teacher: await teacher(), neurons: 16, seed: 1, data: { task: { name: 'xor', samplesPerEpoch: 1 } }, validation: null }
    for (const bad of [-0.1, 0.95, Number.NaN]) expect(String(thrown(() => new AdsTrainer({ ...o, trainDeath: bad })))).toMatch(/trainDeath/)
  })
})

atEverySimdLevel('the feedback product on two threads', () => {
  it('at a large N·D (a helper takes half of each step\'s panels, meeting at a tile boundary) trains the same as on one thread', async () => {
    // N·D = 1040 × 64 ≥ 2^16 (AdsLearner::kFeedbackSplit): the second thread serves F·u after the next
    // chunk's trajectories (chunks 1-2) and beside each sample of the last chunk; a half computed with
    // another step's operands, or written over the other half, changes the spikes and every record.
    const t = await initTeacher({ units: 64, channels: 1, outputs: 1, seed: 5 })
    for (const rule of ['online-lowrank', 'batched'] as const) {
      const o: AdsTrainerOptions = { teacher: t, neurons: 1040, seed: 6, eta: 2e-6, rule, data: { task: { name: 'xor', samplesPerEpoch: 40, options: { durationS: 0.3 } } }, validation: { count: 4 } }
      const one = await AdsTrainer.create({ ...o, threads: 1 })
      const all = await AdsTrainer.create({ ...o, threads: 0 })
      const r1 = await one.runEpochs(1)
      const r0 = await all.runEpochs(1)
      expect(r0.map(strip), rule).toEqual(r1.map(strip))
      expect(all.getNetwork(), rule).toEqual(one.getNetwork())
      expect(r1[0].trainMeanRateHz, rule).toBeGreaterThan(0)
    }
  }, 120_000)
})
