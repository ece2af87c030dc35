// `mimic deploy`'s expected accuracy and `mimic finetune` end to end (docs/method.md §14.2, §14.4), with the real addon and a real SQLite file: the
// read-out of a small network ADS refitted on the chip emulator raises its accuracy there, measured
// by `mimic hil` on test samples it was not fitted on; the result is a network ADS with the parent's
// recurrent and input weights (the same configuration when deployed) and the network as its parent;
// bad flags are refused by name before any run is made. The network is made here: an EBN network
// of 128 neurons with random slow weights (a network trained by the local rule for a few seconds
// barely fires and cannot hold the task) with a read-out of its own, stored as a network ADS. Deploy
// measures the expected accuracy on a few samples (fresh ones by default) and, for a network that
// loses much when mapped, names the remedy in its report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ads, type AdsNet } from '../../src/plugins/architectures/ads.ts'
import { loadBundle, saveBundle } from '../../src/plugins/architectures/bundle.ts'
import { accumulateSample, decoderFor, ridgeSolve, ridgeSums, traceFilter } from '../../src/plugins/deploy/readout.ts'
import { simulator } from '../../src/plugins/targets/simulator.ts'
import { taskImpls } from '../../src/plugins/tasks/index.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const db = tempDb()
let network = 0
let chipNetwork = 0
let test = 0

const json = <T = Record<string, any>>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 240_000 })

beforeAll(() => {
  const project = json<{ id: number }>(['projects', 'create', 'Refit']).id
  test = json<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', '80', '--seed', '5']).id
  const withReadout = (slowScale: string): number => {
    const ebn = json<{ id: number }>(['network', 'create', '--project', String(project), '--neurons', '128', '--dims', '8', '--slow-weights', 'random', '--slow-scale', slowScale, '--seed', '4']).id
    const store = openStore(db)
    const made = loadBundle<AdsNet>(store, ebn)
    const readout = Float32Array.from({ length: 8 }, (_, d) => (d % 2 ? 0.5 : -0.5))
    const run = store.runs.create({ projectId: project, kind: 'ads', name: 'EBN network with a read-out', params: {}, seed: 4, codeVersion: 'test', host: 'test', status: 'succeeded', parents: [{ id: ebn, role: 'network' }] })
    saveBundle(store, run.id, ads, { ...made.net, spec: { ...made.net.spec, outputs: 1, weights: { ...made.net.spec.weights, readout } } }, { task: 'xor' })
    store.close()
    return run.id
  }
  network = withReadout('0.05')
  // stronger slow weights: on the continuous-time chip (docs/method.md §14.1) this one holds the task's
  // memory well enough for a refitted read-out to decide it (the one above fires too little there)
  chipNetwork = withReadout('0.2')
}, 240_000)

afterAll(cleanupTemp)

describe('mimic deploy: the expected accuracy', () => {
  it('on fresh samples of the task by default, a few of them; none with --samples 0; --samples is checked', () => {
    const d = json<Record<string, any>>(['deploy', String(network), '--target', 'emulator', '--samples', '12', '--serial-numbers', 'EMU-0001'])
    expect(d).toMatchObject({ status: 'succeeded', samples: 12, virtualChips: 1 })
    for (const k of ['accuracySimulator', 'accuracyMapped', 'accuracyEmulatorIdeal', 'accuracyEmulatorMean']) {
      expect(d[k], k).toBeGreaterThanOrEqual(0)
      expect(d[k], k).toBeLessThanOrEqual(1)
      expect(Number.isInteger(d[k] * 12), k).toBe(true)
    }
    expect(typeof d.testSeed).toBe('number')
    const text = mimic(['--db', db, 'deploy', String(network), '--target', 'emulator', '--samples', '4', '--serial-numbers', 'EMU-0001'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/expected accuracy on 4 test samples: simulator \S+, mapped network \S+, emulator without mismatch \S+, emulator with mismatch \S+/)
    const none = json<Record<string, any>>(['deploy', String(network), '--target', 'emulator', '--samples', '0'])
    expect(none.status).toBe('succeeded')
    expect(none.accuracySimulator).toBeUndefined()
    const bad = mimic(['--db', db, 'deploy', String(network), '--target', 'emulator', '--samples', '-1'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/samples/i)
  }, 120_000)

  it('names the remedy when deployment costs much accuracy', async () => {
    // the network's read-out refitted on the plain simulator: good there, worse once mapped (fan-in 64 of 257)
    const store = openStore(db)
    const n = loadBundle<AdsNet>(store, network)
    const a = n.net
    const data = await taskImpls.xor.generate!({ count: 200, seed: 11 }, {})
    const out = await simulator.run(n, { inputs: data.inputs, count: 200, steps: data.steps, channels: 1, dtMs: data.dtMs }, { seed: 1, threads: 0, record: { trajectories: false, spikes: 200 } })
    const filter = traceFilter(a.params.tauOutMs, data.dtMs, false)
    const sums = ridgeSums(a.spec.neurons, 1)
    for (let b = 0; b < 200; b++) accumulateSample(sums, out.spikes!, b, data.steps, filter, data.targets, b, 10)
    const decoder = decoderFor(a.spec.weights.readout!, a.spec.weights.decoder!, ridgeSolve(sums, 1e-4)!, 1, a.spec.dims, a.spec.neurons)
    const src = store.runs.get(network)
    const run = store.runs.create({ projectId: src.projectId, kind: 'ads', name: 'read-out fitted on the simulator', params: {}, seed: 1, codeVersion: 'test', host: 'test', status: 'succeeded', parents: [{ id: network, role: 'network' }] })
    saveBundle(store, run.id, ads, ads.withQuantities(a, { decoder }), { task: 'xor' })
    store.close()
    const d = json<Record<string, any>>(['deploy', String(run.id), '--target', 'emulator', '--data', String(test), '--samples', '80'])
    expect(d.samples).toBe(80)
    expect(d.accuracySimulator - Math.min(d.accuracyMapped, d.accuracyEmulatorMean)).toBeGreaterThanOrEqual(0.1)
    expect(d.report).toContainEqual(expect.stringMatching(new RegExp(`^deployment costs 0\\.\\d+ of accuracy \\(simulator 0\\.\\d+, .*\\): refit the read-out on the chip with \`mimic finetune ${run.id} --target emulator --serial-number EMU-0001 --deployment ${d.id}\``)))
  }, 120_000)
})

describe('mimic finetune', () => {
  it('refits the read-out on the emulator: higher accuracy there on unseen samples, the same weights on the chip, the network as parent', () => {
    const before = json<{ accuracy: number }>(['hil', String(chipNetwork), '--target', 'emulator', '--data', String(test)])
    const command = mimic(['--db', db, '--json', 'finetune', String(chipNetwork), '--target', 'emulator', '--samples', '200', '--seed', '3'], { timeoutMs: 240_000 })
    expect(command.code, command.stderr).toBe(0)
    const ft = JSON.parse(command.stdout) as Record<string, any>
    // it says what it does: the mapping, then the samples batch by batch, each batch as it runs
    const said = command.stderr.split('\n').map((l) => l.replace(/^\d+% /, '').replace(/, about .* left$/, ''))
    expect(said).toContain('mapping the network onto the chip')
    // the batches in order (progress is thinned to ten reports a second: a batch that runs in less may
    // show only as the next one's line)
    const batches = said.map((l) => /^running samples (\d+)-(\d+) of 200 on emulator \(virtual chip EMU-0001\)$/.exec(l)).filter((m) => m !== null)
    expect(batches.length).toBeGreaterThan(1)
    for (const [, from, to] of batches) expect((Number(from) - 1) % 16 === 0 && Number(to) === Math.min(200, Number(from) + 15)).toBe(true)
    expect(batches.map((m) => Number(m[1]))).toEqual([...batches.map((m) => Number(m[1]))].sort((x, y) => x - y))
    expect(said.indexOf('mapping the network onto the chip')).toBeLessThan(said.indexOf(batches[0][0]))
    expect(ft).toMatchObject({ status: 'succeeded', samples: 200, heldOutSamples: 40, neurons: 128 })
    expect(ft.heldOutAccuracyAfter).toBeGreaterThan(ft.heldOutAccuracyBefore + 0.15)
    expect(ft.heldOutMseAfter).toBeLessThan(ft.heldOutMseBefore)
    const after = json<{ accuracy: number }>(['hil', String(ft.id), '--target', 'emulator', '--data', String(test)])
    // the test samples (seed 5) are not the fitted ones (fresh draws of the seed 3 stream)
    expect(after.accuracy).toBeGreaterThan(before.accuracy + 0.15)

    const run = json<{ kind: string; parents: { id: number; role: string }[] }>(['runs', 'show', String(ft.id)])
    expect(run.kind).toBe('ads')
    expect(run.parents).toContainEqual(expect.objectContaining({ id: chipNetwork, role: 'network' }))
    const store = openStore(db)
    const a = loadBundle<AdsNet>(store, chipNetwork).net.spec.weights
    const b = loadBundle<AdsNet>(store, ft.id).net.spec.weights
    store.close()
    expect(Array.from(b.wIn!)).toEqual(Array.from(a.wIn!))
    expect(Array.from(b.omegaF!)).toEqual(Array.from(a.omegaF!))
    expect(Array.from(b.omegaS!)).toEqual(Array.from(a.omegaS!))
    expect(Array.from(b.readout!)).toEqual(Array.from(a.readout!))
    expect(Array.from(b.decoder!)).not.toEqual(Array.from(a.decoder!))
    // deployed, it is the same configuration as the network it came from
    const d1 = json<{ id: number }>(['deploy', String(chipNetwork), '--target', 'emulator', '--samples', '0'])
    const d2 = json<{ id: number }>(['deploy', String(ft.id), '--target', 'emulator', '--samples', '0'])
    const s2 = openStore(db)
    const text = (id: number) => new TextDecoder().decode(s2.artifacts.get(id, 'configuration').data as Uint8Array)
    expect(text(d2.id)).toBe(text(d1.id))
    s2.close()
    // its deploy report says what it was fitted for, instead of naming the remedy again
    const d3 = json<Record<string, any>>(['deploy', String(ft.id), '--target', 'emulator', '--data', String(test), '--samples', '20', '--serial-numbers', 'EMU-0001'])
    expect(d3.refitted).toBe(1)
    expect(d3.report).toContainEqual(expect.stringMatching(new RegExp(`^network run ${ft.id} has its read-out refitted on emulator \\(virtual chip\\(s\\) EMU-0001\\)`)))
    expect(d3.report.filter((r: string) => r.startsWith('deployment costs'))).toEqual([])
  }, 300_000)

  it('refuses bad flags by name, before any run is made', () => {
    const count = () => {
      const s = openStore(db)
      const n = s.runs.list({}).length
      s.close()
      return n
    }
    const runs = count()
    const cases: [string[], RegExp][] = [
      [['--target', 'simulator'], /target/i],
      [['--target', 'mapped', '--serial-number', 'EMU-0002'], /serial-number.*mapped network on the simulator, which has no mismatch/i],
      [['--target', 'emulator', '--serial-number', 'EMU 2'], /serial-number.*"EMU 2" is not a serial number/i],
      [['--target', 'emulator', '--samples', '5'], /samples/i],
      [['--target', 'emulator', '--ridge', '0'], /ridge/i],
      [['--target', 'emulator', '--data', String(test), '--samples', '500'], /samples.*dataset run \d+ has 80 samples/i],
      [['--target', 'emulator', '--deployment', String(test)], /deployment.*dataset run/i],
    ]
    for (const [flags, why] of cases) {
      const r = mimic(['--db', db, 'finetune', String(network), ...flags])
      expect(r.code, flags.join(' ')).not.toBe(0)
      expect(r.stderr, flags.join(' ')).toMatch(why)
    }
    const untrained = mimic(['--db', db, 'finetune', '2', '--target', 'emulator'])
    expect(untrained.code).not.toBe(0)
    expect(untrained.stderr).toMatch(/network/i)
    expect(count()).toBe(runs)
  })
})
