// `npm run fuzz`: the full fuzz runs, one after the other, each printing its figures: the server
// (10^4 HTTP requests and 10^4 WebSocket frames against a real `mimic serve`), the native addon
// (10^4 calls) and the board protocol's codec (10^5 random and mutated frames), all with the same seed. Exit status 0 only when every
// run is clean.
//
//   node test/fuzz/run.ts [--seed S]
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const here = import.meta.dirname
const args = process.argv.slice(2)
const seedAt = args.indexOf('--seed')
const seed = seedAt >= 0 ? args[seedAt + 1] : String(1 + Math.floor(Math.random() * 1e6))
if (!/^\d+$/.test(seed ?? '')) {
  process.stderr.write('fuzz: --seed needs a non-negative integer\n')
  process.exit(2)
}

const runs: { name: string; script: string; args: string[] }[] = [
  { name: 'server', script: join(here, 'server-fuzz.ts'), args: ['--requests', '10000', '--frames', '10000', '--seed', seed] },
]
runs.push({ name: 'native addon', script: join(here, 'native-fuzz.ts'), args: ['--cases', '10000', '--seed', seed] })
// the board protocol's frame codec: 10^5 random and mutated frames (about 2 s)
runs.push({ name: 'board protocol', script: join(here, 'board-protocol-fuzz.ts'), args: ['--cases', '100000', '--seed', seed] })

const results: { name: string; code: number | null; seconds: number }[] = []
for (const r of runs) {
  process.stdout.write(`\n== ${r.name} fuzz (seed ${seed}) ==\n`)
  const t0 = performance.now()
  // the figures go straight to the terminal; progress lines go to stderr
  const p = spawnSync(process.execPath, [r.script, ...r.args], { stdio: 'inherit' })
  results.push({ name: r.name, code: p.status, seconds: (performance.now() - t0) / 1000 })
}

process.stdout.write('\n== summary ==\n')
for (const r of results) process.stdout.write(`  ${r.name.padEnd(14)} ${r.code === 0 ? 'clean' : `FOUND PROBLEMS (exit ${r.code})`} in ${r.seconds.toFixed(1)} s\n`)
process.stdout.write(`  reproduce with: node test/fuzz/run.ts --seed ${seed}\n`)
process.exit(results.every((r) => r.code === 0) ? 0 : 1)
