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

/** The page's heading: where the focus goes when nothing closer is left. */
export function mainHeading(): HTMLElement | null {
  return document.querySelector<HTMLElement>('main h1')
}

/**
 * A control that disappears once it has done its work (a run's Cancel when the run stops, a job's
 * Dismiss): removed while focused, it would drop the focus on the document body. Gives the focus to
 * `next()` instead (looked up once the page has updated; when it finds nothing, the first enabled
 * button of the modal dialog the control was in, else the page's heading). A control disabled while its call runs loses the focus too: it gets it back when enabled again,
 * and `next()` gets it when the control is removed still disabled. With `disabledForGood`, a control
 * that stays on the page disabled once it has worked (a Cancel when nothing runs any more) hands the
 * focus on at once.
 */
export function refocusWhenRemoved(next: () => HTMLElement | null | undefined = () => null, { disabledForGood = false } = {}): Attachment<HTMLButtonElement> {
  return (el) => {
    // focus must not leave a modal dialog for the inert page behind it
    const dialog = el.closest('dialog')
    const fallback = (): HTMLElement | null => (dialog?.isConnected ? dialog.querySelector<HTMLElement>('button:not(:disabled)') : mainHeading())
    const lost = (): boolean => document.activeElement === null || document.activeElement === document.body
    let waiting = false // lost the focus by being disabled
    const handOn = (): void => {
      // after the removal (Chromium blurs a focused element while removing it) and the update
      setTimeout(() => {
        if (lost()) (next() ?? fallback())?.focus()
      }, 0)
    }
    const onBlur = (e: FocusEvent): void => {
      // the focus went to another element (Tab, a click on a control): nothing was lost. Checked now,
      // not in the timeout below: a key pressed before it runs may remove this control and the one
      // the focus went to, and the lost focus is then that one's to hand on, not this one's
      if (e.relatedTarget) return
      setTimeout(() => {
        if (!lost()) return
        if (!el.isConnected || (el.disabled && disabledForGood)) handOn()
        else if (el.disabled) waiting = true
      }, 0)
    }
    const enabled = new MutationObserver(() => {
      if (!waiting || el.disabled) return
      waiting = false
      if (lost()) el.focus()
    })
    enabled.observe(el, { attributes: true, attributeFilter: ['disabled'] })
    el.addEventListener('blur', onBlur)
    el.addEventListener('focus', () => (waiting = false))
    return () => {
      enabled.disconnect()
      el.removeEventListener('blur', onBlur)
      if (waiting) handOn()
    }
  }
}
