// One user at a time: a board is leased across every process on the database. `mimic serve` (the
// hardware panel's connect) holds a board a `mimic board emulate` process serves; a second process,
// `mimic board info`, gets "in use by mimic serve (pid … on …)"; after the disconnect, or after the
// holder is killed, the board is free again. All real processes on one database file.
import type { ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { realpathSync, symlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { firstLine, mimic, spawnMimic } from '../support/cli.ts'
import { ptyPair, startEmulator, stopChild, type Emulator } from '../support/board.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

const children: ChildProcess[] = []
let emulator: Emulator | null = null
afterAll(async () => {
  for (const c of children) await stopChild(c)
  await emulator?.stop()
  cleanupTemp()
})

async function serve(db: string): Promise<{ child: ChildProcess; call: (op: string, args: unknown) => Promise<{ status: number; body: Record<string, unknown> }> }> {
  const child = spawnMimic(['--db', db, 'serve', '--port', '0'])
  children.push(child)
  const url = new URL(await firstLine(child))
  const token = url.searchParams.get('token') ?? ''
  // a new connection per call: the synchronous CLI runs between calls block this process longer than
  // the server keeps an idle connection open
  const call = (op: string, args: unknown) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${url.origin}/api/${op}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } }, (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => {
          const json = JSON.parse(text) as { value?: Record<string, unknown>; error?: Record<string, unknown> }
          resolve({ status: res.statusCode ?? 0, body: json.value ?? json.error ?? {} })
        })
      })
      req.on('error', reject)
      req.end(JSON.stringify(args))
    })
  return { child, call }
}

describe('board lease across processes', () => {
  it('a second user gets "in use by …" until the first lets go or dies', async () => {
    const db = tempDb()
    emulator = await startEmulator(db, ['--serial-number', 'LEASE-1', '--quiet'])
    const address = emulator.address
    const a = await serve(db)

    const connected = await a.call('boards.connect', { address })
    expect(connected.status).toBe(200)
    expect(connected.body).toMatchObject({ address, serialNumber: 'LEASE-1', protocolVersion: 1 })

    // another process: refused by the lease, naming who holds it
    const refused = mimic(['--db', db, 'board', 'info', address])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(`The board ${address} is in use by mimic serve (pid ${a.child.pid} on ${hostname()}, since `)
    expect(refused.stderr).toMatch(/one user at a time; wait until it lets the board go \(disconnect it in the hardware panel\)/)

    // the list of a third process shows the holder
    const list = JSON.parse(mimic(['--db', db, '--json', 'board', 'list']).stdout) as { leases: { address: string; holder: string; pid: number }[] }
    expect(list.leases).toEqual([expect.objectContaining({ address, pid: a.child.pid, holder: 'mimic serve' })])

    // the holder's own second connect is the same link; its info answers from it
    expect((await a.call('boards.info', { address })).body).toMatchObject({ serialNumber: 'LEASE-1' })

    // disconnect: free for the other process
    expect((await a.call('boards.disconnect', { address })).status).toBe(200)
    const free = mimic(['--db', db, '--json', 'board', 'info', address])
    expect(free.code, free.stderr).toBe(0)
    expect(JSON.parse(free.stdout)).toMatchObject({ serialNumber: 'LEASE-1' })
    expect((JSON.parse(mimic(['--db', db, '--json', 'board', 'list']).stdout) as { leases: unknown[] }).leases).toEqual([])

    // the holder killed while it holds the board: its lease dies with it
    expect((await a.call('boards.connect', { address })).status).toBe(200)
    expect(mimic(['--db', db, 'board', 'info', address]).stderr).toContain('is in use by mimic serve')
    await stopChild(a.child, 'SIGKILL')
    const after = mimic(['--db', db, '--json', 'board', 'info', address])
    expect(after.code, after.stderr).toBe(0)
    expect(JSON.parse(after.stdout)).toMatchObject({ serialNumber: 'LEASE-1' })
  }, 60_000)

  it('one board, one lease, however its address is written: localhost for 127.0.0.1, a link to a serial port, another baud rate', async () => {
    const db = tempDb()
    const tcp = await startEmulator(db, ['--serial-number', 'LEASE-TCP', '--quiet'])
    const pty = await ptyPair()
    const serial = await startEmulator(db, ['--serial', pty.a, '--serial-number', 'LEASE-PTY', '--quiet'])
    try {
      const a = await serve(db)
      expect(tcp.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
      expect((await a.call('boards.connect', { address: tcp.address })).status).toBe(200)
      // the same emulator by this machine's name for itself
      const byName = tcp.address.replace('127.0.0.1', 'localhost')
      const refused = mimic(['--db', db, 'board', 'info', byName])
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toContain(`The board ${tcp.address} is in use by mimic serve (pid ${a.child.pid} on ${hostname()}, since `)

      // the serial board through socat's link (pty.b points to /dev/pts/N), then through a link of
      // our own to that link, at another baud rate: one board, refused
      expect((await a.call('boards.connect', { address: `serial:${pty.b}` })).status).toBe(200)
      const device = realpathSync(pty.b)
      const alias = join(tempDir('mimic-alias-'), 'ttyBOARD')
      symlinkSync(pty.b, alias)
      const other = mimic(['--db', db, 'board', 'info', `serial:${alias}?baud=115200`])
      expect(other.code).not.toBe(0)
      expect(other.stderr).toContain(`The board serial:${device} is in use by mimic serve (pid ${a.child.pid}`)
      const list = JSON.parse(mimic(['--db', db, '--json', 'board', 'list']).stdout) as { leases: { address: string }[] }
      expect(list.leases.map((l) => l.address).sort()).toEqual([`serial:${device}`, tcp.address].sort())

      // boards saved under the other spellings are listed as held, by name and in the JSON's lease keys
      expect(mimic(['--db', db, 'board', 'add', 'by-name', byName]).code).toBe(0)
      expect(mimic(['--db', db, 'board', 'add', 'by-alias', `serial:${alias}?baud=115200`]).code).toBe(0)
      expect(mimic(['--db', db, 'board', 'add', 'elsewhere', 'tcp://192.0.2.7:7777']).code).toBe(0)
      const listed = JSON.parse(mimic(['--db', db, '--json', 'board', 'list']).stdout) as { leaseKeys: Record<string, string> }
      expect(listed.leaseKeys).toMatchObject({ [byName]: tcp.address, [`serial:${alias}?baud=115200`]: `serial:${device}`, 'tcp://192.0.2.7:7777': 'tcp://192.0.2.7:7777', [tcp.address]: tcp.address })
      const text = mimic(['--db', db, 'board', 'list']).stdout
      const savedRow = (name: string) => text.split('\n').find((line) => line.trimStart().startsWith(`${name} `)) ?? ''
      expect(savedRow('by-name')).toMatch(/mimic serve\s*$/)
      expect(savedRow('by-alias')).toMatch(/mimic serve\s*$/)
      expect(savedRow('elsewhere')).toMatch(/\s-\s*$/)
      // the emulator's own row too
      expect(text.split('\n').find((line) => line.includes('LEASE-TCP'))).toMatch(/mimic serve\s*$/)

      // the holder's own window: the other spelling is the same open link (not "in use" by itself);
      // a disconnect by it lets go of the link opened under the first
      const own = await a.call('boards.info', { address: byName })
      expect([own.status, own.body]).toMatchObject([200, { address: tcp.address, serialNumber: 'LEASE-TCP' }])
      expect((await a.call('boards.connect', { address: `serial:${alias}` })).body).toMatchObject({ address: `serial:${pty.b}`, serialNumber: 'LEASE-PTY' })
      expect((await a.call('boards.disconnect', { address: `serial:${alias}?baud=115200` })).body).toEqual({ address: `serial:${pty.b}` })
      expect((await a.call('boards.disconnect', { address: byName })).body).toEqual({ address: tcp.address })
      expect((JSON.parse(mimic(['--db', db, '--json', 'board', 'list']).stdout) as { leases: unknown[] }).leases).toEqual([])
      const free = mimic(['--db', db, '--json', 'board', 'info', byName])
      expect(free.code, free.stderr).toBe(0)
      expect(JSON.parse(free.stdout)).toMatchObject({ serialNumber: 'LEASE-TCP' })
    } finally {
      await serial.stop()
      await tcp.stop()
      await pty.stop()
    }
  }, 60_000)
})
