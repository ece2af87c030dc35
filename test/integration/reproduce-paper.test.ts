// `mimic reproduce paper` at tiny size through the real CLI, worker processes, addon and SQLite file:
// every network a pipeline run and every sweep a robustness run (children of the comparison run with
// their own parameters), the comparison's numbers recomputed here from the children's stored trials,
// refusals named, and a cancelled reproduction resumed with its finished children reused, not re-run.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { median } from '../../src/analysis/stats.ts'
import { pipelineParams, robustnessParams } from '../../src/shared/jobkinds/index.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson, spawnMimic } from '../support/cli.ts'
import { unbalancedTags } from '../support/html.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

/** A network of each architecture in a second or so. */
const tiny = [
  '--teacher-units', '8', '--teacher-epochs', '2', '--teacher-samples-per-epoch', '20', '--teacher-validation-samples', '10',
  '--neurons', '16', '--epochs', '1', '--samples-per-epoch', '10', '--validation-samples', '10', '--test-samples', '10',
  '--baseline-train-samples', '10', '--baseline-epochs', '1',
]

interface Part { part: string; architecture: string; index: number; perturbation: string | null; runId: number | null; networkRunId: number | null; status: string; reason: string | null }
interface Analysis {
  runId: number
  architectures: string[]
  perturbations: string[]
  parts: Part[]
  cells: { architecture: string; perturbation: string; level: number; medianMse: number; trials: number; networks: number }[]
  tests: { perturbation: string; level: number; a: string; b: string; metric: string; p: number }[]
  mseIncrease: { architecture: string; level: number; oursPct: number | null; paperPct: number; paperQuoted: boolean }[]
  ordering: { level: number; ours: string[]; paper: string[]; same: boolean; text: string }[]
  refused: { architecture: string; perturbation: string; reason: string }[]
  summary: Record<string, number>
}

let db: string
const json = <T = Record<string, unknown>>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 300_000 })

beforeAll(() => {
  db = tempDb()
})

describe('mimic reproduce paper (tiny)', () => {
  let a: Analysis
  beforeAll(() => {
    a = json<Analysis>(['reproduce', 'paper', '--task', 'xor', '--networks', '1', '--seed', '4', '--samples', '12', '--draws', '3', ...tiny])
  }, 300_000)

  it('trains one network per architecture as a pipeline run and sweeps each under each perturbation as a robustness run', () => {
    expect(a.architectures).toEqual(['ads', 'bptt-snn', 'force', 'reservoir'])
    expect(a.perturbations).toEqual(['mismatch', 'quantisation', 'noise', 'death'])
    const store = openStore(db)
    try {
      const run = store.runs.get(a.runId)
      expect(run).toMatchObject({ kind: 'comparison', status: 'succeeded', seed: 4 })
      const children = store.runs.children(a.runId)
      expect(children.every((c) => c.role === 'pipeline')).toBe(true)
      expect(children.filter((c) => c.kind === 'dataset')).toHaveLength(1)
      const pipelines = children.filter((c) => c.kind === 'pipeline')
      expect(pipelines).toHaveLength(4)
      for (const arch of a.architectures) {
        const net = a.parts.find((x) => x.part === 'network' && x.architecture === arch)!
        expect(net.status).toBe('done')
        // the child is an independent pipeline run: the parameters `mimic reproduce xor --architecture A --seed 4` would store
        const child = store.runs.get(net.runId!)
        expect(child).toMatchObject({ kind: 'pipeline', seed: 4, status: 'succeeded' })
        expect(pipelineParams.parse(child.params, 'params')).toMatchObject({ architecture: arch, neurons: 16, seed: 4 })
        expect(store.runs.children(child.id).find((c) => c.id === net.networkRunId)?.kind).toBe(arch)
      }
      const sweeps = a.parts.filter((x) => x.part === 'sweep')
      expect(sweeps).toHaveLength(16)
      for (const s of sweeps) {
        // each sweep ran (a robustness run of its one network) or its architecture refused the perturbation, by name
        if (s.status === 'done') {
          const r = store.runs.get(s.runId!)
          expect(r.kind).toBe('robustness')
          expect(robustnessParams.parse(r.params, 'params')).toMatchObject({ networks: [s.networkRunId], perturbation: s.perturbation, draws: 3, samples: 12 })
          expect(store.runs.parents(r.id).map((p) => p.role).sort()).toEqual(['dataset', 'networks', 'pipeline'])
        } else {
          expect(s.status).toBe('refused')
          expect(s.reason).toMatch(/noise|death/)
          expect(a.refused).toContainEqual({ architecture: s.architecture, perturbation: s.perturbation, reason: s.reason })
        }
      }
      // network ADS takes every perturbation
      expect(sweeps.filter((s) => s.architecture === 'ads').map((s) => s.status)).toEqual(['done', 'done', 'done', 'done'])
    } finally {
      store.close()
    }
  })

  it('computes the medians and the MSE increases from the sweeps\' stored trials, beside the paper\'s, in --json and the summary', () => {
    const store = openStore(db)
    try {
      const mseAt = (arch: string, level: number): number => {
        const sweep = a.parts.find((x) => x.part === 'sweep' && x.architecture === arch && x.perturbation === 'mismatch')!
        const items = store.results.items(sweep.runId!).filter((it) => it.labels.level === level)
        expect(items).toHaveLength(3)
        return median(items.map((it) => it.values.mse as number))
      }
      expect(a.mseIncrease).toHaveLength(12)
      const summary = store.runs.get(a.runId).summary
      for (const m of a.mseIncrease) {
        expect(m.oursPct).toBeCloseTo((mseAt(m.architecture, m.level) / mseAt(m.architecture, 0) - 1) * 100, 9)
        expect(summary[`mseIncreasePct.${m.architecture}.${Math.round(m.level * 100)}`]).toBe(m.oursPct)
      }
      expect(a.mseIncrease.filter((m) => m.architecture === 'ads').map((m) => m.paperPct)).toEqual([11, 60, 165])
      expect(a.mseIncrease.filter((m) => m.architecture === 'bptt-snn').map((m) => m.paperPct)).toEqual([24, 51, 178])
      expect(a.mseIncrease.filter((m) => m.architecture === 'force').map((m) => m.paperPct)).toEqual([49, 243, 791])
      expect(a.summary).toEqual(summary)
      // the order at each level, and a sentence that says when it differs from the paper's
      expect(a.ordering.map((o) => o.level)).toEqual([0.05, 0.1, 0.2])
      for (const o of a.ordering) {
        const at = a.mseIncrease.filter((m) => m.level === o.level)
        expect(o.ours).toEqual([...at].sort((x, y) => x.oursPct! - y.oursPct!).map((m) => m.architecture))
        expect(o.paper).toEqual([...at].sort((x, y) => x.paperPct - y.paperPct).map((m) => m.architecture))
        expect(o.same).toBe(o.ours.join() === o.paper.join())
        expect(o.text).toMatch(o.same ? /is the paper's/ : /differs from the paper's/)
        expect(summary[`orderAsPaper.${Math.round(o.level * 100)}`]).toBe(o.same ? 1 : 0)
      }
      // one network per architecture: every cell pools its 3 draws; tests between every two architectures
      const cell = a.cells.find((c) => c.architecture === 'ads' && c.perturbation === 'mismatch' && c.level === 0.2)!
      expect(cell).toMatchObject({ networks: 1, trials: 3, medianMse: mseAt('ads', 0.2) })
      expect(a.tests.filter((t) => t.perturbation === 'mismatch' && t.level === 0.2 && t.metric === 'mse')).toHaveLength(6)
    } finally {
      store.close()
    }
  })

  it('writes the comparison as one self-contained HTML report: a figure per perturbation with a curve per architecture that ran it', () => {
    const out = join(tempDir(), 'comparison.html')
    const r = json<{ out: string; bytes: number }>(['report', String(a.runId), '--out', out])
    expect(r.out).toBe(out)
    const html = readFileSync(out, 'utf8')
    expect(unbalancedTags(html)).toEqual([])
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`)
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="application/json" id="report-data">'])
    const figures = html.split('<figure id="fig-').slice(1)
    expect(figures).toHaveLength(4)
    for (const [i, p] of a.perturbations.entries()) {
      const ran = a.architectures.filter((arch) => a.parts.some((x) => x.part === 'sweep' && x.architecture === arch && x.perturbation === p && x.status === 'done'))
      expect([...figures[i].matchAll(/data-architecture="([^"]+)"/g)].map((m) => m[1])).toEqual(ran)
    }
    for (const m of a.mseIncrease) expect(html).toContain(`${m.oursPct! >= 0 ? '+' : '−'}${Math.abs(Math.round(m.oursPct!))} %`)
    expect(JSON.parse(html.split('id="report-data">')[1].split('</script>')[0]).analysis.summary).toEqual(a.summary)
    expect(html).toContain('no output-gain recalibration (the paper recalibrated per network and level: --recalibrate-gain)')
  })

  it('prints the increases beside the paper\'s, the order and the refusals as text', () => {
    const r = mimic(['--db', db, 'reproduce', 'paper', '--task', 'xor', '--networks', '1', '--architectures', 'ads,reservoir', '--perturbations', 'mismatch', '--seed', '9', '--samples', '8', '--draws', '2', ...tiny], { timeoutMs: 300_000 })
    expect(r.stderr).not.toMatch(/mimic:/)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/median MSE increase under mismatch, ours \(paper\)/)
    expect(r.stdout).toMatch(/ads\s+[+-]\d+ % \(\+11 %\)/)
    expect(r.stdout).toMatch(/At 10 % mismatch (the order is the paper's|our order differs from the paper's)/)
  }, 300_000)
})

describe('mimic reproduce paper --recalibrate-gain (the paper\'s protocol)', () => {
  it('recalibrates every sweep\'s output gain on validation samples drawn after the scored ones, and says so', () => {
    const r = mimic(['--db', db, 'reproduce', 'paper', '--task', 'xor', '--networks', '1', '--architectures', 'reservoir', '--perturbations', 'mismatch', '--seed', '11', '--samples', '8', '--draws', '2', '--recalibrate-gain', '--gain-validation-samples', '6', '--gain-validation-draws', '2', ...tiny], { timeoutMs: 300_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('output gain recalibrated per network and level (the paper’s protocol): chosen on 6 validation samples run on 2 validation chips')
    const id = Number(/^comparison run (\d+):/m.exec(r.stdout)![1])
    const store = openStore(db)
    try {
      const children = store.runs.children(id)
      // the scored samples and the validation samples after them, in one dataset
      const dataset = children.find((c) => c.kind === 'dataset')!
      expect(store.runs.get(dataset.id).params).toMatchObject({ count: 14 })
      // the pipeline is the one `mimic reproduce xor --architecture reservoir` stores: nothing of the gain
      const pipeline = store.runs.get(children.find((c) => c.kind === 'pipeline')!.id)
      expect(Object.keys(pipeline.params).filter((k) => /recalibrate|gainValidation/.test(k))).toEqual([])
      const sweep = store.runs.get(children.find((c) => c.kind === 'robustness')!.id)
      expect(robustnessParams.parse(sweep.params, 'params')).toMatchObject({ samples: 8, draws: 2, recalibrateGain: true, validationSamples: 6, validationDraws: 2, dataset: dataset.id })
      // every trial has the gain its level chose and that gain's validation accuracy
      const gains = store.results.query({ runId: sweep.id, key: 'gain', limit: 1000 }).rows.map((x) => x.value!)
      const validation = store.results.query({ runId: sweep.id, key: 'validationAccuracy', limit: 1000 }).rows.map((x) => x.value!)
      expect(gains).toHaveLength(4 * 2)
      expect(validation).toHaveLength(4 * 2)
      for (const g of gains) expect(g >= 0.5 && g <= 5.5, String(g)).toBe(true)
    } finally {
      store.close()
    }
    // without it, the text says the paper recalibrated and how to do so
    const plain = mimic(['--db', db, 'reproduce', 'paper', '--task', 'xor', '--networks', '1', '--architectures', 'reservoir', '--perturbations', 'mismatch', '--seed', '11', '--samples', '8', '--draws', '2', ...tiny], { timeoutMs: 300_000 })
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toContain('no output-gain recalibration (the paper recalibrated per network and level: --recalibrate-gain)')
    const plainId = Number(/^comparison run (\d+):/m.exec(plain.stdout)![1])
    const again = mimic(['--db', db, 'reproduce', 'paper', '--resume', String(plainId), '--task', 'xor', '--networks', '1', '--architectures', 'reservoir', '--perturbations', 'mismatch', '--samples', '8', '--draws', '2', '--recalibrate-gain', '--gain-validation-samples', '6', '--gain-validation-draws', '2', ...tiny], { timeoutMs: 300_000 })
    expect(again.code, again.stderr).toBe(0)
    // resumed with the gain recalibrated: the network is reused, the sweep runs again
    expect(again.stdout).toMatch(/reused 1 finished children of the resumed run/)
    // the network reused leaves the plan: the share done (and the time left) counts only the work this run does
    const reusedLine = again.stderr.split('\n').find((l) => / reused .*pipeline/.test(l))
    // (here the samples, 0.1 s, of 0.1 s + the sweep's 1 s or so; counted as done, the network would make it ~99 %)
    expect(Number(/ (\d+)% reused /.exec(reusedLine ?? '')?.[1]), again.stderr).toBeLessThan(20)
  }, 300_000)
})

describe('mimic reproduce paper --resume', () => {
  it('continues a cancelled reproduction: finished networks and sweeps are reused, not run again', async () => {
    const args = ['--db', db, 'reproduce', 'paper', '--task', 'xor', '--networks', '1', '--architectures', 'ads,reservoir', '--perturbations', 'mismatch', '--seed', '21', '--samples', '10', '--draws', '300', ...tiny]
    // Ctrl-C while the second sweep (the reservoir's) runs: the dataset, both networks and the first sweep are finished
    const child = spawnMimic(args)
    let stderr = ''
    const code = await new Promise<number | null>((resolve) => {
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString()
        if (/\[mismatch: reservoir network 1\][^\n]*draw \d+ of 300/.test(stderr) && !child.killed) child.kill('SIGINT')
      })
      child.on('exit', (c) => resolve(c))
    })
    expect(code).toBe(130)
    const store = openStore(db)
    let first: number
    let finished: { id: number; kind: string }[]
    try {
      first = Math.max(...store.runs.list({ kind: 'comparison' }).map((r) => r.id))
      expect(store.runs.get(first).status).toBe('cancelled')
      finished = store.runs.children(first).filter((c) => c.status === 'succeeded')
      expect(finished.map((c) => c.kind).sort()).toEqual(['dataset', 'pipeline', 'pipeline', 'robustness'])
      expect(store.runs.children(first).filter((c) => c.kind === 'robustness' && c.status === 'cancelled')).toHaveLength(1)
    } finally {
      store.close()
    }
    // the page of a cancelled reproduction has no comparison yet, and says how to continue
    const refused = mimic(['--db', db, '--json', 'runs', 'show', String(first)])
    expect(refused.code).toBe(0)

    const resumed = json<Analysis>(['reproduce', 'paper', '--task', 'xor', '--networks', '1', '--architectures', 'ads,reservoir', '--perturbations', 'mismatch', '--resume', String(first), '--samples', '10', '--draws', '300', ...tiny])
    const s2 = openStore(db)
    try {
      const run = s2.runs.get(resumed.runId)
      // the resumed run's seed is the default
      expect(run).toMatchObject({ status: 'succeeded', seed: 21 })
      const reused = s2.runs.parents(resumed.runId).filter((p) => p.role === 'reused').map((p) => p.id).sort((x, y) => x - y)
      expect(reused).toEqual(finished.map((c) => c.id).sort((x, y) => x - y))
      // run again: only the sweep that was cancelled
      expect(s2.runs.children(resumed.runId).map((c) => c.kind)).toEqual(['robustness'])
      expect(resumed.parts.map((x) => x.status)).toEqual(['reused', 'reused', 'reused', 'done'])
      expect(resumed.summary.reused).toBe(3)
      // nothing finished was trained twice: one pipeline per architecture in the whole database for seed 21
      expect(s2.runs.list({ kind: 'pipeline' }).filter((r) => r.seed === 21 && r.status === 'succeeded')).toHaveLength(2)
      // the reused sweep's trials are in the comparison: 4 levels × 300 draws per architecture
      expect(resumed.cells.filter((c) => c.perturbation === 'mismatch').map((c) => c.trials)).toEqual(Array(8).fill(300))
    } finally {
      s2.close()
    }
  }, 600_000)

  it('refuses bad input by naming the field, and stores nothing', () => {
    const bad = mimic(['--db', db, 'reproduce', 'paper', '--task', 'xor', '--architectures', 'ads,lstm'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/--architectures[^\n]*"lstm"[^\n]*ads, bptt-snn, force, reservoir/)
    const project = json<{ id: number }>(['projects', 'create', 'bad input']).id
    const datasetRun = json<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', '2']).id
    const store = openStore(db)
    const before = store.runs.list().length
    store.close()
    const notComparison = mimic(['--db', db, 'reproduce', 'paper', '--task', 'xor', '--resume', String(datasetRun)])
    expect(notComparison.code).not.toBe(0)
    expect(notComparison.stderr).toMatch(new RegExp(`Resume run \\(--resume\\) is run ${datasetRun} .*a dataset run: choose a paper reproduction`))
    const s2 = openStore(db)
    expect(s2.runs.list().length).toBe(before)
    s2.close()
    const missing = mimic(['--db', db, 'reproduce', 'paper', '--task', 'xor', '--resume', '99999'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toBe('mimic: --resume names no run: there is no run with id 99999. List runs with `mimic runs list`.\n')
    const s3 = openStore(db)
    expect(s3.runs.list().length).toBe(before)
    s3.close()
    const help = mimic(['reproduce', 'paper', '--help'])
    expect(help.stdout).toMatch(/^mimic reproduce paper \[--task TASK\]/)
    expect(help.stdout).toMatch(/--resume/)
    expect(help.stdout).toMatch(/--project N +project id \(default: with --resume, the project of that run; else a project named after the task/)
  })

  it('continues a reproduction in its own project, not in the one named after the task', () => {
    const project = json<{ id: number }>(['projects', 'create', 'elsewhere']).id
    const small = ['--task', 'xor', '--networks', '1', '--architectures', 'ads', '--perturbations', 'mismatch', '--samples', '6', '--draws', '2', '--seed', '31', ...tiny]
    const first = json<Analysis>(['reproduce', 'paper', '--project', String(project), ...small])
    const resumed = json<Analysis>(['reproduce', 'paper', '--resume', String(first.runId), ...small])
    const store = openStore(db)
    try {
      expect(store.runs.get(resumed.runId).projectId).toBe(project)
      expect(resumed.summary.reused).toBe(2)
    } finally {
      store.close()
    }
  }, 300_000)
})
