// The TypeScript Rng gives the same stream as native/core/rng.hpp (compiled here with g++).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Rng, shuffleInPlace } from '../../src/system/rng.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('Rng', () => {
  it('matches the C++ xoshiro256** stream for several (seed, stream) pairs', () => {
    const root = join(import.meta.dirname, '..', '..')
    const exe = join(tempDir(), 'rng_dump')
    execFileSync('g++', ['-std=c++17', '-O1', '-I', join(root, 'native', 'core'), join(root, 'test', 'support', 'rng_dump.cpp'), '-o', exe])
    for (const [seed, stream] of [[0, 0], [42, 3], [2 ** 40 + 7, 1]]) {
      const expected = execFileSync(exe, [String(seed), String(stream)], { encoding: 'utf8' }).trim().split('\n').map(Number)
      const rng = new Rng(seed, stream)
      expect(expected.map(() => rng.uniform())).toEqual(expected)
    }
  })

  it('maps uniform draws into [a, b)', () => {
    const rng = new Rng(1)
    for (let i = 0; i < 100; i++) {
      const v = rng.uniform(-1, 1)
      expect(v).toBeGreaterThanOrEqual(-1)
      expect(v).toBeLessThan(1)
    }
  })

  it('shuffles in a fixed order for a seed: the order the reservoir\'s epoch fraction stored before the shuffle was shared', () => {
    // (reservoirTrainingSamples of 37 samples, seed 6: its first 10, measured on the hand-written loop it replaced)
    const order = shuffleInPlace(Array.from({ length: 37 }, (_, i) => i), new Rng(6, 0x5e5e7))
    expect(order.slice(0, 10)).toEqual([15, 11, 8, 22, 17, 23, 14, 35, 36, 30])
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i))
  })
})
