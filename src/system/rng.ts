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
