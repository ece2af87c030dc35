// Slow check (not in the default run; about 3 minutes and 10 GB of memory): a wake-phrase-sized corpus,
// 2000 samples x 5000 steps x 16 channels of float32 (640 MB, more than the 512 MiB SQLite takes as
// one value), stored in the default parts of 4 MiB and read back through every path a dataset
// takes: whole, by rows across a part boundary, as a dataset slice, into the native addon, through a
// project bundle into another database, through the command line's project and dataset imports.
// What still cannot carry it (one HTTP answer, a run sent to a cluster) refuses it with the reason.
// Then 4.48 GB, above Node's longest Uint8Array. Before parts, the store failed with
// better-sqlite3's "The bound string, buffer, or bigint is too big".
import { writeFileSync } from 'node:fs'
import { totalmem } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initTeacher, teacherForward } from '../../native/index.ts'
import { readBundle, writeBundle } from '../../src/formats/bundle.ts'
import { writeNpz } from '../../src/formats/npz.ts'
import { loadDataset, splitSizes } from '../../src/plugins/datasets.ts'
import { Services } from '../../src/services/index.ts'
import { encodeWire } from '../../src/shared/wire.ts'
import { openStore } from '../../src/store/index.ts'
import { partCount, partsOf, rampCorpus } from '../support/artifact-parts.ts'
import { mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const samples = 2000
const steps = 5000
const channels = 16
const perSample = steps * channels
/** `count` samples of the corpus (value i: (i mod 1,000,003)·0.001 − 1). */
const corpus = (count: number): Float32Array => rampCorpus(count * perSample, 1_000_003, 0.001, -1)

/** Byte-for-byte equality, 1 GiB at a time (Node makes no Buffer over 4 GiB). */
function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let at = 0; at < a.byteLength; at += 2 ** 30) {
    const n = Math.min(2 ** 30, a.byteLength - at)
    if (Buffer.compare(Buffer.from(a.buffer, a.byteOffset + at, n), Buffer.from(b.buffer, b.byteOffset + at, n)) !== 0) return false
  }
  return true
}

function seconds(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(1)
}

describe('a 640 MB artifact', () => {
  it('is stored in parts and read back whole, by rows, as a dataset, by the addon, through a bundle and through the command line', { timeout: 20 * 60_000 }, async () => {
    const inputs = corpus(samples)
    const targets = new Float32Array(samples * steps)
    for (let s = 0; s < samples; s++) targets.fill(s % 2, s * steps, (s + 1) * steps)
    const labels = Int8Array.from({ length: samples }, (_, s) => (s % 2 ? 1 : -1))

    const store = openStore(tempDb())
    const p = store.projects.create('Lab')
    const run = store.runs.create({ projectId: p.id, kind: 'dataset', name: 'corpus', params: { dtMs: 1 }, seed: 1, codeVersion: 'v', host: 'h' })
    let t0 = performance.now()
    store.artifacts.put(run.id, [
      { name: 'inputs', data: inputs, shape: [samples, steps, channels] },
      { name: 'targets', data: targets, shape: [samples, steps, 1] },
      { name: 'labels', data: labels, shape: [samples] },
    ])
    store.runs.finish(run.id, 'succeeded')
    console.log(`put 640 MB: ${seconds(t0)} s`)
    const parts = partsOf(store, run.id, 'inputs')
    expect(parts.length).toBe(153)
    expect(parts.slice(0, 152).every((q) => q.n === 2 ** 22)).toBe(true)
    expect(parts[152].n).toBe(640_000_000 - 152 * 2 ** 22)
    expect(store.artifacts.list(run.id).find((m) => m.name === 'inputs')?.byteLength).toBe(640_000_000)

    t0 = performance.now()
    const back = store.artifacts.get(run.id, 'inputs')
    console.log(`get 640 MB: ${seconds(t0)} s`)
    expect(back.shape).toEqual([samples, steps, channels])
    expect(same(back.data, inputs)).toBe(true)

    // 320,000 bytes a sample: part 64 ends inside sample 838
    t0 = performance.now()
    const rows = store.artifacts.getRows(run.id, 'inputs', 830, 20)
    console.log(`getRows 20 samples across a part boundary: ${(performance.now() - t0).toFixed(0)} ms`)
    expect(same(rows.data, inputs.subarray(830 * perSample, 850 * perSample))).toBe(true)

    const slice = loadDataset(store, run.id, 1670, 10)
    expect(slice.samples).toBe(10)
    expect(same(slice.inputs, inputs.subarray(1670 * perSample, 1680 * perSample))).toBe(true)
    expect(same(slice.targets, targets.subarray(1670 * steps, 1680 * steps))).toBe(true)
    expect(splitSizes(store, run.id).reduce((a, b) => a + b, 0)).toBe(samples)

    // the whole corpus into the addon (a teacher of 4 units over all 2000 samples)
    t0 = performance.now()
    const all = loadDataset(store, run.id)
    expect(all.inputs.byteLength).toBe(640_000_000)
    const teacher = await initTeacher({ units: 4, channels, outputs: 1, seed: 1 })
    const out = await teacherForward(teacher, { inputs: all.inputs, count: samples, steps }, { activations: false })
    console.log(`loadDataset + teacherForward on 640 MB: ${seconds(t0)} s`)
    expect(out.outputs.length).toBe(samples * steps)
    expect(out.outputs.every(Number.isFinite)).toBe(true)

    // refused with the reason where one text must hold it
    expect(() => encodeWire({ data: back.data })).toThrow(/^An array of 610\.4 MiB is too large for one answer over HTTP, which carries at most 383\.\d MiB of an array \(as base64 text\): read an artifact in parts of its rows/)
    expect(() => store.readShippedRun(run.id)).toThrow(/^Run \d+ cannot be sent to a cluster: its artifacts hold 648\.\d MiB \(the largest, "inputs", 610\.4 MiB\)/)
    expect(encodeWire({ data: rows.data }).length).toBeGreaterThan(20 * perSample * 4)

    // a project bundle carries it to another database, into parts there too
    t0 = performance.now()
    const bundle = writeBundle(store.readProject(p.id), { codeVersion: 'v', version: '0', host: 'h' })
    console.log(`export (bundle of ${(bundle.byteLength / 1e6).toFixed(0)} MB): ${seconds(t0)} s`)
    t0 = performance.now()
    const other = openStore(tempDb())
    const imp = other.writeProject(readBundle(bundle, 'lab.mimic'))
    console.log(`import: ${seconds(t0)} s`)
    const id = imp.idMap[String(run.id)]
    expect(same(other.artifacts.get(id, 'inputs').data, inputs)).toBe(true)

    // the command line takes the 680 MB bundle, and the corpus as an .npz of 680 MB (over the
    // default 512 MiB with --max-dataset-mb); both were refused above 256 MiB
    const dir = tempDir()
    writeFileSync(join(dir, 'lab.mimic'), bundle)
    const cliDb = join(dir, 'cli.db')
    const cliImport = mimicJson<{ idMap: Record<string, number> }>(['projects', 'import', join(dir, 'lab.mimic')], { db: cliDb, timeoutMs: 600_000 })
    writeFileSync(join(dir, 'corpus.npz'), writeNpz({ inputs: { dtype: 'float32', shape: [samples, steps, channels], data: inputs }, targets: { dtype: 'float32', shape: [samples, steps, 1], data: targets }, labels: { dtype: 'int8', shape: [samples], data: labels } }))
    const project = mimicJson<{ id: number }>(['projects', 'create', 'Imports'], { db: cliDb }).id
    const imported = mimicJson<{ id: number }>(['data', 'import', join(dir, 'corpus.npz'), '--project', String(project), '--max-dataset-mb', '1024'], { db: cliDb, timeoutMs: 600_000 })
    const cli = openStore(cliDb)
    for (const runId of [cliImport.idMap[String(run.id)], imported.id]) {
      expect(cli.artifacts.list(runId).find((m) => m.name === 'inputs')?.byteLength).toBe(640_000_000)
      expect(same(cli.artifacts.getRows(runId, 'inputs', 1990, 10).data, inputs.subarray(1990 * perSample))).toBe(true)
    }
    cli.close()
    // inputs in 153 parts, targets (40 MB) in 10
    expect(partCount(other)).toBe(163)

    store.runs.delete(run.id)
    expect(partCount(store)).toBe(0)
    other.close()
    store.close()
  })

  // 14,000 samples: 4.48 GB, more than the 4 GiB of the longest Uint8Array Node makes; needs ~10 GB
  it.skipIf(totalmem() < 16 * 2 ** 30)('of 4.48 GB (14,000 samples) is stored and read back too; a bundle and an .npy export refuse it with the reason', { timeout: 30 * 60_000 }, async () => {
    const n = 14_000
    const inputs = corpus(n)
    const store = openStore(tempDb())
    const p = store.projects.create('Lab')
    const run = store.runs.create({ projectId: p.id, kind: 'dataset', name: 'corpus', params: { dtMs: 1 }, seed: 1, codeVersion: 'v', host: 'h' })
    let t0 = performance.now()
    store.artifacts.put(run.id, [{ name: 'inputs', data: inputs, shape: [n, steps, channels] }])
    store.runs.finish(run.id, 'succeeded')
    console.log(`put 4.48 GB: ${seconds(t0)} s`)
    expect(store.artifacts.list(run.id)[0].byteLength).toBe(4_480_000_000)
    // 4 GiB falls inside sample 13,421
    const rows = store.artifacts.getRows(run.id, 'inputs', 13_418, 6)
    expect(same(rows.data, inputs.subarray(13_418 * perSample, 13_424 * perSample))).toBe(true)
    t0 = performance.now()
    const back = store.artifacts.get(run.id, 'inputs')
    console.log(`get 4.48 GB: ${seconds(t0)} s`)
    expect(same(back.data, inputs)).toBe(true)
    expect(() => store.readProject(p.id)).toThrow(/^Artifact "inputs" of run \d+ holds 4\.17 GiB, more than one member of a project bundle \(a zip without zip64\) holds, 4 GiB/)
    const services = new Services({ dbPath: store.path, frontDoor: 'cli' })
    try {
      await expect(services.call('artifacts.export', { runId: run.id, names: ['inputs'], format: 'npy' })).rejects.toThrow(/^Artifact "inputs" of run \d+ holds 4\.17 GiB; a \.npy or \.npz written here holds at most 4 GiB of one array/)
    } finally {
      await services.close()
    }
    store.close()
  })
})
