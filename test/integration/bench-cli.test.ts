// `mimic bench`, `mimic bench ads` and `mimic bench teacher` as real processes: the JSON fields, the
// SIMD level they report (`simd`), MIMIC_SIMD choosing it or being refused, bad flags, and the flags,
// defaults, bounds and work limits of the services' operations bench.ads and bench.teacher.
import { afterAll, describe, expect, it } from 'vitest'
import { addonStatus } from '../../native/index.ts'
import { contract } from '../../src/shared/contract.ts'
import { maxBenchMultiplyAdds, maxNeurons, maxTeacherUnits, maxThreads } from '../../src/shared/limits.ts'
import { mimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

// every command opens the services on this database (never ./experiments.db)
const db = tempDb()

const levels = addonStatus().info!.simdLevels
const widest = levels[levels.length - 1]

function json<T = any>(args: string[], env: Record<string, string> = {}): T {
  const r = mimic(['--db', db, '--json', ...args], { env: { MIMIC_SIMD: '', ...env } })
  if (r.code !== 0) throw new Error(`mimic ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

function usage(args: string[], pattern: RegExp): void {
  const r = mimic(['--db', db, ...args], { env: { MIMIC_SIMD: '' } })
  expect(r.code, r.stderr).toBe(2)
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr).toMatch(pattern)
}

describe('mimic bench', () => {
  it('times the simulator and says at which SIMD level (the widest; MIMIC_SIMD chooses another)', () => {
    const r = json(['bench', '--neurons', '128', '--steps', '2000'])
    expect(Object.keys(r).sort()).toEqual(['batch', 'meanRateHz', 'neuronStepsPerSecond', 'neurons', 'simd', 'spikes', 'steps', 'threads', 'wallSeconds'])
    expect(r).toMatchObject({ neurons: 128, steps: 2000, batch: 1, threads: 1, simd: widest })
    expect(r.neuronStepsPerSecond).toBeCloseTo((128 * 2000) / r.wallSeconds, 0)
    const base = json(['bench', '--neurons', '128', '--steps', '2000'], { MIMIC_SIMD: 'sse2' })
    expect(base.simd).toBe('sse2')
    expect(base.spikes).toBe(r.spikes) // the same spikes at every level
  })

  it('bench ads: the training step against the forward step of the same network, one thread', () => {
    const r = json(['bench', 'ads', '--neurons', '96', '--dims', '12', '--steps', '1000', '--repeats', '3'])
    expect(r).toMatchObject({ neurons: 96, dims: 12, rule: 'online', steps: 1000, simd: widest })
    expect(r.microsecondsPerStep).toBeCloseTo(1e6 / r.stepsPerSecond, 6)
    expect(r.trainingOverForward).toBeCloseTo(r.microsecondsPerStep / r.forwardMicrosecondsPerStep, 6)
    // training does everything the forward step does and the feedback product and the rule besides
    expect(r.forwardMicrosecondsPerStep).toBeLessThan(r.microsecondsPerStep)
    expect(r.meanRateHz).toBeGreaterThan(1)
    expect(r.split.simulation + r.split.feedback + r.split.learning).toBeCloseTo(r.microsecondsPerStep, 6)
    const naive = json(['bench', 'ads', '--neurons', '96', '--dims', '12', '--steps', '1000', '--rule', 'online-naive', '--repeats', '1'], { MIMIC_SIMD: 'sse2' })
    expect(naive).toMatchObject({ rule: 'online-naive', simd: 'sse2', steps: 1000 })
    expect(naive.meanRateHz).toBe(r.meanRateHz) // the same spikes: the rules are the same method
    const text = mimic(['--db', db, 'bench', 'ads', '--neurons', '96', '--dims', '12', '--repeats', '1'], { env: { MIMIC_SIMD: '' } })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`network ADS N = 96, D = 12, online rule, 2000 steps, one thread, SIMD ${widest}`))
    expect(text.stdout).toMatch(/forward step \(no learning, k = 0\) [\d.]+ µs: training \/ forward = [\d.]+/)
  })

  it('bench teacher: BPTT and forward time steps per second', () => {
    const r = json(['bench', 'teacher', '--units', '16', '--batch', '2', '--threads', '1', '--seconds', '0.05'])
    expect(r).toMatchObject({ units: 16, batch: 2, threads: 1, simd: widest })
    expect(Number.isInteger(r.stepsPerSecond)).toBe(true)
    expect(r.stepsPerSecond).toBeGreaterThan(0)
    expect(Number.isInteger(r.forwardStepsPerSecond)).toBe(true)
    expect(r.forwardStepsPerSecond).toBeGreaterThan(0)
    // no ratio between the two here: a timing comparison inside npm test fails under load; the
    // forward/BPTT ratio is a benchmark figure (npm run bench), measured side by side there
    expect(json(['bench', 'teacher', '--units', '8', '--seconds', '0.02'], { MIMIC_SIMD: 'sse2' }).simd).toBe('sse2')
  })

  it('doctor reports the level as simd, and the levels of this CPU', () => {
    const d = json(['doctor'])
    expect(d.simd).toBe(widest)
    expect(d.addon.simd).toBe(widest)
    expect(d.addon.simdLevels).toEqual(levels)
    expect(json(['doctor'], { MIMIC_SIMD: 'sse2' }).simd).toBe('sse2')
    const text = mimic(['--db', db, 'doctor'], { env: { MIMIC_SIMD: '' } })
    expect(text.stdout).toMatch(new RegExp(`SIMD ${widest} \\(this CPU: ${levels.join(', ')}\\)`))
  })

  it('refuses a MIMIC_SIMD that is not a level, naming the ones there are', () => {
    const r = mimic(['--db', db, '--json', 'bench', 'teacher', '--units', '8'], { env: { MIMIC_SIMD: 'avx9' } })
    expect(r.code).toBe(1)
    const message = `MIMIC_SIMD is "avx9", which is not a SIMD level: use one of ${levels.join(', ')} (or unset it to use the widest, ${widest})`
    expect(r.stderr.trim()).toBe(`mimic: ${message}`)
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'ADDON_MISSING', message } })
    const d = mimic(['--db', db, '--json', 'doctor'], { env: { MIMIC_SIMD: 'avx9' } })
    expect(d.code).toBe(1)
    expect(JSON.parse(d.stdout)).toMatchObject({ simd: null, addon: { loaded: false, error: message } })
  })

  it('refuses bad flags, naming them', () => {
    usage(['bench', 'ads', '--neurons', '0'], /--neurons/)
    usage(['bench', 'ads', '--rule', 'fast'], /--rule/)
    usage(['bench', 'ads', 'extra'], /bench ads takes no positional arguments \(received "extra"\)/)
    usage(['bench', 'teacher', '--batch', '-1'], /--batch/)
    usage(['bench', 'teacher', '--threds', '2'], /threds/)
    usage(['bench', 'tacher'], /bench takes no positional arguments but "ads" or "teacher" \(received "tacher"\)/)
    const help = mimic(['bench', 'ads', '--help'])
    expect(help.code).toBe(0)
    for (const flag of ['--neurons', '--dims', '--steps', '--rule', '--repeats']) expect(help.stdout).toContain(flag)
  })

  it('takes the flags of bench.ads and bench.teacher from their schemas: defaults, and bounds from limits.ts', () => {
    const ads = contract['bench.ads'].args
    expect(ads.parse({}, 'args')).toEqual({ neurons: 768, dims: 128, steps: 2000, rule: 'online', repeats: 3, seed: 1 })
    expect(ads.info().fields?.neurons?.max).toBe(maxNeurons)
    expect(ads.info().fields?.dims?.max).toBe(maxTeacherUnits)
    const teacher = contract['bench.teacher'].args
    expect(teacher.parse({}, 'args')).toEqual({ units: 64, batch: 1, threads: 1, seconds: 1, seed: 1 })
    expect(teacher.info().fields?.units?.max).toBe(maxTeacherUnits)
    expect(teacher.info().fields?.threads?.max).toBe(maxThreads)
    // the command line refuses past the schema's bounds, naming the flag and the range
    usage(['bench', 'ads', '--neurons', String(maxNeurons + 1)], new RegExp(`--neurons must be an integer between 1 and ${maxNeurons} \\(received ${maxNeurons + 1}\\)`))
    usage(['bench', 'ads', '--dims', String(maxTeacherUnits + 1)], new RegExp(`--dims must be an integer between 1 and ${maxTeacherUnits}`))
    usage(['bench', 'teacher', '--units', String(maxTeacherUnits + 1)], new RegExp(`--units must be an integer between 1 and ${maxTeacherUnits}`))
    usage(['bench', 'teacher', '--seconds', '0'], /--seconds must be a number between 0.01 and 3600/)
    // the help lists every field of the schema with its default
    const help = mimic(['bench', 'teacher', '--help'])
    expect(help.code).toBe(0)
    for (const [flag, def] of [['--units', '64'], ['--batch', '1'], ['--threads', '1'], ['--seconds', '1'], ['--seed', '1']]) expect(help.stdout).toMatch(new RegExp(`${flag}\\b[^\\n]*${def}`))
    // the defaults are the schema's: a run without flags reports them
    const r = json(['bench', 'teacher', '--units', '8', '--seconds', '0.02'])
    expect(r).toMatchObject({ units: 8, batch: 1, threads: 1 })
  })

  it('refuses more work than limits.ts allows before it starts, naming the product and the fix', () => {
    // 8192 × 1024 × 10000 steps × 7 passes = 5.87e11 > 5e11
    const ads = mimic(['--db', db, 'bench', 'ads', '--neurons', '8192', '--dims', '1024', '--steps', '10000'])
    expect(ads.code, ads.stderr).toBe(1)
    expect(ads.stderr).toMatch(/neurons × dims × steps × \(2 × repeats \+ 1\) = 5\.87e\+11 multiply-adds, more than the 5e\+11 one benchmark may take: use fewer steps or repeats/)
    // 1024² × 64 × 1000 × 16 = 1.07e12 > 5e11
    const t0 = performance.now()
    const teacher = mimic(['--db', db, '--json', 'bench', 'teacher', '--units', '1024', '--batch', '64'])
    expect(performance.now() - t0).toBeLessThan(20_000) // refused at once, not after minutes of work
    expect(teacher.code).toBe(1)
    expect(JSON.parse(teacher.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } })
    expect(teacher.stderr).toMatch(/units² × batch × 1000 steps × 16 = 1\.07e\+12 multiply-adds \(the first call of each of the 8 rounds\), more than the 5e\+11 one benchmark may take: use a smaller batch or fewer units/)
    expect(1024 * 1024 * 29 * 1000 * 16).toBeLessThan(maxBenchMultiplyAdds) // a batch of 29 would be taken
  })
})
