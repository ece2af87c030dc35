// The temporal-XOR task's Gaussian smoothing (native/core/tasks/xor_task.cpp) visits only the non-zero inputs;
// it must equal the plain convolution it replaced bit for bit (test/support/smooth_check.cpp, compiled
// with the real sources), or every dataset drawn by seed would change.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('XOR smoothing', () => {
  it('equals the plain convolution bit for bit on pulse trains and dense inputs', () => {
    const exe = join(tempDir('smooth-'), 'smooth_check')
    const core = join(repoRoot, 'native', 'core')
    execFileSync('g++', ['-std=c++17', '-O2', '-ffp-contract=off', '-I', core, '-I', join(core, 'tasks'), join(repoRoot, 'test', 'support', 'smooth_check.cpp'), join(core, 'tasks', 'xor_task.cpp'), join(core, 'thread_pool.cpp'), '-o', exe, '-lpthread'])
    const out = execFileSync(exe, { encoding: 'utf8' })
    const m = /checked (\d+) mismatches (\d+)/.exec(out)
    expect(m, out).not.toBeNull()
    expect(Number(m![1])).toBeGreaterThan(100_000)
    expect(Number(m![2])).toBe(0)
  })
})
