// `mimic serve` as a real child process for browser tests: a fresh database, the URL (with token)
// read from the first stdout line, and a stop() that waits for the process to exit.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tempDb } from '../../support/tmp.ts'

/** The checkout under test. MIMIC_E2E_ROOT points at another one (e.g. a clean export of HEAD). */
export const e2eRoot = resolve(process.env.MIMIC_E2E_ROOT ?? join(import.meta.dirname, '..', '..', '..'))

export interface Served {
  /** the URL `mimic serve` printed, with ?token=... */
  url: string
  /** http://127.0.0.1:PORT */
  origin: string
  token: string
  db: string
  child: ChildProcess
  /** everything the server wrote to stderr so far (for failure messages) */
  stderr(): string
  /** calls an API operation directly (to check what the UI did) */
  call<T = unknown>(op: string, args?: unknown): Promise<T>
  stop(): Promise<void>
}

/** Fails with a clear message when the renderer has not been built (tests build nothing). */
export function requireBuiltRenderer(root = e2eRoot): void {
  const index = join(root, 'out', 'renderer', 'index.html')
  if (!existsSync(index)) {
    throw new Error(`${index} is missing: the e2e tests use the built renderer. Run \`npx electron-vite build\` first.`)
  }
}

function pinnedNode(root: string): string {
  const bin = join(root, 'node_modules', '.bin', 'node')
  return existsSync(bin) ? bin : process.execPath
}

/** `port` reuses a port (a restart); `args` are more flags for `mimic serve` (e.g. --keep-token). */
export async function startServe(opts: { db?: string; timeoutMs?: number; port?: number; args?: string[] } = {}): Promise<Served> {
  requireBuiltRenderer()
  const db = opts.db ?? tempDb()
  const child = spawn(pinnedNode(e2eRoot), [join(e2eRoot, 'bin', 'mimic.js'), '--db', db, 'serve', '--port', String(opts.port ?? 0), ...(opts.args ?? [])], {
    cwd: e2eRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))

  const url = await new Promise<string>((ok, fail) => {
    let out = ''
    const timer = setTimeout(() => fail(new Error(`mimic serve printed no URL within ${opts.timeoutMs ?? 15_000} ms; stderr: ${err}`)), opts.timeoutMs ?? 15_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        ok(out.slice(0, nl).trim())
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`mimic serve exited with ${code} before printing its URL; stderr: ${err}`))
    })
  })
  const parsed = new URL(url)
  const token = parsed.searchParams.get('token') ?? ''
  const origin = parsed.origin

  return {
    url,
    origin,
    token,
    db,
    child,
    stderr: () => err,
    async call<T>(op: string, args: unknown = {}): Promise<T> {
      const res = await fetch(`${origin}/api/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(args),
      })
      const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } }
      if (!body.ok) throw new Error(`${op} failed: ${body.error?.message}`)
      return body.value as T
    },
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done()
        const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
        child.once('exit', () => {
          clearTimeout(kill)
          done()
        })
        child.kill('SIGTERM')
      }),
  }
}
