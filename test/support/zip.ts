// Hand-built .npz files for tests of hostile input: deflated members whose zip directory, .npy
// header and compressed stream may disagree, and zip bombs (a small file that inflates to
// gigabytes) built without ever holding the inflated bytes.
import { constants, crc32, deflateRawSync } from 'node:zlib'

/** An .npy version-1 header (magic, version, length, dict padded to 64 bytes) for any descr and shape. */
export function npyHeader(descr: string, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`
  dict += ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n'
  const head = Buffer.alloc(10)
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head)
  head.writeUInt16LE(dict.length, 8)
  return Buffer.concat([head, Buffer.from(dict, 'latin1')])
}

export interface ZipMember {
  name: string
  /** the member's bytes as stored in the archive (compressed when method is 8) */
  stored: Uint8Array
  method: 0 | 8
  /** uncompressed size written in the directory */
  size: number
  crc: number
}

export function storedMember(name: string, bytes: Uint8Array): ZipMember {
  return { name, stored: bytes, method: 0, size: bytes.length, crc: crc32(bytes) >>> 0 }
}

export function deflatedMember(name: string, bytes: Uint8Array): ZipMember {
  return { name, stored: deflateRawSync(bytes), method: 8, size: bytes.length, crc: crc32(bytes) >>> 0 }
}

/**
 * A deflated member made of `head` followed by `zeroBytes` zeros, built block by block: one
 * mebibyte of zeros compressed with a full flush is a self-contained run of deflate blocks, so
 * repeating it repeats the zeros. A gibibyte costs about 1 MB of compressed bytes and no memory.
 */
export function zeroBombMember(name: string, head: Uint8Array, zeroBytes: number, opts: { directorySize?: number } = {}): ZipMember {
  const mib = 1 << 20
  const full = { finishFlush: constants.Z_FULL_FLUSH }
  const parts: Buffer[] = [deflateRawSync(head, full)]
  const zeros = Buffer.alloc(mib)
  const block = deflateRawSync(zeros, full)
  let crc = crc32(head)
  let left = zeroBytes
  while (left >= mib) {
    parts.push(block)
    crc = crc32(zeros, crc)
    left -= mib
  }
  if (left > 0) {
    parts.push(deflateRawSync(zeros.subarray(0, left), full))
    crc = crc32(zeros.subarray(0, left), crc)
  }
  parts.push(Buffer.from([0x03, 0x00])) // an empty final block
  return { name, stored: Buffer.concat(parts), method: 8, size: opts.directorySize ?? head.length + zeroBytes, crc: crc >>> 0 }
}

/** A zip archive of the members (no zip64; sizes as given, even when they lie). */
export function zipOf(members: readonly ZipMember[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const m of members) {
    const name = Buffer.from(m.name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(m.method, 8)
    local.writeUInt32LE(m.crc, 14)
    local.writeUInt32LE(m.stored.length, 18)
    local.writeUInt32LE(m.size >>> 0, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(m.method, 10)
    central.writeUInt32LE(m.crc, 16)
    central.writeUInt32LE(m.stored.length, 20)
    central.writeUInt32LE(m.size >>> 0, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, Buffer.from(m.stored))
    centrals.push(central, name)
    offset += 30 + name.length + m.stored.length
  }
  const cd = Buffer.concat(centrals)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(members.length, 8)
  eocd.writeUInt16LE(members.length, 10)
  eocd.writeUInt32LE(cd.length, 12)
  eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, eocd])
}

/**
 * The zip bomb of issue 9: float32 `inputs` [1, steps, 1] (zeros, deflated) and `targets`
 * [1, steps, outputs] whose zeros inflate to `targetBytes`; by default 1 GiB in about 1 MB.
 */
export function datasetBomb(opts: { steps?: number; outputs?: number; headerShape?: number[]; directorySize?: number } = {}): Buffer {
  const steps = opts.steps ?? 262_144
  const outputs = opts.outputs ?? 1024
  const inputs = zeroBombMember('inputs.npy', npyHeader('<f4', [1, steps, 1]), steps * 4)
  const head = npyHeader('<f4', opts.headerShape ?? [1, steps, outputs])
  const targets = zeroBombMember('targets.npy', head, steps * outputs * 4, { directorySize: opts.directorySize })
  return zipOf([inputs, targets])
}
