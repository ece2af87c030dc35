// A project bundle imported where other runs hold the bundle's ids: the runs its runs' parameters,
// summaries and result values name are the imported ones (a teacher's dataset, a network ADS's
// teacher and dataset, a robustness run's networks, a comparison's parts), not the runs that
// happen to have those ids here; a run outside the exported project is left out and noted.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('importing a project bundle maps the runs its records name', () => {
  it('gives parameters, summaries and result values the new ids, and leaves out runs of other projects', () => {
    const dir = tempDir()
    const a = join(dir, 'a.db')
    const b = join(dir, 'b.db')
    const bundle = join(dir, 'p.mimic')
    // the runs as the job kinds record them: run references in parameters, each a parent in its field's role
    const store = openStore(a)
    let outside: number, data: number, teacher: number, ads: number, robustness: number, comparison: number, sweep: number
    try {
      const p = store.projects.create('P').id
      const elsewhere = store.projects.create('Elsewhere').id
      const made = { seed: 1, codeVersion: 'test', host: 'test', status: 'running' as const }
      const run = (projectId: number, kind: string, params: Record<string, unknown>, parents: { id: number; role: string }[], summary: Record<string, number> = {}): number => {
        const id = store.runs.create({ projectId, kind, name: kind, params, parents, ...made }).id
        store.runs.finish(id, 'succeeded', null, summary)
        return id
      }
      outside = run(elsewhere, 'dataset', { count: 4 }, [])
      data = run(p, 'dataset', { count: 20 }, [])
      teacher = run(p, 'teacher', { data, units: 8 }, [{ id: data, role: 'data' }])
      // trained on its teacher's dataset, which its summary names
      ads = run(p, 'ads', { teacher, neurons: 20 }, [{ id: teacher, role: 'teacher' }], { testAccuracy: 0.5, dataset: data })
      robustness = run(p, 'robustness', { networks: [ads], dataset: outside, levels: [0] }, [{ id: ads, role: 'networks' }, { id: outside, role: 'dataset' }])
      // a comparison names its parts by run id in its result values (as a paper reproduction's does)
      comparison = store.runs.create({ projectId: p, kind: 'comparison', name: 'parts', params: {}, seed: null, codeVersion: 'test', host: 'test', status: 'running' }).id
      store.results.insert(comparison, [{ item: 0, networkId: ads, architecture: 'ads', labels: { part: 'sweep' }, values: { runId: robustness, testAccuracy: 0.5 } }])
      store.runs.finish(comparison, 'succeeded')
      // a sweep sent to a cluster for the comparison: its split job's parameters, one level down, name
      // a network of the bundle and a dataset of another project; its owner is the comparison
      sweep = run(p, 'sweep', { jobKind: 'robustness', runKind: 'robustness', params: { networks: [ads], dataset: outside, levels: [0] }, cluster: 'lab', owner: { id: comparison, role: 'cluster' } }, [{ id: comparison, role: 'cluster' }])
    } finally {
      store.close()
    }
    expect(mimicJson(['projects', 'export', '1', '--out', bundle], { db: a })).toMatchObject({ runs: 6 })

    // imported twice: the second copy's ids all differ from the bundle's, and the first copy holds those
    mimicJson(['projects', 'create', 'Here'], { db: b })
    mimicJson(['projects', 'import', bundle], { db: b })
    const imported = mimicJson<{ idMap: Record<string, number>; droppedLinks: number }>(['projects', 'import', bundle], { db: b })
    expect(imported.droppedLinks).toBe(1)
    const id = (old: number): number => imported.idMap[String(old)]
    expect(id(data)).not.toBe(data)
    const s = openStore(b)
    try {
      expect(s.runs.get(id(teacher)).params.data).toBe(id(data))
      const adsRun = s.runs.get(id(ads))
      expect(adsRun.params.teacher).toBe(id(teacher))
      expect(adsRun.summary.dataset).toBe(id(data))
      const rob = s.runs.get(id(robustness))
      expect(rob.params.networks).toEqual([id(ads)])
      // the dataset of another project is not in the bundle: its old id would name another run here
      expect(rob.params.dataset).toBeUndefined()
      expect(s.runs.notes(id(robustness)).map((n) => n.body)).toEqual([expect.stringMatching(new RegExp(`dataset \\(run ${outside}\\) named a run outside the exported project`))])
      expect(s.results.items(id(comparison))[0].values.runId).toBe(id(robustness))
      expect(s.results.items(id(comparison))[0].networkId).toBe(id(ads))
      const sw = s.runs.get(id(sweep))
      expect(sw.params).toEqual({ jobKind: 'robustness', runKind: 'robustness', params: { networks: [id(ads)], levels: [0] }, cluster: 'lab', owner: { id: id(comparison), role: 'cluster' } })
      expect(s.runs.notes(id(sweep)).map((n) => n.body)).toEqual([expect.stringMatching(new RegExp(`params\\.dataset \\(run ${outside}\\) named a run outside the exported project`))])
      // parameters without run references are kept as they were written
      expect(s.db.prepare('SELECT params FROM runs WHERE id = ?').pluck().get(id(comparison))).toBe('{}')
    } finally {
      s.close()
    }
  })
})
