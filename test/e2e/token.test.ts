// Opening the workbench without its token, against a real `mimic serve`: one page that says the
// token is missing (or wrong) and how to get the link, with no API calls made for nothing, no
// error repeated, no "0 projects"; the right link then opens the workbench, and a server restarted
// under the open page (a new token) brings the page back. Needs a built renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { cleanupTemp } from '../support/tmp.ts'
import { launchChromium, stepper } from './support/browser.ts'
import { startServe, type Served } from './support/serve.ts'

let served: Served
let browser: Browser

beforeAll(async () => {
  served = await startServe()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  cleanupTemp()
})

interface Traffic {
  api: { url: string; status: number }[]
  sockets: number
  errors: string[]
}

async function freshPage(): Promise<{ page: Page; traffic: Traffic }> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 700 } })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  const traffic: Traffic = { api: [], sockets: 0, errors: [] }
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) traffic.api.push({ url: r.url(), status: r.status() })
  })
  page.on('websocket', () => traffic.sockets++)
  page.on('pageerror', (e) => traffic.errors.push(e.message))
  return { page, traffic }
}

/** The page explains the token once, says how to get the link, and shows nothing of the workbench. */
async function expectTokenPage(page: Page, heading: RegExp, reason: RegExp): Promise<void> {
  const h1 = page.getByRole('heading', { level: 1 })
  await h1.filter({ hasText: heading }).waitFor()
  expect(await h1.count(), 'one page heading').toBe(1)
  const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ')
  expect(text).toMatch(reason)
  expect(text).toMatch(/first line .*mimic serve.* prints/)
  expect(text).toContain(`${served.origin}/?token=`)
  expect(text).toMatch(/--keep-token/)
  expect(text).not.toMatch(/projects? in this database/)
  expect(text.match(/token/gi)!.length, 'the page talks about the token').toBeGreaterThan(2)
  expect(await page.getByRole('alert').filter({ hasText: /\S/ }).count(), 'error alerts').toBe(0)
  expect(await page.getByRole('heading', { name: 'Projects' }).count()).toBe(0)
  expect(await page.getByRole('contentinfo').count(), 'the status bar').toBe(0)
}

describe('without the token', () => {
  it('shows one page saying the token is missing or wrong and how to get the link', async () => {
    const { page, traffic } = await freshPage()
    const step = stepper(page, 'token', () => `server stderr:\n${served.stderr().slice(-2000)}\napi: ${JSON.stringify(traffic.api)}`)

    await step('the address without the token: missing, and nothing asked of the server', async () => {
      await page.goto(`${served.origin}/`)
      await expectTokenPage(page, /needs its token/, /This address has no access token/)
      await page.waitForTimeout(500)
      expect(traffic.api, 'API calls without a token').toEqual([])
      expect(traffic.sockets, 'event sockets without a token').toBe(0)
    })

    await step('a wrong token: one refused call, then the page says the token is wrong', async () => {
      await page.goto(`${served.origin}/?token=${'0'.repeat(48)}`)
      await expectTokenPage(page, /token is not valid/, /not the one this server was started with/)
      await page.waitForTimeout(500)
      expect(traffic.api.map((a) => a.status), 'API calls with a wrong token').toEqual([401])
      expect(traffic.sockets, 'event sockets with a wrong token').toBe(0)
    })

    await step('the link `mimic serve` printed opens the workbench', async () => {
      await page.goto(served.url)
      await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
      await page.getByText(/Connection:\s*Live/).waitFor()
      expect(await page.getByRole('heading', { name: /needs its token|token is not valid/ }).count()).toBe(0)
    })
    expect(traffic.errors).toEqual([])
  })

  it('brings the token page back when the server restarts under an open page', async () => {
    const { page, traffic } = await freshPage()
    const step = stepper(page, 'token-restart', () => `server stderr:\n${served.stderr().slice(-2000)}`)
    await step('open the workbench and restart the server on the same port: the page notices by itself', async () => {
      await page.goto(served.url)
      await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
      await page.getByText(/Connection:\s*Live/).waitFor()
      const port = new URL(served.origin).port
      await served.stop()
      served = await startServe({ db: served.db, port: Number(port) })
      await expectTokenPage(page, /token is not valid/, /server may have been restarted/)
    })

    expect(traffic.errors).toEqual([])
  })
})
