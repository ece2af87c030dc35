// The reduced seeded run of the native fuzzer (test/fuzz/native-fuzz.ts; the full run is
// `node test/fuzz/native-fuzz.ts --cases 10000`, which `npm run fuzz` runs), and a check that it finds
// each kind of problem: faults of its own injected into a run (a crash, a hang, a leak, a call that
// fails outside the contract) must each be reported, with the command that reproduces the case.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const script = join(import.meta.dirname, '..', 'fuzz', 'native-fuzz.ts')

interface Figures {
  cases: number
  calls: number
  accepted: number
  rejected: number
  rejectedByCode: Record<string, number>
  crashes: number
  hangs: number
  leaks: number
  violations: number
  problems: { kind: string; i: number; detail: string }[]
}

function fuzz(args: string[], timeoutMs = 120_000): { status: number | null; figures: Figures; stderr: string } {
  const r = spawnSync(process.execPath, [script, '--json', ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' })
  const last = r.stdout.trim().split('\n').at(-1) ?? ''
  let figures: Figures
  try {
    figures = JSON.parse(last) as Figures
  } catch {
    throw new Error(`the fuzzer printed no figures (exit ${r.status} ${r.signal}): ${r.stderr.slice(-2000)}`)
  }
  return { status: r.status, figures, stderr: r.stderr }
}

describe('native fuzzer', () => {
  it('2000 seeded cases: no crash, hang, leak or rejection outside the contract', () => {
    const { status, figures, stderr } = fuzz(['--cases', '2000', '--seed', '1'])
    expect(figures.problems, stderr).toEqual([])
    expect(status).toBe(0)
    expect(figures).toMatchObject({ cases: 2000, calls: 6000, crashes: 0, hangs: 0, leaks: 0, violations: 0 })
    expect(figures.accepted + figures.rejected).toBe(2000)
    // both sides of the contract are exercised, and every rejection is one of its kinds
    expect(figures.accepted).toBeGreaterThan(200)
    expect(figures.rejectedByCode['ERR_INVALID_ARG TypeError']).toBeGreaterThan(200)
    expect(figures.rejectedByCode['ERR_INVALID_ARG RangeError']).toBeGreaterThan(50)
    expect(figures.rejectedByCode.ERR_CANCELLED).toBeGreaterThan(5)
    for (const code of Object.keys(figures.rejectedByCode))
      expect(['ERR_INVALID_ARG TypeError', 'ERR_INVALID_ARG RangeError', 'ERR_CANCELLED', 'ERR_BUSY', "the getter's own error", 'ERR_NATIVE (training diverged)']).toContain(code)
    expect(stderr).toMatch(/native fuzz: seed 1, 2000 cases in \d+ child processes/)
  })

  it('finds an injected crash, hang, leak and contract violation, each with its reproducer', () => {
    const crash = fuzz(['--cases', '60', '--batch', '30', '--seed', '2', '--inject', 'crash@17'])
    expect(crash.status).toBe(1)
    expect(crash.figures).toMatchObject({ crashes: 1, hangs: 0, violations: 0 })
    expect(crash.figures.problems[0]).toMatchObject({ kind: 'crash', i: 17, detail: expect.stringMatching(/SIGSEGV/) })
    // the rest of the batch ran in a new child
    expect(crash.figures.accepted + crash.figures.rejected).toBe(59)
    expect(crash.stderr).toContain('reproduce: node test/fuzz/native-fuzz.ts --seed 2 --case 17')

    const hang = fuzz(['--cases', '20', '--seed', '2', '--hang-ms', '1500', '--inject', 'hang@3'])
    expect(hang.status).toBe(1)
    expect(hang.figures.problems).toEqual([expect.objectContaining({ kind: 'hang', i: 3 })])

    const violation = fuzz(['--cases', '20', '--seed', '2', '--inject', 'violation@5'])
    expect(violation.status).toBe(1)
    expect(violation.figures.problems).toEqual([expect.objectContaining({ kind: 'violation', i: 5, detail: 'Error: not an argument error' })])

    // 256 KB kept per call: 25 MB per repeat of a batch of 100
    const leak = fuzz(['--cases', '100', '--batch', '100', '--seed', '2', '--inject', 'leak'])
    expect(leak.status).toBe(1)
    expect(leak.figures.problems).toEqual([expect.objectContaining({ kind: 'leak', i: 0 })])
  })
})
