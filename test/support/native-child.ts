// Runs a TypeScript snippet against the real addon in a child process, so that a crash (a signal, an
// abort from an uncaught C++ exception) fails the test that provoked it instead of the test runner.
// The snippet is the body of an async module that has `native` (native/index.ts) and `raw` (the raw
// binding) in scope; whatever it prints on stdout comes back.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './tmp.ts'

const nativeIndex = join(import.meta.dirname, '..', '..', 'native', 'index.ts')

export interface ChildResult {
  /** exit code, null when killed by a signal */
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** the last stdout line parsed as JSON, when it is JSON */
  json: unknown
}

export function runNativeChild(
  body: string,
  opts: { env?: Record<string, string>; timeoutMs?: number; nodeArgs?: string[]; addressSpaceKb?: number } = {},
): ChildResult {
  const file = join(tempDir('mimic-native-child-'), 'case.ts')
  writeFileSync(
    file,
    `import * as native from ${JSON.stringify(nativeIndex)}\n` +
      `const raw = native.addon() as any\n` +
      `void raw\n` +
      `${body}\n`,
  )
  const args = [...(opts.nodeArgs ?? []), file]
  // With addressSpaceKb the child runs under `ulimit -v`, so that large allocations really fail.
  const [cmd, argv] = opts.addressSpaceKb
    ? ['/bin/sh', ['-c', `ulimit -v ${opts.addressSpaceKb} && exec "$0" "$@"`, process.execPath, ...args]]
    : [process.execPath, args]
  const r = spawnSync(cmd, argv, {
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
  })
  const last = r.stdout.trim().split('\n').at(-1) ?? ''
  let json: unknown
  try {
    json = JSON.parse(last)
  } catch {
    json = undefined
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json }
}

/** Snippet helper: prints {ok, name, code, message} of what `expr` (a promise or a value) settles to. */
export const settle = `
async function settle(fn: () => unknown) {
  try {
    const v = await fn()
    return { ok: true, value: v === undefined ? 'undefined' : typeof v }
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string }
    return { ok: false, name: err?.name, code: err?.code, message: err?.message, isType: e instanceof TypeError, isRange: e instanceof RangeError }
  }
}
`
