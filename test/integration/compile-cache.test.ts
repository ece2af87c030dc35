// Node's on-disk compile cache for our TypeScript modules: the `mimic` command enables it and passes
// its directory to the Node processes it starts (bin/mimic.js), and job workers get it from the runner
// (src/jobs/runner.ts forkSpawner, src/system/process.ts compileCacheEnv). Real processes, real files.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { forkSpawner } from '../../src/jobs/runner.ts'
import { mimic, repoRoot } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'
import { until } from '../support/until.ts'

function filesUnder(dir: string): number {
  if (!existsSync(dir)) return 0
  let n = 0
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    n += statSync(p).isDirectory() ? filesUnder(p) : 1
  }
  return n
}

describe('the compile cache', () => {
  afterAll(cleanupTemp)

  it('fills the directory NODE_COMPILE_CACHE names, and a second start reads it with the same output', () => {
    const dir = join(tempDir('ncc-'), 'cache')
    const first = mimic(['--help'], { env: { NODE_COMPILE_CACHE: dir } })
    expect(first.code).toBe(0)
    expect(filesUnder(dir)).toBeGreaterThan(100) // one entry per module the command loaded
    const second = mimic(['--help'], { env: { NODE_COMPILE_CACHE: dir } })
    expect(second.code).toBe(0)
    expect(second.stdout).toBe(first.stdout)
  })

  it('is off with NODE_DISABLE_COMPILE_CACHE=1 (nothing written)', () => {
    const dir = join(tempDir('ncc-'), 'cache')
    const r = mimic(['--help'], { env: { NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: '1' } })
    expect(r.code).toBe(0)
    expect(filesUnder(dir)).toBe(0)
  })

  it('is decided once per process: a second call names the same directory (a fresh Node, where nothing enabled it before)', () => {
    const script = `const { compileCacheEnv } = await import(${JSON.stringify(join(repoRoot, 'src', 'system', 'process.ts'))}); console.log(JSON.stringify([compileCacheEnv(), compileCacheEnv()]))`
    const env = { ...process.env }
    delete env.NODE_COMPILE_CACHE
    delete env.NODE_DISABLE_COMPILE_CACHE
    const [first, second] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env })) as Record<string, string>[]
    expect(first.NODE_COMPILE_CACHE).toBeTruthy()
    expect(second).toEqual(first)
  })

  it("reaches a job worker: the runner's child Node process uses the same directory", async () => {
    const dir = tempDir('ncc-worker-')
    const entry = join(dir, 'entry.mjs')
    const out = join(dir, 'out.json')
    writeFileSync(entry, `import { getCompileCacheDir } from 'node:module'\nimport { writeFileSync } from 'node:fs'\nwriteFileSync(process.env.OUT, JSON.stringify({ env: process.env.NODE_COMPILE_CACHE ?? null, dir: getCompileCacheDir() ?? null }))\n`)
    const fork = async (n: number): Promise<{ env: string | null; dir: string | null }> => {
      let exited = false
      const child = forkSpawner(entry, { OUT: `${out}.${n}` })
      child.onExit(() => (exited = true))
      await until(() => exited, 20_000)
      return JSON.parse(readFileSync(`${out}.${n}`, 'utf8')) as { env: string | null; dir: string | null }
    }
    const seen = await fork(1)
    expect(seen.env).toBeTruthy()
    expect(seen.dir?.startsWith(seen.env!)).toBe(true)
    // a second worker gets the same directory (not a subdirectory of it: one cache, filled once)
    expect(await fork(2)).toEqual(seen)
  })
})
