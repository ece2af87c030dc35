// USB devices of DYNAP-SE boards, read from sysfs (/sys/bus/usb/devices), with a diagnosis when one
// is present but this user cannot open it. Known ids:
//   152a:841d  DYNAP-SE (SE1) board: the iniVation/aiCTX USB interface (libcaer's DYNAPSE_DEVICE_PID
//              under iniVation's vendor id 0x152A)
//   151f:*     an Opal Kelly FPGA module: the host interface of SynSense's DYNAP-SE2 boards (the Stack
//              board is driven through Opal Kelly's FrontPanel, as samna's configure_opal_kelly shows);
//              other Opal Kelly products carry the same vendor id, so it is reported as a possible board
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { UsbBoardDevice } from '../shared/board.ts'

export interface KnownUsbId {
  vendorId: string
  /** null: any product of the vendor */
  productId: string | null
  kind: string
}

export const knownBoardIds: readonly KnownUsbId[] = [
  { vendorId: '152a', productId: '841d', kind: 'DYNAP-SE (SE1) board' },
  { vendorId: '151f', productId: null, kind: 'Opal Kelly FPGA module (the host interface of a DYNAP-SE2 board, or another Opal Kelly product)' },
]

export interface Identity {
  uid: number
  gids: number[]
}

function currentIdentity(): Identity {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1
  const gids = typeof process.getgroups === 'function' ? process.getgroups() : []
  if (typeof process.getgid === 'function' && !gids.includes(process.getgid())) gids.push(process.getgid())
  return { uid, gids }
}

function attr(dir: string, name: string): string | null {
  try {
    return readFileSync(join(dir, name), 'utf8').trim()
  } catch {
    return null
  }
}

/** Whether identity may read and write a node with this mode and owner (root may). */
export function mayOpen(mode: number, uid: number, gid: number, who: Identity): boolean {
  if (who.uid === 0) return true
  if (who.uid === uid) return (mode & 0o600) === 0o600
  if (who.gids.includes(gid)) return (mode & 0o060) === 0o060
  return (mode & 0o006) === 0o006
}

/**
 * The USB devices under sysRoot whose ids are a board's. devRoot holds the device nodes
 * (/dev/bus/usb/BUS/DEV); identity is whose permissions are checked (default: this process's).
 */
export function scanUsbBoards(opts: { sysRoot?: string; devRoot?: string; identity?: Identity } = {}): UsbBoardDevice[] {
  const sysRoot = opts.sysRoot ?? '/sys/bus/usb/devices'
  const devRoot = opts.devRoot ?? '/dev/bus/usb'
  const who = opts.identity ?? currentIdentity()
  let names: string[]
  try {
    names = readdirSync(sysRoot)
  } catch {
    return []
  }
  const out: UsbBoardDevice[] = []
  for (const sysName of names.sort()) {
    const dir = join(sysRoot, sysName)
    const vendorId = attr(dir, 'idVendor')?.toLowerCase()
    const productId = attr(dir, 'idProduct')?.toLowerCase()
    if (!vendorId || !productId) continue
    const known = knownBoardIds.find((k) => k.vendorId === vendorId && (k.productId === null || k.productId === productId))
    if (!known) continue
    const bus = Number(attr(dir, 'busnum'))
    const dev = Number(attr(dir, 'devnum'))
    let devNode: string | null = null
    let usable = false
    let diagnosis: string | null = null
    const rule = `SUBSYSTEM=="usb", ATTR{idVendor}=="${vendorId}"${known.productId ? `, ATTR{idProduct}=="${productId}"` : ''}, MODE="0660", GROUP="plugdev"`
    if (!Number.isInteger(bus) || !Number.isInteger(dev) || bus < 1 || dev < 1) {
      diagnosis = 'sysfs gives no bus and device number for it: unplug it and plug it in again'
    } else {
      const node = join(devRoot, String(bus).padStart(3, '0'), String(dev).padStart(3, '0'))
      try {
        const st = statSync(node)
        devNode = node
        if (mayOpen(st.mode, st.uid, st.gid, who)) usable = true
        else {
          diagnosis =
            `present, but this user (uid ${who.uid}) may not open ${node} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, owner ${st.uid}:${st.gid}): ` +
            `add a udev rule such as '${rule}' to /etc/udev/rules.d/60-dynapse.rules, put the user in that group, run 'sudo udevadm control --reload && sudo udevadm trigger', and plug the board in again`
        }
      } catch {
        diagnosis = `present in sysfs, but its device node ${node} does not exist: is /dev/bus/usb available (in a container, pass the device through)?`
      }
    }
    out.push({
      sysName,
      vendorId,
      productId,
      kind: known.kind,
      manufacturer: attr(dir, 'manufacturer'),
      product: attr(dir, 'product'),
      serialNumber: attr(dir, 'serial'),
      devNode,
      usable,
      diagnosis,
    })
  }
  return out
}
