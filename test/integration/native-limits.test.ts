// Sizes the machine cannot hold are refused before anything is allocated, computed from the bytes the
// call would allocate against the memory budget (a RangeError naming the argument, the bytes and the
// limit); synchronous functions are bounded so that they finish in milliseconds; long work keeps the
// event loop free. The calls run in child processes with MIMIC_MAX_MEMORY=1G, so the outcome does not
// depend on this machine's memory (and a regression allocates in the child, not in the test runner).
import { afterAll, describe, expect, it } from 'vitest'
import { addonStatus, defaultMemoryBudget, memoryBudget } from '../../native/index.ts'
import { underLoad } from '../support/load.ts'
import { runNativeChild, settle } from '../support/native-child.ts'
import { cleanupTemp } from '../support/tmp.ts'

afterAll(cleanupTemp)

interface Outcome {
  ok: boolean
  name?: string
  code?: string
  message?: string
  ms: number
  rssGrowthMb: number
}

// Runs `body` (an expression: the call) in a child with a 1 GiB budget; reports how it settled, how
// long it took and how much the child's resident memory grew meanwhile.
function limited(body: string, timeoutMs = 30_000): Outcome {
  const r = runNativeChild(
    `${settle}
const rss0 = process.memoryUsage.rss()
const t0 = performance.now()
const out = await settle(() => ${body})
console.log(JSON.stringify({ ...out, ms: performance.now() - t0, rssGrowthMb: (process.memoryUsage.rss() - rss0) / 2 ** 20 }))`,
    { env: { MIMIC_MAX_MEMORY: '1G' }, timeoutMs },
  )
  expect(r.signal, r.stderr).toBeNull()
  expect(r.status, r.stderr).toBe(0)
  return r.json as Outcome
}

const limit = /the memory limit is 1\.1 GB \(1073741824 bytes, MIMIC_MAX_MEMORY=1G\)/

describe('native addon: sizes bounded by the memory budget', () => {
  it('the budget is half of the machine by default, or MIMIC_MAX_MEMORY (capped at the machine)', () => {
    const half = defaultMemoryBudget({})
    expect(half.source).toMatch(/^half of (this machine's|the) [0-9.]+ GB/)
    expect(memoryBudget()).toEqual(half)
    expect(defaultMemoryBudget({ MIMIC_MAX_MEMORY: '512M' })).toEqual({ bytes: 512 * 2 ** 20, source: 'MIMIC_MAX_MEMORY=512M' })
    const capped = defaultMemoryBudget({ MIMIC_MAX_MEMORY: '1000T' })
    expect(capped.bytes).toBeGreaterThanOrEqual(2 * half.bytes)
    expect(capped.bytes).toBeLessThanOrEqual(2 * half.bytes + 1)
    expect(capped.source).toMatch(/^MIMIC_MAX_MEMORY=1000T, capped at /)
    expect(() => defaultMemoryBudget({ MIMIC_MAX_MEMORY: 'lots' })).toThrow(/MIMIC_MAX_MEMORY must be a number of bytes, optionally with K, M, G or T \(e\.g\. 8G\) but is 'lots'/)
  })

  it('generateXor with a million samples (16 GB with the copies into V8)', () => {
    const r = limited(`native.generateXor({ count: 1_000_000, seed: 1 })`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/^count: generating 1000000 samples of 1000 steps needs 16\.0 GB \(\d+ bytes\) but /)
    expect(r.message).toMatch(limit)
    expect(r.rssGrowthMb).toBeLessThan(64)
  })

  it('runSimBench with batch 2^21 (2.2 GB of inputs made on the event loop before)', () => {
    const r = limited(`native.runSimBench({ neurons: 64, steps: 1000, batch: 2 ** 21, threads: 0, seed: 1 })`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/^options\.batch: the benchmark's inputs of 2097152 samples of 1000 steps needs 34\.6 GB \(\d+ bytes\) but /)
    expect(r.message).toMatch(limit)
    expect(r.ms).toBeLessThan(underLoad(1000))
    expect(r.rssGrowthMb).toBeLessThan(64)
  })

  it('a network, an EBN, a trainer and recordings that do not fit', () => {
    const cases: [string, RegExp][] = [
      [`native.createNetwork({ neurons: 20_000, weights: {} })`, /^neurons: a network of 20000 neurons, 0 channels, 0 dims and 0 outputs needs 9\.6 GB/],
      [`native.buildEbn({ neurons: 20_000, dims: 8, seed: 1 })`, /^neurons: an EBN of 20000 neurons and 8 dims needs/],
      [
        `native.createNetwork({ neurons: 4, dims: 4, weights: { decoder: new Float32Array(16) } }).simulate(undefined, { batch: 1000, steps: 100_000, record: { decoded: true } })`,
        /^options\.record: simulating 1000 samples of 100000 steps with these recordings needs/,
      ],
      [
        `native.createNetwork({ neurons: 100, weights: {} }).simulate(undefined, { batch: 1000, steps: 100_000, maxSpikeEvents: 2 ** 31 - 1 })`,
        /^options\.maxSpikeEvents: simulating 1000 samples of 100000 steps/,
      ],
      [
        `native.initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1 }).then((params) => native.teacherForward(params, { inputs: new Float32Array(1000), count: 1, steps: 1000 }).then(() => native.TeacherTrainer.create({ params, data: { task: { name: 'xor', samplesPerEpoch: 2_000_000 } } })))`,
        /^options\.data\.task\.samplesPerEpoch: training a teacher of 4 units/,
      ],
      [
        `native.initTeacher({ units: 4, channels: 1, outputs: 1, seed: 1 }).then((teacher) => native.AdsTrainer.create({ teacher, neurons: 4096 }))`,
        /^options\.(neurons|data\.task\.samplesPerEpoch): training a network of 4096 neurons/,
      ],
    ]
    for (const [call, message] of cases) {
      const r = limited(call)
      expect(r, call).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
      expect(r.message, call).toMatch(message)
      expect(r.message, call).toMatch(limit)
      expect(r.rssGrowthMb, call).toBeLessThan(64)
    }
  })
})

describe('native addon: the arrays of the SIMD kernels are in the budget', () => {
  // The per-level kernels hold more than the plain loops did: a prepared network keeps the encoder in
  // one tiled layout per SIMD level (3 x D x Npad floats), and the float BPTT keeps gu of every step
  // for the deferred wRec gradient (a third trajectory, steps x units per thread). Sizes between the
  // old count and the real one must be refused.
  it('a network with an encoder: its three per-level encoder layouts', () => {
    // 0.96 GB without the layouts, 1.19 GB with them (the decoder, which dims > 0 needs, is 74 MB)
    const r = limited(`native.createNetwork({ neurons: 4300, dims: 4300, weights: { decoder: new Float32Array(4300 * 4300) } })`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/^neurons: a network of 4300 neurons, 0 channels, 4300 dims and 0 outputs needs 1\.2 GB \(\d+ bytes\) but /)
    expect(r.message).toMatch(limit)
    expect(r.rssGrowthMb).toBeLessThan(64 + (4300 * 4300 * 4) / 2 ** 20)
  })

  it('teacherGradient in float: gu of every step, in every thread', () => {
    // One sample per thread, each with three steps x 256 float trajectories: 1.2 times the budget in
    // all (0.8 times without gu).
    const threads = addonStatus().info!.poolThreads
    const steps = Math.floor(2 ** 30 / (threads * 2560))
    const r = limited(
      `native.initTeacher({ units: 256, channels: 1, outputs: 1, seed: 1 }).then((params) => native.teacherGradient(params, { inputs: new Float32Array(${threads * steps}), targets: new Float32Array(${threads * steps}), count: ${threads}, steps: ${steps} }))`,
      60_000,
    )
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(new RegExp(`^batch\\.count: the gradient of ${threads} samples of ${steps} steps \\(66560 parameters per sample\\) needs 1\\.[23] GB`))
    expect(r.message).toMatch(limit)
    expect(r.rssGrowthMb).toBeLessThan(64)
  })
})

describe('native addon: synchronous functions finish in milliseconds', () => {
  it('ebnInputWeights at 2048^3 (60 s on the event loop before) is refused at once, and its bound is milliseconds', () => {
    const r = limited(`native.ebnInputWeights(new Float32Array(2048 * 2048), new Float32Array(2048 * 2048), { neurons: 2048, dims: 2048, channels: 2048, gain: 1 })`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/^neurons\*dims\*channels = 8589934592 multiply-adds, more than the 33554432 that ebnInputWeights does synchronously \(about 30 ms\): pass fHat to buildEbn as options\.input/)
    expect(r.ms).toBeLessThan(underLoad(200))
    // at the bound (2^25 multiply-adds): tens of milliseconds, not seconds
    const at = limited(`native.ebnInputWeights(new Float32Array(2048 * 128), new Float32Array(128 * 128), { neurons: 2048, dims: 128, channels: 128, gain: 1 })`)
    expect(at.ok).toBe(true)
    expect(at.ms).toBeLessThan(underLoad(500))
  })

  it('taskScore beyond 2^24 elements is refused; at the bound it takes milliseconds', () => {
    const r = limited(`native.taskScore('xor', { outputs: new Float32Array((2 ** 14 + 1) * 1024), shape: [2 ** 14 + 1, 1024, 1] })`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/^data\.shape: count × steps × outputs must be at most 16777216 \(4194304 with data\.smoothed; taskScore runs on the event loop, about 40 ms at the bound\) but is 16778240/)
    const smoothed = limited(`native.taskScore('xor', { outputs: new Float32Array(2 ** 22 + 1024), shape: [2 ** 12 + 1, 1024, 1], smoothed: true })`)
    expect(smoothed).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(smoothed.message).toMatch(/^data\.shape: count × steps × outputs must be at most 16777216 \(4194304 with data\.smoothed;/)
    const at = limited(`native.taskScore('xor', { outputs: new Float32Array(2 ** 24), shape: [2 ** 14, 1024, 1] })`)
    expect(at.ok).toBe(true)
    expect(at.ms).toBeLessThan(underLoad(500))
  })

  it('an AdsTrainer too large to build on the event loop names AdsTrainer.create; create builds it', () => {
    const r = limited(`native.initTeacher({ units: 128, channels: 1, outputs: 1, seed: 1 }).then((teacher) => new native.AdsTrainer({ teacher, neurons: 2048, validation: null }))`)
    expect(r).toMatchObject({ ok: false, name: 'RangeError', code: 'ERR_INVALID_ARG' })
    expect(r.message).toMatch(/^options: building this AdsTrainer takes about \d+ operations, more than the 67108864 a constructor does on the event loop \(about 70 ms\): create it with await AdsTrainer\.create\(options\)/)
    const ok = limited(`native.initTeacher({ units: 128, channels: 1, outputs: 1, seed: 1 }).then((teacher) => native.AdsTrainer.create({ teacher, neurons: 2048, validation: null })).then((t) => t.getNetwork().neurons)`)
    expect(ok.ok).toBe(true)
  })
})

describe('native addon: long work keeps the event loop free', () => {
  it('runSimBench makes 12 M input values in slices: the event loop never computes 100 ms without turning', () => {
    // Measured as the CPU time of the main thread between two turns of the event loop (a 2 ms
    // interval timer), which does not depend on how busy the machine is; the wall-clock gap is printed.
    const r = runNativeChild(`
let last = process.threadCpuUsage()
let lastWall = performance.now()
let maxCpuMs = 0
let maxWallMs = 0
const tick = setInterval(() => {
  const d = process.threadCpuUsage(last)
  last = process.threadCpuUsage()
  maxCpuMs = Math.max(maxCpuMs, (d.user + d.system) / 1000)
  const now = performance.now()
  maxWallMs = Math.max(maxWallMs, now - lastWall)
  lastWall = now
}, 2)
const c = new AbortController()
const p = native.runSimBench({ neurons: 512, steps: 6_000_000, batch: 1, threads: 0, seed: 1 }, { signal: c.signal }).catch((e) => e.code)
await new Promise((r) => setTimeout(r, 1500))
c.abort()
const code = await p
clearInterval(tick)
console.log(JSON.stringify({ code, maxCpuMs, maxWallMs }))`)
    expect(r.status, r.stderr).toBe(0)
    const out = r.json as { code: string; maxCpuMs: number; maxWallMs: number }
    expect(out.code).toBe('ERR_CANCELLED')
    expect(out.maxCpuMs, `longest wall-clock gap ${out.maxWallMs.toFixed(1)} ms`).toBeLessThan(100)
  })
})
