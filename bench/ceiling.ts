// The feedback product's ceilings on this machine at every SIMD level (bench/ceiling.cpp), for the
// network sizes of the ADS benchmark: multiply-add rates of its inner loop from L1 and from L2, with
// separate multiply and add (what the kernels do: exact) and fused (FMA), against the kernel itself.
//   node bench/ceiling.ts [N D ...]     (default: 320 64 768 128)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const sizes = process.argv.slice(2).map(Number)
const pairs: [number, number][] = []
for (let i = 0; i + 1 < (sizes.length ? sizes.length : 4); i += 2) pairs.push(sizes.length ? [sizes[i], sizes[i + 1]] : ([[320, 64], [768, 128]][i / 2] as [number, number]))
const dir = mkdtempSync(join(tmpdir(), 'mimic-ceiling-'))
const exe = join(dir, 'ceiling')
try {
  execFileSync('g++', ['-std=c++17', '-O2', '-ffp-contract=off', '-I', join(root, 'native', 'core'), '-I', join(root, 'bench'), join(root, 'bench', 'ceiling.cpp'), join(root, 'native', 'core', 'simd.cpp'), '-o', exe])
  console.log('Feedback product F·u, GMAC/s (one thread; best of 7 rounds)')
  console.log('   N    D  level    from L1  L1 with FMA  from L2  L2 with FMA   the kernel   kernel µs/product')
  for (const [N, D] of pairs) {
    const r = JSON.parse(execFileSync(exe, [String(N), String(D)], { encoding: 'utf8' })) as { levels: Record<string, number | string>[] }
    for (const l of r.levels) {
      const f = (k: string): string => (l[k] ? (l[k] as number).toFixed(1) : '-').padStart(k.includes('Fused') ? 11 : 7)
      console.log(`${String(N).padStart(4)}  ${String(D).padStart(3)}  ${String(l.level).padEnd(7)}  ${f('l1')}  ${f('l1Fused')}  ${f('l2')}  ${f('l2Fused')}   ${f('kernel')}      ${((N * D) / (l.kernel as number) / 1e3).toFixed(2).padStart(8)}`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
