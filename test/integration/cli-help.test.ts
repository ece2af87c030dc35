// `mimic --help` lists every command word once in its usage text, and nothing that is not usage
// (a merge once pasted the module's import lines into it, in place of four commands' lines).
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { mimic, repoRoot } from '../support/cli.ts'

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
  it('mimic help COMMAND is mimic COMMAND --help', () => {
    const help = mimic(['help', 'train', 'ads'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^mimic train ads --teacher RUN/)
    expect(help.stdout).toBe(mimic(['train', 'ads', '--help']).stdout)
  })
  it('names only sections the README has', () => {
    const headings = readFileSync(join(repoRoot, 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#+\s*/, ''))
    const named = [...mimic(['--help']).stdout.matchAll(/README "([^"]+)"/g)].map((m) => m[1])
    expect(named.length).toBeGreaterThan(0)
    for (const n of named) expect(headings, `README "${n}"`).toContain(n)
  })
  it('reproduce paper takes --on CLUSTER with its array flags', () => {
    const r = mimic(['reproduce', 'paper', '--help'])
    expect(r.code).toBe(0)
    for (const flag of ['--on', '--items-per-task', '--attempts', '--time', '--cpus-per-task']) expect(r.stdout).toMatch(new RegExp(`^  ${flag} `, 'm'))
  })
  it('an enum flag describes each of its values once (the field\'s help and its value help once both listed them)', () => {
    for (const command of [['train', 'ads'], ['reproduce']]) {
      const r = mimic([...command, '--help'])
      expect(r.code).toBe(0)
      const enums = r.stdout.split('\n').filter((line) => /^  --[a-z0-9-]+ [a-z0-9-]+(?:\|[a-z0-9-]+)+ /.test(line))
      expect(enums.map((line) => line.split(' ')[2])).toEqual(expect.arrayContaining(['--rule', '--eta-schedule']))
      for (const line of enums) {
        const m = /^  --([a-z0-9-]+) ([a-z0-9-|]+) /.exec(line)!
        for (const value of m[2].split('|')) {
          const described = line.split(new RegExp(`(?:^|[ ;(])${value}(?: \\(default\\))?: `)).length - 1
          expect(described, `--${m[1]} describes "${value}" ${described} times: ${line}`).toBeLessThanOrEqual(1)
        }
      }
    }
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

describe('mimic COMMAND --help for every command', () => {
  it('prints that command’s usage, not the whole list, and exits 0', async () => {
    const { main, commandWords } = await import('../../src/cli/main.ts')
    const words = commandWords()
    expect(Object.keys(words).length).toBeGreaterThan(20)
    for (const [group, subs] of Object.entries(words)) {
      for (const sub of subs ?? [undefined]) {
        const argv = sub === undefined ? [group, '--help'] : [group, sub, '--help']
        let out = ''
        const code = await main(argv, { stdout: (t: string) => void (out += t), stderr: () => undefined } as never)
        expect(code, argv.join(' ')).toBe(0)
        expect(out, argv.join(' ')).not.toContain('Projects and runs')
        expect(out, argv.join(' ')).toContain(sub === undefined ? group : `${group} `)
        if (sub !== undefined) expect(out, argv.join(' ')).toMatch(new RegExp(`\\b${sub}\\b`))
      }
    }
  })

  it('refuses a word that is not a command', () => {
    for (const argv of [['nothing', '--help'], ['help', 'nothing']]) {
      const r = mimic(argv)
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('"nothing" is not a command')
    }
  })
})
