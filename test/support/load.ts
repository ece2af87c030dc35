// Timing bounds on a shared machine. A thread that must run for t ms of CPU gets there after about
// t × (runnable threads / cores) ms of wall time when the machine is overloaded (the CI VM has 2
// cores and runs several test processes at once): a bound meant for an idle machine is scaled by
// that factor, read from the 1-minute load average. On an idle machine the factor is 1 and the bound
// is the requirement itself; a kernel that does not check its cancel flag still misses it by seconds.
import { availableParallelism, loadavg } from 'node:os'

export function loadFactor(): number {
  return Math.max(1, loadavg()[0] / availableParallelism())
}

/** `ms` scaled by the load factor. */
export function underLoad(ms: number): number {
  return ms * loadFactor()
}
