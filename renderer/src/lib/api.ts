// The renderer's API client. In Electron it calls the preload bridge (window.mimic, one method per
// operation); in a browser it calls `mimic serve` over HTTP with the token from the page URL and
// listens to events on a WebSocket. Views see one interface either way. In a browser, nothing is
// asked of the server without a token, and one call checks the token before the event socket opens
// (lib/auth.svelte.ts: the app shows the token page until it is known to be good).
import { methodName, type CallArgs, type OpName, type ResultOf } from '../../../src/shared/contract.ts'
import { AppError, fromWireError, type Result } from '../../../src/shared/errors.ts'
import type { AppEvent } from '../../../src/shared/types.ts'
import { decodeWire, encodeWire } from '../../../src/shared/wire.ts'
import { auth } from './auth.svelte.ts'

export interface Bridge {
  onEvent(fn: (e: AppEvent) => void): () => void
  [method: string]: unknown
}

declare global {
  interface Window {
    mimic?: Bridge
  }
}

type EventFn = (e: AppEvent) => void
export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface Client {
  call<K extends OpName>(name: K, args: CallArgs<K>): Promise<ResultOf<K>>
  onEvent(fn: EventFn): () => void
  onConnection(fn: (s: ConnectionState) => void): () => void
  readonly transport: 'electron' | 'http'
}

function electronClient(bridge: Bridge): Client {
  auth.state = 'ok'
  return {
    transport: 'electron',
    async call(name, args) {
      const fn = bridge[methodName(name)] as ((a: unknown) => Promise<Result<unknown>>) | undefined
      if (typeof fn !== 'function') throw new AppError('UNSUPPORTED', `The app bridge has no operation ${name}.`)
      const r = await fn(args)
      if (!r.ok) throw fromWireError(r.error)
      return r.value as never
    },
    onEvent: (fn) => bridge.onEvent(fn),
    onConnection(fn) {
      fn('open')
      return () => {}
    },
  }
}

export function readToken(): string {
  const params = new URLSearchParams(location.search)
  const fromUrl = params.get('token')
  if (fromUrl) {
    sessionStorage.setItem('mimic.token', fromUrl)
    return fromUrl
  }
  return sessionStorage.getItem('mimic.token') ?? ''
}

function httpClient(): Client {
  const token = readToken()
  const listeners = new Set<EventFn>()
  const connListeners = new Set<(s: ConnectionState) => void>()
  let state: ConnectionState = 'connecting'
  let socket: WebSocket | null = null
  let retry = 500
  let refused = false

  // The server refused the token: stop talking to it (the app shows the token page).
  const refuse = (): void => {
    if (refused) return
    refused = true
    sessionStorage.removeItem('mimic.token')
    auth.state = 'wrong'
    socket?.close()
  }

  const setState = (s: ConnectionState): void => {
    state = s
    for (const fn of connListeners) fn(s)
  }

  const connect = (): void => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(`${proto}//${location.host}/api/events?token=${encodeURIComponent(token)}`)
    setState('connecting')
    socket.onopen = () => {
      retry = 500
      setState('open')
    }
    socket.onmessage = (m) => {
      let e: AppEvent
      try {
        e = JSON.parse(String(m.data)) as AppEvent
      } catch {
        return
      }
      for (const fn of listeners) fn(e)
    }
    socket.onclose = () => {
      setState('closed')
      if (refused) return
      // A socket refused at the upgrade does not say why: ask once whether the token still holds
      // (a restarted server has a new one), then retry.
      void checkToken().then((ok) => {
        if (!ok) return refuse()
        setTimeout(connect, retry)
        retry = Math.min(retry * 2, 10_000)
      })
    }
  }

  /** false only when the server answers and refuses the token (a server that is down may come back) */
  const checkToken = (): Promise<boolean> =>
    fetch('/api/app.info', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' }).then(
      (res) => res.status !== 401,
      () => true,
    )

  if (!token) auth.state = 'missing'
  else {
    // One call checks the token; the socket opens only with a good one. A server that does not
    // answer is not a token problem: the workbench shows its own "did not answer" errors.
    void checkToken().then((ok) => {
      if (!ok) return refuse()
      auth.state = 'ok'
      connect()
    })
  }

  return {
    transport: 'http',
    async call(name, args) {
      let res: Response
      try {
        res = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          // typed arrays (datasets.import bytes) travel base64-encoded, as the server expects
          body: encodeWire(args ?? {}),
        })
      } catch (err) {
        throw new AppError('INTERNAL', `The workbench server did not answer (${(err as Error).message}): is \`mimic serve\` still running?`)
      }
      if (res.status === 401) refuse()
      const body = decodeWire(await res.text()) as Result<unknown>
      if (!body.ok) throw fromWireError(body.error)
      return body.value as never
    },
    onEvent(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    onConnection(fn) {
      connListeners.add(fn)
      fn(state)
      return () => connListeners.delete(fn)
    },
  }
}

export const api: Client = window.mimic ? electronClient(window.mimic) : httpClient()
