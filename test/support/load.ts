// Timing bounds on a shared machine. A thread that must run for t ms of CPU gets there after about
// t × (runnable threads / cores) ms of wall time when the machine is overloaded (the CI VM has 2
// cores and runs several test processes at once): a bound meant for an idle machine is scaled by
// that factor, read from the 1-minute load average. On an idle machine the factor is 1 and the bound
// is the requirement itself; a kernel that does not check its cancel flag still misses it by seconds.
// The 1-minute average lags: a burst of test processes that has just started is seen by the count of
// runnable threads at this moment (/proc/loadavg's fourth field, which counts the reader too), so the
// factor is the larger of the two.
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'

function runnableNow(): number {
  try {
    const m = /^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

export function loadFactor(): number {
  return Math.max(1, loadavg()[0] / availableParallelism(), runnableNow() / availableParallelism())
}

/** `ms` scaled by the load factor. */
export function underLoad(ms: number): number {
  return ms * loadFactor()
}
