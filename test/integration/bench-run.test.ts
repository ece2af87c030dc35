// `npm run bench` end to end at a tiny size (node bench/run.ts, a real process): the simulator side by
// side with the floor loop, batch 1 and 16, one and all threads, the batch ceiling, the ratios, each
// kernel at every SIMD level with its ratio to SSE2, the JSON it writes; Brian2 skipped with the
// install hint when the Python given has no Brian2; bad flags.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addonStatus } from '../../native/index.ts'
import { pipelineBaselineNames } from '../../src/shared/jobkinds/pipeline.ts'
import { repoRoot } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const threads = addonStatus().info!.poolThreads
const simd = addonStatus().info!.simd
const levels = addonStatus().info!.simdLevels

function bench(args: string[]) {
  return spawnSync(process.execPath, [join(repoRoot, 'bench', 'run.ts'), ...args], { encoding: 'utf8', timeout: 120_000 })
}

describe('npm run bench', () => {
  it('measures ours, the floor and the batch ceiling side by side, prints the ratios and writes JSON', () => {
    const out = tempDir('bench-')
    const r = bench(['--quick', '--sizes', '32,48', '--no-ads', '--no-teacher', '--no-pipeline', '--no-runs-table', '--no-audio', '--level-rounds', '3', '--python', join(out, 'no-python'), '--out', out])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('Brian2 is not installed')
    expect(r.stdout).toContain('apt-get install -y python3-brian')
    for (const label of ['ours b1 t1', 'ours b16 t1', 'floor C b1 t1', 'floor C shared']) expect(r.stdout).toContain(label)
    expect(r.stdout).toMatch(/ours\/floor\s+ours\/Brian2\s+b16\/b1 \(1 thread\)\s+batch ceiling\s+threads b16/)
    // each kernel at every SIMD level of this CPU, with the ratio to SSE2, measured in this run
    expect(r.stdout).toContain(`SIMD levels, each kernel at every level of this CPU, side by side in this run (best of interleaved rounds); the addon uses ${simd}`)
    for (const N of [32, 48]) expect(r.stdout).toMatch(new RegExp(`simulator N=${N} b1 t1\\s+ns/step(\\s+\\d+){${levels.length}}(\\s+[\\d.]+){${levels.length - 1}}\\s+yes`))
    // the baselines' kernels too: the BPTT network's training and the LIF simulator
    expect(r.stdout).toMatch(new RegExp(`BPTT-SNN 160\\+160 training t1\\s+steps/s(\\s+\\d+){${levels.length}}(\\s+[\\d.]+){${levels.length - 1}}\\s+yes`))
    expect(r.stdout).toMatch(new RegExp(`LIF runner N=320 \\(reservoir\\) b1 t1\\s+ns/step(\\s+\\d+){${levels.length}}(\\s+[\\d.]+){${levels.length - 1}}\\s+yes`))
    // and the chip emulator (the `emulator` target of robustness and deployment)
    expect(r.stdout).toMatch(new RegExp(`chip emulator N=768 C=16 SE2 t1\\s+ns/step(\\s+\\d+){${levels.length}}(\\s+[\\d.]+){${levels.length - 1}}\\s+yes`))
    expect(r.stdout).toMatch(/bptt-snn\s+160\+160\s+\d+ steps\/s/)
    // --level-rounds 3: the per-round ratios to SSE2, their median and quartiles, a row per kernel
    const base = levels[0]
    if (levels.length > 1) {
      expect(r.stdout).toContain(`Speed over ${base} within each round: the median [and quartiles] of the 3 per-round ratios`)
      expect(r.stdout).toMatch(new RegExp(`simulator N=32 b1 t1(\\s+[\\d.]+ \\[[\\d.]+-[\\d.]+\\]){${levels.length - 1}}\\n`))
    }
    const files = readdirSync(out).filter((f) => f.startsWith('snn-bench-') && f.endsWith('.json'))
    expect(files).toHaveLength(1)
    const json = JSON.parse(readFileSync(join(out, files[0]), 'utf8')) as {
      results: Record<string, any>[]
      simd: { default: string; levels: string[]; kernels: { kernel: string; values: Record<string, number>; higherIsBetter: boolean; overBase: Record<string, number>; agree: boolean; perRound: Record<string, number[]>; roundRatios: Record<string, { q1: number; median: number; q3: number }> }[] }
    }
    expect(json.simd.default).toBe(simd)
    expect(json.simd.levels).toEqual(levels)
    expect(json.simd.kernels.map((k) => k.kernel)).toEqual([
      'simulator N=32 b1 t1',
      'simulator N=48 b1 t1',
      'BPTT-SNN 160+160 training t1',
      'LIF runner N=320 (reservoir) b1 t1',
      'EBN construction 1024x128 t1',
      'chip emulator N=768 C=16 SE2 t1',
    ])
    for (const k of json.simd.kernels) {
      expect(Object.keys(k.values)).toEqual(levels)
      expect(k.overBase[levels[0]]).toBe(1)
      // the speed over SSE2: a time's inverse ratio, a rate's ratio (steps/s)
      expect(k.higherIsBetter).toBe(k.kernel.startsWith('BPTT-SNN'))
      for (const l of levels) expect(k.overBase[l]).toBeCloseTo(k.higherIsBetter ? k.values[l] / k.values[levels[0]] : k.values[levels[0]] / k.values[l], 9)
      expect(k.agree).toBe(true) // the same spikes (the same training error) at every level
      // every round measured every level; the best is the least time (the highest rate) of them
      for (const l of levels) {
        expect(k.perRound[l]).toHaveLength(3)
        expect(k.values[l]).toBe(k.higherIsBetter ? Math.max(...k.perRound[l]) : Math.min(...k.perRound[l]))
        // the middle of three per-round ratios, each of one round's two values
        const ratios = k.perRound[l].map((v, i) => (k.higherIsBetter ? v / k.perRound[base][i] : k.perRound[base][i] / v)).sort((a, b) => a - b)
        expect(k.roundRatios[l].median).toBe(ratios[1])
        expect(k.roundRatios[l].q1).toBeCloseTo((ratios[0] + ratios[1]) / 2, 12)
        expect(k.roundRatios[l].q3).toBeCloseTo((ratios[1] + ratios[2]) / 2, 12)
      }
      expect(k.roundRatios[base].median).toBe(1)
    }
    expect(json.results.map((x) => x.neurons)).toEqual([32, 48])
    for (const res of json.results) {
      expect(res.spikeCountsAgree.identical).toBe(true)
      expect(res.spikeCountsAgree.ours).toBeGreaterThan(0)
      for (const k of ['oursOverFloor', 'batch16OverBatch1', 'batchCeiling', 'threadScalingBatch16']) expect(res.ratios[k]).toBeGreaterThan(0)
      expect(res.ratios.oursOverBrian2).toBeUndefined()
      const labels = res.measures.map((m: { label: string }) => m.label)
      expect(labels).toEqual(expect.arrayContaining(['ours b1 t1', 'ours b16 t1', 'floor C b1 t1', 'floor C shared']))
      expect(labels).toContain(`ours b16 t${threads}`) // all threads
    }
  })

  it('refuses unknown flags and bad sizes, naming them', () => {
    const a = bench(['--fast'])
    expect(a.status).toBe(2)
    expect(a.stderr).toMatch(/unknown flag --fast/)
    const b = bench(['--sizes', '320,abc'])
    expect(b.status).toBe(2)
    expect(b.stderr).toMatch(/--sizes takes neuron counts between 16 and 8192 .*"abc"/)
    const c = bench(['--out'])
    expect(c.status).toBe(2)
    expect(c.stderr).toMatch(/--out needs a value/)
    for (const bad of ['0', '2.5', 'many', '-3']) {
      const d = bench(['--level-rounds', bad])
      expect(d.status, bad).toBe(2)
      expect(d.stderr).toMatch(/--level-rounds takes a whole number of rounds from 1 to 9999/)
    }
  })

  it('lists the training throughput of every baseline learner and the cost of one FORCE RLS update', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bench', 'baselines-bench.ts'), '--quick'], { encoding: 'utf8', timeout: 300_000 })
    expect(r.status, r.stderr).toBe(0)
    const { results } = JSON.parse(r.stdout) as { results: { learner: string; size: string; stepsPerSecond: number; secondsPerSampleEpoch: number; rls?: { microsecondsPerUpdate: number; multiplyAddsPerUpdate: number; multiplyAddsPerSecond: number } }[] }
    expect([...new Set(results.map((x) => x.learner))].sort()).toEqual([...pipelineBaselineNames].sort())
    // the BPTT network at its default size (160 + 160)
    expect(results.some((x) => x.learner === 'bptt-snn' && x.size === '160+160')).toBe(true)
    for (const x of results) {
      expect(x.stepsPerSecond, x.learner).toBeGreaterThan(0)
      expect(x.secondsPerSampleEpoch, x.learner).toBeGreaterThan(0)
    }
    const rls = results.find((x) => x.learner === 'force')!.rls!
    // N = 320: P·r from the upper triangle N², the rank-1 update N(N + 1)/2, read-out and rᵀk 3N
    expect(rls.multiplyAddsPerUpdate).toBe(320 * 320 + (320 * 321) / 2 + 3 * 320)
    // the update's time is the difference of two timed trainings, clamped at 0: on a busy machine it can
    // be 0 µs, and then the rate (÷ 0) is Infinity, which JSON writes as null. Assert the guarantee, not a timing.
    expect(rls).toHaveProperty('microsecondsPerUpdate')
    expect(Number.isFinite(rls.microsecondsPerUpdate), String(rls.microsecondsPerUpdate)).toBe(true)
    expect(rls.microsecondsPerUpdate).toBeGreaterThanOrEqual(0)
    expect(rls.multiplyAddsPerSecond ?? Infinity).toBeCloseTo(rls.multiplyAddsPerUpdate / (rls.microsecondsPerUpdate * 1e-6), -3)
  }, 300_000)
})
