// A seeded generator for the TypeScript side, the same xoshiro256** stream as native/core/rng.hpp
// (BigInt arithmetic; used for small draws only, never in hot loops).
const mask = (1n << 64n) - 1n

function splitmix(state: { x: bigint }): bigint {
  state.x = (state.x + 0x9e3779b97f4a7c15n) & mask
  let z = state.x
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask
  return z ^ (z >> 31n)
}

const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (64n - k))) & mask

export class Rng {
  private s: bigint[]
  /** The stream (seed, stream) gives the same numbers as mimic::Rng(seed, stream) in C++. */
  constructor(seed: number, stream = 0) {
    const st = { x: (BigInt(seed) ^ ((0xd1b54a32d192ed03n * BigInt(stream + 1)) & mask)) & mask }
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
  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number
  uniform(a: number, b: number): number
  uniform(a?: number, b?: number): number {
    const u = Number(this.next() >> 11n) * 2 ** -53
    return a === undefined || b === undefined ? u : a + (b - a) * u
  }
}

/**
 * Shuffles `items` in place and returns them: Fisher-Yates from the last item down, one uniform draw
 * of `rng` per swap (floor(u·(i + 1))), so an order stored with a run is the same for its seed.
 */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

/**
 * A seed in [0, 2^53) derived from several integers (a run's seed, a network's id, a level's bits, a
 * draw...): each part is folded in with a splitmix64 step, so different tuples give unrelated seeds
 * and the same tuple always the same. For seeding streams, not for cryptography.
 */
export function deriveSeed(...parts: readonly (number | bigint)[]): number {
  const st = { x: 0x6a09e667f3bcc908n }
  let h = 0n
  for (const p of parts) {
    const v = typeof p === 'bigint' ? p & mask : BigInt.asUintN(64, BigInt(p))
    st.x = (st.x ^ v ^ h) & mask
    h = splitmix(st)
  }
  return Number(h >> 11n)
}

/** The IEEE-754 bits of a double as an unsigned 64-bit integer (−0 read as +0), for keying seeds by a level. */
export function doubleBits(d: number): bigint {
  const b = new DataView(new ArrayBuffer(8))
  b.setFloat64(0, d === 0 ? 0 : d)
  return b.getBigUint64(0)
}

/** A 64-bit FNV-1a hash of a string (keys seeds by a name). */
export function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n
  for (const c of new TextEncoder().encode(s)) h = ((h ^ BigInt(c)) * 0x100000001b3n) & mask
  return h
}
