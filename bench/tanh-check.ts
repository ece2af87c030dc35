// The teacher's vector tanh (native/core/tanh-inl.hpp) against the C library's tanhf, bit for bit, on
// every one of the 2^32 float bit patterns (and 32 special cases once more), at every SIMD level this CPU has (a few minutes):
//   node bench/tanh-check.ts [stride]      (stride 1 = all; the unit test checks stride 4099)
// Prints the JSON of test/support/simd_tanh_check.cpp and exits non-zero on any mismatch.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stride = process.argv[2] ?? '1'
const dir = mkdtempSync(join(tmpdir(), 'mimic-tanh-'))
const exe = join(dir, 'tanh-check')
try {
  const core = join(root, 'native', 'core')
  const support = join(root, 'test', 'support')
  execFileSync('g++', ['-std=c++17', '-O2', '-ffp-contract=off', '-I', core, '-I', support, join(support, 'simd_tanh_check.cpp'), join(core, 'simd.cpp'), '-o', exe])
  const t0 = performance.now()
  const out = execFileSync(exe, [stride], { encoding: 'utf8' })
  const r = JSON.parse(out) as { levels: { level: string; checked: number; mismatches: number }[] }
  console.log(JSON.stringify({ ...r, seconds: +((performance.now() - t0) / 1000).toFixed(1) }))
  process.exitCode = r.levels.every((l) => l.mismatches === 0) ? 0 : 1
} finally {
  rmSync(dir, { recursive: true, force: true })
}
