// The key a board's lease is held under (src/hardware/transport.ts boardLeaseKey): one board, one key,
// however its address is written. The processes that hold and refuse leases: test/integration/board-lease.test.ts.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { boardLeaseKey } from '../../src/hardware/transport.ts'

const dir = mkdtempSync(join(tmpdir(), 'mimic-leasekey-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('boardLeaseKey', () => {
  it("TCP: this machine's loopback names are 127.0.0.1, host names in lower case; the port counts", () => {
    for (const a of ['tcp://127.0.0.1:7777', 'tcp://localhost:7777', 'tcp://LocalHost:7777/', 'tcp://[::1]:7777', 'tcp://[::ffff:127.0.0.1]:7777']) expect(boardLeaseKey(a), a).toBe('tcp://127.0.0.1:7777')
    expect(boardLeaseKey('tcp://Board-3.Lab:7777')).toBe('tcp://board-3.lab:7777')
    expect(boardLeaseKey('tcp://127.0.0.1:7778')).not.toBe(boardLeaseKey('tcp://127.0.0.1:7777'))
    expect(boardLeaseKey('tcp://10.0.0.2:7777')).not.toBe(boardLeaseKey('tcp://10.0.0.3:7777'))
  })

  it('serial: the real device behind links, at any baud rate; a missing port by its path', () => {
    mkdirSync(join(dir, 'by-id'), { recursive: true })
    const tty = join(dir, 'ttyACM0')
    writeFileSync(tty, '')
    const link = join(dir, 'by-id', 'usb-Lab_DYNAP-SE_0042-if00')
    rmSync(link, { force: true })
    symlinkSync('../ttyACM0', link)
    for (const a of [`serial:${tty}`, `serial:${link}`, `serial:${link}?baud=115200`, `serial://${link}?baud=9600`]) expect(boardLeaseKey(a), a).toBe(`serial:${tty}`)
    expect(boardLeaseKey(`serial:${join(dir, 'ttyACM9')}?baud=115200`)).toBe(`serial:${join(dir, 'ttyACM9')}`)
    expect(boardLeaseKey(`serial:${join(dir, 'ttyACM9')}`)).not.toBe(boardLeaseKey(`serial:${tty}`))
  })

  it('an address that does not parse is its own key', () => {
    expect(boardLeaseKey('tcp://nope')).toBe('tcp://nope')
  })
})
