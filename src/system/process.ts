// Whether a process of this host is alive (for leases and jobs whose owner may have died).

/** True while the process exists (also when it belongs to another user: EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
