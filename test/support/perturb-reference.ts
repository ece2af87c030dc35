// A direct TypeScript computation of the perturbations of native/core/perturb.hpp, written from the
// header's description (not from the C++ code): the streams (derive_seed, FNV-1a of the quantity's
// name, the level's IEEE-754 bits), Box-Muller normals as in native/core/rng.hpp, each transform in
// double precision rounded to float32, quantisation with round half up, neuron death by a partial
// Fisher-Yates shuffle. BigInt arithmetic: for the small arrays of the tests only.
const mask = (1n << 64n) - 1n

function splitmix(state: { x: bigint }): bigint {
  state.x = (state.x + 0x9e3779b97f4a7c15n) & mask
  let z = state.x
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask
  return z ^ (z >> 31n)
}

const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (64n - k))) & mask

/** xoshiro256** seeded like mimic::Rng(seed, stream), with a full 64-bit seed. */
export class Rng64 {
  private s: bigint[]
  constructor(seed: bigint, stream = 0n) {
    const st = { x: (seed ^ ((0xd1b54a32d192ed03n * (stream + 1n)) & mask)) & mask }
    this.s = [splitmix(st), splitmix(st), splitmix(st), splitmix(st)]
  }
  next(): bigint {
    const s = this.s
    const result = (rotl((s[1] * 5n) & mask, 7n) * 9n) & mask
    const t = (s[1] << 17n) & mask
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45n)
    return result
  }
  uniform(): number {
    return Number(this.next() >> 11n) * 2 ** -53
  }
  /** Box-Muller without a cached second value, as mimic::Rng::normal. */
  normal(): number {
    let u1 = this.uniform()
    while (u1 <= 0) u1 = this.uniform()
    const u2 = this.uniform()
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(6.283185307179586 * u2)
  }
}

/** mimic::derive_seed(seed, index, salt). */
export function deriveSeed(seed: bigint, index: bigint, salt: bigint): bigint {
  const st = { x: (seed ^ ((0x9e3779b97f4a7c15n * (index + 1n)) & mask) ^ salt) & mask }
  return splitmix(st)
}

export function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(s)) {
    h ^= BigInt(byte)
    h = (h * 0x100000001b3n) & mask
  }
  return h
}

function doubleBits(d: number): bigint {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, d === 0 ? 0 : d)
  return view.getBigUint64(0)
}

// The kinds' salts: the ASCII of "mismatch", "quantise", "neurodea" as big-endian 64-bit numbers.
const ascii = (s: string): bigint => [...s].reduce((h, c) => (h << 8n) | BigInt(c.charCodeAt(0)), 0n)
export const salts = { mismatch: ascii('mismatch'), quantisation: ascii('quantise'), death: ascii('neurodea') }

export function drawSeed(seed: number, kind: keyof typeof salts, level: number, draw: number): bigint {
  return deriveSeed(BigInt(seed), BigInt(draw), salts[kind] ^ doubleBits(level))
}

export function quantityStream(seed: number, level: number, draw: number, name: string): Rng64 {
  return new Rng64(deriveSeed(drawSeed(seed, 'mismatch', level, draw), 0n, fnv1a64(name)))
}

export type Form = 'relative' | 'abs-relative' | 'threshold' | 'offset'

/** Device mismatch of one quantity in one draw. */
export function mismatchReference(values: Float32Array, form: Form, sigma: number, rng: Rng64, reset?: number | Float32Array): Float32Array {
  const out = new Float32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const p = values[i]
    const z = rng.normal()
    if (form === 'relative') out[i] = p * (1 + sigma * z)
    else if (form === 'abs-relative') out[i] = Math.abs(p + sigma * p * z)
    else if (form === 'offset') out[i] = p + sigma * z
    else {
      const r = typeof reset === 'number' ? Math.fround(reset) : reset![i]
      out[i] = p + sigma * Math.abs(p - r) * z
    }
  }
  return out
}

/** b-bit quantisation: q = (max − min)/(2^b − 1), w ↦ q·⌊w/q + ½⌋ with k kept within 2^b levels from ⌊min/q + ½⌋. */
export function quantiseReference(values: Float32Array, bits: number): { values: Float32Array; step: number } {
  let lo = Infinity
  let hi = -Infinity
  for (const v of values) {
    lo = Math.min(lo, v)
    hi = Math.max(hi, v)
  }
  const q = (hi - lo) / (2 ** bits - 1)
  if (!(q > 0)) return { values: values.slice(), step: 0 }
  const kLo = Math.floor(lo / q + 0.5)
  const kHi = kLo + 2 ** bits - 1
  return { values: values.map((w) => q * Math.min(kHi, Math.max(kLo, Math.floor(w / q + 0.5)))), step: q }
}

/** The dead neurons of one draw. */
export function deathReference(seed: number, fraction: number, draw: number, neurons: number): number[] {
  const k = Math.min(neurons, Math.floor(fraction * neurons + 0.5))
  if (k === 0) return []
  const idx = Array.from({ length: neurons }, (_, i) => i)
  const rng = new Rng64(drawSeed(seed, 'death', fraction, draw))
  for (let i = 0; i < k; i++) {
    const j = i + Number(rng.next() % BigInt(neurons - i))
    ;[idx[i], idx[j]] = [idx[j], idx[i]]
  }
  return idx.slice(0, k).sort((a, b) => a - b)
}
