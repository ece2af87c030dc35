// The Electron shell's wiring, kept free of the `electron` import so that tests load it with a
// stand-in ipcMain. One channel per operation; the sender is checked; arguments are validated here
// against the contract before the services see them (and again by the services); results are
// {ok, value} or {ok: false, error: {code, message}} because errors thrown across ipcMain.handle
// keep only their message. The window navigates only to the app's own page, and opens outside
// https links in the browser only after the user said yes.
import { opNames, parseArgs, type OpName } from '../shared/contract.ts'
import { toWireError, type Result } from '../shared/errors.ts'
import type { AppEvent } from '../shared/types.ts'

import { channelOf, eventChannel } from '../shared/channels.ts'
import { workbenchCsp } from '../shared/csp.ts'

export { channelOf, eventChannel }

export interface IpcEventLike {
  senderFrame?: { url: string } | null
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void
  removeHandler(channel: string): void
}

export interface CallTarget {
  call(name: OpName, args: unknown): Promise<unknown>
}

/**
 * Trusted senders: frames showing our own renderer (file:// in the app, the dev server in development),
 * compared as URLs the way navigation is (makeAppPageCheck): a page whose address only begins like the
 * app's (index.html.evil.html, localhost:5173.evil.example) is not the app.
 */
export function makeSenderCheck(appUrls: string[]): (event: IpcEventLike) => boolean {
  const checks = appUrls.map(makeAppPageCheck)
  return (event) => {
    const url = event.senderFrame?.url
    return typeof url === 'string' && checks.some((isApp) => isApp(url))
  }
}

export function wireIpc(ipcMain: IpcMainLike, target: CallTarget, isTrusted: (event: IpcEventLike) => boolean): () => void {
  for (const op of opNames) {
    ipcMain.handle(channelOf(op), async (event, ...args): Promise<Result<unknown>> => {
      if (!isTrusted(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${op} was called from a page that is not the workbench (${event.senderFrame?.url ?? 'unknown'}).` } }
      }
      if (args.length > 1) {
        return { ok: false, error: { code: 'INVALID_ARGUMENT', message: `${op} takes one argument object (received ${args.length} arguments).` } }
      }
      try {
        const parsed = parseArgs(op, args[0])
        return { ok: true, value: await target.call(op, parsed) }
      } catch (err) {
        return { ok: false, error: toWireError(err) }
      }
    })
  }
  return () => {
    for (const op of opNames) ipcMain.removeHandler(channelOf(op))
  }
}

export interface WebContentsLike {
  isDestroyed(): boolean
  send(channel: string, payload: unknown): void
}

/** Forwards service events to a window. */
export function forwardEvents(subscribe: (fn: (e: AppEvent) => void) => () => void, contents: WebContentsLike): () => void {
  return subscribe((e) => {
    if (!contents.isDestroyed()) contents.send(eventChannel, e)
  })
}

/** The Content-Security-Policy of the app window. */
export const appCsp = workbenchCsp()

/** Window options; contextIsolation and sandbox on, no Node in the renderer. */
export function windowOptions(preloadPath: string): Record<string, unknown> {
  return {
    width: 1280,
    height: 860,
    title: 'Mimic Workbench',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  }
}

/**
 * Whether a URL is one of the app's own pages: the renderer's index.html (any #route), or, in
 * development, a page of the dev server's origin. Any other file, site or scheme is not.
 */
export function makeAppPageCheck(appUrl: string): (url: string) => boolean {
  const app = new URL(appUrl)
  return (url) => {
    let u: URL
    try {
      u = new URL(url)
    } catch {
      return false
    }
    if (app.protocol === 'file:') return u.protocol === 'file:' && u.host === app.host && u.pathname === app.pathname
    return u.origin === app.origin
  }
}

export interface NavigationEventLike {
  preventDefault(): void
}

/** The window's `will-navigate` listener: anything but the app's own pages is refused. */
export function makeNavigationGuard(isAppPage: (url: string) => boolean): (event: NavigationEventLike, url: string) => void {
  return (event, url) => {
    if (!isAppPage(url)) event.preventDefault()
  }
}

/**
 * The window's `setWindowOpenHandler`: no new window ever; an https link is offered to the browser,
 * opened only when the user confirms (a dialog naming the address). Other schemes are dropped.
 */
export function makeWindowOpenHandler(ask: { confirm: (url: string) => Promise<boolean>; openExternal: (url: string) => Promise<void> }): (details: { url: string }) => { action: 'deny' } {
  return ({ url }) => {
    let https = false
    try {
      https = new URL(url).protocol === 'https:'
    } catch {
      https = false
    }
    if (https) {
      void ask.confirm(url).then(
        (yes) => (yes ? ask.openExternal(url) : undefined),
        () => undefined,
      )
    }
    return { action: 'deny' }
  }
}
