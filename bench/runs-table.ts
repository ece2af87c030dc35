// The runs table at lab scale in Chromium (`node bench/runs-table.ts [--runs 10000] [--json]`; part of
// `npm run bench` unless `-- --no-runs-table`): seeds a project of N runs into a temporary database,
// serves it, and measures the `runs.export` call, the time to first paint of the table's rows, the
// filter latency (keystroke to new count, median of 5 queries) and the computation inside it, and
// scrolling to the end. Needs a built renderer (npm run build) and Debian's chromium.
import { openSession } from '../test/e2e/support/session.ts'
import { measureRunsTable } from '../test/e2e/support/runsTable.ts'
import { seedRuns } from '../test/support/seedRuns.ts'

const args = process.argv.slice(2)
const at = args.indexOf('--runs')
const runs = at >= 0 ? Number(args[at + 1]) : 10_000
if (!Number.isSafeInteger(runs) || runs < 10 || runs > 200_000) {
  console.error('bench/runs-table: --runs takes an integer from 10 to 200000')
  process.exit(2)
}
const s = await openSession('bench-runs-table', { width: 1024, height: 768 })
try {
  const t0 = performance.now()
  const seeded = seedRuns(s.served.db, runs)
  const seedSeconds = (performance.now() - t0) / 1000
  const t1 = performance.now()
  await s.served.call('runs.export', { projectId: seeded.projectId })
  const exportMs = performance.now() - t1
  const figures = await measureRunsTable(s.page, `${s.served.url}#/projects/${seeded.projectId}`, runs)
  const result = { ...figures, exportCallMs: exportMs, seedSeconds }
  if (args.includes('--json')) console.log(JSON.stringify(result))
  else {
    console.log(`Runs table, ${runs} runs in one project (Chromium, 1024 px)`)
    console.log(`  runs.export call ${exportMs.toFixed(0)} ms; first paint of the rows ${figures.firstPaintMs} ms (navigation to rows on screen)`)
    console.log(`  filter: ${figures.filterMs.toFixed(1)} ms keystroke to new count (median of 5), computation at most ${figures.filterComputeMs.toFixed(1)} ms`)
    console.log(`  scroll to the end: ${figures.scrollToEndMs.toFixed(0)} ms, ${figures.rowsInPage} rows in the page`)
  }
} finally {
  await s.close()
}
