// Whether a process of this host is alive (for leases and jobs whose owner may have died); the
// environment that starts a child Node process with this one's compile cache.
import { readFileSync } from 'node:fs'
import { enableCompileCache } from 'node:module'

/** True while the process exists (also when it belongs to another user: EPERM). A pid of 0 or less names a process group, never one process: false. */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
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

/**
 * The environment that gives a child Node process (a job worker) this process's on-disk compile cache
 * (Node's module compile cache): a worker loads our TypeScript modules about twice as fast with it
 * (0.3-0.4 against 0.7 s for the CLI on a 2-core VM). Enables the cache here too, in the directory
 * NODE_COMPILE_CACHE names or else the system's temporary one (then set as NODE_COMPILE_CACHE, so that
 * every child of this process gets the same directory); empty when it cannot be enabled or
 * NODE_DISABLE_COMPILE_CACHE is set (Node's own escape hatch).
 */
export function compileCacheEnv(): Record<string, string> {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return {}
  if (process.env.NODE_COMPILE_CACHE) return { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE }
  // Enabled once: the directory is kept in this process's environment (a second enableCompileCache would
  // name the versioned subdirectory, and children given that would fill a second cache inside the first).
  const directory = enableCompileCache().directory
  if (!directory) return {}
  process.env.NODE_COMPILE_CACHE = directory
  return { NODE_COMPILE_CACHE: directory }
}
