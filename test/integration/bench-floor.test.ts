// The benchmark's floor reference (bench/floor.c), compiled as `npm run bench` compiles it: it and its
// --shared variant (the batch ceiling) must fire exactly the spikes our simulator fires on the bench
// network, or the ratios the bench prints would compare different work.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addonStatus, benchNetwork, createNetwork } from '../../native/index.ts'
import { benchV0, compileFloor, runFloor, writeFloorNetwork } from '../../bench/floor.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('bench floor', () => {
  it('the floor and the floor with shared parameters fire the spikes our simulator fires', async () => {
    const dir = tempDir('floor-')
    const bin = join(dir, 'floor')
    compileFloor(addonStatus().info!.flags, bin, addonStatus().info!.simd) // as npm run bench does: the level in use
    const N = 160, T = 3000
    const bench = await benchNetwork(N, 3)
    const v0 = benchV0(N)
    writeFloorNetwork(join(dir, 'net'), bench, T, v0)
    const ours = await createNetwork(bench.spec).simulate(bench.inputs(1, T), { batch: 1, steps: T, initialV: v0, record: { spikes: false } })
    expect(ours.totalSpikes).toBeGreaterThan(1000)
    expect(runFloor(bin, join(dir, 'net'), T).spikes).toBe(ours.totalSpikes)
    expect(runFloor(bin, join(dir, 'net'), T, true).spikes).toBe(ours.totalSpikes)
  })

  it('refuses --shared when the network needs padding neurons', async () => {
    const dir = tempDir('floor-')
    const bin = join(dir, 'floor')
    compileFloor(addonStatus().info!.flags, bin)
    const bench = await benchNetwork(50, 3)
    writeFloorNetwork(join(dir, 'net'), bench, 100, benchV0(50))
    // without --shared it runs, and fires what our simulator fires
    const ours = await createNetwork(bench.spec).simulate(bench.inputs(1, 100), { batch: 1, steps: 100, initialV: benchV0(50), record: { spikes: false } })
    expect(runFloor(bin, join(dir, 'net'), 100).spikes).toBe(ours.totalSpikes)
    expect(() => runFloor(bin, join(dir, 'net'), 100, true)).toThrow(/multiple of 16/)
  })
})
