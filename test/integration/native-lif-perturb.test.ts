// Membrane noise and neuron death (silencing) in the native LIF runner of the baselines (lifRun;
// docs/method.md §10, §13): level 0 is the plain run bit for bit, a silenced neuron never spikes, the
// result depends on the seed only (not on the thread count), and it is the model's equations as a
// direct TypeScript simulation (test/support/lif-reference.ts) computes them on small networks.
import { describe, expect, it } from 'vitest'
import { forceTrain, lifRun, reservoirTrain, taskGenerate, type LifNetwork } from '../../native/index.ts'
import { lifReference } from '../support/lif-reference.ts'

async function xor(count: number, seed: number, durationS = 1): Promise<{ inputs: Float32Array; targets: Float32Array; count: number; steps: number }> {
  const d = await taskGenerate('xor', { count, seed, durationS })
  return { inputs: d.inputs, targets: d.targets, count: d.count, steps: d.steps }
}

/** A small reservoir and a small FORCE network with a trained read-out (so outputs and feedback are not zero). */
async function networks(): Promise<{ reservoir: LifNetwork; force: LifNetwork }> {
  const train = await xor(4, 1, 0.3)
  const reservoir = (await reservoirTrain({ neurons: 24, channels: 1, outputs: 1, seed: 3, train })).network
  const force = (await forceTrain({ neurons: 20, channels: 1, outputs: 1, seed: 4, epochs: 1, train })).network
  return { reservoir, force }
}

function spikesOf(counts: Int32Array, neurons: number, neuron: number): number {
  let s = 0
  for (let b = 0; b < counts.length / neurons; b++) s += counts[b * neurons + neuron]
  return s
}

describe('lifRun: membrane noise and neuron death', () => {
  it('noise 0 and an empty silencing are the plain run, bit for bit; noise above 0 changes it', async () => {
    const { reservoir, force } = await networks()
    const test = await xor(3, 7, 0.3)
    for (const net of [reservoir, force]) {
      const plain = await lifRun(net, test, { seed: 5 })
      expect(plain.totalSpikes).toBeGreaterThan(0)
      const zero = await lifRun(net, test, { seed: 5, noiseStd: 0 })
      const nobody = await lifRun(net, test, { seed: 5, silence: { neurons: [] } })
      const emptyWindow = await lifRun(net, test, { seed: 5, silence: { neurons: [0, 1, 2], startStep: 100, endStep: 100 } })
      for (const r of [zero, nobody, emptyWindow]) {
        expect(r.outputs).toEqual(plain.outputs)
        expect(r.spikeCounts).toEqual(plain.spikeCounts)
      }
      const std = 0.05 * Math.abs(net.vTh[0] - net.vReset[0])
      const noisy = await lifRun(net, test, { seed: 5, noiseStd: std })
      expect(noisy.outputs).not.toEqual(plain.outputs)
    }
  })

  it('a silenced neuron never spikes during its window; the others still do', async () => {
    const { reservoir, force } = await networks()
    const test = await xor(3, 8, 0.3)
    for (const net of [reservoir, force]) {
      const N = net.neurons
      const plain = await lifRun(net, test, { seed: 2 })
      // the neurons that spike in the plain run, silenced for the whole sample
      const active = [...Array(N).keys()].filter((n) => spikesOf(plain.spikeCounts, N, n) > 0)
      expect(active.length).toBeGreaterThan(3)
      const dead = active.filter((_, i) => i % 2 === 0)
      const r = await lifRun(net, test, { seed: 2, silence: { neurons: Int32Array.from(dead) }, noiseStd: 0.01 * Math.abs(net.vTh[0] - net.vReset[0]) })
      for (const n of dead) expect(spikesOf(r.spikeCounts, N, n), `neuron ${n}`).toBe(0)
      const alive = active.filter((n) => !dead.includes(n))
      expect(alive.reduce((s, n) => s + spikesOf(r.spikeCounts, N, n), 0)).toBeGreaterThan(0)
      // silenced only in steps [100, 300): the reference counts no spike of theirs in that window
      const windowed = await lifRun(net, test, { seed: 2, silence: { neurons: dead, startStep: 100, endStep: 300 } })
      const ref = lifReference(net, test.inputs, test.count, test.steps, { seed: 2, silence: { neurons: dead, startStep: 100, endStep: 300 } })
      expect(windowed.spikeCounts).toEqual(ref.spikeCounts)
    }
  })

  it('depends on the seed only: the same seed gives the same run for 1 and 2 threads, another seed another', async () => {
    const { reservoir, force } = await networks()
    const test = await xor(6, 9, 0.3)
    for (const net of [reservoir, force]) {
      const opts = { noiseStd: 0.05 * Math.abs(net.vTh[0] - net.vReset[0]), silence: { neurons: [1, 4, 7] } }
      const a = await lifRun(net, test, { seed: 11, threads: 1, ...opts })
      const b = await lifRun(net, test, { seed: 11, threads: 2, ...opts })
      const again = await lifRun(net, test, { seed: 11, threads: 2, ...opts })
      expect(b.outputs).toEqual(a.outputs)
      expect(b.spikeCounts).toEqual(a.spikeCounts)
      expect(again.outputs).toEqual(b.outputs)
      const other = await lifRun(net, test, { seed: 12, threads: 2, ...opts })
      expect(other.outputs).not.toEqual(a.outputs)
    }
  })

  it('equals a direct simulation of the model with noise and silencing on small networks', async () => {
    const { reservoir, force } = await networks()
    const test = await xor(2, 10, 0.25)
    const cases: [LifNetwork, { noiseStd?: number; silence?: { neurons: number[]; startStep?: number; endStep?: number } }][] = [
      [reservoir, {}],
      [reservoir, { noiseStd: 0.1, silence: { neurons: [0, 5, 6, 20] } }],
      [force, { noiseStd: 0.05 * 25 }],
      [force, { noiseStd: 0.1 * 25, silence: { neurons: [2, 3, 11], startStep: 40, endStep: 200 } }],
    ]
    for (const [net, opts] of cases) {
      const native = await lifRun(net, test, { seed: 6, ...opts })
      const ref = lifReference(net, test.inputs, test.count, test.steps, { seed: 6, ...opts })
      expect(native.totalSpikes).toBeGreaterThan(0)
      expect(Array.from(native.spikeCounts)).toEqual(Array.from(ref.spikeCounts))
      let worst = 0
      let scale = 0
      for (let i = 0; i < ref.outputs.length; i++) {
        worst = Math.max(worst, Math.abs(native.outputs[i] - ref.outputs[i]))
        scale = Math.max(scale, Math.abs(ref.outputs[i]))
      }
      // the native outputs are float32 of the same double computation
      expect(worst).toBeLessThanOrEqual(1e-6 * Math.max(1, scale))
    }
  })

  it('records the potentials of chosen neurons at every decimate-th step, as the direct simulation has them', async () => {
    const { reservoir, force } = await networks()
    const test = await xor(2, 12, 0.3)
    for (const net of [reservoir, force]) {
      const neurons = [3, 0, 3, net.neurons - 1]
      const opts = { noiseStd: 0.02 * Math.abs(net.vTh[0] - net.vReset[0]), silence: { neurons: [1] } }
      const native = await lifRun(net, test, { seed: 4, recordMembrane: neurons, decimate: 7, ...opts })
      const ref = lifReference(net, test.inputs, test.count, test.steps, { seed: 4, membrane: { neurons, decimate: 7 }, ...opts })
      const Tr = Math.ceil(test.steps / 7)
      expect(native.recordedSteps).toBe(Tr)
      expect(Array.from(native.membraneNeurons!)).toEqual(neurons)
      expect(native.membrane!.length).toBe(test.count * Tr * neurons.length)
      expect(ref.membrane.map((m) => m.length)).toEqual([Tr, Tr])
      let worst = 0
      for (let b = 0; b < test.count; b++)
        for (let t = 0; t < Tr; t++) for (let k = 0; k < neurons.length; k++) worst = Math.max(worst, Math.abs(native.membrane![(b * Tr + t) * neurons.length + k] - ref.membrane[b][t][k]))
      // float32 of the same double computation (|V| of order 1 and of order 65 for FORCE)
      expect(worst).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(net.vReset[0])))
      // the recording changes nothing else
      const plain = await lifRun(net, test, { seed: 4, ...opts })
      expect(native.outputs).toEqual(plain.outputs)
      expect(plain.membrane).toBeUndefined()
    }
    const net = reservoir
    await expect((async () => lifRun(net, test, { recordMembrane: [net.neurons] }))()).rejects.toThrow(/options\.recordMembrane\[0\] is neuron \d+ but the network has neurons 0\.\.\d+/)
    await expect((async () => lifRun(net, test, { recordMembrane: [0], decimate: 0 }))()).rejects.toThrow(/decimate/)
  })

  it('refuses a silenced neuron out of range, a bad window and a negative noise, naming the field', async () => {
    const { reservoir } = await networks()
    const test = await xor(1, 1, 0.1)
    await expect((async () => lifRun(reservoir, test, { seed: 1, silence: { neurons: [24] } }))()).rejects.toThrow(/options\.silence\.neurons\[0\] is neuron 24 but the network has neurons 0\.\.23/)
    await expect((async () => lifRun(reservoir, test, { seed: 1, silence: { neurons: [1], startStep: 50, endStep: 10 } }))()).rejects.toThrow(/options\.silence\.endStep \(10\) must not be before startStep \(50\)/)
    await expect((async () => lifRun(reservoir, test, { seed: 1, noiseStd: -1 }))()).rejects.toThrow(/noiseStd/)
  })

  it('records the spike events of the first K samples: in step order, as many per neuron as its count, the same for 1 and 2 threads', async () => {
    const { reservoir, force } = await networks()
    const test = await xor(4, 12, 0.3)
    for (const net of [reservoir, force]) {
      const N = net.vTh.length
      const opts = { seed: 13, noiseStd: 0.05 * Math.abs(net.vTh[0] - net.vReset[0]), silence: { neurons: [2, 5] } }
      const plain = await lifRun(net, test, opts)
      expect(plain.spikes).toBeUndefined()
      const r = await lifRun(net, test, { ...opts, recordSpikes: 3, threads: 2 })
      // recording changes nothing else
      expect(r.outputs).toEqual(plain.outputs)
      expect(r.spikeCounts).toEqual(plain.spikeCounts)
      const sp = r.spikes!
      expect(Array.from(sp.offsets).length).toBe(4)
      expect(sp.offsets[0]).toBe(0)
      expect(sp.steps.length).toBe(sp.neurons.length)
      expect(sp.offsets[3]).toBe(sp.steps.length)
      expect(sp.offsets[3]).toBeGreaterThan(0)
      for (let b = 0; b < 3; b++) {
        const counts = new Int32Array(N)
        let last = -1
        for (let k = sp.offsets[b]; k < sp.offsets[b + 1]; k++) {
          expect(sp.steps[k]).toBeGreaterThanOrEqual(last)
          expect(sp.steps[k]).toBeLessThan(test.steps)
          last = sp.steps[k]
          counts[sp.neurons[k]]++
        }
        expect(Array.from(counts)).toEqual(Array.from(plain.spikeCounts.subarray(b * N, (b + 1) * N)))
        // silenced neurons have no events
        expect(counts[2] + counts[5]).toBe(0)
      }
      const one = await lifRun(net, test, { ...opts, recordSpikes: 3, threads: 1 })
      expect(one.spikes!.steps).toEqual(sp.steps)
      expect(one.spikes!.neurons).toEqual(sp.neurons)
    }
    await expect((async () => lifRun(reservoir, test, { seed: 1, recordSpikes: 5 }))()).rejects.toThrow(/recordSpikes/)
  })
})
