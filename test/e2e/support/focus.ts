// Keyboard and screen-reader facts about an element, read in the page: whether it has the focus,
// and the text it is described by (aria-describedby), as a screen reader would read it.
import type { Locator, Page } from 'playwright-core'

// The root tsconfig has no DOM lib: describe the little of an element these checks use.
interface ElementLike {
  getAttribute(name: string): string | null
  ownerDocument: { activeElement: unknown; getElementById(id: string): { textContent: string | null } | null }
}

export function isFocused(l: Locator): Promise<boolean> {
  return l.evaluate((el) => {
    const e = el as unknown as ElementLike
    return e.ownerDocument.activeElement === e
  })
}

export function description(l: Locator): Promise<string> {
  return l.evaluate((el) => {
    const e = el as unknown as ElementLike
    return (e.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => e.ownerDocument.getElementById(id)?.textContent?.trim() ?? '')
      .join(' | ')
  })
}

/**
 * Waits (up to timeoutMs) until the focus is on an element again: a control that went away hands it
 * on in a timeout, so right after a key the focus may still be on the body. Gives up silently: the
 * caller's assertion on the focused element then says what is wrong.
 */
export async function focusSettled(page: Page, timeoutMs = 2000): Promise<void> {
  await page.waitForFunction(() => document.activeElement !== document.body, undefined, { timeout: timeoutMs }).catch(() => undefined)
}
