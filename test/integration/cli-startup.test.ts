// What a command loads before it runs: the libraries only some commands use (HDF5 for NIR files, the
// statistics of the robustness report, the server's WebSocket library, serial ports) are loaded by
// those commands, not by every `mimic` start (they were 140 of its 330 ms). A resolve hook in the
// real command's Node records every module it resolves.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mimicBin, repoRoot } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const dir = tempDir('mimic-startup-')
const hook = join(dir, 'hook.mjs')
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module'
import { appendFileSync } from 'node:fs'
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); appendFileSync(process.env.MIMIC_TEST_RESOLVED, r.url + '\\n'); return r } })
`,
)

/** The packages (under node_modules) a command resolved, by name. */
function packagesLoadedBy(args: string[]): Set<string> {
  const log = join(dir, `resolved-${args.join('-')}.txt`)
  writeFileSync(log, '')
  const r = spawnSync(process.execPath, ['--import', hook, mimicBin, '--db', join(dir, 'experiments.db'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, MIMIC_TEST_RESOLVED: log },
    encoding: 'utf8',
  })
  expect(r.status, r.stderr).toBe(0)
  const names = new Set<string>()
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
    if (m) names.add(m[1])
  }
  return names
}

describe('a command starts with what it needs', () => {
  it.each(['projects list', 'runs list', 'doctor'])('%s loads neither HDF5, the statistics, the server nor serial ports', (command) => {
    const loaded = packagesLoadedBy(command.split(' '))
    // the hook saw the store's library, so it saw what the command loaded
    expect(loaded.has('better-sqlite3')).toBe(true)
    for (const name of ['h5wasm', 'ws', 'serialport']) expect(loaded.has(name), name).toBe(false)
    expect([...loaded].filter((n) => n.startsWith('@stdlib/'))).toEqual([])
  })
})
