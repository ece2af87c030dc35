// The TypeScript Rng gives the same stream as native/core/rng.hpp (compiled here with g++).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Rng } from '../../src/system/rng.ts'
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
})
