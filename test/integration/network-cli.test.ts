// Networks and simulations through the CLI: `mimic network create`, `mimic simulate`, `mimic bench`.
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'
import { addonStatus } from '../../native/index.ts'

afterAll(cleanupTemp)

const json = <T = any>(args: string[]): T => mimicJson<T>(args)

describe('networks and simulations from the CLI', () => {
  const db = tempDb()

  it('creates an EBN network as a run whose weights and parameters are artifacts', () => {
    json(['--db', db, 'projects', 'create', 'Nets'])
    const net = json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '96', '--dims', '8', '--seed', '4'])
    expect(net).toMatchObject({ id: 1, kind: 'network', status: 'succeeded', seed: 4, summary: { neurons: 96, dims: 8 } })
    const names = net.artifacts.map((a: { name: string }) => a.name)
    for (const n of ['wIn', 'omegaF', 'omegaS', 'decoder', 'encoder', 'thresholds', 'neuron.tauMemMs', 'neuron.vTh', 'fHat']) expect(names).toContain(n)
    const store = openStore(db)
    const omegaF = store.artifacts.get(1, 'omegaF')
    expect(omegaF.shape).toEqual([96, 96])
    for (let i = 0; i < 96; i++) expect(omegaF.data[i * 96 + i]).toBe(0)
    expect(Array.from(store.artifacts.get(1, 'omegaS').data).every((v) => v === 0)).toBe(true)
    store.close()
    // the same seed gives the same network
    const again = json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '96', '--dims', '8', '--seed', '4'])
    const s2 = openStore(db)
    expect(Buffer.from(s2.artifacts.get(again.id, 'omegaF').data.buffer).equals(Buffer.from(s2.artifacts.get(1, 'omegaF').data.buffer))).toBe(true)
    s2.close()
  })

  it('simulates the network on a dataset and stores spikes, decoded trajectories and membrane traces', () => {
    const data = json(['--db', db, 'data', 'generate', 'xor', '--project', '1', '--count', '6', '--seed', '2'])
    const sim = json(['--db', db, 'simulate', '1', '--data', String(data.id), '--samples', '4', '--membrane-neurons', '0,7', '--decimate', '2', '--noise-std', '0.2', '--seed', '5'])
    expect(sim).toMatchObject({ kind: 'simulation', status: 'succeeded', seed: 5, summary: { samples: 4, steps: 1000, decimate: 2 } })
    expect(sim.parents.map((p: { role: string }) => p.role).sort()).toEqual(['dataset', 'network'])
    const store = openStore(db)
    const offsets = store.artifacts.get(sim.id, 'spikes.offsets').data
    const steps = store.artifacts.get(sim.id, 'spikes.steps').data
    const neurons = store.artifacts.get(sim.id, 'spikes.neurons').data
    expect(offsets.length).toBe(5)
    expect(offsets[4]).toBe(steps.length)
    expect(steps.length).toBe(sim.summary.spikes)
    expect(steps.length).toBeGreaterThan(0)
    expect(Math.max(...neurons)).toBeLessThan(96)
    expect(store.artifacts.get(sim.id, 'decoded').shape).toEqual([4, 500, 8])
    expect(store.artifacts.get(sim.id, 'membrane').shape).toEqual([4, 500, 2])
    expect(Array.from(store.artifacts.get(sim.id, 'membraneNeurons').data)).toEqual([0, 7])
    const rates = store.metrics.series(sim.id, ['rateHz'])[0]
    expect(rates.steps).toEqual([0, 1, 2, 3])
    store.close()
  })

  it('refuses simulations of the wrong runs or sizes without creating a run', () => {
    const before = json<unknown[]>(['--db', db, 'runs', 'list']).length
    const bad = (args: string[], pattern: RegExp) => {
      const r = mimic(['--db', db, ...args])
      expect(r.code).not.toBe(0)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(pattern)
    }
    bad(['simulate', '1', '--data', '1'], /Dataset run \(--data\) is run 1 “[^”]+”, a network run: choose a dataset run\./)
    bad(['simulate', '3', '--data', '3'], /Network run is run 3 “[^”]+”, a dataset run: choose a network, ads, reservoir, force or bptt-snn run\./)
    bad(['simulate', '1', '--data', '3', '--membrane-neurons', '0,96'], /Membrane traces of neurons \(--membrane-neurons\) names neuron 96, which does not exist: network run 1 has 96 neurons, numbered 0 to 95\./)
    bad(['simulate', '1', '--data', '3', '--membrane-neurons', 'a,b'], /comma-separated list of integers/)
    bad(['simulate', '1', '--data', '3', '--first-sample', '6'], /First sample \(--first-sample\) must be below 6, the number of samples in dataset run 3/)
    // more samples than the dataset has were simulated as fewer without a word; a neuron traced twice was taken
    bad(['simulate', '1', '--data', '3', '--samples', '7'], /^mimic: Samples \(--samples\) asks for 7 samples, but dataset run 3 has 6: give 6 or fewer, or choose a larger dataset\.\n$/)
    bad(['simulate', '1', '--data', '3', '--samples', '3', '--first-sample', '4'], /asks for 3 samples from sample 4, but dataset run 3 has 6: give 2 or fewer/)
    bad(['simulate', '1', '--data', '3', '--samples', '2', '--membrane-neurons', '5,1,5'], /^mimic: Membrane traces of neurons \(--membrane-neurons\) names neuron 5 twice: give each neuron once\.\n$/)
    bad(['simulate', '1'], /^mimic: Dataset run \(--data\) is required: choose a dataset run\.\n$/)
    bad(['simulate', '999', '--data', '3'], /^mimic: NETWORK_RUN names no run: there is no run with id 999\. List runs with `mimic runs list`\.\n$/)
    bad(['train', 'ads', '--teacher', '999'], /^mimic: --teacher names no run: there is no run with id 999\./)
    expect(json<unknown[]>(['--db', db, 'runs', 'list']).length).toBe(before)
  })

  it('times the simulator: mimic bench --json prints one object with the documented fields', () => {
    const db = tempDb()
    const b = json(['--db', db, 'bench', '--neurons', '320', '--steps', '2000', '--batch', '2', '--threads', '1'])
    expect(Object.keys(b).sort()).toEqual(['batch', 'meanRateHz', 'neuronStepsPerSecond', 'neurons', 'simd', 'spikes', 'steps', 'threads', 'wallSeconds'])
    expect(b).toMatchObject({ neurons: 320, steps: 2000, batch: 2, threads: 1 })
    expect(addonStatus().info!.simdLevels).toContain(b.simd) // the SIMD level the kernels ran at
    expect(b.neuronStepsPerSecond).toBeCloseTo((320 * 2000 * 2) / b.wallSeconds, -3)
    expect(b.meanRateHz).toBeGreaterThan(0.5)
    expect(b.meanRateHz).toBeLessThan(50)
    const r = mimic(['--db', db, 'bench', '--neurons', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--neurons must be an integer between 1 and 8192/)
    // the work of one benchmark is bounded before it starts
    const big = mimic(['--db', db, 'bench', '--neurons', '8192', '--steps', '100000000', '--batch', '4096'])
    expect(big.code).toBe(1)
    expect(big.stderr).toMatch(/neurons × steps × batch = 3\.36e\+15 neuron-steps, more than the 1e\+11 one benchmark may take: use fewer steps/)
  })
})

describe('network create with random slow weights', () => {
  const db = tempDb()

  it('creates a network with random slow weights: off-diagonal N(0, scale²/N), zero diagonal, seeded', () => {
    json(['--db', db, 'projects', 'create', 'Random'])
    const net = json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '200', '--dims', '8', '--seed', '9', '--slow-weights', 'random', '--slow-scale', '0.5'])
    const store = openStore(db)
    const w = store.artifacts.get(net.id, 'omegaS').data
    let sum = 0, sumSq = 0
    for (let i = 0; i < 200; i++)
      for (let j = 0; j < 200; j++) {
        if (i === j) expect(w[i * 200 + j]).toBe(0)
        else (sum += w[i * 200 + j]), (sumSq += w[i * 200 + j] ** 2)
      }
    const n = 200 * 199
    expect(Math.abs(sum / n)).toBeLessThan(0.002) // mean 0 (sd of the mean 0.035/sqrt(n) = 1.8e-4)
    expect(Math.sqrt(sumSq / n)).toBeCloseTo(0.5 / Math.sqrt(200), 3) // sd scale/sqrt(N) = 0.0354
    store.close()
    const again = json(['--db', db, 'network', 'create', '--project', '1', '--neurons', '200', '--dims', '8', '--seed', '9', '--slow-weights', 'random', '--slow-scale', '0.5'])
    const s2 = openStore(db)
    expect(Buffer.from(s2.artifacts.get(again.id, 'omegaS').data.buffer).equals(Buffer.from(s2.artifacts.get(net.id, 'omegaS').data.buffer))).toBe(true)
    s2.close()
  })
})
