// The lineage graph on a run's page (1024 px, keyboard): a simulation's dataset and network to its
// left, an evaluation derived from the network to the network's right; every run a link. A dataset
// with hundreds of runs made from it keeps its page short: the graph scrolls in its own box and the
// lineage list shows its first children and a button for the rest. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { isFocused } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('lineage-graph', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
})

describe('lineage graph', () => {
  it('draws ancestors and descendants as links, reachable with the keyboard', async () => {
    const { page, step } = s
    const ids = { net: 0, data: 0, sim: 0 }
    await step('a network, a dataset and a simulation of both, made with the CLI', async () => {
      const p = String(s.cli<{ id: number }>(['projects', 'create', 'Lineage e2e']).id)
      ids.net = s.cli<{ id: number }>(['network', 'create', '--project', p, '--neurons', '16', '--dims', '2', '--seed', '1', '--name', 'the net']).id
      ids.data = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', p, '--count', '2', '--seed', '1', '--name', 'the data']).id
      ids.sim = s.cli<{ id: number }>(['simulate', String(ids.net), '--data', String(ids.data), '--samples', '1', '--seed', '1', '--name', 'the sim']).id
    })
    await step('the network page shows the simulation derived from it; Enter on it opens it', async () => {
      await page.goto(`${s.served.url}#/runs/${ids.net}`)
      const graph = page.getByRole('group', { name: `Lineage graph of run ${ids.net}` })
      const sim = graph.getByRole('link', { name: `simulation run ${ids.sim}: the sim` })
      await sim.waitFor()
      expect(await graph.getByRole('link').count()).toBe(2)
      await s.shot('network')
      await sim.focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: 'the sim' }).waitFor()
    })
    await step('the simulation page shows both parents, one generation to the left', async () => {
      const graph = page.getByRole('group', { name: `Lineage graph of run ${ids.sim}` })
      await graph.getByRole('link', { name: `dataset run ${ids.data}: the data` }).waitFor()
      await graph.getByRole('link', { name: `network run ${ids.net}: the net` }).waitFor()
      const x = async (name: string): Promise<number> => (await graph.getByRole('link', { name }).boundingBox())!.x
      expect(await x(`network run ${ids.net}: the net`)).toBeLessThan(await x(`simulation run ${ids.sim}: the sim`))
      await s.shot('simulation')
    })
    await step("a deep lineage (a pipeline's five generations) at 1024 px: one column per generation, this run in view, every run reached by Tab", async () => {
      const p = String(s.cli<{ id: number }>(['projects', 'create', 'Deep lineage e2e']).id)
      const tiny = ['--teacher-units', '8', '--teacher-epochs', '2', '--teacher-samples-per-epoch', '20', '--teacher-validation-samples', '5']
      const r = s.cli<{ testRunId: number; datasetRunId: number; pipelineRunId: number; teacherRunId: number; adsRunId: number }>(['reproduce', 'xor', '--project', p, '--seed', '1', ...tiny, '--neurons', '32', '--epochs', '1', '--samples-per-epoch', '5', '--validation-samples', '5', '--test-samples', '5'])
      await page.goto(`${s.served.url}#/runs/${r.testRunId}`)
      const graph = page.getByRole('group', { name: `Lineage graph of run ${r.testRunId}` })
      const link = (kind: string, id: number) => graph.getByRole('link', { name: new RegExp(`^${kind} run ${id}:`) })
      await link('evaluation', r.testRunId).waitFor()
      const order: [string, number][] = [['pipeline', r.pipelineRunId], ['dataset', r.datasetRunId], ['teacher', r.teacherRunId], ['ads', r.adsRunId], ['evaluation', r.testRunId]]
      const scroller = graph.locator('xpath=..')
      const inView = async (kind: string, id: number): Promise<boolean> => {
        const [box, view] = [(await link(kind, id).boundingBox())!, (await scroller.boundingBox())!]
        return box.x >= view.x - 0.5 && box.x + box.width <= view.x + view.width + 0.5
      }
      expect(await inView('evaluation', r.testRunId), 'this run, in view without scrolling').toBe(true)
      // the graph takes the page's whole width (not the main column's 620 px), so that five generations'
      // names read: the teacher's whole name is shown, not cut to "Teacher (BP…"
      expect((await scroller.boundingBox())!.width, "the graph's width at 1024 px").toBeGreaterThan(900)
      const teacherName = s.cli<{ name: string }>(['runs', 'show', String(r.teacherRunId)]).name
      expect(await link('teacher', r.teacherRunId).locator('text.name').textContent()).toBe(teacherName)
      // each generation one column to the right of its parent's
      const xs: number[] = []
      for (const [kind, id] of order) {
        await link(kind, id).focus()
        expect(await inView(kind, id), `${kind} run ${id}, in view once focused`).toBe(true)
        xs.push((await link(kind, id).boundingBox())!.x + (await scroller.evaluate((e) => e.scrollLeft)))
      }
      for (let i = 1; i < xs.length; i++) expect(xs[i], `${order[i][0]} right of ${order[i - 1][0]}`).toBeGreaterThan(xs[i - 1])
      // the arcs over skipped generations (the pipeline to each stage, the test set to the test...):
      // none lies on another, each of a run's arcs leaves it at its own point, all inside the graph
      const arcs = (await graph.locator('path.edge').evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''))).filter((d) => !d.includes(' C') || /^M[\d.]+,[\d.]+ C[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+$/.test(d))
      const skip = arcs.map((d) => d.match(/[\d.]+/g)!.map(Number)).filter(([x0, , cx0]) => cx0 === x0)
      expect(skip.length, 'arcs from the pipeline to its stages').toBeGreaterThanOrEqual(4)
      expect(new Set(skip.map((n) => n.join(','))).size).toBe(skip.length)
      const starts = skip.map(([x0, y0]) => `${x0},${y0}`)
      expect(new Set(starts).size, 'each arc leaves its run at its own point').toBe(starts.length)
      for (const [, , , lift] of skip) expect(lift).toBeGreaterThanOrEqual(0)
      await s.shot('deep')
    })
  })

  it('keeps the page of a dataset with 200 runs made from it short, every run still reachable', async () => {
    const { page, step } = s
    const p = s.cli<{ id: number }>(['projects', 'create', 'Wide lineage e2e']).id
    const data = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', String(p), '--count', '2', '--seed', '1', '--name', 'shared data']).id
    const children: number[] = []
    const store = openStore(s.served.db)
    try {
      store.transaction(() => {
        for (let i = 0; i < 200; i++) {
          const run = store.runs.create({ projectId: p, kind: 'evaluation', name: `evaluation ${i} of a network on the shared data`, params: { dataset: data }, seed: i, codeVersion: 'e2e', host: 'e2e', status: 'running', parents: [{ id: data, role: 'dataset' }] })
          store.runs.finish(run.id, 'succeeded', null, { accuracy: 0.5 })
          children.push(run.id)
        }
      })
    } finally {
      store.close()
    }
    await page.goto(`${s.served.url}#/runs/${data}`)
    const graph = page.getByRole('group', { name: `Lineage graph of run ${data}` })
    await graph.getByRole('link', { name: new RegExp(`^evaluation run ${children[199]}:`) }).waitFor({ state: 'attached' })
    await step('the page is a few screens long, the graph in a box of its own', async () => {
      const m = (await page.evaluate(`(() => { const main = document.querySelector('main'); const box = document.querySelector('svg[aria-label^="Lineage graph"]').parentElement; return { page: main.scrollHeight, window: main.clientHeight, box: box.clientHeight, graph: box.scrollHeight } })()`)) as {
        page: number
        window: number
        box: number
        graph: number
      }
      expect(m.graph, 'the graph is taller than its box').toBeGreaterThan(m.box)
      expect(m.box, "the graph's box").toBeLessThanOrEqual(520)
      expect(m.page, 'the page, in windows').toBeLessThan(4 * m.window)
    })
    await step('the last child, focused, scrolls into view in the graph', async () => {
      const last = graph.getByRole('link', { name: new RegExp(`^evaluation run ${children[199]}:`) })
      await last.focus()
      const [box, view] = [(await last.boundingBox())!, (await graph.locator('xpath=..').boundingBox())!]
      expect(box.y).toBeGreaterThanOrEqual(view.y - 0.5)
      expect(box.y + box.height).toBeLessThanOrEqual(view.y + view.height + 0.5)
    })
    await step('the lineage list: ten children and Show all, which lists the rest and moves on to the eleventh', async () => {
      const list = page.getByRole('region', { name: 'Lineage', exact: true })
      expect(await list.getByRole('link').count()).toBe(10)
      await list.getByRole('button', { name: 'Show all 200 children' }).focus()
      await page.keyboard.press('Enter')
      await list.getByRole('link', { name: 'evaluation 199 of a network on the shared data' }).waitFor()
      expect(await list.getByRole('link').count()).toBe(200)
      expect(await isFocused(list.getByRole('link', { name: 'evaluation 10 of a network on the shared data', exact: true })), 'the first run that was hidden has the focus').toBe(true)
    })
    expect(s.pageErrors).toEqual([])
  })
})
