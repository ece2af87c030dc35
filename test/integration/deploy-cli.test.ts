// `mimic deploy` end to end: a network placed on a chip, its configuration stored as an artifact that
// the board protocol's checks accept and that replays (the reference chip and the native emulator
// without mismatch give the same spikes from it), the report, and refusals that store the reason and
// change nothing else.
import { afterAll, describe, expect, it } from 'vitest'
import { chipEmulate } from '../../native/index.ts'
import { ReferenceChip, referenceGeometry } from '../../src/hardware/chip/reference.ts'
import { checkConfiguration } from '../../src/hardware/chip/validate.ts'
import type { DeployedConfiguration } from '../../src/shared/board.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson, spawnMimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

const json = <T = any>(args: string[]): T => mimicJson<T>(args)

describe('mimic deploy', () => {
  const db = tempDb()

  it('maps a network onto the emulator: report, stored configuration that the protocol accepts and that replays', async () => {
    json(['--db', db, 'projects', 'create', 'Chips'])
    json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '96', '--dims', '8', '--seed', '4', '--slow-weights', 'random'])
    const d = json(['--db', db, 'deploy', '1', '--target', 'emulator'])
    expect(d).toMatchObject({ status: 'succeeded' })
    const s = d
    expect(s).toMatchObject({ neurons: 96, coresUsed: 1, chips: 1, droppedFanOut: 0 })
    // 96 neurons, dense Ω_f and Ω_s (95 each) and one input: 191 candidates each, 64 CAM entries
    expect(s.connectionsKept).toBeLessThanOrEqual(96 * 64)
    expect(s.droppedFanIn).toBeGreaterThan(96 * (191 - 64) - s.droppedZero - 1)
    expect(s.connectionsKept + s.connectionsDropped).toBe(96 * 191)
    for (const k of ['errorWIn', 'errorOmegaF', 'errorOmegaS']) {
      expect(s[k]).toBeGreaterThanOrEqual(0)
      expect(s[k]).toBeLessThan(1)
    }
    expect(d.report).toEqual([expect.stringMatching(/^refused: \d+ connection\(s\) — the chip's fan-in is 64 CAM entries per neuron/)])
    const store = openStore(db)
    const config = JSON.parse(new TextDecoder().decode(store.artifacts.get(d.id, 'configuration').data as Uint8Array)) as DeployedConfiguration
    const report = JSON.parse(new TextDecoder().decode(store.artifacts.get(d.id, 'report').data as Uint8Array))
    store.close()
    expect(report).toMatchObject({ neurons: 96, coresUsed: 1, target: 'emulator', network: 1 })
    expect(report.matrices.map((m: { matrix: string }) => m.matrix)).toEqual(['wIn', 'omegaF', 'omegaS'])
    expect(checkConfiguration(referenceGeometry(1, 'se2'), config)).toEqual({ cores: 1, neurons: 96, connections: s.connectionsKept, camEntries: s.camEntries })
    // replay: the configuration drives the reference chip and the ideal native emulator to the same spikes
    const T = 400
    const samples = Float32Array.from({ length: T }, (_, t) => (t > 50 && t < 250 ? 1.5 : 0))
    const ref = new ReferenceChip({ chips: 1, weightScheme: 'se2', dtUs: 1000 })
    ref.configure(config)
    const run = ref.start({ durationUs: T * 1000, input: 'samples', analogChannels: 1, samplePeriodUs: 1000 })
    run.samples(samples, 1)
    const spikes = run.advance(T * 1000)
    const nat = await chipEmulate(config, { samples, batch: 1, steps: T, channels: 1, samplePeriodUs: 1000 }, { mismatch: false, dtUs: 1000, spikesOf: 1 })
    expect(spikes.timesUs.length).toBeGreaterThan(50)
    expect([...nat.spikes.step].map((k, i) => `${k * 1000}:${nat.addresses[nat.spikes.neuron[i]]}`)).toEqual([...spikes.timesUs].map((t, i) => `${t}:${spikes.neurons[i]}`))
  })

  it('refuses a network larger than the board, with the reason, storing the report and changing nothing else', () => {
    json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '1100', '--dims', '8', '--seed', '5', '--no-ebn'])
    const before = openStore(db)
    const runsBefore = before.runs.list({}).length
    before.close()
    const r = mimic(['--db', db, 'deploy', '3', '--target', 'emulator'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/1100 neurons: the board has 1 chip\(s\) × 4 cores × 256 neurons = 1024 neurons: use a board with more chips or a smaller network/)
    const store = openStore(db)
    const runs = store.runs.list({})
    expect(runs.length).toBe(runsBefore + 1)
    const failed = runs.find((x) => x.kind === 'deployment' && x.id !== 2)!
    expect(failed.status).toBe('failed')
    expect(store.runs.notes(failed.id).map((n) => n.body)).toEqual([expect.stringMatching(/^refused: 1100 neurons — the board has 1 chip/)])
    expect(store.artifacts.list(failed.id).map((a) => a.name)).toEqual(['report'])
    store.close()
  })

  it('refuses bad parameters naming the field, before any run is made', () => {
    const r = mimic(['--db', db, 'deploy', '1', '--target', 'emulator', '--serial-numbers', 'EMU 1'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/serial-numbers.*"EMU 1" is not a serial number/i)
    // a chip named twice would count twice in the mean accuracy over the virtual chips
    const twice = mimic(['--db', db, 'deploy', '1', '--target', 'emulator', '--serial-numbers', 'EMU-1,EMU-2,EMU-1'])
    expect(twice.code).toBe(2)
    expect(twice.stderr).toBe('mimic: Virtual chips (--serial-numbers) name "EMU-1" twice: give each virtual chip once.\n')
    const t = mimic(['--db', db, 'deploy', '1', '--target', 'board-x'])
    expect(t.code).not.toBe(0)
    expect(t.stderr).toMatch(/target/)
  })

  it('says how far the mapping is while it runs (seconds at 512 neurons), and Ctrl-C in it cancels the run at once', async () => {
    const big = json<{ id: number }>(['--db', db, 'network', 'create', '--project', '1', '--neurons', '512', '--dims', '8', '--seed', '6', '--slow-weights', 'random']).id
    const deploy = (stopAt: RegExp | null): Promise<{ code: number | null; stderr: string; stopToEnd: number }> =>
      new Promise((resolve) => {
        const child = spawnMimic(['--db', db, 'deploy', String(big), '--target', 'emulator'])
        let stderr = ''
        let stopped = 0
        child.stderr!.on('data', (b: Buffer) => {
          stderr += b.toString()
          if (stopAt && !stopped && stopAt.test(stderr)) {
            stopped = Date.now()
            child.kill('SIGINT')
          }
        })
        child.on('exit', (code) => resolve({ code, stderr, stopToEnd: stopped ? Date.now() - stopped : 0 }))
      })
    const whole = await deploy(null)
    expect(whole.code).toBe(0)
    const shares = [...whole.stderr.matchAll(/mapping the network onto the chip \((\d+) %\)/g)].map((m) => Number(m[1]))
    expect(shares.length).toBeGreaterThan(2)
    expect(shares).toEqual([...shares].sort((x, y) => x - y))
    // cancelled in the mapping: before, the mapping ran to its end (no slice of it looked at the cancel)
    const runs = (): { id: number; status: string }[] => json(['--db', db, 'runs', 'list', '--kind', 'deployment'])
    const before = runs().length
    const cancelled = await deploy(/mapping the network onto the chip \(\d+ %\)/)
    expect(cancelled.code).toBe(130)
    expect(cancelled.stopToEnd).toBeLessThan(1500)
    const after = runs()
    expect(after.length).toBe(before + 1)
    expect(after.reduce((x, y) => (y.id > x.id ? y : x)).status).toBe('cancelled')
  }, 120_000)

  it('the chip targets run a network: backends list shows them; simulate on mapped and on the emulator', () => {
    const backends = json<{ name: string; available: boolean }[]>(['--db', db, 'backends', 'list'])
    const names = (Array.isArray(backends) ? backends : (backends as unknown as { targets: { name: string }[] }).targets).map((b) => b.name)
    for (const t of ['mapped', 'mapped-se1', 'emulator', 'emulator-se1']) expect(names).toContain(t)
    const data = json(['--db', db, 'data', 'generate', 'xor', '--project', '1', '--count', '3', '--seed', '2'])
    const rates: Record<string, number> = {}
    for (const target of ['simulator', 'mapped', 'emulator']) {
      const sim = json(['--db', db, 'simulate', '1', '--data', String(data.id), '--samples', '3', '--target', target, '--membrane-neurons', ''])
      expect(sim).toMatchObject({ status: 'succeeded', summary: { samples: 3 } })
      rates[target] = sim.summary.meanRateHz
      const store = openStore(db)
      expect(store.artifacts.get(sim.id, 'spikes.offsets').data.length).toBe(4)
      store.close()
    }
    // the deployed network fires, and differently from the dense one (96 → 64 inputs per neuron, weight levels)
    expect(rates.mapped).toBeGreaterThan(0)
    expect(rates.emulator).toBeGreaterThan(0)
    expect(rates.mapped).not.toBe(rates.simulator)
    // membrane traces and decimation on every target, the emulator's included (before 2026-12-06 it kept none, and every step)
    for (const target of ['simulator', 'mapped', 'emulator']) {
      const sim = json(['--db', db, 'simulate', '1', '--data', String(data.id), '--samples', '2', '--target', target, '--membrane-neurons', '0,5,95', '--decimate', '7'])
      const store = openStore(db)
      const steps = store.artifacts.get(data.id, 'inputs').shape[1]
      const membrane = store.artifacts.get(sim.id, 'membrane')
      expect(membrane.shape, target).toEqual([2, Math.ceil(steps / 7), 3])
      expect(Array.from(store.artifacts.get(sim.id, 'membraneNeurons').data)).toEqual([0, 5, 95])
      expect(store.artifacts.get(sim.id, 'decoded').shape).toEqual([2, Math.ceil(steps / 7), 8])
      // potentials below threshold (1) and moving
      const v = Array.from(membrane.data as Float32Array)
      expect(Math.max(...v), target).toBeLessThan(1)
      expect(new Set(v).size, target).toBeGreaterThan(10)
      store.close()
    }
  })
})
