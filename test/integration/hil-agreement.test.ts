// A deployed configuration means one continuous-time network whatever the board's internal step
// (docs/method.md §14.2): the same small trained network ADS, run by `mimic hil` through a real
// `mimic board emulate` process (the native emulator with the mismatch of chip AGREE-1) over TCP and
// over a pseudo-terminal pair, agrees with the in-process emulator target of the same serial number —
// per-sample decisions, spike counts per neuron, rates — and a board stepping its chip at 50 µs
// instead of 100 µs runs the same network (rates and spike counts close).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimicJson } from '../support/cli.ts'
import { ptyPair, startEmulator, type PtyPair } from '../support/board.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const db = tempDb()
const serial = 'AGREE-1'
const samples = 6
let network = 0
let dataset = 0

const json = <T = Record<string, unknown>>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 180_000 })

interface HilJson {
  runId: number
  accuracy: number
  samples: number
  meanRateHz: number
  decisionDifferences?: number
  spikeCountCorrelation?: number
}

/** Per sample: the stored rate (Hz) of a hil run. */
function rates(run: number): number[] {
  const store = openStore(db)
  try {
    return store.results.query({ runId: run, key: 'rateHz', limit: 1000 }).rows.map((r) => r.value ?? Number.NaN)
  } finally {
    store.close()
  }
}

beforeAll(() => {
  const project = json<{ id: number }>(['projects', 'create', 'Agreement']).id
  dataset = json<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', String(samples), '--seed', '3']).id
  const teacher = json<{ id: number }>(['train', 'teacher', '--project', String(project), '--units', '8', '--epochs', '2', '--seed', '3']).id
  // 80 neurons: more than the chip's fan-in of 64 inputs per neuron, so the mapping prunes as it does for real networks
  network = json<{ id: number }>(['train', 'ads', '--project', String(project), '--teacher', String(teacher), '--neurons', '80', '--epochs', '2', '--samples-per-epoch', '6', '--validation-samples', '2', '--seed', '3']).id
}, 300_000)

afterAll(() => cleanupTemp())

/** The board run replayed on the in-process emulator target of the same virtual chip: what differs. */
function compareWithInProcess(boardRun: HilJson): void {
  const here = json<HilJson>(['hil', String(network), '--target', 'emulator', '--serial-number', serial, '--data', String(dataset), '--samples', String(samples), '--replay', String(boardRun.runId)])
  expect(here.samples).toBe(samples)
  // the same configuration (its values as the protocol carries them, f32), the same chip, the same
  // step: the same spikes, so the same decisions and rates
  expect(here.decisionDifferences).toBe(0)
  expect(here.spikeCountCorrelation).toBeCloseTo(1, 12)
  expect(here.accuracy).toBe(boardRun.accuracy)
  const a = rates(boardRun.runId)
  const b = rates(here.runId)
  expect(a).toHaveLength(samples)
  expect(a).toEqual(b)
  expect(Math.min(...a)).toBeGreaterThan(0)
}

describe('hil through `mimic board emulate` agrees with the in-process emulator target of the same serial', () => {
  it('over TCP', async () => {
    const board = await startEmulator(db, ['--chip', 'native', '--serial-number', serial, '--quiet'])
    try {
      const r = json<HilJson>(['hil', String(network), '--target', board.address, '--data', String(dataset), '--samples', String(samples)])
      expect(r.samples).toBe(samples)
      compareWithInProcess(r)
    } finally {
      await board.stop()
    }
  }, 300_000)

  it('over a pseudo-terminal pair', async () => {
    let pair: PtyPair | null = null
    const p = await ptyPair()
    pair = p
    const board = await startEmulator(db, ['--chip', 'native', '--serial', p.a, '--serial-number', serial, '--quiet'])
    try {
      const r = json<HilJson>(['hil', String(network), '--target', `serial:${p.b}`, '--data', String(dataset), '--samples', String(samples)])
      expect(r.samples).toBe(samples)
      compareWithInProcess(r)
    } finally {
      await board.stop()
      await pair.stop()
    }
  }, 300_000)

  it('a board stepping its chip at 50 µs runs the same network as one stepping at 100 µs', async () => {
    const fine = await startEmulator(db, ['--chip', 'native', '--serial-number', serial, '--step-us', '50', '--quiet'])
    try {
      const r = json<HilJson>(['hil', String(network), '--target', fine.address, '--data', String(dataset), '--samples', String(samples)])
      const here = json<HilJson>(['hil', String(network), '--target', 'emulator', '--serial-number', serial, '--data', String(dataset), '--samples', String(samples), '--replay', String(r.runId)])
      expect(here.spikeCountCorrelation).toBeGreaterThan(0.8)
      expect(here.decisionDifferences).toBeLessThanOrEqual(1)
      const a = rates(r.runId)
      const b = rates(here.runId)
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length
      expect(mean(a)).toBeGreaterThan(0.8 * mean(b))
      expect(mean(a)).toBeLessThan(1.25 * mean(b))
    } finally {
      await fine.stop()
    }
  }, 300_000)
})
