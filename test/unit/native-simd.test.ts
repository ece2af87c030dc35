// Runtime SIMD dispatch (native/core/simd.hpp): the addon picks the widest level the CPU has, MIMIC_SIMD
// or setSimdLevel choose another, a level the CPU lacks is refused with a sentence, and every level
// gives the same results bit for bit: the simulator (with feedback, noise, silencing, refractoriness,
// every tile size of the feedback product), ADS training (all three rules, uniform and per-neuron
// parameters), the ADS trainer with its teacher passes and validation, the teacher's forward pass and
// BPTT (float and double, odd sizes) and its trainer. The teacher's vector tanh equals the C library's
// tanhf at every level. Real addon, real compiler, no mocks.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AdsTrainer,
  addonStatus,
  benchNetwork,
  buildEbn,
  createNetwork,
  ebnInputWeights,
  evaluateAds,
  generateXor,
  initTeacher,
  mulberry32,
  setSimdLevel,
  simdLevels,
  teacherForward,
  teacherGradient,
  TeacherTrainer,
  trainAdsSamples,
  type NetworkSpec,
  type TeacherParams,
} from '../../native/index.ts'
import { repoRoot } from '../support/cli.ts'
import { thrown } from '../support/thrown.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const initial = addonStatus().info!.simd
const levels = simdLevels()
afterAll(() => {
  setSimdLevel(initial)
})

describe('the levels', () => {
  it('lists the levels of this CPU lowest first and uses the widest by default', () => {
    const info = addonStatus().info!
    expect(levels[0]).toBe(process.arch === 'x64' ? 'sse2' : 'portable')
    expect(info.simdLevels).toEqual(levels)
    // these tests run without MIMIC_SIMD (npm test), so the default is the widest level
    expect(process.env.MIMIC_SIMD ?? '').toBe('')
    expect(info.simd).toBe(levels[levels.length - 1])
    for (const l of levels) {
      expect(setSimdLevel(l)).toBe(l)
      expect(addonStatus().info!.simd).toBe(l)
    }
    expect(setSimdLevel(initial.toUpperCase())).toBe(initial) // names are case-insensitive
  })

  it('refuses a name that is not a level, naming the available ones', () => {
    const e = thrown(() => setSimdLevel('avx9'))
    expect(e).toBeInstanceOf(RangeError)
    expect((e as Error).message).toMatch(new RegExp(`level must be one of ${levels.join(', ')} but is "avx9"`))
    expect((e as Error & { code?: string }).code).toBe('ERR_INVALID_ARG')
    expect(addonStatus().info!.simd).toBe(initial) // nothing changed
    const t = thrown(() => setSimdLevel(3 as unknown as string))
    expect(t).toBeInstanceOf(TypeError)
    expect((t as Error).message).toMatch(/Expected a string for level/)
  })

  it('refuses, with a sentence, a level the CPU lacks (simd.cpp as on a CPU without AVX-512, and without AVX2)', () => {
    const dir = tempDir('simd-refusal-')
    const exe = join(dir, 'refusal')
    const core = join(repoRoot, 'native', 'core')
    execFileSync('g++', ['-std=c++17', '-O1', '-DMIMIC_SIMD_TESTING', '-I', core, join(repoRoot, 'test', 'support', 'simd_refusal.cpp'), join(core, 'simd.cpp'), '-o', exe])
    for (const widest of [1, 0]) {
      const run = (env: Record<string, string>): string =>
        execFileSync(exe, { encoding: 'utf8', env: { ...process.env, MIMIC_SIMD_TEST_WIDEST: String(widest), ...env } })
      const have = widest === 1 ? 'sse2, avx2' : 'sse2'
      const plain = run({ MIMIC_SIMD: '' })
      expect(plain).toContain(`available ${have.replace(/ /g, '')}\n`)
      expect(plain).toContain(`active ${widest === 1 ? 'avx2' : 'sse2'}\n`) // the widest it has
      expect(plain).toContain('startup \n')
      const asked = run({ MIMIC_SIMD: 'avx512' })
      expect(asked).toContain(
        `startup MIMIC_SIMD=avx512 asks for avx512, but this CPU does not support AVX-512 (F, VL, BW, DQ) (available here: ${have}): unset MIMIC_SIMD or choose an available level`,
      )
      expect(asked).toContain(`set avx512 refused: The SIMD level avx512 cannot be used: this CPU does not support AVX-512 (F, VL, BW, DQ) (available here: ${have})`)
      if (widest === 0) expect(asked).toContain('set avx2 refused: The SIMD level avx2 cannot be used: this CPU does not support AVX2 with FMA')
      else expect(asked).toContain('set avx2 ok')
      expect(run({ MIMIC_SIMD: 'sse2' })).toContain('active sse2\nstartup \n')
    }
  })
})

// ---- the same results at every level -------------------------------------------------------------

function bytes(...arrays: ArrayBufferView[]): Buffer {
  return Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)))
}

function numbers(...values: number[]): Buffer {
  return Buffer.from(Float64Array.from(values).buffer)
}

/** Every hot kernel on inputs that take every path, at the active level; named byte strings of the results. */
async function everything(): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {}
  // the simulator: the benchmark network, batch 3 over 2 threads in blocks, noise and silencing
  const bench = await benchNetwork(320, 1)
  const net = createNetwork(bench.spec)
  const s1 = await net.simulate(bench.inputs(3, 600), { batch: 3, steps: 600, seed: 3, threads: 2, block: 2, noiseStd: 0.03, silence: { neurons: [1, 2, 50], startStep: 100, endStep: 300 }, record: { spikes: true, membrane: [0, 7] } })
  out['simulate: bench network, noise, silencing'] = bytes(s1.spikeCounts, s1.spikes!.steps, s1.spikes!.neurons, s1.membrane!)
  // feedback over every tile size (N = 496, 500, 464: 31, 32, 29 panels of 16 = tiles of 12, 8, 4, 2, 1
  // panels at AVX-512, 6, 4, 2, 1 at AVX2, 3, 2, 1 at SSE2), per-neuron parameters, refractoriness
  for (const N of [496, 500, 464]) {
    const D = 20, C = 2, T = 400, B = 2
    const ebn = await buildEbn({ neurons: N, dims: D, seed: 5, g: 0.5 })
    const rnd = mulberry32(N)
    const wIn = ebnInputWeights(ebn.encoder, Float32Array.from({ length: D * C }, () => 4 * rnd() - 2), { neurons: N, dims: D, channels: C, gain: 200 })
    const per = (lo: number, hi: number): Float32Array => Float32Array.from({ length: N }, () => lo + (hi - lo) * rnd())
    const params = { tauMemMs: per(40, 60), tauSMs: per(50, 90), tauFMs: per(1, 3), tauOutMs: per(60, 80), vTh: per(0.9, 1.1), vRest: per(0.45, 0.55), vReset: per(-0.05, 0.05), bias: per(0, 0.1), refractoryMs: Float32Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 2 : 0)) }
    const inputs = Float32Array.from({ length: B * T * C }, (_, k) => Math.sin(k / 41))
    const targets = Float32Array.from({ length: B * T * D }, (_, k) => 0.8 * Math.sin(k / 97 + (k % D)))
    const readout = Float32Array.from({ length: 2 * D }, () => rnd() - 0.5)
    for (const mixed of [false, true]) {
      const spec: NetworkSpec = { neurons: N, channels: C, dims: D, outputs: 2, params: mixed ? params : undefined, weights: { wIn, omegaF: ebn.omegaF, decoder: ebn.decoder, encoder: ebn.encoder, readout } }
      const r = await createNetwork(spec).simulate(inputs, { batch: B, steps: T, seed: 2, feedback: { target: targets, gain: 60 }, record: { spikes: true, decoded: true, output: true } })
      out[`simulate with feedback, N ${N}, mixed ${mixed}`] = bytes(r.spikeCounts, r.spikes!.steps, r.decoded!, r.output!)
      for (const rule of ['online', 'online-lowrank', 'online-naive', 'batched'] as const) {
        const a = await trainAdsSamples(spec, { inputs, teacherTargets: targets, count: B, steps: T }, { k: 80, eta: 2e-4, rule, seed: 9, record: { spikes: true } })
        out[`trainAdsSamples ${rule}, N ${N}, mixed ${mixed}`] = bytes(a.network.weights.omegaS, a.reconstructionError, a.spikes!.steps, a.spikes!.neurons)
      }
    }
  }
  // the teacher: the paper's size and odd sizes (tails of every vector loop), several channels and outputs
  const paper = await initTeacher({ units: 64, channels: 1, outputs: 1, seed: 3 })
  const odd = await initTeacher({ units: 37, channels: 2, outputs: 2, seed: 4 })
  const x = await generateXor({ count: 3, seed: 4 })
  const two = (a: Float32Array): Float32Array => Float32Array.from({ length: a.length * 2 }, (_, k) => a[k >> 1] * (k & 1 ? -0.5 : 1))
  for (const [name, p, C] of [['64 units', paper, 1], ['37 units, 2 channels, 2 outputs', odd, 2]] as const) {
    const inputs = C === 1 ? x.inputs : two(x.inputs)
    const targets = C === 1 ? x.targets : two(x.targets)
    const f = await teacherForward(p, { inputs, count: 3, steps: x.steps }, { threads: 2 })
    out[`teacherForward ${name}`] = bytes(f.outputs, f.activations!)
    const g = await teacherGradient(p, { inputs, targets, count: 3, steps: x.steps })
    out[`teacherGradient float ${name}`] = Buffer.concat([numbers(g.loss, g.mse), bytes(g.grads.wIn, g.grads.wRec, g.grads.wOut, g.grads.bias, g.grads.tauMs)])
    const pd: TeacherParams<Float64Array> = { ...p, wIn: Float64Array.from(p.wIn), wRec: Float64Array.from(p.wRec), wOut: Float64Array.from(p.wOut), bias: Float64Array.from(p.bias), tauMs: Float64Array.from(p.tauMs) }
    const gd = await teacherGradient(pd, { inputs: inputs.subarray(0, x.steps * C), targets: targets.subarray(0, x.steps * C), count: 1, steps: x.steps })
    out[`teacherGradient double ${name}`] = Buffer.concat([numbers(gd.loss), bytes(gd.grads.wIn, gd.grads.wRec, gd.grads.wOut, gd.grads.bias, gd.grads.tauMs)])
  }
  for (const batchSize of [1, 3]) {
    const t = new TeacherTrainer({ params: paper, data: { task: { name: 'xor', samplesPerEpoch: 12 } }, batchSize, seed: 5 })
    const hist = await t.runEpochs(2)
    const q = t.getParams()
    out[`TeacherTrainer batch ${batchSize}`] = Buffer.concat([bytes(q.wIn, q.wRec, q.wOut, q.bias, q.tauMs), numbers(...hist.flatMap((e) => [e.loss, e.gradNorm]))])
  }
  // the ADS trainer end to end: teacher trajectories, training, validation, then an evaluation
  const small = await initTeacher({ units: 24, channels: 1, outputs: 1, seed: 6 })
  const ads = new AdsTrainer({ teacher: small, neurons: 130, seed: 7, data: { task: { name: 'xor', samplesPerEpoch: 4 } }, validation: { count: 6 } })
  const hist = await ads.runEpochs(2)
  const n = ads.getNetwork()
  out['AdsTrainer'] = Buffer.concat([bytes(n.weights.omegaS), numbers(...hist.flatMap((e) => [e.trainReconstructionError, e.valReconstructionError ?? -1, e.meanRateHz ?? -1]))])
  const ev = await evaluateAds(n, { inputs: x.inputs, targets: x.targets, count: 3, steps: x.steps }, { seed: 2, record: { decoded: true }, decision: { task: 'xor' } })
  out['evaluateAds'] = bytes(ev.decoded!, ev.output!, ev.predictions!)
  return out
}

describe('every level gives the same results, bit for bit', () => {
  it(`at ${levels.join(', ')}: simulator, ADS training and trainer, teacher forward pass, BPTT and trainer`, { timeout: 240_000 }, async () => {
    setSimdLevel(levels[0])
    const base = await everything()
    expect(Object.keys(base).length).toBe(41)
    expect(base['trainAdsSamples online, N 496, mixed false'].length).toBeGreaterThan(496 * 496 * 4) // the comparison covers the weights
    for (const level of levels.slice(1)) {
      setSimdLevel(level)
      const got = await everything()
      for (const [name, b] of Object.entries(base)) expect(got[name].equals(b), `${name} at ${level}`).toBe(true)
    }
    setSimdLevel(initial)
  })
})

describe("the teacher's tanh", () => {
  it("is the C library's tanhf at every level, on one float bit pattern in 4099 (1 M floats; all 2^32: node bench/tanh-check.ts) and on its 32 special cases (±0, ±inf, NaNs, each threshold's both sides)", () => {
    const dir = tempDir('simd-tanh-')
    const core = join(repoRoot, 'native', 'core')
    const support = join(repoRoot, 'test', 'support')
    for (const single of [false, true]) {
      // single: the build of compilers and CPUs without per-level kernels (the portable base level only)
      const exe = join(dir, single ? 'tanh-single' : 'tanh')
      execFileSync('g++', ['-std=c++17', '-O2', '-ffp-contract=off', ...(single ? ['-DMIMIC_SIMD_SINGLE'] : []), '-I', core, '-I', support, join(support, 'simd_tanh_check.cpp'), join(core, 'simd.cpp'), '-o', exe])
      const r = JSON.parse(execFileSync(exe, ['4099'], { encoding: 'utf8' })) as { levels: { level: string; checked: number; mismatches: number }[] }
      expect(r.levels.map((l) => l.level)).toEqual(single ? ['sse2'] : levels)
      for (const l of r.levels) {
        expect(l.checked, l.level).toBe(32 + Math.ceil(2 ** 32 / 4099))
        expect(l.mismatches, l.level).toBe(0)
      }
    }
  })
})
