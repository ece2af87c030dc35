// Project bundles: `mimic projects export ID --out FILE.mimic` and `mimic projects import FILE.mimic`
// between two real databases (real jobs made the network, dataset and simulation). Every run,
// metric, result, artifact and network row comes back with new ids and the same lineage, artifacts
// byte for byte; damaged, truncated, foreign and newer-format files are refused with the database
// left exactly as it was.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostname } from 'node:os'
import { afterAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { openStore } from '../../src/store/index.ts'
import { readZip, writeZip } from '../../src/formats/npz.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

const json = <T = any>(args: string[]): T => mimicJson<T>(args)

/** A digest of every row of every table: equal digests, unchanged database. */
function dbDigest(path: string): string {
  const db = new Database(path, { readonly: true })
  try {
    const h = createHash('sha256')
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name)
    for (const t of tables) {
      h.update(t)
      for (const row of db.prepare(`SELECT * FROM "${t}"`).raw().iterate() as Iterable<unknown[]>) {
        h.update(JSON.stringify(row, (_k, v) => (v instanceof Buffer ? v.toString('base64') : v)))
      }
    }
    return h.digest('hex')
  } finally {
    db.close()
  }
}

describe('project bundles', () => {
  const dir = tempDir()
  const src = join(dir, 'lab-a.db')
  const dst = join(dir, 'lab-b.db')
  const file = join(dir, 'sweep.mimic')
  let ids: { net: number; data: number; sim: number; ev: number; outside: number; project: number }

  it('exports a project made by real jobs into one file', () => {
    json(['--db', src, 'projects', 'create', 'Elsewhere'])
    const outside = json(['--db', src, 'data', 'generate', 'xor', '--project', '1', '--count', '3', '--seed', '9']).id
    const project = json(['--db', src, 'projects', 'create', 'Sweep']).id
    const net = json(['--db', src, 'network', 'create', '--project', String(project), '--neurons', '40', '--dims', '4', '--seed', '4']).id
    const data = json(['--db', src, 'data', 'generate', 'xor', '--project', String(project), '--count', '4', '--seed', '2']).id
    const sim = json(['--db', src, 'simulate', String(net), '--data', String(data), '--samples', '2', '--membrane-neurons', '0,3', '--seed', '5']).id
    // an evaluation-like run with metrics, per-item results, tags, notes and a link to a run of another project
    const store = openStore(src)
    const ev = store.runs.create({ projectId: project, kind: 'evaluation', name: 'eval, "quoted"', params: { network: net, nested: { a: [1, 2] } }, seed: 3, codeVersion: 'c0ffee', host: 'lab-a', status: 'running', parents: [{ id: net, role: 'network' }, { id: data, role: 'dataset' }, { id: outside, role: 'reference' }] }).id
    store.metrics.append(ev, [{ key: 'loss', step: 0, value: 0.5 }, { key: 'loss', step: 1, value: Number.NaN }, { key: 'acc', step: 0, value: 0.75 }])
    store.results.insert(ev, [0, 1, 2].map((i) => ({ item: i, labels: { sample: i }, values: { correct: i % 2, mse: i / 7 }, networkId: net, architecture: 'ads' })))
    store.runs.finish(ev, 'succeeded', null, { accuracy: 0.75 })
    store.runs.tag(ev, 'best', false)
    store.runs.tag(net, 'seed4', false)
    store.runs.addNote(ev, 'first note')
    store.runs.addNote(ev, 'second, longer note ✓')
    store.close()
    ids = { net, data, sim, ev, outside, project }
    const r = json(['--db', src, 'projects', 'export', String(project), '--out', file])
    expect(r).toMatchObject({ id: project, runs: 4 })
    expect(r.artifacts).toBeGreaterThan(10)
    const members = readZip(readFileSync(file), 'bundle')
    expect(members.has('bundle.json')).toBe(true)
    expect([...members.keys()].filter((k) => k.endsWith('.npy'))).toHaveLength(r.artifacts)
  })

  it('imports it into another database with new ids, the same lineage, and every artifact byte-identical', () => {
    // the other lab's database already has runs (so ids differ) and a project of the same name
    json(['--db', dst, 'projects', 'create', 'Sweep'])
    json(['--db', dst, 'data', 'generate', 'xor', '--project', '1', '--count', '2', '--seed', '1'])
    json(['--db', dst, 'data', 'generate', 'xor', '--project', '1', '--count', '2', '--seed', '1'])
    const r = mimic(['--db', dst, 'projects', 'import', file])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/as project 2 “Sweep \(imported\)”: 4 runs, \d+ artifacts, \d+ metric points, 3 result items/)
    expect(r.stdout).toMatch(/1 lineage link to runs outside the exported project could not be restored/)
    const a = openStore(src)
    const b = openStore(dst)
    try {
      const newRuns = b.runs.list({ projectId: 2 })
      expect(newRuns).toHaveLength(4)
      const map = new Map<number, number>()
      for (const old of a.runs.list({ projectId: ids.project })) {
        const twin = newRuns.find((n) => n.name === old.name && n.kind === old.kind)
        expect(twin, old.name).toBeDefined()
        map.set(old.id, twin!.id)
      }
      expect(new Set(map.values()).size).toBe(4)
      expect([...map].some(([o, n]) => o !== n)).toBe(true)
      for (const [o, n] of map) {
        const x = a.runs.get(o)
        const y = b.runs.get(n)
        // the same record, the runs its parameters name (a network, a dataset) under their new ids
        const params = Object.fromEntries(Object.entries(x.params).map(([k, v]) => [k, (k === 'network' || k === 'dataset') && typeof v === 'number' ? map.get(v) : v]))
        expect({ ...y, id: 0, projectId: 0 }).toEqual({ ...x, id: 0, projectId: 0, params })
        // lineage: the same parents under their new ids (the link to the other project is not carried)
        expect(b.runs.parents(n).map((p) => ({ ...p, id: p.id }))).toEqual(
          a.runs.parents(o).filter((p) => map.has(p.id)).map((p) => ({ ...p, id: map.get(p.id) })),
        )
        expect(b.runs.notes(n).map((k) => [k.body, k.createdAt])).toEqual(a.runs.notes(o).map((k) => [k.body, k.createdAt]))
        const arts = a.artifacts.list(o)
        expect(b.artifacts.list(n).map((m) => [m.name, m.dtype, m.shape, m.byteLength])).toEqual(arts.map((m) => [m.name, m.dtype, m.shape, m.byteLength]))
        for (const m of arts) {
          const bx = Buffer.from(a.artifacts.get(o, m.name).data.buffer, a.artifacts.get(o, m.name).data.byteOffset, m.byteLength)
          const by = Buffer.from(b.artifacts.get(n, m.name).data.buffer, b.artifacts.get(n, m.name).data.byteOffset, m.byteLength)
          expect(by.equals(bx), `${m.name} of run ${o}`).toBe(true)
        }
        expect(b.metrics.series(n)).toEqual(a.metrics.series(o))
        const net = a.networks.find(o)
        expect(b.networks.find(n)).toEqual(net ? { ...net, runId: n } : undefined)
      }
      expect(b.runs.get(map.get(ids.ev)!).tags).toEqual(['best'])
      expect(b.runs.parents(map.get(ids.ev)!).map((p) => p.role)).toEqual(['network', 'dataset'])
      expect(b.runs.parents(map.get(ids.sim)!).map((p) => p.id).sort()).toEqual([map.get(ids.net), map.get(ids.data)].sort())
      const rows = (s: typeof a, run: number) => s.results.query({ runId: run }).rows.map((x) => ({ ...x, runId: 0, projectId: 0 }))
      expect(rows(b, map.get(ids.ev)!)).toEqual(rows(a, ids.ev).map((x) => ({ ...x, networkId: map.get(x.networkId!) })))
      // the job kind survives, so that "Run again" knows the form
      const detail = json(['--db', dst, 'runs', 'show', String(map.get(ids.sim))])
      expect(detail.jobKind).toBe('simulate')
    } finally {
      a.close()
      b.close()
    }
    // the imported network runs: simulate it on the imported dataset
    const net = json(['--db', dst, 'runs', 'list', '--project', '2', '--kind', 'network'])[0].id
    const data = json(['--db', dst, 'runs', 'list', '--project', '2', '--kind', 'dataset'])[0].id
    expect(json(['--db', dst, 'simulate', String(net), '--data', String(data), '--samples', '1', '--seed', '1']).status).toBe('succeeded')
  })

  it('refuses damaged, truncated, foreign and newer-format files by saying what is wrong, changing nothing', () => {
    const bytes = readFileSync(file)
    const before = dbDigest(dst)
    const refuse = (name: string, content: Uint8Array, message: RegExp): void => {
      const path = join(dir, name)
      writeFileSync(path, content)
      const r = mimic(['--db', dst, 'projects', 'import', path])
      expect(r.code, name).toBe(1)
      expect(r.stderr, name).toMatch(message)
      expect(dbDigest(dst), name).toBe(before)
    }
    // one byte flipped inside an artifact's data
    const members = readZip(bytes, 'bundle')
    const last = [...members.keys()].filter((k) => k.endsWith('.npy')).pop()!
    const at = bytes.lastIndexOf(Buffer.from(members.get(last)!.subarray(0, 16))) + 200
    const flipped = Buffer.from(bytes)
    flipped[at] ^= 0xff
    refuse('flipped.mimic', flipped, /fails its CRC check: the file is damaged/)
    refuse('truncated.mimic', bytes.subarray(0, bytes.length - 100), /not a Mimic project bundle|damaged|truncated/)
    refuse('half.mimic', bytes.subarray(0, Math.floor(bytes.length / 2)), /not a Mimic project bundle|damaged|truncated/)
    refuse('text.mimic', Buffer.from('hello, this is not a bundle at all, just some text to be refused'), /is not a Mimic project bundle \(not a zip archive\)/)
    refuse('data.npz', readFileSync(file).subarray(0, 0).length === 0 ? writeZip([{ name: 'inputs.npy', bytes: new Uint8Array(10) }]) : bytes, /has no bundle\.json, so it is not a Mimic project bundle/)
    const manifest = JSON.parse(new TextDecoder().decode(members.get('bundle.json')!))
    const rezip = (m: unknown, extra: Map<string, Uint8Array> = members): Uint8Array =>
      writeZip([{ name: 'bundle.json', bytes: new TextEncoder().encode(JSON.stringify(m)) }, ...[...extra].filter(([k]) => k !== 'bundle.json').map(([name, b]) => ({ name, bytes: b }))])
    refuse('newer.mimic', rezip({ ...manifest, formatVersion: 2 }), /written in bundle format 2 by a newer Mimic Workbench; this version reads formats up to 1: update/)
    // a consistent zip whose artifact does not match its digest (changed after export, CRC recomputed)
    const changed = new Map(members)
    const member = Uint8Array.from(changed.get(last)!)
    member[member.length - 1] ^= 1
    changed.set(last, member)
    refuse('digest.mimic', rezip(manifest, changed), /does not match its SHA-256 digest: the bundle is damaged/)
    refuse('dangling.mimic', rezip({ ...manifest, lineage: [...manifest.lineage, { parentId: 999999, childId: manifest.runs[0].id, role: 'x' }] }), /lineage\[\d+\]\.parentId names run 999999, which the bundle does not contain/)
    refuse('badrun.mimic', rezip({ ...manifest, runs: [{ ...manifest.runs[0], seed: 'one' }, ...manifest.runs.slice(1)] }), /runs\[0\]\.seed must be an integer: the bundle is damaged/)
    // and the good file still imports, a second time under a new name
    expect(json(['--db', dst, 'projects', 'import', file, '--name', 'Sweep again'])).toMatchObject({ name: 'Sweep again', runs: 4 })
  })

  it('refuses to export a project while one of its runs is running, and an unknown project', () => {
    const store = openStore(src)
    const r = store.runs.create({ projectId: ids.project, kind: 'x', name: 'busy', params: {}, seed: null, codeVersion: 'c', host: hostname(), status: 'running' })
    // owned by this (live) test process, so that the command's recovery leaves it running
    store.jobs.register(r.id, 'simulate', process.pid, hostname())
    store.close()
    const busy = mimic(['--db', src, 'projects', 'export', String(ids.project), '--out', join(dir, 'busy.mimic')])
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(new RegExp(`run ${r.id} “busy” is running: wait until it finishes or cancel it`))
    expect(() => readFileSync(join(dir, 'busy.mimic'))).toThrow(/ENOENT/)
    expect(mimic(['--db', src, 'projects', 'export', '77', '--out', join(dir, 'x.mimic')]).stderr).toMatch(/no project with id 77/)
  })
})
