// Dependencies point one way: every import of src/, renderer/src, native/*.ts and native/api against
// the layering table (test/support/layers.ts), and no import cycle between its parts.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { allowed, checkLayers, edgesOf, importsOf, sourceFiles, unitOf } from '../support/layers.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('the layering of the source tree', () => {
  const files = sourceFiles(root)

  it('reads every part of the tree', () => {
    // Each part of the table that exists has files here (a walk that found nothing would check nothing).
    for (const unit of ['src/shared', 'src/system', 'src/store', 'src/jobs', 'src/services', 'src/main', 'src/preload', 'src/server', 'src/cli', 'renderer', 'native/index', 'native/runtime', 'native/api'] as const) {
      expect(files.filter((f) => unitOf(f) === unit).length, unit).toBeGreaterThan(0)
    }
    expect(files).toContain('renderer/src/App.svelte')
    expect(files).toContain('native/runtime.ts')
  })

  it('has no import against the table, no file outside it, and no cycle between its parts', () => {
    const edges = edgesOf(root, files)
    // about four imports per file: a parser that read nothing would pass the next line
    expect(edges.length).toBeGreaterThan(files.length * 2)
    expect(checkLayers(files, edges).map((f) => f.message)).toEqual([])
  })

  it('native/index.ts only re-exports, and no wrapper imports it', () => {
    const edges = edgesOf(root, files)
    expect(edges.filter((e) => e.from.startsWith('native/api/') && e.to === 'native/index.ts')).toEqual([])
    const fromIndex = edges.filter((e) => e.from === 'native/index.ts').map((e) => e.to)
    expect(fromIndex).toContain('native/runtime.ts')
    expect(fromIndex.filter((t) => t !== 'native/runtime.ts' && !/^native\/api\/.+\.ts$/.test(t ?? ''))).toEqual([])
  })
})

// The checker itself, on made-up trees: it must find what it claims to find.
describe('the layering checker', () => {
  const check = (sources: Record<string, string>) => {
    const files = Object.keys(sources)
    return checkLayers(files, edgesOf('/r', files, (p) => sources[p]))
  }

  it('reads static, type-only, re-exported and dynamic imports, and the scripts of Svelte files', () => {
    expect(importsOf('a.ts', `import a from './a.ts'\nimport type { B } from './b.ts'\nexport * from './c.ts'\nconst d = await import('./d.ts')`)).toEqual(['./a.ts', './b.ts', './c.ts', './d.ts'])
    expect(importsOf('V.svelte', `<script lang="ts">\n  import X from './X.svelte'\n</script>\n<p>import nothing from 'here'</p>`)).toEqual(['./X.svelte'])
  })

  it('refuses an import the table forbids, naming the file, the import and the rule', () => {
    const f = check({ 'src/shared/a.ts': `import { x } from '../store/b.ts'`, 'src/store/b.ts': `export const x = 1` })
    expect(f.map((x) => x.kind)).toEqual(['forbidden'])
    expect(f[0].message).toMatch(/^src\/shared\/a\.ts imports \.\.\/store\/b\.ts \(src\/shared → src\/store; src\/shared may import only itself\)/)
    // the same import the other way is allowed
    expect(check({ 'src/store/a.ts': `import type { X } from '../shared/b.ts'`, 'src/shared/b.ts': `export type X = 1` })).toEqual([])
  })

  it('refuses a front door that reaches past the services, and a wrapper that imports native/index.ts', () => {
    const f = check({
      'src/cli/main.ts': `import { openStore } from '../store/index.ts'\nimport { runSimBench } from '../../native/index.ts'`,
      'src/store/index.ts': '',
      'native/index.ts': `export * from './api/snn.ts'`,
      'native/api/snn.ts': `import { addon } from '../index.ts'`,
    })
    expect(f.filter((x) => x.kind === 'forbidden').map((x) => x.message.split(' (')[0])).toEqual([
      'src/cli/main.ts imports ../store/index.ts',
      'src/cli/main.ts imports ../../native/index.ts',
      'native/api/snn.ts imports ../index.ts',
    ])
    expect(f.filter((x) => x.kind === 'cycle').map((x) => x.message)).toEqual([
      'import cycle: native/index → native/api (native/index.ts imports ./api/snn.ts); native/api → native/index (native/api/snn.ts imports ../index.ts)',
    ])
  })

  it('finds a cycle through three parts', () => {
    // each step allowed on its own would still be a cycle: make the table allow them for this check
    const f = check({
      'src/jobs/runner.ts': `import { v } from '../services/version.ts'`,
      'src/services/version.ts': `import { r } from '../plugins/p.ts'`,
      'src/plugins/p.ts': `import { J } from '../jobs/runner.ts'`,
    })
    expect(f.filter((x) => x.kind === 'cycle')).toHaveLength(1)
    expect(f.find((x) => x.kind === 'cycle')!.message).toMatch(/src\/jobs → src\/services .*src\/services → src\/plugins .*src\/plugins → src\/jobs/)
  })

  it('refuses packages where they do not belong, and files in no part of the table', () => {
    const f = check({
      'src/shared/a.ts': `import { readFileSync } from 'node:fs'`,
      'src/services/b.ts': `import Database from 'better-sqlite3'`,
      'renderer/src/c.ts': `import { ipcRenderer } from 'electron'`,
      'src/gadgets/d.ts': '',
      'src/store/e.ts': `import { SerialPort } from 'serialport'`,
      'src/hardware/f.ts': `import { SerialPort } from 'serialport'\nimport { Store } from '../store/index.ts'`,
    })
    expect(f.map((x) => x.message)).toEqual([
      "src/gadgets/d.ts is in no part of the layering table (test/support/layers.ts): add its folder there with what it may import",
      "src/shared/a.ts imports 'node:fs' (node: built-ins: only src/system, src/store, src/formats, src/tts, src/plugins, src/hardware, src/jobs, src/services, src/main, src/server, src/cli, native/index, native/runtime, native/api)",
      "src/shared/a.ts imports the package 'node:fs': src/shared imports no packages but its own (and svelte/uplot in the renderer)",
      "src/services/b.ts imports 'better-sqlite3' (better-sqlite3: only src/store)",
      "renderer/src/c.ts imports 'electron' (electron: only src/main, src/preload)",
      "renderer/src/c.ts imports the package 'electron': renderer imports no packages but its own (and svelte/uplot in the renderer)",
      "src/store/e.ts imports 'serialport' (serialport: only src/hardware)",
      "src/hardware/f.ts imports ../store/index.ts (src/hardware → src/store; src/hardware may import only src/shared, src/system)",
    ])
  })

  it('lists what every part may import, and shared and the system import nothing of the project', () => {
    expect(allowed['src/shared']).toEqual([])
    expect(allowed['src/system']).toEqual([])
    for (const door of ['src/main', 'src/preload', 'src/server'] as const) expect(allowed[door].every((u) => u === 'src/shared' || u === 'src/services')).toBe(true)
    expect(allowed['src/cli']).not.toContain('src/store')
    expect(allowed['src/cli']).not.toContain('src/jobs')
    expect(allowed['src/cli']).not.toContain('native/index')
    // the board link stands on shared and system only; the services reach it, the front doors do not
    expect(allowed['src/hardware']).toEqual(['src/shared', 'src/system'])
    expect(allowed['src/services']).toContain('src/hardware')
    expect(allowed['src/cli']).not.toContain('src/hardware')
  })
})
