// Keyboard and screen-reader facts about an element, read in the page: whether it has the focus,
// and the text it is described by (aria-describedby), as a screen reader would read it.
import type { Locator } from 'playwright-core'

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
