// The hardware panel's "connect" (BoardDesk.connect) holds a board's link open under its lease. When
// the board went away (its `mimic board emulate` killed), the panel still listed it as connected and
// kept the lease forever, so every job on that board was refused "in use by the hardware panel"
// until someone pressed Disconnect. The dead link now lets the board go by itself.
import { hostname } from 'node:os'
import { afterAll, describe, expect, it } from 'vitest'
import { BoardDesk } from '../../src/services/boards.ts'
import { openStore } from '../../src/store/index.ts'
import { startEmulator } from '../support/board.ts'
import { underLoad } from '../support/load.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(() => cleanupTemp())

describe('a board connected in the hardware panel that goes away', () => {
  it('is no longer listed as connected, and its lease is let go within 2 s', async () => {
    const db = tempDb()
    const store = openStore(db)
    const desk = new BoardDesk(store, 'the hardware panel of the test')
    const emulator = await startEmulator(db, ['--serial-number', 'DESK-1', '--quiet'])
    try {
      await desk.connect(emulator.address)
      expect(desk.connected().map((c) => c.serialNumber)).toEqual(['DESK-1'])
      expect(desk.leases().map((l) => l.holder)).toEqual(['the hardware panel of the test'])
      emulator.child.kill('SIGKILL')
      const t0 = Date.now()
      while (desk.connected().length && Date.now() - t0 < underLoad(5000)) await new Promise((r) => setTimeout(r, 20))
      expect(desk.connected()).toEqual([])
      expect(Date.now() - t0).toBeLessThan(underLoad(2000))
      expect(desk.leases()).toEqual([])
      // another user may take it now
      expect(store.boardLeases.acquire(emulator.address, { holder: 'a job', runId: null, pid: process.pid }, { host: hostname(), alive: () => true, staleMs: 30_000 }).holder).toBe('a job')
      store.boardLeases.release(emulator.address, process.pid, hostname())
    } finally {
      await desk.close()
      await emulator.stop()
      store.close()
    }
  }, 30_000)
})
