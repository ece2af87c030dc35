// When a sweep task's resubmission mark was left behind by a look that will not finish
// (src/jobs/cluster/sweep.ts): its process on this host is gone, or the mark is older than any
// resubmission takes; the processes-dying cases on a real cluster are in cluster-sweep.test.ts.
import { spawnSync } from 'node:child_process'
import { expect, test } from 'vitest'
import { markLeftBehind, resubmissionStaleMs } from '../../src/jobs/cluster/sweep.ts'
import { hostName } from '../../src/system/version.ts'

const mark = (pid: number, host: string, since: number) => `12_0 (resubmitting by pid ${pid} on ${host} since ${new Date(since).toISOString()})`

test('a mark of a live process on this host is kept; of a process that has exited, left behind', () => {
  const now = Date.now()
  expect(markLeftBehind(mark(process.pid, hostName(), now), now)).toBe(false)
  const gone = spawnSync('true').pid!
  expect(markLeftBehind(mark(gone, hostName(), now), now)).toBe(true)
  // even a live process's mark is left behind once older than any resubmission takes (a stopped process)
  expect(markLeftBehind(mark(process.pid, hostName(), now - resubmissionStaleMs - 1), now)).toBe(true)
})

test("another host's mark is left behind only by its age; a mark without its holder never", () => {
  const now = Date.now()
  expect(markLeftBehind(mark(1, 'other-host', now - 60_000), now)).toBe(false)
  expect(markLeftBehind(mark(1, 'other-host', now - resubmissionStaleMs - 1), now)).toBe(true)
  // a host name with spaces or parentheses is read whole
  expect(markLeftBehind(mark(1, 'lab (gpu) node', now - resubmissionStaleMs - 1), now)).toBe(true)
  expect(markLeftBehind('12_0 (resubmitting)', now)).toBe(false)
  expect(markLeftBehind('12_0', now)).toBe(false)
})
