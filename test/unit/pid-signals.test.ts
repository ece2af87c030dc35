// Signals by pid in the tests' helpers (test/support/daemon.ts) and the leases' liveness check: a pid read
// from an empty pid file is 0, and process.kill(0, …) signals the whole process group — vitest, npm and
// the CI script. One CI run ended with exit 143 (SIGTERM) that way in the middle of `npm test`.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { pidAlive } from '../../src/system/process.ts'
import { alive, pidIn, signalPid, stopProcess } from '../support/daemon.ts'

describe('signals by pid', () => {
  it('a pid file is read as a pid only once it holds one', () => {
    expect(pidIn('')).toBeNull()
    expect(pidIn('\n')).toBeNull()
    expect(pidIn('0\n')).toBeNull()
    expect(pidIn('1')).toBeNull()
    expect(pidIn('-12')).toBeNull()
    expect(pidIn('12a')).toBeNull()
    expect(pidIn('4321\n')).toBe(4321)
  })

  it('refuses to signal pid 0, 1, a negative pid or NaN (a process group or init), and calls none of them alive', async () => {
    for (const pid of [0, 1, -1, -process.pid, Number.NaN, 1.5]) {
      expect(() => signalPid(pid, 'SIGTERM')).toThrow(/refusing to signal pid/)
      expect(alive(pid)).toBe(false)
      await expect(stopProcess(pid)).resolves.toBeUndefined()
    }
    for (const pid of [0, -1, -process.pid, Number.NaN]) expect(pidAlive(pid)).toBe(false)
    expect(pidAlive(process.pid)).toBe(true)
  })

  it('stops one real process by its pid', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' })
    const ended = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)))
    expect(alive(child.pid!)).toBe(true)
    await stopProcess(child.pid!)
    expect(await ended).toBe('SIGTERM')
  })
})
