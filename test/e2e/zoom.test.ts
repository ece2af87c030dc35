// The workbench at 200 % zoom, against a real `mimic serve` with runs made by the CLI: a 1024 × 768
// window at 200 % lays out in 512 × 384 CSS pixels (an 800 px one in 400), so the page is opened at
// that size. Nothing may make the window scroll sideways: the
// header (with the Hardware link), the content pane and the status bar stay inside the window, a
// long project or run name is cut in the breadcrumbs instead, and the project list keeps every
// row's Delete button on screen. With the system's reduced motion, nothing animates (a new project's
// row flashed, progress bars slid). Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session
const ids = { project: 0, dataset: 0, network: 0 }
const longName = 'Wake phrase in the cold room: mismatch sweep of the second board revision, all chips'

// A test's second try runs against a fresh server and database (support/session.ts): the runs
// are made for the database in use.
let seededDb = ''
function seed(): void {
  if (seededDb === s.served.db) return
  seededDb = s.served.db
  // the projects straight into the database (a CLI process each costs seconds on a busy machine)
  const store = openStore(s.served.db)
  try {
    ids.project = store.projects.create(longName).id
    store.projects.create('XOR')
  } finally {
    store.close()
  }
  const p = String(ids.project)
  ids.dataset = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', p, '--count', '8', '--seed', '3', '--name', 'test set']).id
  ids.network = s.cli<{ id: number }>(['network', 'create', '--project', p, '--neurons', '16', '--dims', '4', '--seed', '4']).id
}

beforeAll(async () => {
  s = await openSession('zoom', { width: 512, height: 384 })
})

afterAll(async () => {
  await s?.close()
})

interface Fit {
  windowWidth: number
  docScrollWidth: number
  mainScrollWidth: number
  mainClientWidth: number
  /** header, status bar and their links that end past the window's right edge */
  past: string[]
}

const fitScript = `(() => {
  const W = document.documentElement.clientWidth
  const main = document.querySelector('main')
  const past = []
  for (const el of document.querySelectorAll('header.top, header.top a, footer, main h1')) {
    const r = el.getBoundingClientRect()
    if (r.width > 0 && r.right > W + 0.5) past.push(el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 30) + '" ends at ' + Math.round(r.right))
  }
  return { windowWidth: W, docScrollWidth: document.scrollingElement.scrollWidth, mainScrollWidth: main.scrollWidth, mainClientWidth: main.clientWidth, past }
})()`

describe('reduced motion', () => {
  it("does not flash a new project's row or slide a progress bar", async () => {
    const { page, step } = s
    await page.setViewportSize({ width: 1024, height: 768 })
    await page.emulateMedia({ reducedMotion: 'reduce' })
    try {
      await page.goto(`${s.served.url}#/`)
      await step('create a project from the keyboard: its row is marked without an animation', async () => {
        await page.getByRole('button', { name: 'New project' }).focus()
        await page.keyboard.press('Enter')
        await page.keyboard.type('Still project')
        await page.keyboard.press('Enter')
        const cell = page.getByRole('row', { name: /^Still project / }).getByRole('cell').first()
        await cell.waitFor()
        const anim = (await cell.evaluate((td) => {
          const cs = (globalThis as unknown as { getComputedStyle(e: unknown): { animationName: string; animationDuration: string } }).getComputedStyle(td)
          return [cs.animationName, cs.animationDuration]
        })) as [string, string]
        expect(anim[0] === 'none' || anim[1] === '0s', `animation ${anim.join(' ')}`).toBe(true)
      })
      await step("a progress bar's fill has no transition", async () => {
        const duration = await page.evaluate(`(() => {
          const track = document.createElement('div')
          track.className = 'track'
          const probe = document.createElement('div')
          probe.style.transition = 'width 0.2s ease-out'
          track.append(probe)
          document.querySelector('main').append(track)
          const d = getComputedStyle(probe).transitionDuration
          track.remove()
          return d
        })()`)
        expect(duration).toBe('0s')
      })
    } finally {
      await page.emulateMedia({ reducedMotion: 'no-preference' })
    }
    expect(s.pageErrors).toEqual([])
  })
})

describe('200 % zoom', () => {
  it('never scrolls the window sideways: header, content and status bar fit, long names are cut', async () => {
    const { page, step } = s
    seed()
    for (const [width, height] of [
      [512, 384],
      [400, 300],
    ]) {
      await page.setViewportSize({ width, height })
      const pages: [string, string, string | RegExp][] = [
        ['projects', '#/', 'Projects'],
        ['project', `#/projects/${ids.project}`, longName],
        ['dataset', `#/runs/${ids.dataset}`, 'test set'],
        ['network', `#/runs/${ids.network}`, /^Spiking network/],
        ['hardware', '#/hardware', 'Hardware'],
      ]
      for (const [what, hash, heading] of pages) {
        await step(`${what} page at ${width} px`, async () => {
          await page.goto(`${s.served.url}${hash}`)
          await page.getByRole('heading', { level: 1, name: heading }).waitFor()
          await page.waitForTimeout(300)
          const f = (await page.evaluate(fitScript)) as Fit
          expect(f.past, `${what} at ${width} px: cut off at the right`).toEqual([])
          expect(f.docScrollWidth, `${what} at ${width} px: the window scrolls sideways`).toBe(f.windowWidth)
          expect(f.mainScrollWidth, `${what} at ${width} px: the content pane scrolls sideways`).toBeLessThanOrEqual(f.mainClientWidth)
        })
      }
    }
  })

  it("keeps every project form inside the window at 400 px, its buttons wrapping (Cancel was pushed out)", async () => {
    const { page, step } = s
    seed()
    await page.setViewportSize({ width: 400, height: 300 })
    await page.goto(`${s.served.url}#/projects/${ids.project}`)
    await page.getByRole('heading', { level: 1, name: longName }).waitFor()
    const actions = (await page.locator('main .actions button').allTextContents()).map((t) => t.trim())
    expect(actions.length).toBeGreaterThan(10)
    for (const action of actions) {
      await step(`the form of "${action}"`, async () => {
        await page.getByRole('button', { name: action, exact: true }).click()
        const form = page.locator('main form.form-panel')
        await form.waitFor()
        const f = (await page.evaluate(fitScript)) as Fit
        expect(f.mainScrollWidth, `"${action}": the content pane scrolls sideways`).toBeLessThanOrEqual(f.mainClientWidth)
        const cancel = (await form.getByRole('button', { name: 'Cancel', exact: true }).last().boundingBox())!
        expect(cancel.x + cancel.width, `"${action}": Cancel ends inside the window`).toBeLessThanOrEqual(f.windowWidth)
        await form.getByRole('button', { name: 'Cancel', exact: true }).last().click()
        await form.waitFor({ state: 'detached' })
      })
    }
    expect(s.pageErrors).toEqual([])
  })

  it('keeps every Rename and Delete of the project list on screen, the dates whole', async () => {
    const { page, step } = s
    seed()
    await page.setViewportSize({ width: 512, height: 384 })
    await page.goto(`${s.served.url}#/`)
    await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
    await step('the buttons of each row lie inside the list', async () => {
      const list = await page.getByRole('region', { name: 'Project list' }).boundingBox()
      for (const name of [longName, 'XOR']) {
        for (const action of ['Rename', 'Delete']) {
          const b = await page.getByRole('button', { name: `${action} project ${name}` }).boundingBox()
          expect(b, `${action} ${name}`).not.toBeNull()
          expect(b!.x + b!.width, `${action} of "${name.slice(0, 20)}…" ends inside the list`).toBeLessThanOrEqual(list!.x + list!.width)
        }
      }
    })
    await step('a creation date is not broken inside itself', async () => {
      const cell = page.getByRole('row', { name: /^XOR / }).getByRole('cell').nth(2)
      const text = await cell.innerText()
      expect(text, 'date and time, each on one line').toMatch(/^\d{4}-\d\d-\d\d\s+\d\d:\d\d:\d\d$/)
      expect(text.split('\n').every((line) => !/-$/.test(line)), 'no line ends in the middle of the date').toBe(true)
    })
    expect(s.pageErrors).toEqual([])
  })
})
