// The hardware panel in Chromium against `mimic serve`, at 1024 px, by keyboard where a user would:
// start an emulator from the panel, see it listed as free, connect (status "connected here", the
// handshake and the geometry of its cores), a board another process (`mimic board emulate`) serves
// shown as "in use by …" while a third process holds it and free again when it lets go,
// disconnect, stop the emulator. Needs a built renderer.
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnMimic } from '../support/cli.ts'
import { startEmulator, stopChild, type Emulator } from '../support/board.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session
let other: Emulator | null = null
const children: ChildProcess[] = []

beforeAll(async () => {
  s = await openSession('hardware', { width: 1024, height: 768 })
})

afterAll(async () => {
  for (const c of children) await stopChild(c)
  await other?.stop()
  await s?.close()
})

describe('the hardware panel', () => {
  it('starts an emulator, connects, shows handshake and geometry, shows who holds a board, disconnects', async () => {
    const { page, step } = s
    let emulatorAddress = ''

    await step('the panel from the header link, with nothing running', async () => {
      await page.goto(s.served.url)
      await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
      await page.getByRole('link', { name: 'Hardware' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: 'Hardware' }).waitFor()
      await page.getByText('Not connected to a board.').waitFor()
    })

    await step('start an emulator with two chips: listed as free', async () => {
      await page.getByLabel('Serial number').fill('PANEL-7')
      await page.getByLabel('Chips').fill('2')
      await page.getByLabel('Chips').press('Enter')
      const row = page.getByRole('row').filter({ hasText: 'serial PANEL-7, 2 chips' })
      await row.waitFor()
      emulatorAddress = (await row.getAttribute('data-address')) ?? ''
      expect(emulatorAddress).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
      await row.getByText('free', { exact: true }).waitFor()
      await expect(page.getByRole('button', { name: 'Start emulator' }).isDisabled()).resolves.toBe(true)
      // it is registered in the database for every process: the CLI lists it
      const list = s.cli<{ emulators: { address: string; serialNumber: string }[] }>(['board', 'list'])
      expect(list.emulators).toEqual([expect.objectContaining({ address: emulatorAddress, serialNumber: 'PANEL-7' })])
    })

    await step('connect: connected here, the handshake and 8 cores', async () => {
      const row = page.getByRole('row').filter({ hasText: 'serial PANEL-7' })
      await row.getByRole('button', { name: `Connect to ${emulatorAddress}` }).focus()
      await page.keyboard.press('Enter')
      await row.getByText('connected here').waitFor()
      const hs = page.getByRole('table', { name: 'Handshake of the connected board' })
      await hs.getByRole('row', { name: /serialNumber\s+PANEL-7/ }).waitFor()
      await hs.getByRole('row', { name: /protocolVersion\s+1/ }).waitFor()
      await hs.getByRole('row', { name: /cores\s+8/ }).waitFor()
      expect(await page.getByRole('list', { name: 'Cores' }).getByRole('listitem').count()).toBe(8)
      await page.getByText('2 chips × 4 cores × 256 neurons = 2,048 neurons').waitFor()
      // another process finds it held by this server
      const r = s.cli<{ leases: { address: string; holder: string }[] }>(['board', 'list'])
      expect(r.leases).toEqual([expect.objectContaining({ address: emulatorAddress, holder: 'mimic serve' })])
      await s.shot('connected')
    })

    await step('a board of another process, held by a third: "in use by …", then free', async () => {
      other = await startEmulator(s.served.db, ['--serial-number', 'OTHER-1', '--quiet'])
      const row = page.getByRole('row').filter({ hasText: 'serial OTHER-1' })
      await row.getByText('free', { exact: true }).waitFor()
      // a third process takes it: a `mimic serve` of its own that connects
      const holder = spawnMimic(['--db', s.served.db, 'serve', '--port', '0'])
      children.push(holder)
      const url = await new Promise<URL>((resolve, reject) => {
        let buf = ''
        holder.stdout!.on('data', (d: Buffer) => {
          buf += d.toString()
          if (buf.includes('\n')) resolve(new URL(buf.slice(0, buf.indexOf('\n'))))
        })
        holder.once('exit', () => reject(new Error('the second serve exited')))
      })
      const call = (op: string, args: unknown) =>
        fetch(`${url.origin}/api/${op}`, { method: 'POST', headers: { authorization: `Bearer ${url.searchParams.get('token')}` }, body: JSON.stringify(args) }).then((r) => r.json() as Promise<{ ok: boolean }>)
      expect((await call('boards.connect', { address: other.address })).ok).toBe(true)
      await row.getByText(new RegExp(`^in use by mimic serve, pid ${holder.pid} on `)).waitFor()
      await expect(row.getByRole('button', { name: `Connect to ${other.address}` }).isDisabled()).resolves.toBe(true)
      expect((await call('boards.disconnect', { address: other.address })).ok).toBe(true)
      await row.getByText('free', { exact: true }).waitFor()
      await s.shot('other')
    })

    await step('disconnect and stop the emulator', async () => {
      const row = page.getByRole('row').filter({ hasText: 'serial PANEL-7' })
      await row.getByRole('button', { name: `Disconnect from ${emulatorAddress}` }).click()
      await row.getByText('free', { exact: true }).waitFor()
      await page.getByText('Not connected to a board.').waitFor()
      expect(s.cli<{ leases: unknown[] }>(['board', 'list']).leases).toEqual([])
      await row.getByRole('button', { name: `Stop emulator at ${emulatorAddress}` }).click()
      await row.waitFor({ state: 'detached' })
      expect(s.cli<{ emulators: { serialNumber: string }[] }>(['board', 'list']).emulators.map((e) => e.serialNumber)).toEqual(['OTHER-1'])
      expect(s.pageErrors).toEqual([])
    })
  }, 90_000)
})
