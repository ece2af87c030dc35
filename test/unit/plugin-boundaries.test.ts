// Plug-ins stay in their own files: no source file under src/, native/ or renderer/ whose path lacks
// "xor" mentions the temporal XOR task, except the registry lines (an import or #include of the
// plug-in and its entry) in files named index.ts or registry.*. Adding or removing a task then touches
// its own files and one line per registry, nothing else.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

const sourceExtensions = /\.(ts|mts|js|mjs|svelte|html|css|cpp|hpp|h|cc|c|txt)$/
const skipDirs = new Set(['node_modules', 'build', 'out', 'dist'])

function files(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (!skipDirs.has(name)) out.push(...files(path))
    } else if (sourceExtensions.test(name)) out.push(path)
  }
  return out
}

/**
 * An import or re-export of a module, or an entry `name: value,` of a registry object; in C++, an
 * #include of a header and an entry that calls the plug-in's entry function (`name(),`).
 */
function isRegistryLine(line: string): boolean {
  const t = line.trim()
  return (
    /^import\b.*\bfrom\s+['"][^'"]+['"];?$/.test(t) ||
    /^export\s+(\*|\{[^}]*\})\s+from\s+['"][^'"]+['"];?$/.test(t) ||
    /^['"]?[\w.-]+['"]?\s*:\s*[\w.]+,?$/.test(t) ||
    /^#include\s+"[\w./-]+"$/.test(t) ||
    /^[\w:]+\(\),?$/.test(t)
  )
}

/** The lines of a file that mention the task where they may not. */
function violations(rel: string, text: string): string[] {
  if (/xor/i.test(rel)) return []
  const registry = /(^|\/)(index\.ts|registry\.[a-z]+)$/.test(rel)
  return text
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => /xor/i.test(line) && !(registry && isRegistryLine(line)))
    .map(({ line, n }) => `${rel}:${n}: ${line.trim()}`)
}

const scanned = [join(root, 'src'), join(root, 'native'), join(root, 'renderer')].flatMap(files)

describe('plug-in boundaries', () => {
  it('scans the sources of src/, native/ (TypeScript, C++) and renderer/', () => {
    const rel = scanned.map((f) => relative(root, f))
    expect(rel).toContain('src/services/index.ts')
    expect(rel).toContain('native/index.ts')
    expect(rel).toContain('native/core/snn.cpp')
    expect(rel).toContain('renderer/src/App.svelte')
    expect(rel.filter((f) => f.startsWith('native/build'))).toEqual([])
  })

  it('no file whose path lacks "xor" mentions the task, except registry lines in index.ts / registry.*', () => {
    const found = scanned.flatMap((f) => {
      const rel = relative(root, f)
      return violations(rel, readFileSync(f, 'utf8'))
    })
    expect(found).toEqual([])
  })

  it('recognises registry lines and nothing more', () => {
    expect(isRegistryLine("import { xorTask } from './xor.ts'")).toBe(true)
    expect(isRegistryLine("export * from './api/tasks/xor.ts'")).toBe(true)
    expect(isRegistryLine('  xor: xorTask,')).toBe(true)
    expect(isRegistryLine("  'data.xor': 'data.generate',")).toBe(false)
    expect(isRegistryLine('const rule = xorDecision(outputs)')).toBe(false)
    expect(isRegistryLine('#include "xor_task.hpp"')).toBe(true)
    expect(isRegistryLine('      xor_task(),')).toBe(true)
    expect(isRegistryLine('  return xor_task();')).toBe(false)
    expect(isRegistryLine('xor_decision(y, steps, 1),')).toBe(false)
    expect(violations('native/core/tasks/registry.cpp', '#include "xor_task.hpp"\n  xor_task(),\n// the xor task')).toEqual(['native/core/tasks/registry.cpp:3: // the xor task'])
    expect(violations('native/core/ads_train.cpp', '#include "xor_task.hpp"')).toEqual(['native/core/ads_train.cpp:1: #include "xor_task.hpp"'])
    expect(violations('src/plugins/tasks/index.ts', "import { a } from './xor.ts'\n  xor: a,\n// the xor rule")).toEqual(['src/plugins/tasks/index.ts:3: // the xor rule'])
    expect(violations('src/jobs/kinds/eval.ts', "import { a } from './xor.ts'")).toEqual(["src/jobs/kinds/eval.ts:1: import { a } from './xor.ts'"])
    expect(violations('src/plugins/tasks/xor.ts', 'the XOR rule')).toEqual([])
  })
})

describe('execution target names', () => {
  it('the shared list (what a board may not be named, read below src/plugins) is the registry’s', async () => {
    const { executionTargetNames } = await import('../../src/shared/board.ts')
    const { targets } = await import('../../src/plugins/targets/index.ts')
    expect([...executionTargetNames].sort()).toEqual(Object.keys(targets).sort())
  })
})
