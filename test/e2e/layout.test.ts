// Layout at a small window (1024 × 700), against a real `mimic serve` with runs made by the CLI:
// wheel-scrolling to the end of a page keeps the header in view and the document exactly the
// window's height (only the content pane scrolls), and the last element of the page is reachable;
// table headers do not float over their rows; nothing is cut off at 1024 px wide; both weight
// heatmaps use one labelled orientation (rows postsynaptic, columns presynaptic). Needs a built
// renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { divergingRgb, robustScale } from '../../renderer/src/lib/chart/heatmap.ts'
import { formatNumber } from '../../renderer/src/lib/format.ts'
import { decodeWire } from '../../src/shared/wire.ts'
import { frames, openSession, type Session } from './support/session.ts'

let s: Session
const ids = { project: 0, dataset: 0, network: 0, teacher: 0, ads: 0, evaluation: 0, simulation: 0, pipeline: 0 }

beforeAll(async () => {
  s = await openSession('layout', { width: 1024, height: 700 })
  const p = String((ids.project = s.cli<{ id: number }>(['projects', 'create', 'Layout e2e']).id))
  ids.dataset = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', p, '--count', '12', '--seed', '3', '--name', 'test set']).id
  ids.network = s.cli<{ id: number }>(['network', 'create', '--project', p, '--neurons', '64', '--dims', '16', '--seed', '4', '--name', 'net 64']).id
  ids.teacher = s.cli<{ id: number }>(
    ['train', 'teacher', '--project', p, '--name', 'teacher 16', '--units', '16', '--epochs', '4', '--samples-per-epoch', '60', '--step-size', '3e-3', '--tau-step-unit', 'ms', '--validation-samples', '10', '--test-samples', '10', '--seed', '4'],
  ).id
  ids.ads = s.cli<{ id: number }>(
    ['train', 'ads', '--project', p, '--teacher', String(ids.teacher), '--name', 'ads 64', '--neurons', '64', '--epochs', '2', '--samples-per-epoch', '10', '--validation-samples', '6', '--test-samples', '10', '--seed', '2'],
  ).id
  ids.evaluation = s.cli<{ id: number }>(['eval', String(ids.ads), '--dataset', String(ids.dataset), '--name', 'snn eval']).id
  ids.simulation = s.cli<{ id: number }>(['simulate', String(ids.network), '--data', String(ids.dataset), '--samples', '3', '--noise-std', '0.1', '--name', 'sim']).id
  ids.pipeline = s.cli<{ pipelineRunId: number }>(
    ['reproduce', 'xor', '--project', p, '--name', 'pipe', '--seed', '1', '--teacher-units', '16', '--teacher-epochs', '4', '--teacher-samples-per-epoch', '60', '--teacher-step-size', '3e-3', '--teacher-tau-step-unit', 'ms', '--teacher-validation-samples', '10', '--neurons', '64', '--epochs', '2', '--samples-per-epoch', '10', '--validation-samples', '6', '--test-samples', '20'],
  ).pipelineRunId
  expect(ids.pipeline, 'reproduce xor --json names its pipeline run').toBeGreaterThan(0)
}, 120_000)

afterAll(async () => {
  await s?.close()
})

/** Opens a page and waits until its content has stopped growing (charts and tables loaded). */
async function openPage(page: Page, hash: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${s.served.url}${hash}`)
  await page.getByRole('heading', { level: 1, name: heading }).waitFor()
  let last = -1
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(150)
    await frames(page)
    const h = Number(await page.evaluate('document.querySelector("main").scrollHeight'))
    if (h === last) return
    last = h
  }
}

interface Geometry {
  docScrollHeight: number
  docScrollTop: number
  innerHeight: number
  headerTop: number
  headerBottom: number
  mainScrollTop: number
  mainMaxScroll: number
  /** the lowest element of the content pane: its box and whether it is the element seen there */
  last: { what: string; top: number; bottom: number; mainTop: number; mainBottom: number; seen: boolean }
}

// A string, evaluated in the page: the root tsconfig has no DOM lib.
const geometryScript = `(() => {
  const main = document.querySelector('main')
  const header = document.querySelector('header.top').getBoundingClientRect()
  const m = main.getBoundingClientRect()
  let lowest = null
  let lowestRect = null
  for (const el of main.querySelectorAll('*')) {
    if (el.closest('.visually-hidden')) continue
    const r = el.getBoundingClientRect()
    if (r.width < 2 || r.height < 2) continue
    if (!lowestRect || r.bottom > lowestRect.bottom + 0.5) { lowest = el; lowestRect = r }
  }
  let seen = false
  if (lowest) {
    const y = Math.min(lowestRect.bottom - 2, m.bottom - 1)
    const x = lowestRect.left + Math.min(lowestRect.width / 2, 20)
    const at = document.elementFromPoint(x, y)
    seen = !!at && (lowest.contains(at) || at.contains(lowest))
  }
  return {
    docScrollHeight: document.scrollingElement.scrollHeight,
    docScrollTop: document.scrollingElement.scrollTop,
    innerHeight,
    headerTop: header.top,
    headerBottom: header.bottom,
    mainScrollTop: main.scrollTop,
    mainMaxScroll: main.scrollHeight - main.clientHeight,
    last: lowest
      ? { what: lowest.tagName + '.' + lowest.className + ' ' + (lowest.textContent || '').trim().slice(0, 40), top: lowestRect.top, bottom: lowestRect.bottom, mainTop: m.top, mainBottom: m.bottom, seen }
      : { what: 'nothing', top: 0, bottom: 0, mainTop: m.top, mainBottom: m.bottom, seen: false },
  }
})()`

/**
 * Wheel-scrolls with the mouse at (x, y) until nothing moves any more. A nested scroll box (the
 * per-sample table) that reaches its end keeps the wheel for a moment (Chromium latches a wheel
 * gesture to one scroller): after a still wheel, pause and try again before giving up.
 */
async function wheelToEnd(page: Page, x: number, y: number): Promise<void> {
  await page.mouse.move(x, y)
  let before = ''
  let still = 0
  for (let i = 0; i < 120 && still < 3; i++) {
    await page.mouse.wheel(0, 500)
    await page.waitForTimeout(40)
    const [now, atEnd] = (await page.evaluate(
      '(() => { const m = document.querySelector("main"); return [`${document.scrollingElement.scrollTop}:${m.scrollTop}`, m.scrollTop >= m.scrollHeight - m.clientHeight - 1] })()',
    )) as [string, boolean]
    if (now === before) {
      if (atEnd) return
      still++
      await page.waitForTimeout(400)
    } else still = 0
    before = now
  }
}

function expectWholeWindow(g: Geometry, where: string): void {
  expect(g.docScrollHeight, `${where}: the document's scroll height (the window is ${g.innerHeight} px)`).toBe(g.innerHeight)
  expect(g.docScrollTop, `${where}: the document scrolled`).toBe(0)
  expect(g.headerTop, `${where}: the header's top`).toBe(0)
  expect(g.headerBottom, `${where}: the header's bottom`).toBeGreaterThan(30)
}

describe('layout at 1024 × 700', () => {
  it('keeps the header and the whole window when wheel-scrolling to the end of a page', async () => {
    const { page, step } = s
    const pages: [what: string, hash: string, heading: string][] = [
      ['pipeline', `#/runs/${ids.pipeline}`, 'pipe'],
      ['teacher', `#/runs/${ids.teacher}`, 'teacher 16'],
      ['simulation', `#/runs/${ids.simulation}`, 'sim'],
      ['evaluation', `#/runs/${ids.evaluation}`, 'snn eval'],
      ['project', `#/projects/${ids.project}`, 'Layout e2e'],
    ]
    for (const [what, hash, heading] of pages) {
      await step(`${what} page: wheel over the content to the end`, async () => {
        await openPage(page, hash, heading)
        const first = (await page.evaluate(geometryScript)) as Geometry
        expectWholeWindow(first, `${what}, before scrolling`)
        await wheelToEnd(page, 400, 400)
        const g = (await page.evaluate(geometryScript)) as Geometry
        expectWholeWindow(g, `${what}, after wheeling over the content`)
        expect(g.mainScrollTop, `${what}: the content pane scrolled to its end`).toBeGreaterThanOrEqual(g.mainMaxScroll - 1)
        expect(g.last.bottom, `${what}: the lowest element (${g.last.what}) ends inside the content pane`).toBeLessThanOrEqual(g.last.mainBottom + 1)
        expect(g.last.bottom, `${what}: the lowest element (${g.last.what}) is on screen`).toBeGreaterThan(g.last.mainTop)
        expect(g.last.seen, `${what}: the lowest element (${g.last.what}) is not covered`).toBe(true)
        await s.shot(`${what}-end`)
      })
      await step(`${what} page: wheel over the header`, async () => {
        await wheelToEnd(page, 600, 20)
        const g = (await page.evaluate(geometryScript)) as Geometry
        expectWholeWindow(g, `${what}, after wheeling over the header`)
      })
    }
    expect(s.pageErrors).toEqual([])
  })

  it('keeps table headers on their tables: none floats over rows, the scrolled one is opaque', async () => {
    const { page, step } = s
    for (const [what, hash, heading] of [
      ['evaluation', `#/runs/${ids.evaluation}`, 'snn eval'],
      ['pipeline', `#/runs/${ids.pipeline}`, 'pipe'],
    ] as const) {
      await step(`${what} page: scroll the first row of each table out of the content pane`, async () => {
        await openPage(page, hash, heading)
        const count = Number(await page.evaluate('document.querySelectorAll("main table thead").length'))
        expect(count, 'tables with a header row').toBeGreaterThanOrEqual(4)
        for (let i = 0; i < count; i++) {
          // put the table's first row 10 px above the top of the content pane, then compare the
          // header with that row
          const r = (await page.evaluate(`(() => {
            const main = document.querySelector('main')
            const table = document.querySelectorAll('main table thead')[${i}].closest('table')
            const m = main.getBoundingClientRect()
            main.scrollTop += table.tBodies[0].rows[0].getBoundingClientRect().top - m.top + 10
            // sticky positioning moves the header cells, not the thead box
            const headBottom = Math.max(...[...table.tHead.rows[0].cells].map((c) => c.getBoundingClientRect().bottom))
            const row = table.tBodies[0].rows[0].getBoundingClientRect()
            return { caption: (table.caption?.textContent || table.getAttribute('aria-label') || '').trim().slice(0, 40), headBottom, rowTop: row.top }
          })()`)) as { caption: string; headBottom: number; rowTop: number }
          expect(r.headBottom, `the header of table ${i} ("${r.caption}") ends over its first row`).toBeLessThanOrEqual(r.rowTop + 1)
        }
      })
    }

    await step('the per-sample table scrolls under an opaque header inside its own box', async () => {
      await openPage(page, `#/runs/${ids.evaluation}`, 'snn eval')
      const table = page.getByRole('table', { name: 'Decision per sample' })
      await table.scrollIntoViewIfNeeded()
      const r = (await table.evaluate((t) => {
        const el = t as unknown as { closest(s: string): { scrollTop: number; getBoundingClientRect(): { top: number } }; querySelector(s: string): { getBoundingClientRect(): { left: number; top: number; width: number; height: number } } }
        const box = el.closest('.scroll')
        box.scrollTop = 60
        const th = el.querySelector('thead th')
        const rect = th.getBoundingClientRect()
        const doc = globalThis as unknown as { document: { elementFromPoint(x: number, y: number): { closest(s: string): unknown } | null }; getComputedStyle(e: unknown): { backgroundColor: string } }
        const at = doc.document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2)
        return { boxTop: box.getBoundingClientRect().top, thTop: rect.top, headerOnTop: !!at?.closest('thead'), background: doc.getComputedStyle(th).backgroundColor }
      })) as { boxTop: number; thTop: number; headerOnTop: boolean; background: string }
      expect(Math.abs(r.thTop - r.boxTop), 'the header stays at the top of its scroll box').toBeLessThanOrEqual(2)
      expect(r.headerOnTop, 'the header is drawn over the rows scrolled under it').toBe(true)
      expect(r.background, 'the header has an opaque background').toMatch(/^rgb\(/)
    })
    expect(s.pageErrors).toEqual([])
  })

  it('cuts nothing off at 1024 px wide: every page and every form', async () => {
    const { page, step } = s
    const check = async (where: string): Promise<void> => {
      await frames(page)
      const cut = (await page.evaluate(clippedScript)) as string[]
      expect(cut, `${where}: clipped or scrolled sideways`).toEqual([])
    }
    const pages: [what: string, hash: string, heading: string][] = [
      ['projects', '#/', 'Projects'],
      ['project', `#/projects/${ids.project}`, 'Layout e2e'],
      ['dataset', `#/runs/${ids.dataset}`, 'test set'],
      ['network', `#/runs/${ids.network}`, 'net 64'],
      ['teacher', `#/runs/${ids.teacher}`, 'teacher 16'],
      ['network ADS', `#/runs/${ids.ads}`, 'ads 64'],
      ['evaluation', `#/runs/${ids.evaluation}`, 'snn eval'],
      ['simulation', `#/runs/${ids.simulation}`, 'sim'],
      ['pipeline', `#/runs/${ids.pipeline}`, 'pipe'],
    ]
    for (const [what, hash, heading] of pages) {
      await step(`${what} page`, async () => {
        await openPage(page, hash, heading)
        await check(`${what} page`)
      })
    }
    await step('every form of the project page', async () => {
      await openPage(page, `#/projects/${ids.project}`, 'Layout e2e')
      const buttons = page.locator('.page-head .actions button')
      const names = (await buttons.allTextContents()).map((t) => t.trim())
      expect(names.length, 'buttons that open forms').toBeGreaterThanOrEqual(6)
      for (const name of names) {
        await page.getByRole('button', { name, exact: true }).click()
        await page.getByRole('form').first().waitFor()
        await check(`form "${name}"`)
        await page.getByRole('form').first().getByRole('button', { name: 'Cancel', exact: true }).click()
        await page.getByRole('form').first().waitFor({ state: 'detached' })
      }
    })
    expect(s.pageErrors).toEqual([])
  })
})

describe('weight heatmaps', () => {
  it('draw every weight matrix the same way: rows postsynaptic, columns presynaptic, labelled', async () => {
    const { page, step } = s
    const n = 64
    const read = async (name: string): Promise<Float32Array> => {
      const res = await fetch(`${s.served.origin}/api/artifacts.read`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.served.token}` },
        body: JSON.stringify({ runId: ids.ads, name }),
      })
      const body = decodeWire(await res.text()) as { ok: boolean; value: { data: Float32Array; shape: number[] } }
      expect(body.ok, `artifacts.read ${name}`).toBe(true)
      expect(body.value.shape).toEqual([n, n])
      return body.value.data
    }
    // The stored layouts differ (native/core/snn.hpp): Ω_f[post, pre], Ω_s[pre, post].
    const stored = { omegaF: await read('omegaF'), omegaS: await read('omegaS') }
    const weight = {
      omegaF: (post: number, pre: number) => stored.omegaF[post * n + pre],
      omegaS: (post: number, pre: number) => stored.omegaS[pre * n + post],
    }
    const maps = [
      { key: 'omegaF' as const, title: 'Fast weights Ω_f' },
      { key: 'omegaS' as const, title: 'Slow weights Ω_s' },
    ]

    await step('open the network ADS page', async () => {
      await openPage(page, `#/runs/${ids.ads}`, 'ads 64')
    })

    for (const m of maps) {
      await step(`${m.title}: axis labels, pixels and the hover read-out follow rows = post, columns = pre`, async () => {
        const figure = page.locator('figure.heatmap').filter({ hasText: m.title })
        await figure.getByText('rows: postsynaptic neuron', { exact: false }).waitFor()
        await figure.getByText('columns: presynaptic neuron', { exact: false }).waitFor()
        await figure.getByRole('img', { name: new RegExp(`^${m.title}: 64 × 64 matrix, rows postsynaptic, columns presynaptic`) }).waitFor()
        const canvas = figure.locator('canvas')
        await canvas.waitFor()
        // the cells where the two orientations differ most
        const w = weight[m.key]
        const cells: [post: number, pre: number][] = []
        for (let post = 0; post < n; post++) for (let pre = 0; pre < n; pre++) if (post !== pre) cells.push([post, pre])
        cells.sort((a, b) => Math.abs(w(b[0], b[1]) - w(b[1], b[0])) - Math.abs(w(a[0], a[1]) - w(a[1], a[0])))
        const probe = cells.slice(0, 6)
        expect(Math.abs(w(probe[0][0], probe[0][1]) - w(probe[0][1], probe[0][0])), `${m.title} is not symmetric`).toBeGreaterThan(0)
        const all = new Float32Array(n * n)
        for (let post = 0; post < n; post++) for (let pre = 0; pre < n; pre++) all[post * n + pre] = w(post, pre)
        const scale = robustScale(all)
        const pixels = (await canvas.evaluate((c, probe) => {
          const el = c as unknown as { getContext(id: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }
          return probe.map(([post, pre]) => Array.from(el.getContext('2d').getImageData(pre, post, 1, 1).data).slice(0, 3))
        }, probe)) as number[][]
        for (let i = 0; i < probe.length; i++) {
          const [post, pre] = probe[i]
          expect(pixels[i], `${m.title}: the pixel in row ${post}, column ${pre} has the colour of the weight from ${pre} to ${post}`).toEqual(divergingRgb(w(post, pre), scale))
        }
        await canvas.scrollIntoViewIfNeeded()
        const box = (await canvas.boundingBox())!
        const [post, pre] = probe[0]
        await page.mouse.move(box.x + ((pre + 0.5) / n) * box.width, box.y + ((post + 0.5) / n) * box.height)
        await figure.locator('.hover').filter({ hasText: `post ${post}, pre ${pre}: ${formatNumber(w(post, pre))}` }).waitFor()
      })
    }
    expect(s.pageErrors).toEqual([])
  })
})

// Elements cut off: a box that clips or scrolls sideways with more content than width (text cut
// by an ellipsis, a table with a horizontal scrollbar), or anything past the window's right edge.
const clippedScript = `(() => {
  const out = []
  const width = document.documentElement.clientWidth
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.visually-hidden') || el.closest('[hidden]')) continue
    const cs = getComputedStyle(el)
    if (cs.display === 'none' || cs.visibility === 'hidden') continue
    const name = el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '') + ' "' + (el.textContent || '').trim().slice(0, 30) + '"'
    if (cs.overflowX !== 'visible' && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) out.push(name + ' is ' + el.scrollWidth + ' px wide in ' + el.clientWidth + ' px')
    // a heading squeezed narrower than its longest word spills over what stands beside it
    if (/^H[1-3]$/.test(el.tagName) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) out.push(name + ' spills out of its box: ' + el.scrollWidth + ' px of text in ' + el.clientWidth + ' px')
    const r = el.getBoundingClientRect()
    if (r.width > 0 && r.right > width + 0.5) out.push(name + ' ends at ' + Math.round(r.right) + ' px, past the window (' + width + ' px)')
  }
  return out.slice(0, 12)
})()`
