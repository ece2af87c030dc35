// A second process writing to the same database (used by the two-process integration test).
import { openStore } from '../../src/store/index.ts'

const [dbPath, tag, countText] = process.argv.slice(2)
const count = Number(countText)
const store = openStore(dbPath)
const project = store.projects.create(`writer ${tag}`)
for (let i = 0; i < count; i++) {
  const run = store.runs.create({ projectId: project.id, kind: 'test', name: `${tag}-${i}`, params: { i }, seed: i, codeVersion: 'v', host: 'h' })
  store.metrics.append(run.id, Array.from({ length: 50 }, (_, k) => ({ key: 'x', step: k, value: k + i })))
  store.artifacts.put(run.id, [{ name: 'w', data: new Float32Array(256).fill(i), shape: [16, 16] }])
  store.runs.finish(run.id, 'succeeded', null, { i })
}
store.close()
