// The order in which FORCE, BPTT (spiking) and the reservoir see the samples of a dataset, per seed: a
// run stored with a seed must train the same network again. The expected values were measured on the
// trainers' own order loops before they were routed through dataset_epoch_order (native/core/task.hpp)
// and reservoirTrainingSamples; a changed order (or subset) changes every one of them.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { bpttTrain, forceTrain, taskGenerate } from '../../native/index.ts'
import { reservoirTrainingSamples } from '../../src/jobs/kinds/train-baselines.ts'
import type { TimedDataset } from '../../src/formats/dataset.ts'

async function xor(count: number, seed: number): Promise<{ inputs: Float32Array; targets: Float32Array; count: number; steps: number }> {
  const d = await taskGenerate('xor', { count, seed, durationS: 0.3 })
  return { inputs: d.inputs, targets: d.targets, count: d.count, steps: d.steps }
}

/** The bytes of the trained weights, hashed: equal only when every bit is. */
function digest(...arrays: Float32Array[]): string {
  const h = createHash('sha256')
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
  return h.digest('hex').slice(0, 16)
}

describe('the epoch order of the baselines in dataset mode, per seed (unchanged since runs were stored)', () => {
  it('FORCE: the whole split and a part of it per epoch', async () => {
    const train = await xor(10, 21)
    const seen: Record<string, unknown> = {}
    for (const [seed, epochSamples] of [[5, 0], [5, 4], [6, 4]] as const) {
      const r = await forceTrain({ neurons: 20, channels: 1, outputs: 1, seed, train, epochs: 2, patience: 2, epochSamples, threads: 1 })
      seen[`${seed}/${epochSamples}`] = [digest(r.network.wOut), r.epochs.map((e) => e.trainMse)]
    }
    expect(seen).toEqual(FORCE_EXPECTED)
  })

  it('BPTT: the whole split and a part of it per epoch', async () => {
    const train = await xor(10, 22)
    const seen: Record<string, unknown> = {}
    for (const [seed, epochSamples] of [[7, 0], [7, 4], [8, 4]] as const) {
      const r = await bpttTrain({ n1: 6, n2: 6, channels: 1, outputs: 1, seed, train, epochs: 2, batchSize: 3, epochSamples, threads: 1 })
      seen[`${seed}/${epochSamples}`] = [digest(r.network.wIn, r.network.wRec, r.network.wOut), r.epochs.map((e) => e.trainLoss)]
    }
    expect(seen).toEqual(BPTT_EXPECTED)
  })

  it('reservoir: the samples it is fitted on, in their order', () => {
    const samples = 17
    // sample i's single input value is i, so the picked inputs are the picked indices
    const train: TimedDataset = { inputs: Float32Array.from({ length: samples }, (_, i) => i), targets: new Float32Array(samples), labels: null, samples, steps: 1, channels: 1, outputs: 1, dtMs: 1 }
    expect(Array.from(reservoirTrainingSamples(train, 6, 9).inputs)).toEqual(RESERVOIR_EXPECTED[0])
    expect(Array.from(reservoirTrainingSamples(train, 6, 10).inputs)).toEqual(RESERVOIR_EXPECTED[1])
    expect(reservoirTrainingSamples(train, 0, 9)).toBe(train)
  })
})

// measured on the code before the shared order (commit 72aa4cf): the weights' digest and each epoch's training error
const FORCE_EXPECTED = {
  '5/0': ['e81ffd66964c379d', [0.14918779114787842, 0.10141745902165644]],
  '5/4': ['b3d01c4b9f6bdc8d', [0.07888740722514084, 0.16798112647736754]],
  '6/4': ['27b7f0a11b710a36', [0.10515278645669672, 0.13034204335617544]],
}
const BPTT_EXPECTED = {
  '7/0': ['307942377f0da08c', [248.1879892686657, 259.8356995849642]],
  '7/4': ['bc02ad4895ccf7b7', [184.43257959496066, 334.27780214523494]],
  '8/4': ['d7941f9592a10d61', [386.50485540610384, 180.658555615279]],
}
const RESERVOIR_EXPECTED = [
  [14, 0, 1, 12, 8, 2],
  [6, 10, 16, 11, 12, 7],
]
