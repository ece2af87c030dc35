// Seeds a project with many runs straight into a real SQLite file (one transaction): a lab's
// history at scale for the runs table's tests and benchmark. Runs vary in kind, status, parameters
// (neurons, seed, eta), summary figures, tags and notes; each network ADS run names a teacher parent.
import { openStore } from '../../src/store/index.ts'

export function seedRuns(db: string, count: number, projectName = 'Lab history'): { projectId: number; firstId: number; lastId: number } {
  const store = openStore(db)
  try {
    return store.transaction(() => {
      const projectId = store.projects.create(projectName).id
      let firstId = 0
      let lastId = 0
      let teacher = 0
      for (let i = 0; i < count; i++) {
        const kind = i % 10 === 0 ? 'teacher' : 'ads'
        const neurons = [320, 768, 1024][i % 3]
        const seed = i % 50
        const run = store.runs.create({
          projectId,
          kind,
          name: `${kind} ${neurons} seed ${seed} #${i}`,
          params: { neurons, seed, eta: [1e-6, 1e-5][i % 2], task: 'xor', rule: i % 4 === 0 ? 'batched' : 'online' },
          seed,
          codeVersion: 'seed',
          host: 'lab',
          status: 'running',
          parents: kind === 'ads' && teacher ? [{ id: teacher, role: 'teacher' }] : [],
        })
        if (kind === 'teacher') teacher = run.id
        const acc = 0.5 + 0.5 * (((i * 7919) % 1000) / 1000)
        store.runs.finish(run.id, i % 97 === 0 ? 'failed' : 'succeeded', null, { accuracy: acc, rateHz: 15 + (i % 11) })
        if (i % 500 === 0) store.runs.tag(run.id, 'milestone', false)
        if (i % 1000 === 1) store.runs.addNote(run.id, `checked by hand, run ${i} looks unusual`)
        if (!firstId) firstId = run.id
        lastId = run.id
      }
      return { projectId, firstId, lastId }
    })
  } finally {
    store.close()
  }
}
