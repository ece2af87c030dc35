// JSON encoding that carries typed arrays (artifacts) as base64, for the HTTP transport.
// Electron IPC uses structured clone and does not need this.
import { allocate, bytesPerElement, dtypeOf, isDType } from './arrays.ts'
import { AppError } from './errors.ts'
import type { TypedArray } from './types.ts'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const lookup = new Uint8Array(256)
for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i

export function bytesToBase64(bytes: Uint8Array): string {
  let out = ''
  const chunk: string[] = []
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    chunk.push(alphabet[n >> 18], alphabet[(n >> 12) & 63], alphabet[(n >> 6) & 63], alphabet[n & 63])
    if (chunk.length >= 8192) {
      out += chunk.join('')
      chunk.length = 0
    }
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i] << 16
    chunk.push(alphabet[n >> 18], alphabet[(n >> 12) & 63], '==')
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8)
    chunk.push(alphabet[n >> 18], alphabet[(n >> 12) & 63], alphabet[(n >> 6) & 63], '=')
  }
  return out + chunk.join('')
}

export function base64ToBytes(s: string): Uint8Array {
  let len = s.length
  while (len > 0 && s[len - 1] === '=') len--
  const out = new Uint8Array(Math.floor((len * 3) / 4))
  let o = 0
  for (let i = 0; i < len; i += 4) {
    const a = lookup[s.charCodeAt(i)]
    const b = lookup[s.charCodeAt(i + 1)]
    const c = i + 2 < len ? lookup[s.charCodeAt(i + 2)] : 0
    const d = i + 3 < len ? lookup[s.charCodeAt(i + 3)] : 0
    const n = (a << 18) | (b << 12) | (c << 6) | d
    if (o < out.length) out[o++] = n >> 16
    if (o < out.length) out[o++] = (n >> 8) & 255
    if (o < out.length) out[o++] = n & 255
  }
  return out
}

interface Encoded {
  $typed: string
  base64: string
}

function isEncoded(v: unknown): v is Encoded {
  return typeof v === 'object' && v !== null && typeof (v as Encoded).$typed === 'string' && typeof (v as Encoded).base64 === 'string'
}

/**
 * The most bytes one typed array can hold to travel in a JSON text: V8 makes no string longer than
 * 2^29 - 24 characters, and base64 takes 4 for every 3 bytes (1 MiB of characters left for the rest).
 */
export const maxWireArrayBytes = Math.floor((2 ** 29 - 24 - 2 ** 20) / 4) * 3

/** JSON.stringify with typed arrays as {$typed, base64}. */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as TypedArray
      if (a.byteLength > maxWireArrayBytes) {
        const mib = (n: number): string => (n / 2 ** 20).toFixed(1)
        throw new AppError(
          'UNSUPPORTED',
          `An array of ${mib(a.byteLength)} MiB is too large for one answer over HTTP, which carries at most ${mib(maxWireArrayBytes)} MiB of an array (as base64 text): read an artifact in parts of its rows (artifacts.read with rows), or write the file with the command line (\`mimic artifacts export\`, \`mimic projects export\`).`,
        )
      }
      return { $typed: dtypeOf(a), base64: bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) }
    }
    return v
  })
}

/** Why `s` is not base64 as bytesToBase64 writes it (the standard alphabet, padded), or null when it is. */
function base64Problem(s: string): string | null {
  let end = s.length
  while (end > 0 && s[end - 1] === '=' && s.length - end < 2) end--
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c > 255 || (lookup[c] === 0 && c !== 65)) return `character ${i + 1} is ${JSON.stringify(s[i])}`
  }
  if (end % 4 === 1 || (end < s.length && s.length % 4 !== 0)) return `its ${s.length} characters are not a whole number of bytes`
  return null
}

/** JSON.parse that restores {$typed, base64} into typed arrays; a damaged array is refused (AppError), not decoded to other bytes. */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (key, v: unknown) => {
    if (isEncoded(v) && isDType(v.$typed)) {
      const problem = base64Problem(v.base64)
      if (problem !== null) throw new AppError('INVALID_ARGUMENT', `The array in ${JSON.stringify(key)} is not valid base64 (${problem}): encode its bytes with the standard base64 alphabet.`)
      const bytes = base64ToBytes(v.base64)
      const size = bytesPerElement(v.$typed)
      if (bytes.byteLength % size !== 0) {
        throw new AppError('INVALID_ARGUMENT', `The array in ${JSON.stringify(key)} holds ${bytes.byteLength} bytes, not a whole number of ${v.$typed} elements (${size} bytes each): send all of its bytes.`)
      }
      const out = allocate(v.$typed, bytes.byteLength / size)
      new Uint8Array(out.buffer).set(bytes)
      return out
    }
    return v
  })
}
