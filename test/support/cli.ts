// Runs the real `mimic` command as a child process on the pinned Node.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export const repoRoot = join(import.meta.dirname, '..', '..')
export const mimicBin = join(repoRoot, 'bin', 'mimic.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function mimic(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [mimicBin, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** `mimic [--db DB] --json ARGS`, parsed; a failure throws with the command and the end of its stderr. */
export function mimicJson<T = Record<string, unknown>>(args: string[], opts: { db?: string; env?: Record<string, string>; timeoutMs?: number } = {}): T {
  const r = mimic([...(opts.db !== undefined ? ['--db', opts.db] : []), '--json', ...args], opts)
  if (r.code !== 0) throw new Error(`mimic ${args.join(' ')} failed (${r.code}): ${r.stderr.slice(-1500)}`)
  return JSON.parse(r.stdout) as T
}

export function spawnMimic(args: string[], opts: { env?: Record<string, string> } = {}): ChildProcess {
  return spawn(process.execPath, [mimicBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Resolves with the first stdout line of a child process (e.g. the URL `mimic serve` prints). */
export function firstLine(child: ChildProcess, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs)
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const nl = buf.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(buf.slice(0, nl))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before printing a line; stderr: ${err}`))
    })
  })
}
