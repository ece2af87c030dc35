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
