// `mimic --help` lists every command word once in its usage text, and nothing that is not usage
// (a merge once pasted the module's import lines into it, in place of four commands' lines).
import { describe, expect, it } from 'vitest'
import { mimic } from '../support/cli.ts'

const words = ['projects', 'runs', 'results', 'data', 'artifacts', 'export', 'import', 'report', 'jobs', 'train', 'reproduce', 'eval', 'simulate', 'robustness', 'deploy', 'hil', 'finetune', 'tasks', 'architectures', 'backends', 'board', 'cluster', 'sweep', 'bench', 'serve', 'doctor']

describe('mimic --help', () => {
  it('names every command and contains only usage', () => {
    const r = mimic(['--help'])
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\n')
    for (const w of words) expect(lines.some((l) => l.startsWith(`  ${w} `)), `a usage line for "${w}"`).toBe(true)
    const code = lines.filter((l) => /^(import|export) |\bfrom '/.test(l))
    expect(code, 'lines of source code in the usage').toEqual([])
  })
  it('reproduce paper takes --on CLUSTER with its array flags', () => {
    const r = mimic(['reproduce', 'paper', '--help'])
    expect(r.code).toBe(0)
    for (const flag of ['--on', '--items-per-task', '--attempts', '--time', '--cpus-per-task']) expect(r.stdout).toMatch(new RegExp(`^  ${flag} `, 'm'))
  })
  it('the baselines take --epoch-fraction (docs/method.md §13)', () => {
    for (const kind of ['reservoir', 'force', 'bptt-snn']) {
      const r = mimic(['train', kind, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout, kind).toMatch(/^  --epoch-fraction N /m)
    }
  })
  it('data generate: a field of one task\'s generator shows that task\'s default (not recorded on another task\'s runs)', () => {
    const r = mimic(['data', 'generate', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^  --duration-s N .*\(only with --task xor\) \(default 1 s\)$/m)
    expect(r.stdout).toMatch(/^  --snr-db N .*\(only with --task wake-phrase\) \(default 10 dB\)$/m)
    expect(r.stdout).toMatch(/^  --count N .*\(default per task: xor 500, wake-phrase 1500\)$/m)
  })
})
