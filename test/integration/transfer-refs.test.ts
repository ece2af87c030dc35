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
    const run = (args: string[], db = a): number => {
      const r = mimicJson<{ id?: number; runId?: number }>(args, { db })
      return (r.id ?? r.runId) as number
    }
    mimicJson(['projects', 'create', 'P'], { db: a })
    mimicJson(['projects', 'create', 'Elsewhere'], { db: a })
    const outside = run(['data', 'generate', 'xor', '--project', '2', '--count', '4', '--seed', '1', '--duration-s', '0.1'])
    const data = run(['data', 'generate', 'xor', '--project', '1', '--count', '20', '--seed', '2', '--duration-s', '0.1'])
    const teacher = run(['train', 'teacher', '--project', '1', '--data', String(data), '--epochs', '1', '--units', '8', '--seed', '3'])
    // trained on its teacher's dataset, which its summary names
    const ads = run(['train', 'ads', '--teacher', String(teacher), '--neurons', '20', '--epochs', '1', '--seed', '4'])
    const robustness = run(['robustness', '--project', '1', '--networks', String(ads), '--data', String(outside), '--perturbation', 'mismatch', '--levels', '0', '--draws', '1', '--samples', '2', '--seed', '5'])
    // a comparison names its parts by run id in its result values (as a paper reproduction's does)
    const store = openStore(a)
    let comparison: number
    try {
      comparison = store.runs.create({ projectId: 1, kind: 'comparison', name: 'parts', params: {}, seed: null, codeVersion: 'test', host: 'test', status: 'running' }).id
      store.results.insert(comparison, [{ item: 0, networkId: ads, architecture: 'ads', labels: { part: 'sweep' }, values: { runId: robustness, testAccuracy: 0.5 } }])
      store.runs.finish(comparison, 'succeeded')
    } finally {
      store.close()
    }
    expect(mimicJson(['projects', 'export', '1', '--out', bundle], { db: a })).toMatchObject({ runs: 5 })

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
      // parameters without run references are kept as they were written
      expect(s.db.prepare('SELECT params FROM runs WHERE id = ?').pluck().get(id(comparison))).toBe('{}')
    } finally {
      s.close()
    }
  })
})
