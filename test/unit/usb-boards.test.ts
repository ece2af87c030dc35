// USB detection of DYNAP-SE boards (src/hardware/usb.ts, `mimic board list`): a sysfs tree and device
// nodes written as real files in a temporary folder, read by the same scan that reads /sys/bus/usb
// and /dev/bus/usb. Known ids are listed with their kind; other devices are not; a board this user
// may not open is listed with a diagnosis naming the mode, the owner and the udev rule that fixes it;
// a board whose node is missing or whose bus number sysfs lacks, with what to do.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { mayOpen, scanUsbBoards } from '../../src/hardware/usb.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

function device(sysRoot: string, name: string, attrs: Record<string, string>): void {
  const dir = join(sysRoot, name)
  mkdirSync(dir, { recursive: true })
  for (const [k, v] of Object.entries(attrs)) writeFileSync(join(dir, k), `${v}\n`)
}

function node(devRoot: string, bus: number, dev: number, mode: number): string {
  const dir = join(devRoot, String(bus).padStart(3, '0'))
  mkdirSync(dir, { recursive: true })
  const file = join(dir, String(dev).padStart(3, '0'))
  writeFileSync(file, '')
  chmodSync(file, mode)
  return file
}

describe('USB boards', () => {
  it('lists the devices with a board\'s ids, usable or with the diagnosis that says why not', () => {
    const root = tempDir()
    const sysRoot = join(root, 'sys'), devRoot = join(root, 'dev')
    mkdirSync(sysRoot)
    device(sysRoot, '1-1', { idVendor: '152A', idProduct: '841D', busnum: '1', devnum: '4', manufacturer: 'iniVation', product: 'DYNAP-SE', serial: 'SE1-0042' })
    device(sysRoot, '1-2', { idVendor: '151f', idProduct: '0029', busnum: '1', devnum: '5' })
    device(sysRoot, '1-3', { idVendor: '046d', idProduct: 'c52b', busnum: '1', devnum: '6' }) // a keyboard receiver
    device(sysRoot, '2-1', { idVendor: '152a', idProduct: '841d', busnum: '2', devnum: '7' }) // no node
    device(sysRoot, '2-2', { idVendor: '152a', idProduct: '841d' }) // no bus number
    device(sysRoot, 'usb1', { bDeviceClass: '09' }) // a hub without ids
    const se1 = node(devRoot, 1, 4, 0o660)
    const opal = node(devRoot, 1, 5, 0o600)
    // who looks: a user in the node's group (the file's gid) but not its owner
    const st = { uid: 12345, gids: [process.getgid!()] }
    const found = scanUsbBoards({ sysRoot, devRoot, identity: st })
    expect(found.map((d) => d.sysName)).toEqual(['1-1', '1-2', '2-1', '2-2'])
    expect(found[0]).toMatchObject({ vendorId: '152a', productId: '841d', kind: 'DYNAP-SE (SE1) board', manufacturer: 'iniVation', serialNumber: 'SE1-0042', devNode: se1, usable: true, diagnosis: null })
    // mode 0600 and another owner: present but not usable, and the fix named
    expect(found[1]).toMatchObject({ vendorId: '151f', devNode: opal, usable: false })
    expect(found[1].kind).toMatch(/^Opal Kelly FPGA module/)
    expect(found[1].diagnosis).toContain(`this user (uid 12345) may not open ${opal} (mode 0600`)
    expect(found[1].diagnosis).toContain(`SUBSYSTEM=="usb", ATTR{idVendor}=="151f", MODE="0660", GROUP="plugdev"`)
    expect(found[2]).toMatchObject({ usable: false, devNode: null })
    expect(found[2].diagnosis).toMatch(/device node .*002\/007 does not exist/)
    expect(found[3].diagnosis).toBe('sysfs gives no bus and device number for it: unplug it and plug it in again')
    // the owner may open the 0600 node; root may open anything
    expect(scanUsbBoards({ sysRoot, devRoot, identity: { uid: process.getuid!(), gids: [] } })[1].usable).toBe(true)
    expect(scanUsbBoards({ sysRoot, devRoot, identity: { uid: 0, gids: [] } })[1].usable).toBe(true)
    // no sysfs at all (a container): nothing, no error
    expect(scanUsbBoards({ sysRoot: join(root, 'none'), devRoot })).toEqual([])
  })

  it('reads permissions as the kernel does for owner, group and others', () => {
    const who = { uid: 1000, gids: [20, 46] }
    expect(mayOpen(0o600, 1000, 0, who)).toBe(true)
    expect(mayOpen(0o400, 1000, 0, who)).toBe(false)
    expect(mayOpen(0o660, 0, 46, who)).toBe(true)
    expect(mayOpen(0o640, 0, 46, who)).toBe(false)
    expect(mayOpen(0o666, 0, 0, who)).toBe(true)
    expect(mayOpen(0o660, 0, 0, who)).toBe(false)
    expect(mayOpen(0o000, 5, 5, { uid: 0, gids: [] })).toBe(true)
  })
})
