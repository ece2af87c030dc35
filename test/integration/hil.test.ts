// Hardware in the loop with real processes: a small network ADS trained by the CLI, run by
// `mimic hil` on a board that a `mimic board emulate` process serves (TCP), replayed on the board
// and on the native chip emulator with a discrepancy report, refused while another process holds the
// board, and a board killed mid-run: the run fails within 2 s naming the fault and keeps every
// sample recorded before it, and lets the board's lease go.
import { spawn } from 'node:child_process'
import { hostname } from 'node:os'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicBin, mimicJson, repoRoot } from '../support/cli.ts'
import { startEmulator, type Emulator } from '../support/board.ts'
import { underLoad } from '../support/load.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'
import { until } from '../support/until.ts'

const db = tempDb()
let emulator: Emulator
let network = 0
let dataset = 0

const json = <T = Record<string, unknown>>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 120_000 })

beforeAll(async () => {
  const project = json<{ id: number }>(['projects', 'create', 'HIL']).id
  dataset = json<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', '8', '--seed', '1']).id
  const teacher = json<{ id: number }>(['train', 'teacher', '--project', String(project), '--units', '8', '--epochs', '1', '--seed', '1']).id
  network = json<{ id: number }>(['train', 'ads', '--project', String(project), '--teacher', String(teacher), '--neurons', '24', '--epochs', '1', '--samples-per-epoch', '5', '--validation-samples', '2', '--seed', '1']).id
  emulator = await startEmulator(db, ['--serial-number', 'HIL-1', '--quiet'])
}, 120_000)

afterAll(async () => {
  await emulator?.stop()
  cleanupTemp()
})

interface HilJson {
  runId: number
  accuracy: number
  teacherAgreement: number | null
  samples: number
  target: string
  status: string
  decisionDifferences?: number
  spikeCountCorrelation?: number
}

describe('mimic hil', () => {
  let recorded = 0

  it('runs a network on a board sample by sample and stores a hil run with per-sample results and recordings', () => {
    const r = json<HilJson>(['hil', String(network), '--target', emulator.address, '--data', String(dataset), '--samples', '4'])
    expect(r).toMatchObject({ samples: 4, target: emulator.address, status: 'succeeded' })
    expect(typeof r.runId).toBe('number')
    expect(typeof r.teacherAgreement).toBe('number')
    recorded = r.runId
    const store = openStore(db)
    try {
      const run = store.runs.get(r.runId)
      expect(run.kind).toBe('hil')
      const rows = store.results.query({ runId: r.runId, limit: 10_000 }).rows
      const correct = rows.filter((x) => x.key === 'correct')
      expect(correct.map((x) => x.item)).toEqual([0, 1, 2, 3])
      // the headline accuracy is the mean of the stored per-sample results
      expect(r.accuracy).toBeCloseTo(correct.reduce((s, x) => s + (x.value ?? 0), 0) / 4, 12)
      const decisions = rows.filter((x) => x.key === 'decision').map((x) => x.value)
      expect(decisions.every((d) => d === -1 || d === 0 || d === 1)).toBe(true)
      // the recordings: spike counts per sample and neuron, as the board streamed them
      const counts = store.artifacts.get(r.runId, 'spikeCounts')
      expect(counts.shape).toEqual([4, 24])
      const total = (counts.data as Int32Array).reduce((s, x) => s + x, 0)
      expect(total).toBeGreaterThan(0)
      const rates = rows.filter((x) => x.key === 'rateHz').map((x) => x.value ?? 0)
      // rateHz is spikes / neurons / seconds (1000 steps of 1 ms): it agrees with the recorded counts
      for (let b = 0; b < 4; b++) {
        let s = 0
        for (let n = 0; n < 24; n++) s += (counts.data as Int32Array)[b * 24 + n]
        expect(rates[b]).toBeCloseTo(s / 24, 9)
      }
      // the running accuracy was streamed and stored per sample
      expect(store.metrics.series(r.runId, ['accuracy'])[0].steps).toEqual([1, 2, 3, 4])
      // the board was let go
      expect(store.boardLeases.list({ host: 'x', alive: () => true, staleMs: 1e9 })).toEqual([])
    } finally {
      store.close()
    }
  }, 60_000)

  it('replays a recorded run: on the same board nothing differs; on the native emulator, a per-sample discrepancy report', () => {
    const same = json<HilJson>(['hil', String(network), '--target', emulator.address, '--data', String(dataset), '--samples', '4', '--replay', String(recorded)])
    expect(same.decisionDifferences).toBe(0)
    expect(same.spikeCountCorrelation).toBeCloseTo(1, 12)
    const emu = json<HilJson>(['hil', String(network), '--target', 'emulator', '--data', String(dataset), '--samples', '4', '--replay', String(recorded)])
    expect(emu).toMatchObject({ samples: 4, target: 'emulator', status: 'succeeded' })
    expect(emu.decisionDifferences).toBeGreaterThanOrEqual(0)
    expect(emu.decisionDifferences).toBeLessThanOrEqual(4)
    const store = openStore(db)
    try {
      const rows = store.results.query({ runId: emu.runId, limit: 10_000 }).rows
      const differs = rows.filter((x) => x.key === 'decisionDiffers')
      expect(differs.map((x) => x.item)).toEqual([0, 1, 2, 3])
      expect(differs.reduce((s, x) => s + (x.value ?? 0), 0)).toBe(emu.decisionDifferences)
      // each per-sample decision difference is the comparison of the two runs' stored decisions
      const dec = (run: number) => store.results.query({ runId: run, key: 'decision', limit: 100 }).rows.map((x) => x.value)
      const a = dec(recorded)
      const b = dec(emu.runId)
      expect(differs.map((x) => x.value)).toEqual(a.map((v, i) => (v === b[i] ? 0 : 1)))
      const corr = rows.filter((x) => x.key === 'spikeCountCorrelation').map((x) => x.value ?? Number.NaN)
      expect(corr).toHaveLength(4)
      for (const c of corr) expect(Math.abs(c)).toBeLessThanOrEqual(1)
      // the run says which virtual chip it ran on, also when it named none: the default, which gives
      // the same decisions as naming it
      expect(store.runs.notes(emu.runId).map((n) => n.body)).toContain("ran on virtual chip EMU-0001 (the emulator's default; --serial-number chooses another)")
      const named = json<HilJson>(['hil', String(network), '--target', 'emulator', '--serial-number', 'EMU-0001', '--data', String(dataset), '--samples', '4', '--replay', String(recorded)])
      expect(dec(named.runId)).toEqual(b)
      expect(store.runs.notes(named.runId).map((n) => n.body)).toContain('ran on virtual chip EMU-0001')
      const text = mimic(['--db', db, 'hil', String(network), '--target', 'emulator', '--serial-number', 'EMU-0002', '--data', String(dataset), '--samples', '2'])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toMatch(/^hil run \d+ on emulator \(virtual chip EMU-0002\): accuracy /m)
    } finally {
      store.close()
    }
  }, 60_000)

  it('a replay of another network or dataset is refused, naming the field', () => {
    const r = mimic(['--db', db, 'hil', String(network), '--target', 'emulator', '--data', String(dataset), '--replay', String(network)])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/replay/)
  })

  describe('--deployment: a stored deployment instead of a fresh mapping', () => {
    let deployment = 0
    const perSample = (run: number): Record<string, (number | null)[]> => {
      const store = openStore(db)
      try {
        const out: Record<string, (number | null)[]> = {}
        for (const r of store.results.query({ runId: run, limit: 10_000 }).rows) (out[r.key] ??= [])[r.item] = r.value
        return out
      } finally {
        store.close()
      }
    }

    it('reusing a deployment gives the same per-sample results as a fresh mapping, on the emulator target and on the board, and is a parent of the hil run', () => {
      deployment = json<{ id: number }>(['deploy', String(network), '--target', 'emulator']).id
      // a fresh mapping is said while it runs (seconds at N = 768, before any sample); a stored one is not mapped
      const freshRun = mimic(['--db', db, '--json', 'hil', String(network), '--target', 'emulator', '--data', String(dataset), '--samples', '4', '--seed', '1'])
      expect(freshRun.code, freshRun.stderr).toBe(0)
      expect(freshRun.stderr.split('\n')[0]).toBe('0% mapping the network onto the chip')
      const fresh = JSON.parse(freshRun.stdout) as HilJson
      const reusedRun = mimic(['--db', db, '--json', 'hil', String(network), '--target', 'emulator', '--data', String(dataset), '--samples', '4', '--seed', '1', '--deployment', String(deployment)])
      expect(reusedRun.code, reusedRun.stderr).toBe(0)
      expect(reusedRun.stderr).not.toContain('mapping the network')
      const reused = JSON.parse(reusedRun.stdout) as HilJson
      expect(reused).toMatchObject({ samples: 4, status: 'succeeded' })
      const a = perSample(fresh.runId)
      const b = perSample(reused.runId)
      expect(Object.keys(a).sort()).toContain('decision')
      expect(b).toEqual(a)
      // on the board: the stored configuration sent over the protocol, the same as the recorded run's fresh mapping
      const board = json<HilJson>(['hil', String(network), '--target', emulator.address, '--data', String(dataset), '--samples', '4', '--deployment', String(deployment)])
      expect(perSample(board.runId)).toEqual(perSample(recorded))
      const store = openStore(db)
      try {
        for (const id of [reused.runId, board.runId]) {
          expect(store.runs.parents(id)).toContainEqual(expect.objectContaining({ id: deployment, kind: 'deployment', role: 'deployment' }))
          expect(store.runs.notes(id).map((n) => n.body).join('\n')).toContain(`ran the stored configuration of deployment run ${deployment}`)
          const lineage = store.runs.lineage(id)
          expect(lineage.edges).toContainEqual({ parentId: deployment, childId: id, role: 'deployment' })
        }
        // without --deployment the network is mapped afresh, and the existing deployment is named, with the same configuration
        expect(store.runs.parents(fresh.runId).map((r) => r.id)).not.toContain(deployment)
        expect(store.runs.notes(fresh.runId).map((n) => n.body)).toEqual([
          `mapped network run ${network} afresh; deployment run ${deployment} of it for SE2 exists and its configuration is the same as this mapping`,
          "ran on virtual chip EMU-0001 (the emulator's default; --serial-number chooses another)",
        ])
      } finally {
        store.close()
      }
    }, 120_000)

    it('a deployment of another network, or for another weight scheme, is refused naming the field, and nothing is stored', () => {
      const other = json<{ id: number }>(['train', 'ads', '--project', '1', '--teacher', String(network - 1), '--neurons', '16', '--epochs', '1', '--samples-per-epoch', '2', '--validation-samples', '1', '--seed', '2']).id
      const otherDeployment = json<{ id: number }>(['deploy', String(other), '--target', 'emulator']).id
      const se1 = json<{ id: number }>(['deploy', String(network), '--target', 'emulator-se1']).id
      const count = (): number => {
        const store = openStore(db)
        try {
          return store.runs.list({ limit: 100_000 }).length
        } finally {
          store.close()
        }
      }
      const before = count()
      const r = mimic(['--db', db, 'hil', String(network), '--target', 'emulator', '--data', String(dataset), '--deployment', String(otherDeployment)])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain('deployment')
      expect(r.stderr).toContain(`a deployment of network run ${other}, not of network run ${network}`)
      const s = mimic(['--db', db, 'hil', String(network), '--target', 'emulator', '--data', String(dataset), '--deployment', String(se1)])
      expect(s.code).not.toBe(0)
      expect(s.stderr).toContain(`is run ${se1}, which does not fit target "emulator": it is a SE1 configuration`)
      const t = mimic(['--db', db, 'hil', String(network), '--target', 'simulator', '--data', String(dataset), '--deployment', String(deployment)])
      expect(t.code).not.toBe(0)
      expect(t.stderr).toContain('target "simulator" runs the network as trained')
      expect(count()).toBe(before)
    }, 120_000)

    it('the stored configuration is what runs: edited in the database (no connections left), the run follows it, and a fresh mapping notes the difference', () => {
      const edited = json<{ id: number }>(['deploy', String(network), '--target', 'emulator']).id
      const sql = new Database(db)
      try {
        const row = sql.prepare("SELECT bytes FROM artifacts WHERE run_id = ? AND name = 'configuration'").get(edited) as { bytes: Buffer }
        const config = JSON.parse(row.bytes.toString('utf8')) as { connections: unknown[] }
        expect(config.connections.length).toBeGreaterThan(0)
        const bytes = Buffer.from(JSON.stringify({ ...config, connections: [] }))
        sql.prepare("UPDATE artifacts SET bytes = ?, shape = ? WHERE run_id = ? AND name = 'configuration'").run(bytes, JSON.stringify([bytes.length]), edited)
      } finally {
        sql.close()
      }
      const fresh = json<HilJson>(['hil', String(network), '--target', 'emulator', '--data', String(dataset), '--samples', '4', '--seed', '1'])
      const run = json<HilJson>(['hil', String(network), '--target', 'emulator', '--data', String(dataset), '--samples', '4', '--seed', '1', '--deployment', String(edited)])
      const store = openStore(db)
      try {
        const spikes = (id: number) => (store.artifacts.get(id, 'spikeCounts').data as Int32Array).reduce((s, x) => s + x, 0)
        expect(spikes(fresh.runId)).toBeGreaterThan(0)
        // without a single input connection the chip gets no input: it spikes otherwise than the network mapped afresh
        expect(spikes(run.runId)).not.toBe(spikes(fresh.runId))
        expect(store.runs.notes(fresh.runId).map((n) => n.body)).toEqual([
          `mapped network run ${network} afresh; deployment run ${edited} of it for SE2 exists and its configuration is different from this mapping (another version or geometry): pass --deployment ${edited} to run the stored one`,
          "ran on virtual chip EMU-0001 (the emulator's default; --serial-number chooses another)",
        ])
      } finally {
        store.close()
      }
    }, 120_000)
  })

  it('a board another process holds: the run fails with "in use by …" and changes nothing of the holder', () => {
    const store = openStore(db)
    try {
      // this test process holds the board, as the hardware panel of an app would
      store.boardLeases.acquire(emulator.address, { holder: 'the hardware panel of the test', runId: null, pid: process.pid }, { host: hostname(), alive: () => true, staleMs: 30_000 })
      const r = mimic(['--db', db, 'hil', String(network), '--target', emulator.address, '--data', String(dataset), '--samples', '1'])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`The board ${emulator.address} is in use by the hardware panel of the test (pid ${process.pid} on ${hostname()}, since `)
      expect(store.boardLeases.list({ host: hostname(), alive: () => true, staleMs: 30_000 }).map((l) => l.holder)).toEqual(['the hardware panel of the test'])
    } finally {
      store.boardLeases.release(emulator.address, process.pid, hostname())
      store.close()
    }
  })

  it('a board address where nothing listens: hil, deploy and finetune each fail saying so in their words, and hold no lease', () => {
    const address = 'tcp://127.0.0.1:1' // a privileged port: nothing listens there
    const runs = [
      { args: ['hil', String(network), '--target', address, '--data', String(dataset)], error: /^the board link failed at sample 1 of 8: .*nothing listens there \(connection refused\).* \(code CONNECT_FAILED\); the 0 sample\(s\) before it are kept$/ },
      { args: ['deploy', String(network), '--target', address, '--data', String(dataset)], error: /^the board at tcp:\/\/127\.0\.0\.1:1 could not be reached: .*nothing listens there \(connection refused\).* \(code CONNECT_FAILED\)$/ },
      { args: ['finetune', String(network), '--target', address, '--samples', '10'], error: /^the board at tcp:\/\/127\.0\.0\.1:1 could not be reached: .*nothing listens there \(connection refused\).* \(code CONNECT_FAILED\)$/ },
    ]
    const store = openStore(db)
    try {
      for (const { args, error } of runs) {
        const before = store.runs.list({ limit: 1 })[0]?.id ?? 0
        const r = mimic(['--db', db, ...args])
        expect(r.code, args[0]).not.toBe(0)
        const last = store.runs.list({ limit: 1 })[0]
        expect(last.id, args[0]).toBeGreaterThan(before)
        expect(last.status, args[0]).toBe('failed')
        expect(last.error, args[0]).toMatch(error)
        expect(r.stderr, args[0]).toContain(last.error!)
        expect(store.boardLeases.list({ host: 'x', alive: () => true, staleMs: 1e9 }), args[0]).toEqual([])
      }
    } finally {
      store.close()
    }
  }, 120_000)

  it('the board killed mid-run: the run fails within 2 s naming the fault, keeps the samples recorded before it, and lets the board go', async () => {
    const child = spawn(process.execPath, [mimicBin, '--db', db, '--json', 'hil', String(network), '--target', emulator.address, '--data', String(dataset)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const store = openStore(db)
    try {
      // wait until two samples are stored, then kill the board
      let run = 0
      const t0 = Date.now()
      while (Date.now() - t0 < 60_000) {
        const last = store.runs.list({ limit: 1 })[0]
        if (last && last.kind === 'hil' && last.id > recorded + 2 && store.results.count(last.id) >= 2) {
          run = last.id
          break
        }
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(run).toBeGreaterThan(0)
      emulator.child.kill('SIGKILL')
      const killedAt = Date.now()
      // the run is marked failed within 2 s of the fault
      await until(() => store.runs.get(run).status === 'failed', underLoad(5000)).catch(() => {})
      expect(store.runs.get(run).status).toBe('failed')
      expect(Date.now() - killedAt).toBeLessThan(underLoad(2000))
      expect(await exited).not.toBe(0)
      const rec = store.runs.get(run)
      expect(rec.error).toMatch(/^the board link failed at sample (\d+) of 8: the board at tcp:\S+ closed the connection .*\(code CLOSED\); the \d+ sample\(s\) before it are kept$/)
      const at = Number(/at sample (\d+) of 8/.exec(rec.error ?? '')![1])
      const kept = [...new Set(store.results.query({ runId: run, key: 'correct', limit: 100 }).rows.map((x) => x.item))]
      expect(kept).toEqual(Array.from({ length: at - 1 }, (_, i) => i))
      expect(rec.summary.samples).toBe(at - 1)
      expect(store.artifacts.get(run, 'spikeCounts').shape).toEqual([at - 1, 24])
      expect(stderr).toMatch(/the board link failed at sample/)
      // the lease went with the run
      expect(store.boardLeases.list({ host: 'x', alive: () => true, staleMs: 1e9 })).toEqual([])
    } finally {
      store.close()
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 90_000)
})
