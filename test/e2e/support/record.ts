// Records, inside the page, every distinct text that the elements matching a selector show, from now
// on: a MutationObserver on the document appends the joined innerText of the matches whenever it
// changes. The app is one page, so the record outlives route changes. Polling from the test would see
// only the states that happen to be on screen at its reads: a fast machine runs a stage between two
// reads, a slow one delays the reads; the page's own record has every state it rendered.
import type { Page } from 'playwright-core'

export interface TextRecord {
  /** every distinct text shown so far, in order ('' while nothing matches is not recorded) */
  read(): Promise<string[]>
}

let counter = 0

export async function recordTexts(page: Page, selector: string): Promise<TextRecord> {
  const key = `__record${++counter}`
  await page.evaluate(
    ([sel, k]) => {
      const store: string[] = []
      ;(window as unknown as Record<string, string[]>)[k] = store
      const capture = (): void => {
        const text = [...document.querySelectorAll<HTMLElement>(sel)].map((e) => e.innerText.replace(/\s+/g, ' ').trim()).join(' | ')
        if (text && store[store.length - 1] !== text) store.push(text)
      }
      capture()
      new MutationObserver(capture).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
    },
    [selector, key] as const,
  )
  return { read: () => page.evaluate((k) => [...(window as unknown as Record<string, string[]>)[k]], key) }
}
