// Deployment's mapping (src/plugins/deploy/map.ts, docs/method.md §14.2) on small networks whose
// result is computed by hand: efficacies, synapse types from signs, SE1 counts and SE2 masks over
// per-core base weights, fan-in and fan-out pruning with the errors they cost, and refusals.
// Efficacies are continuous-time (the same network on a board whatever its step): a trace of τ summed
// in Euler steps of dt moves the membrane by g(dt/τ) = (dt/τ)/(1 − e^(−dt/τ)) times its continuous
// charge, so e = W·(1000/τ)·g(dt/τ): g_s = g(1/70) for τ_s = 70 ms, g_f = g(1) = 1/(1 − e^(−1)) for τ_f = 1 ms.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { chipModel, discreteGain, mapNetwork, mapNetworkAsync, unitCandidates, type MappableNetwork } from '../../src/plugins/deploy/map.ts'

const gS = (1 / 70) / (1 - Math.exp(-1 / 70))
const gF = 1 / (1 - Math.exp(-1))

function network(neurons: number, channels = 1, over: Partial<Record<keyof MappableNetwork['params'], number>> = {}): MappableNetwork {
  const fill = (v: number) => new Float32Array(neurons).fill(v)
  return {
    neurons,
    channels,
    wIn: new Float32Array(neurons * channels),
    omegaF: new Float32Array(neurons * neurons),
    omegaS: new Float32Array(neurons * neurons),
    params: {
      tauMemMs: fill(over.tauMemMs ?? 50),
      tauSMs: fill(over.tauSMs ?? 70),
      tauFMs: fill(over.tauFMs ?? 1),
      vTh: fill(over.vTh ?? 1),
      vRest: fill(over.vRest ?? 0.5),
      vReset: fill(over.vReset ?? 0),
      bias: fill(over.bias ?? 0),
      refractoryMs: fill(over.refractoryMs ?? 0),
    },
  }
}

describe('mapping a network onto the chip', () => {
  it('SE2: two slow weights become NMDA / GABA_B connections with exact masks over base weights s·(1, 2, 4, 8)', () => {
    const net = network(2)
    net.omegaS[0 * 2 + 1] = 0.7 // pre 0 → post 1: e = 0.7·(1000/70)·g_s = 10·g_s
    net.omegaS[1 * 2 + 0] = -0.35 // pre 1 → post 0: e = −5·g_s
    const m = mapNetwork(net, chipModel('se2', 1), 1)
    // s = 2.5·g_s represents both exactly: masks 4 (10·g_s = 4·2.5·g_s) and 2 (5·g_s = 2·2.5·g_s)
    const [core] = m.configuration!.cores
    expect(m.configuration!.cores).toHaveLength(1)
    expect({ ...core, params: { ...core.params, baseWeights: [] } }).toEqual({
      chip: 0,
      core: 0,
      neurons: 2,
      // the refractory period: the network's (0) + one step of dt (at most one spike per step)
      params: { tauMemMs: 50, refractoryMs: 1, threshold: 1, resetPotential: 0, bias: 0.5, tauSynMs: [1, 70, 1, 70], baseWeights: [] },
    })
    core.params.baseWeights.forEach((w, b) => expect(w).toBeCloseTo(2.5 * gS * 2 ** b, 5))
    expect(m.configuration!.connections).toEqual([
      { pre: 1, post: 0, type: 3, weight: 2 },
      { pre: 0, post: 1, type: 1, weight: 4 },
    ])
    expect(m.report.matrices.find((r) => r.matrix === 'omegaS')).toEqual({ matrix: 'omegaS', connections: 2, kept: 2, droppedFanIn: 0, droppedFanOut: 0, droppedZero: 0, relativeError: expect.closeTo(0, 7) })
    expect(m.report.coresUsed).toBe(1)
    expect(m.report.connections).toEqual({ total: 2, kept: 2, dropped: 0, camEntries: 2 })
    expect(m.report.refusals).toEqual([])
    expect(m.mapped!.omegaS[1]).toBeCloseTo(0.7, 6)
    expect(m.mapped!.omegaS[2]).toBeCloseTo(-0.35, 6)
  })

  it('SE1: one base weight per type; an input weight goes to a fast type with e = W/τ_f (x events per ms: steady current W·x)', () => {
    const net = network(2)
    net.omegaS[0 * 2 + 1] = 0.7 // NMDA, e = 10·g_s
    net.omegaS[1 * 2 + 0] = -0.35 // GABA_B, e = 5·g_s
    net.wIn[0] = -2 // input 0 → neuron 0: GABA_A, e = 2/1
    net.omegaF[1 * 2 + 0] = 0.003 // fast pre 0 → post 1: AMPA, e = 3·g_f
    const m = mapNetwork(net, chipModel('se1', 1), 1)
    const w = m.configuration!.cores[0].params.baseWeights
    expect(w[0]).toBeCloseTo(3 * gF, 6)
    expect(w[1]).toBeCloseTo(10 * gS, 5)
    expect(w[2]).toBeCloseTo(2, 6)
    expect(w[3]).toBeCloseTo(5 * gS, 6)
    expect(m.configuration!.connections).toEqual([
      { pre: 0x8000_0000, post: 0, type: 2, weight: 1 },
      { pre: 1, post: 0, type: 3, weight: 1 },
      // for neuron 1: Ω_f's only weight (w²/‖Ω_f‖² = 1) before Ω_s's (0.49/0.6125 = 0.8)
      { pre: 0, post: 1, type: 0, weight: 1 },
      { pre: 0, post: 1, type: 1, weight: 1 },
    ])
    for (const r of m.report.matrices) expect(r.relativeError).toBeLessThan(1e-6)
  })

  it('SE1 levels: weights 1, 2, 3 of one type share a base weight; the counts are 1, 2, 3', () => {
    const net = network(4)
    for (const [pre, x] of [[1, 1], [2, 2], [3, 3]]) net.omegaS[pre * 4 + 0] = (0.07 * x) / 1 // e = x·g_s
    const m = mapNetwork(net, chipModel('se1', 1), 1)
    expect(m.configuration!.cores[0].params.baseWeights[1]).toBeCloseTo(gS, 6)
    expect(m.configuration!.connections.map((c) => [c.pre, c.weight])).toEqual([[3, 3], [2, 2], [1, 1]])
    expect(m.report.connections.camEntries).toBe(6)
  })

  it('fan-in: a neuron with 69 equal inputs keeps 64 (lowest sources first on ties) and drops 5; the error is √(5/69)', () => {
    const net = network(70)
    for (let pre = 1; pre < 70; pre++) net.omegaS[pre * 70 + 0] = 0.7
    const m = mapNetwork(net, chipModel('se2', 1), 1)
    const r = m.report.matrices.find((x) => x.matrix === 'omegaS')!
    expect(r).toMatchObject({ connections: 69, kept: 64, droppedFanIn: 5, droppedZero: 0, droppedFanOut: 0 })
    expect(r.relativeError).toBeCloseTo(Math.sqrt(5 / 69), 9)
    expect(m.configuration!.connections.map((c) => c.pre)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1))
    expect(m.report.refusals).toEqual([{ what: '5 connection(s)', reason: expect.stringMatching(/fan-in is 64 CAM entries/) }])
  })

  it('fan-in ranks a weight by its share of its matrix (w²/‖W‖²), not by |W|: small fast weights are not all dropped for larger slow ones', () => {
    // neuron 0 receives 60 slow weights of 0.7 (share 1/60 each... of Ω_s) and 8 fast weights of 0.001 (share 1/8 each of Ω_f)
    const net = network(70)
    for (let pre = 1; pre <= 60; pre++) net.omegaS[pre * 70 + 0] = 0.7
    for (let pre = 61; pre <= 68; pre++) net.omegaF[0 * 70 + pre] = 0.001
    const m = mapNetwork(net, chipModel('se2', 1), 1, { levels: false })
    const f = m.report.matrices.find((x) => x.matrix === 'omegaF')!
    const s = m.report.matrices.find((x) => x.matrix === 'omegaS')!
    expect(f).toMatchObject({ connections: 8, kept: 8, droppedFanIn: 0 })
    expect(s).toMatchObject({ connections: 60, kept: 56, droppedFanIn: 4 })
    expect(s.relativeError).toBeCloseTo(Math.sqrt(4 / 60), 9)
    expect(m.configuration).toBeNull() // levels off: a measurement, not a deployable configuration
  })

  it('SE1 fan-in counts repeats: counts of 40 and 40 do not both fit in 64 entries', () => {
    const net = network(3)
    net.omegaS[1 * 3 + 0] = 0.7 * 40
    net.omegaS[2 * 3 + 0] = 0.7 * 40
    const m = mapNetwork(net, chipModel('se1', 1), 1)
    const used = m.configuration!.connections.filter((c) => c.post === 0).reduce((s, c) => s + c.weight, 0)
    expect(used).toBeLessThanOrEqual(64)
    // the best is one base weight with both weights at the same count (e.g. base 40, count 1 each: exact)
    expect(m.report.matrices.find((x) => x.matrix === 'omegaS')!.relativeError).toBeLessThan(1e-7) // exact but for the f32 the protocol carries the base weight in
  })

  it('fan-out: a neuron reaching 5 cores of a SE1 board keeps the 3 with the largest weights', () => {
    const N = 1025 // 5 cores of 205
    const net = network(N)
    for (let k = 0; k < 5; k++) net.omegaS[0 * N + (k * 205 + 1)] = 0.07 * (5 - k) // to one neuron of core k, weight 5 − k
    const m = mapNetwork(net, chipModel('se1', 4), 1)
    expect(m.report.coresUsed).toBe(5)
    expect(m.report.cores.map((c) => [c.chip, c.core, c.neurons])).toEqual([[0, 0, 205], [0, 1, 205], [0, 2, 205], [0, 3, 205], [1, 0, 205]])
    const r = m.report.matrices.find((x) => x.matrix === 'omegaS')!
    expect(r).toMatchObject({ connections: 5, kept: 3, droppedFanOut: 2 })
    expect(r.relativeError).toBeCloseTo(Math.sqrt((2 * 2 + 1) / (25 + 16 + 9 + 4 + 1)), 6)
    expect(m.configuration!.connections.map((c) => c.post)).toEqual([1, 257, 513])
    expect(m.report.refusals[0]).toEqual({ what: '1 neuron(s) reaching more than 3 cores', reason: expect.stringMatching(/fan-out is 3 cores/) })
  })

  it('g(dt/τ): 1 in continuous time, 1/(1 − e^(−1)) for a trace as long as the step; a network of finer steps maps to the same efficacies of the same continuous-time network, with a shorter refractory period', () => {
    expect(discreteGain(0)).toBe(1)
    expect(discreteGain(1)).toBeCloseTo(gF, 12)
    expect(discreteGain(1e-4)).toBeCloseTo(1 + 5e-5, 7)
    const net = network(2)
    net.omegaS[0 * 2 + 1] = 0.7
    net.wIn[1] = 3
    const coarse = mapNetwork(net, chipModel('se1', 1), 1)
    const fine = mapNetwork(net, chipModel('se1', 1), 0.01)
    expect(coarse.configuration!.cores[0].params.baseWeights[1]).toBeCloseTo(10 * gS, 5)
    expect(fine.configuration!.cores[0].params.baseWeights[1]).toBeCloseTo(10 * discreteGain(0.01 / 70), 5)
    // the input's efficacy does not depend on the step: W/τ_f
    expect(coarse.configuration!.cores[0].params.baseWeights[0]).toBeCloseTo(3, 6)
    expect(fine.configuration!.cores[0].params.baseWeights[0]).toBeCloseTo(3, 6)
    expect(coarse.configuration!.cores[0].params.refractoryMs).toBe(1)
    // every value as the protocol carries it: an f32
    expect(fine.configuration!.cores[0].params.refractoryMs).toBe(Math.fround(0.01))
  })

  it('refusals: too many neurons for the board; per-neuron parameters a core cannot hold', () => {
    const big = mapNetwork(network(1025), chipModel('se2', 1), 1)
    expect(big.configuration).toBeNull()
    expect(big.mapped).toBeNull()
    expect(big.report.refusals).toEqual([{ what: '1025 neurons', reason: expect.stringMatching(/1 chip\(s\) × 4 cores × 256 neurons = 1024 neurons/) }])
    const net = network(2)
    net.params.tauMemMs[1] = 60
    const m = mapNetwork(net, chipModel('se2', 1), 1)
    expect(m.configuration!.cores[0].params.tauMemMs).toBe(55)
    expect(m.report.refusals).toEqual([{ what: 'per-neuron tauMemMs in core 0', reason: 'the chip shares one tauMemMs per core: used the mean of its 2 neurons' }])
  })

  it('SE2 base units: from each matrix\'s largest efficacy and the quantiles, over a core of 400 000 efficacies (a wake-phrase network\'s core) without exceeding the call stack', () => {
    const list = Array.from({ length: 400_000 }, (_, i) => ({ matrix: i % 3, mag: (i % 1000) + 1 + (i % 3) * 1000 }))
    const c = unitCandidates(list)
    // the largest of matrix 2 is 3000 (mag 1000 + 2000): 3000/15 and its fractions
    for (const f of [1, 0.75, 0.5, 0.35, 0.25]) expect(c.has((3000 * f) / 15)).toBe(true)
    expect(c.has((2000 * 1) / 15)).toBe(true)
    expect(unitCandidates([]).size).toBe(0)
  })
})

describe('mapping a dense network, as the search over base weights did before it was made fast', () => {
  // A seeded dense network (every fast weight, 80 % of the slow ones, two input channels): far past the
  // fan-in, so every neuron's later connections are dropped. The digests of the whole mapping
  // (configuration, mapped weights, report) were taken from the search that chose a level for every
  // connection of a core for every set of base weights it tried (9 s for this network on SE2; the
  // XOR network ADS's deployment sat 10 s at "mapping the network onto the chip"); the search that
  // adds a full neuron's remaining error terms without choosing their levels gives the same, bit for bit.
  function dense(neurons: number, channels: number, seed: number): MappableNetwork {
    let state = seed >>> 0
    const r = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32
    const g = (): number => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r())
    const fill = (v: number) => new Float32Array(neurons).fill(v)
    const omegaF = Float32Array.from({ length: neurons * neurons }, (_, i) => (i % (neurons + 1) === 0 ? 0 : -Math.abs(g()) * 0.02))
    const omegaS = Float32Array.from({ length: neurons * neurons }, (_, i) => (i % (neurons + 1) === 0 || r() < 0.2 ? 0 : g() * 0.01))
    const wIn = Float32Array.from({ length: neurons * channels }, () => g())
    return { neurons, channels, wIn, omegaF, omegaS, params: { tauMemMs: fill(50), tauSMs: fill(70), tauFMs: fill(1), vTh: fill(1), vRest: fill(0.5), vReset: fill(0), bias: fill(0), refractoryMs: fill(0) } }
  }
  const digest = (x: unknown): string => createHash('sha256').update(JSON.stringify(x, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v))).digest('hex').slice(0, 16)
  const cases: [string, 'se1' | 'se2', number, Parameters<typeof mapNetwork>[3], string][] = [
    ['SE2', 'se2', 1, {}, '927e631ebf6f4e09'],
    ['SE2 without the fan-in', 'se2', 1, { fanIn: false }, 'd2f0c41b606c93b2'],
    ['SE2 with exact weights', 'se2', 1, { levels: false }, '6091bda9ba5e4288'],
    ['SE2 without the fan-out', 'se2', 1, { fanOut: false }, 'da8138683cc20341'],
    ['SE1', 'se1', 2, {}, '6fcdfcc5dcf64311'],
    ['SE1 without the fan-in', 'se1', 2, { fanIn: false }, '3dee2926fdff8535'],
    ['SE1 with exact weights', 'se1', 2, { levels: false }, '9a530bfc19dde903'],
    ['SE1 without the fan-out', 'se1', 2, { fanOut: false }, '1c297f361f93054d'],
  ]
  it.each(cases)('%s: 300 neurons, the same mapping', (_name, scheme, seed, limits, expected) => {
    expect(digest(mapNetwork(dense(300, 2, seed), chipModel(scheme, 1), 1, limits))).toBe(expected)
  })

  // a job maps in slices (deploy, hil, finetune: seconds at N = 768), saying how far it is and stopping when cancelled
  it.each(['se1', 'se2'] as const)('%s in slices: the same mapping, the share done rising to its end, and a cancel that stops it', async (scheme) => {
    const [, , seed, , expected] = cases.find((c) => c[1] === scheme && Object.keys(c[3] ?? {}).length === 0)!
    const shares: number[] = []
    const m = await mapNetworkAsync(dense(300, 2, seed), chipModel(scheme, 1), 1, {}, { onProgress: (f) => shares.push(f) })
    expect(digest(m)).toBe(expected)
    expect(shares.length).toBeGreaterThan(2)
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThanOrEqual(shares[i - 1])
    expect(shares[0]).toBeLessThan(0.5)
    expect(shares.at(-1)).toBeGreaterThan(0.5)
    expect(shares.at(-1)).toBeLessThanOrEqual(1)
    // cancelled at its first report: it stops there, with CANCELLED
    const abort = new AbortController()
    let reports = 0
    const stopped = mapNetworkAsync(dense(300, 2, seed), chipModel(scheme, 1), 1, {}, { signal: abort.signal, onProgress: () => (reports++, abort.abort()) })
    await expect(stopped).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(reports).toBe(1)
  })
})
