// Whether a process of this host is alive (for leases and jobs whose owner may have died).
import { readFileSync } from 'node:fs'

/** True while the process exists (also when it belongs to another user: EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * True while the process is stopped (Ctrl-Z, SIGSTOP, a debugger): it renews nothing then, yet goes
 * on when continued. Read from /proc on Linux; false elsewhere or when unknown.
 */
export function pidStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // the state follows the command name, which may hold spaces and parentheses
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state === 'T' || state === 't'
  } catch {
    return false
  }
}
