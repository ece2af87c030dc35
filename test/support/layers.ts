// The layering of the source tree (docs: README "Design", the issue-10 design): which part may import
// which. Every import of src/, renderer/src, native/*.ts and native/api is read with TypeScript's own
// pre-processor (static imports, `import type`, re-exports and dynamic `import()`; the <script>
// blocks of .svelte files), mapped to the part of the tree it lands in, and checked against the table.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

/** A part of the tree: the unit the table speaks about. */
export type Unit =
  | 'src/shared'
  | 'src/system'
  | 'src/store'
  | 'src/formats'
  | 'src/tts'
  | 'src/analysis'
  | 'src/plugins'
  | 'src/hardware'
  | 'src/jobs'
  | 'src/services'
  | 'src/main'
  | 'src/preload'
  | 'src/server'
  | 'src/cli'
  | 'renderer'
  | 'native/index'
  | 'native/runtime'
  | 'native/api'

/**
 * What each unit may import besides itself. Front doors (main, preload, server, cli) reach only the
 * services and the shared types; the services reach the store, the jobs, the plug-ins and the system;
 * native/index.ts only re-exports the runtime and the wrappers; the wrappers import the runtime.
 */
export const allowed: Record<Unit, readonly Unit[]> = {
  'src/shared': [],
  'src/system': [],
  'src/store': ['src/shared', 'src/system'],
  'src/formats': ['src/shared'],
  // the offline speech engine (a separate process) and its client
  'src/tts': [],
  // pure computations on numbers (robustness statistics)
  // pure computations; the shapes of their results are the shared types
  'src/analysis': ['src/shared'],
  // tasks, architectures (network bundles), execution targets, evaluation: over the store and the addon
  'src/plugins': ['src/shared', 'src/analysis', 'src/system', 'src/store', 'src/formats', 'src/tts', 'src/hardware', 'native/index'],
  // the board link (protocol, transports, client, the board side of the emulator and its reference chip)
  'src/hardware': ['src/shared', 'src/system'],
  // The job implementations call the native trainers directly (training is not a plug-in call yet).
  'src/jobs': ['src/shared', 'src/analysis', 'src/system', 'src/store', 'src/formats', 'src/plugins', 'src/hardware', 'native/index'],
  // The services report the addon's state (app.info) and run the benchmarks (bench.*).
  'src/services': ['src/shared', 'src/analysis', 'src/system', 'src/store', 'src/formats', 'src/plugins', 'src/hardware', 'src/jobs', 'native/index'],
  'src/main': ['src/shared', 'src/services'],
  'src/preload': ['src/shared'],
  'src/server': ['src/shared', 'src/services'],
  // `mimic serve` starts the HTTP front door; src/formats reads local files (`mimic eval --data`).
  'src/cli': ['src/shared', 'src/services', 'src/server', 'src/formats'],
  renderer: ['src/shared'],
  'native/index': ['native/runtime', 'native/api'],
  'native/runtime': [],
  'native/api': ['native/runtime'],
}

/** Packages (not relative paths) that only some units may import; the rest are open to every unit but shared and renderer. */
export const packageRules: { test: (spec: string) => boolean; name: string; only: readonly Unit[] }[] = [
  { name: 'better-sqlite3', test: (s) => s === 'better-sqlite3', only: ['src/store'] },
  { name: 'electron', test: (s) => s === 'electron' || s.startsWith('electron/'), only: ['src/main', 'src/preload'] },
  { name: 'serialport', test: (s) => s === 'serialport' || s.startsWith('@serialport/'), only: ['src/hardware'] },
  { name: 'node: built-ins', test: (s) => s.startsWith('node:') && s !== 'node:module', only: ['src/system', 'src/store', 'src/formats', 'src/tts', 'src/plugins', 'src/hardware', 'src/jobs', 'src/services', 'src/main', 'src/server', 'src/cli', 'native/index', 'native/runtime', 'native/api'] },
  // and node:module's createRequire also in src/analysis: the statistics load their library on first use
  // (it was 73 ms of every command's start); the analysis still touches no file, process or socket
  { name: 'node:module', test: (s) => s === 'node:module', only: ['src/analysis', 'src/system', 'src/store', 'src/formats', 'src/tts', 'src/plugins', 'src/hardware', 'src/jobs', 'src/services', 'src/main', 'src/server', 'src/cli', 'native/index', 'native/runtime', 'native/api'] },
  // the GPL speech engine runs only in its own process (src/tts/espeak-engine.ts); WAV parsing only in src/formats
  { name: 'espeak-ng', test: (s) => s === 'espeak-ng', only: ['src/tts'] },
  { name: 'wavefile', test: (s) => s === 'wavefile', only: ['src/formats'] },
  { name: 'svelte and uplot', test: (s) => s === 'svelte' || s.startsWith('svelte/') || s === 'uplot' || s.startsWith('uplot/'), only: ['renderer'] },
]

/** The unit of a repository-relative path (forward slashes), or null when it is outside the checked tree. */
export function unitOf(path: string): Unit | null {
  if (path.startsWith('renderer/src/')) return 'renderer'
  if (path.startsWith('native/api/')) return 'native/api'
  if (/^native\/[^/]+\.ts$/.test(path)) return path === 'native/index.ts' ? 'native/index' : 'native/runtime'
  const m = /^src\/([^/]+)\//.exec(path)
  if (!m) return null
  const unit = `src/${m[1]}`
  return unit in allowed ? (unit as Unit) : null
}

export interface ImportEdge {
  from: string
  /** the specifier as written */
  spec: string
  /** repository-relative target for relative specifiers, else null (a package) */
  to: string | null
}

/** The imports of one file's source text (a .svelte file: its <script> blocks). */
export function importsOf(path: string, source: string): string[] {
  const code = path.endsWith('.svelte') ? [...source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n') : source
  const info = ts.preProcessFile(code, true, true)
  return info.importedFiles.map((f) => f.fileName)
}

/** Every checked source file under root (repository-relative, forward slashes). */
export function sourceFiles(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string, deep: boolean): void => {
    for (const name of readdirSync(join(root, dir))) {
      const rel = dir ? `${dir}/${name}` : name
      const st = statSync(join(root, rel))
      if (st.isDirectory()) {
        if (deep && name !== 'node_modules' && name !== 'build') walk(rel, true)
      } else if (/\.(ts|mts|svelte)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel)
    }
  }
  walk('src', true)
  walk('renderer/src', true)
  // native/*.ts and native/api/*.ts (native/core and native/binding are C++)
  walk('native', false)
  walk('native/api', true)
  return out.sort()
}

export function edgesOf(root: string, files: readonly string[], read: (path: string) => string = (p) => readFileSync(join(root, p), 'utf8')): ImportEdge[] {
  const edges: ImportEdge[] = []
  for (const from of files) {
    for (const spec of importsOf(from, read(from))) {
      const to = spec.startsWith('.') ? relative(root, resolve(root, dirname(from), spec)).split(sep).join('/') : null
      edges.push({ from, spec, to })
    }
  }
  return edges
}

export interface Finding {
  kind: 'unknown-unit' | 'forbidden' | 'package' | 'cycle'
  message: string
}

/** Imports against the table, files in no unit, and cycles between units. */
export function checkLayers(files: readonly string[], edges: readonly ImportEdge[]): Finding[] {
  const findings: Finding[] = []
  for (const f of files) {
    if (unitOf(f) === null) findings.push({ kind: 'unknown-unit', message: `${f} is in no part of the layering table (test/support/layers.ts): add its folder there with what it may import` })
  }
  const graph = new Map<Unit, Map<Unit, ImportEdge>>()
  for (const e of edges) {
    const from = unitOf(e.from)
    if (from === null) continue
    if (e.to === null) {
      for (const rule of packageRules) {
        if (rule.test(e.spec) && !rule.only.includes(from)) findings.push({ kind: 'package', message: `${e.from} imports '${e.spec}' (${rule.name}: only ${rule.only.join(', ')})` })
      }
      if ((from === 'src/shared' || from === 'renderer') && !packageRules.some((r) => r.test(e.spec) && r.only.includes(from))) {
        findings.push({ kind: 'package', message: `${e.from} imports the package '${e.spec}': ${from} imports no packages but its own (and svelte/uplot in the renderer)` })
      }
      continue
    }
    const to = unitOf(e.to)
    if (to === null) {
      // a file outside the checked tree (e.g. renderer/index.html assets, package.json)
      if (!(from === 'renderer' && e.to.startsWith('renderer/'))) findings.push({ kind: 'forbidden', message: `${e.from} imports ${e.to}, outside the layered tree` })
      continue
    }
    if (to === from) continue
    if (!allowed[from].includes(to)) findings.push({ kind: 'forbidden', message: `${e.from} imports ${e.spec} (${from} → ${to}; ${from} may import only ${allowed[from].join(', ') || 'itself'})` })
    let out = graph.get(from)
    if (!out) graph.set(from, (out = new Map()))
    if (!out.has(to)) out.set(to, e)
  }
  // Cycles between units: depth-first search, each cycle reported once with one import per step.
  const seen = new Set<string>()
  const state = new Map<Unit, 'open' | 'done'>()
  const path: Unit[] = []
  const visit = (u: Unit): void => {
    state.set(u, 'open')
    path.push(u)
    for (const v of graph.get(u)?.keys() ?? []) {
      if (state.get(v) === 'open') {
        const cycle = [...path.slice(path.indexOf(v)), v]
        const key = [...cycle.slice(0, -1)].sort().join(',')
        if (!seen.has(key)) {
          seen.add(key)
          const steps = cycle.slice(0, -1).map((a, i) => {
            const e = graph.get(a)!.get(cycle[i + 1])!
            return `${a} → ${cycle[i + 1]} (${e.from} imports ${e.spec})`
          })
          findings.push({ kind: 'cycle', message: `import cycle: ${steps.join('; ')}` })
        }
      } else if (!state.has(v)) visit(v)
    }
    path.pop()
    state.set(u, 'done')
  }
  for (const u of graph.keys()) if (!state.has(u)) visit(u)
  return [...new Map(findings.map((f) => [f.message, f])).values()]
}
