// A network's count of neurons (src/shared/architectures/index.ts, neuronCountOf): every spiking layer
// summed, as its architecture declares from the parameters of the run that made it; what a sweep's
// cost estimate reads (src/jobs/cluster/sweep.ts, on a real SQLite file) and the runs table shows.
import { afterAll, describe, expect, it } from 'vitest'
import { estimateGrouping } from '../../src/jobs/cluster/sweep.ts'
import { architectureDescriptors, architectureNames, neuronCountOf } from '../../src/shared/architectures/index.ts'
import { openStore } from '../../src/store/index.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

const of = (params: Record<string, unknown>) => (k: string) => params[k]

describe('neuronCountOf', () => {
  it('sums the layers an architecture declares: a BPTT network counts both of its layers', () => {
    expect(neuronCountOf({ kind: 'bptt-snn' }, of({ layer1: 160, layer2: 96 }))).toBe(256)
    expect(neuronCountOf({ architecture: 'bptt-snn', kind: 'bptt-snn' }, of({ layer1: 768, layer2: 768 }))).toBe(1536)
    expect(neuronCountOf({ kind: 'ads' }, of({ neurons: 320, dims: 64 }))).toBe(320)
    expect(neuronCountOf({ kind: 'reservoir' }, of({ neurons: 500, pools: 8 }))).toBe(500)
    expect(neuronCountOf({ kind: 'force' }, of({ neurons: 300 }))).toBe(300)
  })

  it('reads the architecture of the stored network before the run kind: a teacher is a rate network of its units', () => {
    expect(neuronCountOf({ architecture: 'rate', kind: 'teacher' }, of({ units: 64 }))).toBe(64)
    expect(neuronCountOf({ architecture: 'ads', kind: 'network' }, of({ neurons: 128, dims: 16 }))).toBe(128)
    // no stored network and a kind that names no architecture (a teacher still training, a dataset)
    expect(neuronCountOf({ kind: 'teacher' }, of({ units: 64 }))).toBeNull()
    expect(neuronCountOf({ architecture: null, kind: 'dataset' }, of({ neurons: 320 }))).toBeNull()
  })

  it('is null when a declared parameter is missing or not a number', () => {
    expect(neuronCountOf({ kind: 'bptt-snn' }, of({ layer1: 160 }))).toBeNull()
    expect(neuronCountOf({ kind: 'bptt-snn' }, of({ layer1: 160, layer2: '160' }))).toBeNull()
    expect(neuronCountOf({ kind: 'ads' }, of({ network: 3 }))).toBeNull()
  })

  it('every architecture declares at least one parameter to count', () => {
    for (const a of architectureNames) expect(architectureDescriptors[a].neuronParams.length, a).toBeGreaterThan(0)
  })
})

describe('a sweep\'s cost estimate', () => {
  it('counts a BPTT network\'s two layers: 160 + 160 neurons cost what a network ADS of 320 does, twice one of 160', () => {
    const store = openStore(tempDb())
    try {
      const projectId = store.projects.create('Lab').id
      const network = (kind: string, params: Record<string, unknown>) =>
        store.runs.create({ projectId, kind, name: kind, params, seed: 1, codeVersion: 'v', host: 'h', status: 'succeeded' }).id
      const bptt = network('bptt-snn', { layer1: 160, layer2: 160 })
      const ads320 = network('ads', { neurons: 320 })
      const ads160 = network('ads', { neurons: 160 })
      // a network stored by `mimic network create` (run kind "network"): its architecture's count
      const created = network('network', { neurons: 640 })
      store.networks.put(created, 'ads', 1, { neurons: 640, units: 640, channels: 1, outputs: 1, dims: 8 })
      const seconds = (id: number) => estimateGrouping(store, 'yield', [{ params: { network: id, chips: 20 }, label: 'one', inputs: [id] }], undefined).itemSeconds!
      expect(seconds(ads320)).toBeGreaterThan(seconds(ads160))
      expect(seconds(bptt)).toBe(seconds(ads320))
      expect(seconds(created) - 1).toBeCloseTo(2 * (seconds(ads320) - 1), 9)
    } finally {
      store.close()
    }
  })
})
