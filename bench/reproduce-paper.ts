// The slow reproduction: the paper's comparison at full size (`mimic reproduce paper --task xor
// --networks 10`, every default: network ADS and its teacher, BPTT 160 + 160, FORCE 320, reservoir 320,
// the paper's levels, 10 draws of 200 samples), on a database of its own. Prints the median MSE
// increases beside the paper's and the wall time, and writes the comparison as JSON to bench/results/.
// Hours on a 2-core machine (README "Measured results"): it is not part of `npm run bench`.
//
//   npm run bench:paper                         full size, seed 1
//   npm run bench:paper -- --networks 2 -- ...  any flag after the first `--` goes to `mimic reproduce paper`
//   npm run bench:paper -- --db FILE            keep the database (resume a stopped run with --resume RUN)
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const dbAt = args.indexOf('--db')
const db = dbAt >= 0 ? args[dbAt + 1] : join(mkdtempSync(join(tmpdir(), 'mimic-paper-')), 'paper.db')
const rest = dbAt >= 0 ? [...args.slice(0, dbAt), ...args.slice(dbAt + 2)] : args
const flags = rest.filter((a) => a !== '--')
if (!flags.includes('--seed') && !flags.includes('--resume')) flags.push('--seed', '1')

const started = performance.now()
console.log(`mimic reproduce paper --task xor ${flags.join(' ')}   (database ${db})`)
const r = spawnSync(process.execPath, [join(here, '..', 'bin', 'mimic.js'), '--db', db, '--json', 'reproduce', 'paper', '--task', 'xor', ...flags], {
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
  maxBuffer: 1 << 30,
})
const wallSeconds = (performance.now() - started) / 1000
if (r.status !== 0) {
  console.error(`reproduce paper stopped (exit ${r.status}) after ${wallSeconds.toFixed(0)} s; continue it with --db ${db} -- --resume RUN`)
  process.exit(1)
}
const a = JSON.parse(r.stdout) as {
  runId: number
  mseIncrease: { architecture: string; level: number; oursPct: number | null; paperPct: number }[]
  ordering: { text: string }[]
  refused: { architecture: string; perturbation: string }[]
  summary: Record<string, number>
}
const pct = (v: number | null): string => (v === null ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(0)} %`)
console.log(`comparison run ${a.runId}, ${wallSeconds.toFixed(0)} s wall`)
for (const arch of [...new Set(a.mseIncrease.map((m) => m.architecture))]) {
  const row = a.mseIncrease.filter((m) => m.architecture === arch)
  console.log(`  ${arch.padEnd(10)} ${row.map((m) => `${Math.round(m.level * 100)} %: ${pct(m.oursPct)} (paper ${pct(m.paperPct)})`).join('   ')}`)
}
for (const o of a.ordering) console.log(`  ${o.text}`)
for (const x of a.refused) console.log(`  refused: ${x.architecture} under ${x.perturbation}`)
const out = join(here, 'results')
mkdirSync(out, { recursive: true })
const file = join(out, `reproduce-paper-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(file, JSON.stringify({ wallSeconds, flags, comparison: a }, null, 2))
console.log(`written ${file}`)
