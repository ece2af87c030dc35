// Hostile project bundles whose bundle.json is consistent JSON but describes what a database cannot
// hold: a lineage loop (a run derived from itself), a link twice or to itself, a tag twice or with
// spaces, a result item or value twice, an artifact name that is a path, an empty project name. Each
// is refused by naming the field, before anything is stored (they were stored, or failed with
// SQLite's "UNIQUE constraint failed" / "CHECK constraint failed").
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readBundle, writeBundle } from '../../src/formats/bundle.ts'
import { readZip, writeZip } from '../../src/formats/npz.ts'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

type Manifest = {
  project: { name: string }
  runs: { id: number; tags: string[] }[]
  lineage: { parentId: number; childId: number; role: string }[]
  results: { runId: number; item: number; values: [string, number | null][] }[]
  artifacts: { name: string }[]
}

describe('hostile project bundles', () => {
  const dir = tempDir()
  const db = join(dir, 'lab.db')
  let members: Map<string, Uint8Array>
  let manifest: Manifest
  const rezip = (edit: (m: Manifest) => void): Uint8Array => {
    const m = structuredClone(manifest)
    edit(m)
    return writeZip([{ name: 'bundle.json', bytes: new TextEncoder().encode(JSON.stringify(m)) }, ...[...members].filter(([k]) => k !== 'bundle.json').map(([name, bytes]) => ({ name, bytes }))])
  }

  beforeAll(() => {
    // data → network → evaluation, with a tag, a result item and an artifact
    const store = openStore(db)
    try {
      const projectId = store.projects.create('Lab').id
      const made = { codeVersion: 'test', host: 'test', seed: 1, status: 'running' as const }
      const data = store.runs.create({ projectId, kind: 'dataset', name: 'data', params: {}, ...made }).id
      const net = store.runs.create({ projectId, kind: 'network', name: 'net', params: { data }, parents: [{ id: data, role: 'data' }], ...made }).id
      const ev = store.runs.create({ projectId, kind: 'evaluation', name: 'eval', params: { network: net }, parents: [{ id: net, role: 'network' }], ...made }).id
      store.artifacts.put(data, [{ name: 'inputs', data: new Float32Array([1, 2, 3]), shape: [3] }])
      store.results.insert(ev, [{ item: 0, values: { correct: 1, mse: 0.5 } }])
      for (const id of [data, net, ev]) store.runs.finish(id, 'succeeded')
      store.runs.tag(ev, 'best', false)
      const bytes = writeBundle(store.readProject(projectId), { codeVersion: 'test', version: '0', host: 'test' })
      writeFileSync(join(dir, 'lab.mimic'), bytes)
      members = readZip(bytes, 'lab.mimic')
      manifest = JSON.parse(new TextDecoder().decode(members.get('bundle.json'))) as Manifest
    } finally {
      store.close()
    }
  })

  it('refuses each by naming the field and what is wrong', () => {
    const [data, net, ev] = manifest.runs.map((r) => r.id)
    const refusals: [string, (m: Manifest) => void, RegExp][] = [
      ['loop', (m) => m.lineage.push({ parentId: ev, childId: data, role: 'x' }), new RegExp(`lineage links runs (\\d+ → ){3}\\d+ in a loop \\(a run derived from itself\\)`)],
      ['self', (m) => m.lineage.push({ parentId: net, childId: net, role: 'x' }), new RegExp(`lineage\\[2\\] links run ${net} to itself`)],
      ['twice', (m) => m.lineage.push({ ...m.lineage[0] }), /lineage\[2\] links run \d+ to run \d+ a second time/],
      ['tag twice', (m) => m.runs[2].tags.push('best'), /runs\[2\]\.tags\[1\] repeats the tag "best"/],
      ['tag words', (m) => m.runs[0].tags.push('two words'), /runs\[0\]\.tags\[0\] must be one word of at most 40 characters without spaces or commas \(got "two words"\)/],
      ['item twice', (m) => m.results.push(structuredClone(m.results[0])), new RegExp(`results\\[1\\]\\.item repeats item 0 of run ${ev}`)],
      ['item negative', (m) => (m.results[0].item = -1), /results\[0\]\.item must be at least 0 \(got -1\)/],
      ['value twice', (m) => m.results[0].values.push(['mse', 1]), /results\[0\]\.values\[2\]\[0\] repeats the value "mse"/],
      ['artifact path', (m) => (m.artifacts[0].name = '../../evil'), /artifacts\[0\]\.name must be a file name without \/ or \\ \(got "\.\.\/\.\.\/evil"\)/],
      ['project name', (m) => (m.project.name = '   '), /project\.name must have 1 to 100 characters \(got 0\)/],
      // one member stored as many artifacts: a small file that would fill the disk
      ['member twice', (m) => m.artifacts.push({ ...m.artifacts[0], name: 'copy' }), /artifacts\[1\]\.member names artifacts\/0\.npy, which artifacts\[0\] names too/],
    ]
    for (const [what, edit, message] of refusals) {
      expect(() => readBundle(rezip(edit), 'bad.mimic'), what).toThrow(message)
      expect(() => readBundle(rezip(edit), 'bad.mimic'), what).toThrow(/^bad\.mimic: .*: the bundle is damaged \(export the project again\)\.$/)
    }
    // and no zip written here (a bundle, an .npz export) has a member an extractor would write outside its folder
    for (const name of ['../evil.npy', '/etc/x.npy', 'a//b.npy', 'a\\b.npy', '']) expect(() => writeZip([{ name, bytes: new Uint8Array(1) }]), name).toThrow(/cannot name a member of a zip file/)
    // the bundle as written is read
    expect(readBundle(rezip(() => {}), 'lab.mimic').runs).toHaveLength(3)
  })

  it('exits non-zero with one line and stores nothing, where SQLite refused it mid-import before', () => {
    const other = join(dir, 'other.db')
    mimicJson(['projects', 'create', 'Other'], { db: other })
    const file = join(dir, 'twice.mimic')
    writeFileSync(file, rezip((m) => m.lineage.push({ ...m.lineage[0] })))
    const r = mimic(['--db', other, 'projects', 'import', file])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^mimic: twice\.mimic: lineage\[2\] links run \d+ to run \d+ a second time: the bundle is damaged/)])
    expect(mimicJson<{ name: string }[]>(['projects', 'list'], { db: other }).map((p) => p.name)).toEqual(['Other'])
    // and a long name gets its "(imported)" within the length a project name may have
    const long = join(dir, 'long.mimic')
    writeFileSync(long, rezip((m) => (m.project.name = 'L'.repeat(100))))
    mimicJson(['projects', 'import', long], { db: other })
    const again = mimicJson<{ name: string }>(['projects', 'import', long], { db: other })
    expect(again.name).toBe(`${'L'.repeat(89)} (imported)`)
  })
})
