// A fingerprint of what a reduced run of the whole method stores: every run's kind, parameters and
// summary, every per-epoch metric and every artifact's bytes (SHA-256), with the timings left out.
// Two builds that give the same fingerprint train, decide and store the same things bit for bit.
// Used to show that a refactoring of the native code changed no result:
//
//   node bench/fingerprint.ts > before.json      (on the old tree)
//   node bench/fingerprint.ts > after.json       (on the new tree)
//   cmp before.json after.json
//
// It runs, through the command line on a fresh database in a temporary folder: the pipeline on the
// default task (test set → teacher → network ADS → test) with a reduced schedule, a dataset drawn
// at another time step, and the evaluation of the pipeline's network on that dataset.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'

const root = join(import.meta.dirname, '..')
const dir = mkdtempSync(join(tmpdir(), 'mimic-fingerprint-'))
const db = join(dir, 'f.db')
const mimic = (...args: string[]): unknown =>
  JSON.parse(execFileSync(process.execPath, [join(root, 'bin', 'mimic.js'), '--db', db, '--json', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }))

// Timings and host facts differ between any two runs.
const timing = /seconds|Seconds|wall|eta_|_at$|^at$|host|codeVersion|code_version/

function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !timing.test(k)).map(([k, x]) => [k, clean(x)]))
  return v
}

try {
  const task = 'xor'
  const pipeline = mimic(
    'reproduce', task, '--seed', '7', '--test-samples', '40', '--teacher-units', '16', '--teacher-epochs', '8', '--teacher-samples-per-epoch', '150', '--teacher-step-size', '0.01', '--teacher-tau-step-unit', 'ms',
    '--teacher-validation-samples', '20', '--neurons', '48', '--epochs', '2', '--samples-per-epoch', '12', '--validation-samples', '10', '--threads', '2',
  ) as { pipelineRunId: number; adsRunId: number; projectId?: number }
  const project = (new Database(db, { readonly: true }).prepare('SELECT project_id AS p FROM runs WHERE id = ?').get(pipeline.pipelineRunId) as { p: number }).p
  const data = mimic('data', 'generate', task, '--project', String(project), '--count', '25', '--seed', '11', '--dt-ms', '0.5', '--duration-s', '0.6') as { runId?: number; id?: number }
  const dataRun = data.runId ?? data.id
  mimic('eval', String(pipeline.adsRunId), '--dataset', String(dataRun), '--threads', '2', '--seed', '3')

  const d = new Database(db, { readonly: true })
  const runs = d.prepare('SELECT id, kind, status, params, summary, seed, error FROM runs ORDER BY id').all() as Record<string, unknown>[]
  const out: unknown[] = []
  for (const r of runs) {
    const metrics = d.prepare('SELECT key, step, value FROM metrics WHERE run_id = ? ORDER BY key, step').all(r.id) as { key: string; step: number; value: number | null }[]
    const artifacts = d.prepare('SELECT name, dtype, shape, bytes FROM artifacts WHERE run_id = ? ORDER BY name').all(r.id) as { name: string; dtype: string; shape: string; bytes: Buffer }[]
    out.push({
      id: r.id,
      kind: r.kind,
      status: r.status,
      error: r.error,
      seed: r.seed,
      params: clean(JSON.parse(String(r.params))),
      summary: clean(JSON.parse(String(r.summary))),
      metrics: metrics.filter((m) => !timing.test(m.key)).map((m) => [m.key, m.step, m.value]),
      artifacts: artifacts.map((a) => [a.name, a.dtype, a.shape, createHash('sha256').update(a.bytes).digest('hex')]),
    })
  }
  d.close()
  process.stdout.write(`${JSON.stringify(out, null, 1)}\n`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
