// The chip targets (src/plugins/targets/chip.ts) map a network ADS once per network object: a
// robustness sweep's perturbed network, a new object of the same run, must run its own mapping. Until
// 2026-12-06 the mappings were cached by run id, so every mismatch draw and quantisation level of a
// sweep on `mapped` or `emulator` ran the first mapping made of that run (the unperturbed network's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdsNet } from '../../src/plugins/architectures/ads.ts'
import type { LoadedNetwork, TargetOutput } from '../../src/plugins/architectures/architecture.ts'
import { loadBundle } from '../../src/plugins/architectures/bundle.ts'
import { perturbedNetwork } from '../../src/plugins/perturb.ts'
import { chipTargets } from '../../src/plugins/targets/chip.ts'
import { openStore } from '../../src/store/index.ts'
import { mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

let net: LoadedNetwork<AdsNet>
beforeAll(() => {
  const db = tempDb()
  mimicJson(['--db', db, 'projects', 'create', 'Chips'])
  const made = mimicJson<{ id: number }>(['--db', db, 'network', 'create', '--project', '1', '--neurons', '64', '--dims', '4', '--seed', '3', '--slow-weights', 'random'])
  const store = openStore(db)
  net = loadBundle<AdsNet>(store, made.id)
  store.close()
})

/** 2 samples of 300 steps of 1 ms: a pulse on every channel. */
function batch(channels: number) {
  const T = 300
  const inputs = new Float32Array(2 * T * channels)
  for (let b = 0; b < 2; b++) for (let t = 40; t < 200; t++) for (let c = 0; c < channels; c++) inputs[(b * T + t) * channels + c] = 1 + b * 0.5
  return { inputs, count: 2, steps: T, channels, dtMs: 1 }
}

const run = (target: keyof typeof chipTargets, n: LoadedNetwork, seed = 1): Promise<TargetOutput> =>
  chipTargets[target].run(n, batch(net.sizes.channels), { seed, threads: 1, record: { trajectories: true, spikes: false } })

/** The same network as a new object of no run: mapped afresh whatever a cache holds. */
const copy = (n: LoadedNetwork): LoadedNetwork => ({ ...n, runId: 0, net: { ...(n.net as AdsNet) } })

describe('a chip target and a perturbed network of the same run', () => {
  it.each(['mapped', 'emulator'] as const)('%s: each quantisation level and mismatch draw runs its own mapping', async (target) => {
    const plain = await run(target, net)
    expect(plain.totalSpikes).toBeGreaterThan(0)
    for (const [perturbation, level, draw] of [['quantisation', 2, 0], ['mismatch', 0.3, 0], ['mismatch', 0.3, 1]] as const) {
      const perturbed = (await perturbedNetwork(net, perturbation, level, 11, draw, 1)).net
      expect(perturbed.runId).toBe(net.runId)
      const out = await run(target, perturbed)
      const fresh = await run(target, copy(perturbed))
      // the perturbed network's own mapping (before: the plain network's, from the cache)
      expect(Array.from(out.trajectories!), `${perturbation} ${level} draw ${draw}`).toEqual(Array.from(fresh.trajectories!))
      expect(Array.from(out.trajectories!)).not.toEqual(Array.from(plain.trajectories!))
    }
    // and the plain network again: its mapping, from the cache
    expect(Array.from((await run(target, net)).trajectories!)).toEqual(Array.from(plain.trajectories!))
  })
})
