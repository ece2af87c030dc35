// Small element attachments ({@attach ...}).
import type { Attachment } from 'svelte/attachments'

/** Calls `fn` when Escape is pressed inside the element (forms that close on Escape). */
export function onEscape(fn: () => void): Attachment<HTMLElement> {
  return (el) => {
    const handler = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape' || e.defaultPrevented) return
      e.preventDefault()
      fn()
    }
    el.addEventListener('keydown', handler)
    return () => el.removeEventListener('keydown', handler)
  }
}

// Whether the focus was on a page heading when one was last seen: navigation puts it there (App).
let headingHadFocus = false

/**
 * A page heading (`h1 tabindex="-1"`) that may replace another one, as a run's name replaces
 * "Loading run 4…": navigation focused the first heading, and removing it dropped the focus on the
 * document body (a keyboard user's next Tab started over at the top, a screen reader announced
 * nothing). The new heading takes the focus when the old one had it and nothing else has it now.
 */
export const pageHeading: Attachment<HTMLElement> = (el) => {
  const onFocus = (): void => {
    headingHadFocus = true
  }
  // Chromium blurs a focused element while removing it (still connected during the event): a
  // heading that is gone once the removal is over still counts as focused
  const onBlur = (): void => {
    queueMicrotask(() => {
      headingHadFocus = !el.isConnected
    })
  }
  el.addEventListener('focus', onFocus)
  el.addEventListener('blur', onBlur)
  // after the removal of the heading this one replaces (and its blur's microtask)
  setTimeout(() => {
    const active = document.activeElement
    if (headingHadFocus && el.isConnected && (active === null || active === document.body)) el.focus()
  }, 0)
  return () => {
    el.removeEventListener('focus', onFocus)
    el.removeEventListener('blur', onBlur)
  }
}
