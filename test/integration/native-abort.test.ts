// Abort latency of every long native function: each is started on work that takes seconds, aborted
// once it runs, and must reject with ERR_CANCELLED within 100 ms of abort() (the kernels check the
// cancel flag inside their inner loops: a row of the EBN, a step of a sample, 256 outputs of a
// Gaussian convolution). On a loaded 2-core machine the scheduler alone can delay a thread by tens of
// milliseconds, so a function gets up to five tries; the figure asserted is its best, against 100 ms
// scaled by the machine's load (test/support/load.ts: 100 ms on an idle machine).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AdsTrainer,
  bpttTrain,
  buildEbn,
  createNetwork,
  forceTrain,
  lifRun,
  reservoirTrain,
  evaluateAds,
  generateXor,
  initTeacher,
  runAdsTrainBench,
  runSimBench,
  teacherForward,
  teacherGradient,
  TeacherTrainer,
  trainAdsSamples,
  type TeacherParams,
} from '../../native/index.ts'
import { repoRoot } from '../support/cli.ts'
import { underLoad } from '../support/load.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

// 100 ms, scaled by the load when a test asserts (the load changes while the suite runs)
const bound = (): number => underLoad(100)

/** Starts the work, aborts it after `runMs` (it must still be running), returns the ms from abort() to the rejection. */
async function latency(start: (signal: AbortSignal) => Promise<unknown>, runMs: number): Promise<number> {
  const controller = new AbortController()
  let settled = false
  const p = start(controller.signal).then(
    () => {
      settled = true
      return 'resolved' as const
    },
    (err: unknown) => {
      settled = true
      return err
    },
  )
  await new Promise((r) => setTimeout(r, runMs))
  expect(settled, 'the work finished before it was aborted: make it longer').toBe(false)
  const t0 = performance.now()
  controller.abort()
  const outcome = await p
  const ms = performance.now() - t0
  expect(outcome).toMatchObject({ code: 'ERR_CANCELLED' })
  return ms
}

async function bestOf5(start: (signal: AbortSignal) => Promise<unknown>, runMs = 150): Promise<number> {
  let best = Infinity
  for (let i = 0; i < 5 && best >= bound(); i++) best = Math.min(best, await latency(start, runMs))
  return best
}

let teacherCache: Map<number, TeacherParams> | undefined
async function teacher(units: number, channels = 1): Promise<TeacherParams> {
  teacherCache ??= new Map()
  const key = units * 1000 + channels
  if (!teacherCache.has(key)) teacherCache.set(key, await initTeacher({ units, channels, outputs: 1, seed: 1 }))
  return teacherCache.get(key)!
}

describe('native addon: abort within 100 ms in every long function', () => {
  it('buildEbn at 4096 x 1024 (16 s of work before)', async () => {
    expect(await bestOf5((signal) => buildEbn({ neurons: 4096, dims: 1024, seed: 1 }, { signal }))).toBeLessThan(bound())
  })

  it('generateXor with long, widely smoothed samples (one sample is seconds of work)', async () => {
    const options = { count: 2, seed: 1, durationS: 100, inputSigmaSteps: 10_000, targetSigmaSteps: 10_000 }
    expect(await bestOf5((signal) => generateXor(options, { signal }))).toBeLessThan(bound())
  })

  it('simulate, a long single sample', async () => {
    const net = createNetwork({ neurons: 256, weights: {}, params: { bias: 0.6 } })
    expect(await bestOf5((signal) => net.simulate(undefined, { batch: 1, steps: 50_000_000, record: { spikes: false } }, { signal }))).toBeLessThan(bound())
  })

  it('simulate on a large network: the first run, which prepares its layouts (O(N²))', async () => {
    const n = 4000
    const net = createNetwork({ neurons: n, weights: { omegaF: new Float32Array(n * n).fill(1e-4) } })
    expect(await bestOf5((signal) => net.simulate(undefined, { batch: 1, steps: 100, record: { spikes: false } }, { signal }), 30)).toBeLessThan(bound())
  })

  it("the baselines' kernels: a reservoir's states and its fit, FORCE's and BPTT's long samples, the LIF runner", async () => {
    // one long sample each: the cancel was looked at per sample (a reservoir's Gram update of a 20 s
    // sample at N = 4096: 27 s to stop), per 128 steps of RLS (7 s at N = 8192), per BPTT sample, per 256
    // steps of the LIF runner
    const long = await generateXor({ count: 1, seed: 2, durationS: 30 })
    const train = { inputs: long.inputs, targets: long.targets, count: 1, steps: long.steps }
    expect(await bestOf5((signal) => reservoirTrain({ neurons: 4096, channels: 1, outputs: 1, seed: 1, train }, { signal }), 300)).toBeLessThan(bound())
    const short = { inputs: long.inputs.slice(0, 50), targets: long.targets.slice(0, 50), count: 1, steps: 50 }
    const reservoir = await reservoirTrain({ neurons: 4096, channels: 1, outputs: 1, seed: 1, train: short })
    expect(await bestOf5((signal) => lifRun(reservoir.network, { inputs: long.inputs, count: 1, steps: long.steps }, { threads: 1 }, { signal }))).toBeLessThan(bound())
    expect(await bestOf5((signal) => forceTrain({ neurons: 4096, channels: 1, outputs: 1, seed: 1, train, epochs: 1, threads: 1 }, { signal }), 300)).toBeLessThan(bound())
    // (BPTT keeps a sample's states, 3·T·N doubles: a 2 s sample, 200 MB at N = 4096, not 30 s, 3 GB)
    const two = { inputs: long.inputs.slice(0, 2000), targets: long.targets.slice(0, 2000), count: 1, steps: 2000 }
    expect(await bestOf5((signal) => bpttTrain({ n1: 2048, n2: 2048, channels: 1, outputs: 1, seed: 1, train: two, epochs: 1, threads: 1 }, { signal }), 300)).toBeLessThan(bound())
  }, 120_000)

  it('runSimBench (the EBN, the inputs and both runs)', async () => {
    expect(await bestOf5((signal) => runSimBench({ neurons: 512, steps: 2_000_000, batch: 2, threads: 0, seed: 1 }, { signal }), 400)).toBeLessThan(bound())
  })

  it('AdsTrainer.create at 4096 neurons, 256 dims', async () => {
    const t = await teacher(256)
    expect(await bestOf5((signal) => AdsTrainer.create({ teacher: t, neurons: 4096, validation: null }, { signal }))).toBeLessThan(bound())
  })

  it('AdsTrainer.runEpochs (one sample step is O(N·D))', async () => {
    const trainer = await AdsTrainer.create({ teacher: await teacher(64), neurons: 1024, validation: null, data: { task: { name: 'xor', samplesPerEpoch: 1000 } } })
    expect(await bestOf5((signal) => trainer.runEpochs(1, { signal }))).toBeLessThan(bound())
    expect(trainer.epoch).toBe(0)
  })

  it('AdsTrainer.runEpochs while validating', async () => {
    const trainer = await AdsTrainer.create({ teacher: await teacher(16), neurons: 256, data: { task: { name: 'xor', samplesPerEpoch: 1, options: { durationS: 10 } } }, validation: { count: 2000 } })
    expect(await bestOf5((signal) => trainer.runEpochs(1, { signal }), 400)).toBeLessThan(bound())
  })

  it('TeacherTrainer.runEpochs', async () => {
    const trainer = new TeacherTrainer({ params: await teacher(256), data: { task: { name: 'xor', samplesPerEpoch: 10_000 } } })
    expect(await bestOf5((signal) => trainer.runEpochs(1, { signal }))).toBeLessThan(bound())
  })

  it('teacherForward on one long sample (checked inside the sample)', async () => {
    const params = await teacher(512)
    const steps = 200_000
    const batch = { inputs: new Float32Array(steps), count: 1, steps }
    expect(await bestOf5((signal) => teacherForward(params, batch, { activations: false }, { signal }))).toBeLessThan(bound())
  })

  it('teacherGradient on one long sample', async () => {
    const params = await teacher(256)
    const steps = 100_000
    const batch = { inputs: new Float32Array(steps), targets: new Float32Array(steps), count: 1, steps }
    expect(await bestOf5((signal) => teacherGradient(params, batch, {}, { signal }))).toBeLessThan(bound())
  })

  it('initTeacher at 4096 units (the spectral radius)', async () => {
    expect(await bestOf5((signal) => initTeacher({ units: 4096, channels: 1, outputs: 1, seed: 1 }, { signal }))).toBeLessThan(bound())
  })

  it('evaluateAds', async () => {
    const network = (await AdsTrainer.create({ teacher: await teacher(32), neurons: 512, validation: null })).getNetwork()
    const steps = 1_000_000
    const data = { inputs: new Float32Array(2 * steps), count: 2, steps }
    expect(await bestOf5((signal) => evaluateAds(network, data, { record: { output: false, smoothed: false } }, { signal }))).toBeLessThan(bound())
  })

  it('trainAdsSamples on one long sample', async () => {
    // Non-zero targets, so that every step has an error to feed back (the k·F·e product, O(N·D)): with
    // zero targets and inputs a step of the SIMD kernels is O(N) and the sample was over within 150 ms.
    const network = (await AdsTrainer.create({ teacher: await teacher(32), neurons: 2048, validation: null })).getNetwork()
    const steps = 500_000
    const data = { inputs: new Float32Array(steps), teacherTargets: new Float32Array(steps * 32).fill(0.1), count: 1, steps }
    expect(await bestOf5((signal) => trainAdsSamples(network, data, { k: 75, eta: 1e-6 }, { signal }))).toBeLessThan(bound())
  })

  it('runAdsTrainBench at 4096 neurons', async () => {
    expect(await bestOf5((signal) => runAdsTrainBench({ neurons: 4096, dims: 256, samples: 4 }, { signal }))).toBeLessThan(bound())
  })
})

describe('native core: abort inside the last phase of the teacher gradient', () => {
  // The wRec gradient is one matrix-matrix product per sample after the backward loop (as long as the
  // forward pass: 0.1-0.3 s here at 512 units x 10 000 steps). From JS an abort cannot be aimed at it,
  // so test/support/teacher_abort_check.cpp (linked with the addon's own core library) sets the flag
  // the moment the backward loop has written its last row; a product that never checks the flag
  // finishes instead (cancelled 0).
  it('the deferred wRec product is cancelled within 100 ms', () => {
    const exe = join(tempDir('teacher-abort-'), 'teacher_abort_check')
    const core = join(repoRoot, 'native', 'core')
    const lib = join(repoRoot, 'native', 'build', 'libmimic_core.a')
    execFileSync('g++', ['-std=c++17', '-O2', '-I', core, join(repoRoot, 'test', 'support', 'teacher_abort_check.cpp'), lib, '-lpthread', '-o', exe])
    let best = Infinity
    for (let i = 0; i < 3 && best >= bound(); i++) {
      const out = execFileSync(exe, ['512', '10000'], { encoding: 'utf8' })
      const m = /outerMs ([\d.]+) latencyMs ([\d.]+) cancelled (\d)/.exec(out)
      expect(m, out).not.toBeNull()
      expect(m![3], out).toBe('1')
      best = Math.min(best, Number(m![2]))
    }
    expect(best).toBeLessThan(bound())
  })
})

describe('native addon: abort while waiting for the thread pool', () => {
  it('a job queued behind another (the pool runs one job at a time) is cancelled within 100 ms', async () => {
    const net = createNetwork({ neurons: 256, weights: {}, params: { bias: 0.6 } })
    const first = new AbortController()
    const running = net.simulate(undefined, { batch: 4, steps: 50_000_000, record: { spikes: false } }, { signal: first.signal }).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 100))
    const ms = await bestOf5((signal) => generateXor({ count: 64, seed: 1, durationS: 100 }, { signal }))
    first.abort()
    expect(await running).toMatchObject({ code: 'ERR_CANCELLED' })
    expect(ms).toBeLessThan(bound())
  })
})

describe('native addon: the event loop never waits for the thread pool', () => {
  it('a trainer built synchronously while a long job has the pool draws its validation samples itself', async () => {
    const net = createNetwork({ neurons: 256, weights: {}, params: { bias: 0.6 } })
    const c = new AbortController()
    const running = net.simulate(undefined, { batch: 4, steps: 50_000_000, record: { spikes: false } }, { signal: c.signal }).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 100))
    const t0 = performance.now()
    const trainer = new AdsTrainer({ teacher: await teacher(8), neurons: 32, validation: { count: 50 } })
    const ms = performance.now() - t0
    c.abort()
    expect(await running).toMatchObject({ code: 'ERR_CANCELLED' })
    expect(trainer.epoch).toBe(0)
    expect(ms).toBeLessThan(underLoad(500))
  })
})
