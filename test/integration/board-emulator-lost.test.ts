// `mimic board emulate --serial PATH` whose serial line goes away (the pty pair's socat killed, as a
// USB adapter pulled): the emulator said nothing and died of Node's "unsettled top-level await"
// (exit 13), leaving its row in the database. It now says which line went away and what to do,
// unregisters itself and exits 1; a client on the other end is told the board closed the line.
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { BoardClient } from '../../src/hardware/client.ts'
import { openStore } from '../../src/store/index.ts'
import { ptyPair, startEmulator } from '../support/board.ts'
import { underLoad } from '../support/load.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(() => cleanupTemp())

/** An emulator serving on one end of a fresh pty pair, with its exit code to come. */
async function emulatorOnPty(serialNumber: string) {
  const db = tempDb()
  const pty = await ptyPair()
  const emulator = await startEmulator(db, ['--serial', pty.a, '--serial-number', serialNumber])
  const exited = new Promise<number | null>((r) => emulator.child.once('exit', (code) => r(code)))
  return { db, pty, emulator, exited }
}

describe('mimic board emulate on a serial line that goes away', () => {
  it('says so, unregisters and exits 1; the client ends with CLOSED', async () => {
    const { db, pty, emulator, exited } = await emulatorOnPty('LOST-1')
    try {
      const client = await BoardClient.connect(`serial:${pty.b}`)
      expect(client.handshake.serialNumber).toBe('LOST-1')
      const t0 = Date.now()
      await pty.stop()
      const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), underLoad(5000)))])
      expect(code).toBe(1)
      expect(Date.now() - t0).toBeLessThan(underLoad(3000))
      expect(emulator.stderr()).toContain(`mimic: the serial line serial:${pty.a} went away (`)
      expect(emulator.stderr()).toContain('the emulator stops (exit code 1); start it again when the line is back.')
      expect(emulator.stderr()).not.toMatch(/unsettled top-level await/)
      const store = openStore(db)
      try {
        expect(store.boards.emulators('another-host', () => true, 1e9)).toEqual([])
      } finally {
        store.close()
      }
      // the client on the other end: its link ends (CLOSED, or STALLED when the pty says nothing)
      await expect(client.ping()).rejects.toMatchObject({ code: expect.stringMatching(/^(CLOSED|STALLED)$/) })
      await client.close()
    } finally {
      await emulator.stop()
    }
  }, 30_000)

  it('notices a device node that disappears while its line stays open (a USB adapter pulled), within a second or so', async () => {
    const { db, pty, emulator, exited } = await emulatorOnPty('LOST-2')
    try {
      // the pty pair stays up (socat runs on), only the path the emulator opened goes
      rmSync(pty.a)
      const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), underLoad(5000)))])
      expect(code).toBe(1)
      expect(emulator.stderr()).toContain(`mimic: the serial line serial:${pty.a} went away (${pty.a} no longer exists)`)
      const store = openStore(db)
      try {
        expect(store.boards.emulators('another-host', () => true, 1e9)).toEqual([])
      } finally {
        store.close()
      }
    } finally {
      await emulator.stop()
      await pty.stop()
    }
  }, 30_000)
})
