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

export function alive(pid: number): boolean {
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
  process.kill(pid, 'SIGTERM')
  const until = Date.now() + 5000
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
  if (alive(pid)) process.kill(pid, 'SIGKILL')
}
