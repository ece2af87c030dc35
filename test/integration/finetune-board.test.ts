// `mimic finetune RUN --target BOARD` (docs/method.md §14.4): the read-out refitted on the spikes a
// real `mimic board emulate` process records over the board protocol. The board holds the native
// emulator of virtual chip EMU-0001, so the refit must equal the one made on the in-process emulator target
// of the same serial (the same samples, the same spikes, the same read-out), raise the accuracy on
// that board for test samples it was not fitted on, be stored as a network ADS with the network as
// its parent, and hold the board's lease for the run (refused while another holds it).
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ads, type AdsNet } from '../../src/plugins/architectures/ads.ts'
import { loadBundle, saveBundle } from '../../src/plugins/architectures/bundle.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { startEmulator, type Emulator } from '../support/board.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const db = tempDb()
const serial = 'EMU-0001'
let network = 0
let test = 0
let board: Emulator

const json = <T = Record<string, any>>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 240_000 })

function runCount(): number {
  const store = openStore(db)
  try {
    return store.runs.list({ limit: 100_000 }).length
  } finally {
    store.close()
  }
}

beforeAll(async () => {
  const project = json<{ id: number }>(['projects', 'create', 'Board refit']).id
  test = json<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', '40', '--seed', '5']).id
  // an EBN network with random slow weights and a read-out of its own (as test/integration/finetune.test.ts makes it)
  const ebn = json<{ id: number }>(['network', 'create', '--project', String(project), '--neurons', '128', '--dims', '8', '--slow-weights', 'random', '--slow-scale', '0.2', '--seed', '4']).id
  const store = openStore(db)
  const made = loadBundle<AdsNet>(store, ebn)
  const readout = Float32Array.from({ length: 8 }, (_, d) => (d % 2 ? 0.5 : -0.5))
  const run = store.runs.create({ projectId: project, kind: 'ads', name: 'EBN network with a read-out', params: {}, seed: 4, codeVersion: 'test', host: 'test', status: 'succeeded', parents: [{ id: ebn, role: 'network' }] })
  saveBundle(store, run.id, ads, { ...made.net, spec: { ...made.net.spec, outputs: 1, weights: { ...made.net.spec.weights, readout } } }, { task: 'xor' })
  network = run.id
  store.close()
  board = await startEmulator(db, ['--chip', 'native', '--serial-number', serial, '--quiet'])
}, 240_000)

afterAll(async () => {
  await board?.stop()
  cleanupTemp()
})

describe('mimic finetune on a board', () => {
  it('refits the read-out on the spikes recorded over the protocol: the same read-out as on the emulator of that serial, better on that board, stored with lineage, the lease let go', () => {
    const before = json<{ accuracy: number }>(['hil', String(network), '--target', board.address, '--data', String(test)])
    const ft = json<Record<string, any>>(['finetune', String(network), '--target', board.address, '--samples', '200', '--seed', '3'])
    expect(ft).toMatchObject({ status: 'succeeded', samples: 200, heldOutSamples: 40, neurons: 128 })
    expect(ft.heldOutAccuracyAfter).toBeGreaterThan(ft.heldOutAccuracyBefore + 0.15)
    expect(ft.heldOutMseAfter).toBeLessThan(ft.heldOutMseBefore)
    // on the in-process emulator of the same virtual chip: the same spikes, so the same fit
    const here = json<Record<string, any>>(['finetune', String(network), '--target', 'emulator', '--serial-number', serial, '--samples', '200', '--seed', '3'])
    for (const k of ['heldOutAccuracyBefore', 'heldOutAccuracyAfter', 'heldOutMseBefore', 'heldOutMseAfter', 'ridge', 'meanRateHz']) expect(ft[k], k).toBe(here[k])
    const store = openStore(db)
    try {
      const a = loadBundle<AdsNet>(store, ft.id).net.spec.weights
      const b = loadBundle<AdsNet>(store, here.id).net.spec.weights
      expect(Array.from(a.decoder!)).toEqual(Array.from(b.decoder!))
      const parent = loadBundle<AdsNet>(store, network).net.spec.weights
      expect(Array.from(a.omegaS!)).toEqual(Array.from(parent.omegaS!))
      expect(Array.from(a.decoder!)).not.toEqual(Array.from(parent.decoder!))
      expect(store.runs.get(ft.id).kind).toBe('ads')
      expect(store.runs.parents(ft.id)).toContainEqual(expect.objectContaining({ id: network, role: 'network' }))
      expect(store.runs.notes(ft.id).map((n) => n.body).join('\n')).toContain(`refitted on the board ${serial} at ${board.address}`)
      // the board was held for the run and let go
      expect(store.boardLeases.list({ host: hostname(), alive: () => true, staleMs: 1e9 })).toEqual([])
    } finally {
      store.close()
    }
    // on test samples it was not fitted on, on the same board
    const after = json<{ accuracy: number }>(['hil', String(ft.id), '--target', board.address, '--data', String(test)])
    expect(after.accuracy).toBeGreaterThan(before.accuracy + 0.15)
  }, 600_000)

  it('the command it prints to test the refit network names the virtual chip it was fitted on', () => {
    const r = mimic(['--db', db, 'finetune', String(network), '--target', 'emulator', '--serial-number', 'EMU-0002', '--samples', '50', '--seed', '3'], { timeoutMs: 240_000 })
    expect(r.code, r.stderr).toBe(0)
    const id = Number(/^network run (\d+): read-out/m.exec(r.stdout)?.[1])
    expect(r.stdout).toContain(`test it with \`mimic hil ${id} --target emulator --serial-number EMU-0002 --data TEST_SET_RUN\``)
    // and that command, with a test set, runs on that chip
    const hil = json<{ accuracy: number; samples: number }>(['hil', String(id), '--target', 'emulator', '--serial-number', 'EMU-0002', '--data', String(test), '--samples', '4'])
    expect(hil.samples).toBe(4)
  })

  it('a board another process holds: refused with "in use by …", nothing stored', () => {
    const store = openStore(db)
    try {
      store.boardLeases.acquire(board.address, { holder: 'the hardware panel of the test', runId: null, pid: process.pid }, { host: hostname(), alive: () => true, staleMs: 30_000 })
      const runs = runCount()
      const r = mimic(['--db', db, 'finetune', String(network), '--target', board.address, '--samples', '10'])
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`The board ${board.address} is in use by the hardware panel of the test (pid ${process.pid} on ${hostname()}, since `)
      // the run is recorded as failed with the reason; no network was stored
      const last = store.runs.list({ limit: 1 })[0]
      expect(runCount()).toBe(runs + 1)
      expect(last).toMatchObject({ kind: 'ads', status: 'failed' })
      expect(store.networks.find(last.id)).toBeFalsy()
    } finally {
      store.boardLeases.release(board.address, process.pid, hostname())
      store.close()
    }
  }, 120_000)

  it('refuses a serial number with a board, and a target that is neither a target nor a board, naming the field', () => {
    const runs = runCount()
    const a = mimic(['--db', db, 'finetune', String(network), '--target', board.address, '--serial-number', 'X'])
    expect(a.code).not.toBe(0)
    expect(a.stderr).toMatch(/serial.?number/i)
    expect(a.stderr).toContain('is a board, which is its own chip')
    const b = mimic(['--db', db, 'finetune', String(network), '--target', 'emulatr'])
    expect(b.code).not.toBe(0)
    expect(b.stderr).toContain('is "emulatr", neither a target (emulator, emulator-se1, mapped, mapped-se1) nor a board')
    expect(runCount()).toBe(runs)
  }, 120_000)

  it('deploy --target BOARD: mapped for the board, the board configured with it, scored on the board as on the emulator of its serial, the lease let go', () => {
    const d = json<Record<string, any>>(['deploy', String(network), '--target', board.address, '--data', String(test), '--samples', '20'])
    expect(d).toMatchObject({ status: 'succeeded', neurons: 128, samples: 20 })
    expect(typeof d.accuracyBoard).toBe('number')
    // no virtual chips on a board: it is its own chip
    expect(d.accuracyEmulatorMean).toBeUndefined()
    // the same configuration as deploying for the emulator of the board's model, and the same
    // accuracy as the hil run on the board with the stored deployment
    const e = json<Record<string, any>>(['deploy', String(network), '--target', 'emulator', '--data', String(test), '--samples', '20', '--serial-numbers', serial])
    const store = openStore(db)
    try {
      const text = (id: number) => new TextDecoder().decode(store.artifacts.find(id, 'configuration')!.data as Uint8Array)
      expect(text(d.id)).toBe(text(e.id))
      const notes = store.runs.notes(d.id).map((n) => n.body)
      expect(notes.join('\n')).toContain(`configured the board ${serial}`)
      expect(store.boardLeases.list({ host: hostname(), alive: () => true, staleMs: 1e9 })).toEqual([])
    } finally {
      store.close()
    }
    expect(d.accuracyBoard).toBe(e.accuracyEmulatorMean)
    const hil = json<{ accuracy: number }>(['hil', String(network), '--target', board.address, '--data', String(test), '--samples', '20', '--deployment', String(d.id)])
    expect(hil.accuracy).toBe(d.accuracyBoard)
    // a target that is neither a chip model nor a board: refused naming the field, nothing stored
    const runs = runCount()
    const bad = mimic(['--db', db, 'deploy', String(network), '--target', 'emulatr'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('is "emulatr", neither a chip model (emulator, emulator-se1) nor a board')
    expect(runCount()).toBe(runs)
  }, 600_000)
})
