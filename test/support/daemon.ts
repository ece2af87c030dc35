// Daemons the tests start on loopback (sshd, munged, slurmctld, slurmd): a free port, whether a
// process is alive, and stopping one by its pid (SIGTERM, then SIGKILL after 5 s).
import { createServer } from 'node:net'

/** A TCP port free on 127.0.0.1 at the time of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Sends a signal to one process. Refuses anything but a pid above 1: `process.kill(0, …)` signals the
 * whole process group (vitest, npm and the CI script with it) and a negative pid another group, so a pid
 * read from an empty or half-written file must never reach it.
 */
export function signalPid(pid: number, signal: NodeJS.Signals | 0): void {
  if (!Number.isSafeInteger(pid) || pid <= 1) throw new Error(`refusing to signal pid ${String(pid)}: not one process (read from an empty or half-written file?)`)
  process.kill(pid, signal)
}

/** A pid file's pid once it holds one (daemons create the file before they write it), else null. */
export function pidIn(text: string): number | null {
  const t = text.trim()
  if (!/^\d+$/.test(t)) return null
  const pid = Number(t)
  return Number.isSafeInteger(pid) && pid > 1 ? pid : null
}

export function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Stops a process: SIGTERM, and SIGKILL if it is still there after 5 s. */
export async function stopProcess(pid: number): Promise<void> {
  if (!alive(pid)) return
  signalPid(pid, 'SIGTERM')
  const until = Date.now() + 5000
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
  if (alive(pid)) signalPid(pid, 'SIGKILL')
}
