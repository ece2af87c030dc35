// `mimic bench`, `mimic bench ads` and `mimic bench teacher` as real processes: the JSON fields, the
// SIMD level they report (`simd`), MIMIC_SIMD choosing it or being refused, and bad flags.
import { describe, expect, it } from 'vitest'
import { addonStatus } from '../../native/index.ts'
import { mimic } from '../support/cli.ts'

const levels = addonStatus().info!.simdLevels
const widest = levels[levels.length - 1]

function json<T = any>(args: string[], env: Record<string, string> = {}): T {
  const r = mimic(['--json', ...args], { env: { MIMIC_SIMD: '', ...env } })
  if (r.code !== 0) throw new Error(`mimic ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

function usage(args: string[], pattern: RegExp): void {
  const r = mimic(args, { env: { MIMIC_SIMD: '' } })
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
    const text = mimic(['bench', 'ads', '--neurons', '96', '--dims', '12', '--repeats', '1'], { env: { MIMIC_SIMD: '' } })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`network ADS N = 96, D = 12, online rule, 2000 steps, one thread, SIMD ${widest}`))
    expect(text.stdout).toMatch(/forward step \(no learning, k = 0\) [\d.]+ µs: training \/ forward = [\d.]+/)
  })

  it('bench teacher: BPTT and forward time steps per second', () => {
    const r = json(['bench', 'teacher', '--units', '16', '--batch', '2', '--threads', '1', '--seconds', '0.05'])
    expect(r).toMatchObject({ units: 16, batch: 2, threads: 1, simd: widest })
    expect(Number.isInteger(r.stepsPerSecond)).toBe(true)
    expect(r.stepsPerSecond).toBeGreaterThan(1000)
    // the forward pass is part of BPTT's work
    expect(r.forwardStepsPerSecond).toBeGreaterThan(r.stepsPerSecond)
    expect(json(['bench', 'teacher', '--units', '8', '--seconds', '0.02'], { MIMIC_SIMD: 'sse2' }).simd).toBe('sse2')
  })

  it('doctor reports the level as simd, and the levels of this CPU', () => {
    const d = json(['doctor'])
    expect(d.simd).toBe(widest)
    expect(d.addon.simd).toBe(widest)
    expect(d.addon.simdLevels).toEqual(levels)
    expect(json(['doctor'], { MIMIC_SIMD: 'sse2' }).simd).toBe('sse2')
    const text = mimic(['doctor'], { env: { MIMIC_SIMD: '' } })
    expect(text.stdout).toMatch(new RegExp(`SIMD ${widest} \\(this CPU: ${levels.join(', ')}\\)`))
  })

  it('refuses a MIMIC_SIMD that is not a level, naming the ones there are', () => {
    const r = mimic(['--json', 'bench', 'teacher', '--units', '8'], { env: { MIMIC_SIMD: 'avx9' } })
    expect(r.code).toBe(1)
    const message = `MIMIC_SIMD is "avx9", which is not a SIMD level: use one of ${levels.join(', ')} (or unset it to use the widest, ${widest})`
    expect(r.stderr.trim()).toBe(`mimic: ${message}`)
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'ADDON_MISSING', message } })
    const d = mimic(['--json', 'doctor'], { env: { MIMIC_SIMD: 'avx9' } })
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
})
