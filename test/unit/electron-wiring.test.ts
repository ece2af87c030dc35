// The Electron shell's wiring with electron itself replaced by stand-ins: one IPC channel per
// operation, sender checks, argument validation, {ok, value} / {ok: false, error} results, the
// preload bridge exposing methods (never ipcRenderer), secure window options, navigation only to
// the app's own page, and outside links opened only after the user confirms.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import {
  channelOf,
  eventChannel,
  forwardEvents,
  makeAppPageCheck,
  makeNavigationGuard,
  makeSenderCheck,
  makeWindowOpenHandler,
  windowOptions,
  wireIpc,
  type IpcEventLike,
} from '../../src/main/ipc.ts'
import { buildBridge } from '../../src/preload/bridge.ts'
import { methodName, opNames, type OpName } from '../../src/shared/contract.ts'
import { AppError } from '../../src/shared/errors.ts'

vi.mock('electron', () => {
  throw new Error('the electron module must not be loaded by the shell wiring')
})

type Handler = (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>

function fakeIpcMain() {
  const handlers = new Map<string, Handler>()
  return {
    handlers,
    handle: (channel: string, fn: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`)
      handlers.set(channel, fn)
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  }
}

const trustedUrl = 'file:///app/out/renderer/index.html'
const trusted: IpcEventLike = { senderFrame: { url: trustedUrl } }

// The call target records what it got and validates nothing: whatever reaches it passed the wiring.
function target() {
  const calls: [OpName, unknown][] = []
  return {
    calls,
    call: async (name: OpName, args: unknown) => {
      calls.push([name, args])
      if (name === 'runs.get') throw new AppError('NOT_FOUND', 'There is no run with id 5.')
      return { echoed: args }
    },
  }
}

describe('Electron main IPC wiring', () => {
  it('registers exactly one channel per contract operation, and removes them', () => {
    const ipc = fakeIpcMain()
    const remove = wireIpc(ipc, target(), makeSenderCheck([trustedUrl]))
    expect([...ipc.handlers.keys()].sort()).toEqual(opNames.map(channelOf).sort())
    remove()
    expect(ipc.handlers.size).toBe(0)
  })

  it('returns {ok, value} on success and {ok:false, error:{code, message}} on failure', async () => {
    const ipc = fakeIpcMain()
    const t = target()
    wireIpc(ipc, t, makeSenderCheck([trustedUrl]))
    expect(await ipc.handlers.get('mimic:projects.create')!(trusted, { name: 'A' })).toEqual({ ok: true, value: { echoed: { name: 'A' } } })
    expect(await ipc.handlers.get('mimic:runs.get')!(trusted, { id: 5 })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'There is no run with id 5.' },
    })
  })

  it('validates every argument before the services act', async () => {
    const ipc = fakeIpcMain()
    const t = target()
    wireIpc(ipc, t, makeSenderCheck([trustedUrl]))
    const bad = (await ipc.handlers.get('mimic:projects.create')!(trusted, { name: '' })) as { ok: boolean; error: { code: string; message: string } }
    expect(bad.ok).toBe(false)
    expect(bad.error.code).toBe('INVALID_ARGUMENT')
    expect(bad.error.message).toMatch(/name must not be empty/)
    const extra = (await ipc.handlers.get('mimic:projects.list')!(trusted, {}, 'surplus')) as { ok: boolean; error: { code: string } }
    expect(extra).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } })
    const wrongType = (await ipc.handlers.get('mimic:runs.delete')!(trusted, { id: 'DROP TABLE runs' })) as { ok: boolean; error: { message: string } }
    expect(wrongType.error.message).toMatch(/id must be an integer/)
    const unknownField = (await ipc.handlers.get('mimic:runs.get')!(trusted, { id: 1, sql: 'x' })) as { ok: boolean; error: { code: string } }
    expect(unknownField).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } })
    expect(t.calls).toEqual([])
    // what passes is the parsed arguments: trimmed, defaults filled in
    expect(await ipc.handlers.get('mimic:runs.delete')!(trusted, { id: 3 })).toEqual({ ok: true, value: { echoed: { id: 3, cascade: false } } })
    expect(await ipc.handlers.get('mimic:projects.create')!(trusted, { name: '  Lab  ' })).toEqual({ ok: true, value: { echoed: { name: 'Lab' } } })
    expect(t.calls).toEqual([
      ['runs.delete', { id: 3, cascade: false }],
      ['projects.create', { name: 'Lab' }],
    ])
  })

  it('refuses calls from frames that are not the workbench', async () => {
    const ipc = fakeIpcMain()
    const t = target()
    wireIpc(ipc, t, makeSenderCheck([trustedUrl]))
    for (const event of [{ senderFrame: { url: 'https://evil.example/' } }, { senderFrame: null }, {}]) {
      const r = (await ipc.handlers.get('mimic:projects.list')!(event, {})) as { ok: boolean; error: { code: string } }
      expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    }
    expect(t.calls).toEqual([])
  })

  it('trusts the app page itself, not a page whose address only begins like it', () => {
    const file = makeSenderCheck([trustedUrl])
    const frame = (url: string): IpcEventLike => ({ senderFrame: { url } })
    expect(file(frame(`${trustedUrl}#/runs/3`))).toBe(true)
    expect(file(frame(`${trustedUrl}?x=1`))).toBe(true)
    for (const url of [`${trustedUrl}.evil.html`, `${trustedUrl}x`, 'file:///app/out/renderer/index.html/../evil.html', 'file://otherhost/app/out/renderer/index.html']) {
      expect(file(frame(url)), url).toBe(false)
    }
    const dev = makeSenderCheck(['http://localhost:5173'])
    expect(dev(frame('http://localhost:5173/'))).toBe(true)
    expect(dev(frame('http://localhost:5173/src/main.ts'))).toBe(true)
    for (const url of ['http://localhost:5173.evil.example/', 'http://localhost:51730/', 'http://localhost:5173@evil.example/', 'not a url']) {
      expect(dev(frame(url)), url).toBe(false)
    }
  })

  it('forwards events to the window until it is destroyed', () => {
    let listener: ((e: unknown) => void) | undefined
    const subscribe = (fn: (e: never) => void) => {
      listener = fn as (e: unknown) => void
      return () => (listener = undefined)
    }
    let destroyed = false
    const sent: unknown[] = []
    const stop = forwardEvents(subscribe, { isDestroyed: () => destroyed, send: (ch, p) => sent.push([ch, p]) })
    listener!({ type: 'projects.changed' })
    destroyed = true
    listener!({ type: 'projects.changed' })
    expect(sent).toEqual([[eventChannel, { type: 'projects.changed' }]])
    stop()
    expect(listener).toBeUndefined()
  })

  it('navigates only to the app’s own page', () => {
    const appUrl = 'file:///app/out/renderer/index.html'
    const isApp = makeAppPageCheck(appUrl)
    const guard = makeNavigationGuard(isApp)
    const navigate = (url: string): boolean => {
      let prevented = false
      guard({ preventDefault: () => (prevented = true) }, url)
      return !prevented
    }
    expect(navigate(appUrl)).toBe(true)
    expect(navigate(`${appUrl}#/projects/3`)).toBe(true)
    for (const url of [
      'file:///etc/passwd',
      'file:///app/out/renderer/other.html',
      'file:///app/out/renderer/index.html.evil',
      'file://evil.example/app/out/renderer/index.html',
      'https://example.com/',
      'http://127.0.0.1:5173/',
      'javascript:alert(1)',
      'data:text/html,<p>hi</p>',
      'not a url',
    ]) {
      expect(navigate(url), url).toBe(false)
    }
    // in development: the dev server's origin, nothing else
    const dev = makeAppPageCheck('http://localhost:5173/')
    expect(dev('http://localhost:5173/#/projects')).toBe(true)
    expect(dev('http://localhost:5174/')).toBe(false)
    expect(dev('https://localhost:5173/')).toBe(false)
    expect(dev('file:///app/out/renderer/index.html')).toBe(false)
  })

  it('opens no window, and an https link in the browser only when the user says yes', async () => {
    const asked: string[] = []
    const opened: string[] = []
    let answer = false
    const handler = makeWindowOpenHandler({
      confirm: async (url) => {
        asked.push(url)
        return answer
      },
      openExternal: async (url) => {
        opened.push(url)
      },
    })
    const settle = () => new Promise((r) => setTimeout(r, 0))
    expect(handler({ url: 'https://github.com/synsense' })).toEqual({ action: 'deny' })
    await settle()
    expect(asked).toEqual(['https://github.com/synsense'])
    expect(opened).toEqual([])
    answer = true
    expect(handler({ url: 'https://arxiv.org/abs/2102.06408' })).toEqual({ action: 'deny' })
    await settle()
    expect(opened).toEqual(['https://arxiv.org/abs/2102.06408'])
    // other schemes are never offered
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@b.c', 'nonsense']) {
      expect(handler({ url })).toEqual({ action: 'deny' })
    }
    await settle()
    expect(asked).toEqual(['https://github.com/synsense', 'https://arxiv.org/abs/2102.06408'])
    expect(opened).toEqual(['https://arxiv.org/abs/2102.06408'])
  })

  it('the main process installs these handlers on its window', () => {
    // src/main/index.ts imports electron, so it cannot be loaded here: read what it wires.
    const main = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'main', 'index.ts'), 'utf8')
    expect(main).toMatch(/setWindowOpenHandler\(\s*makeWindowOpenHandler\(/)
    expect(main).toMatch(/on\('will-navigate', makeNavigationGuard\(makeAppPageCheck\(appUrl\)\)\)/)
    expect(main).toMatch(/dialog\.showMessageBox/)
    expect(main).not.toMatch(/shell\.openExternal\(url\)\s*\n?\s*return \{ action/)
  })

  it('opens windows with contextIsolation and sandbox on and no Node integration', () => {
    const o = windowOptions('/p/preload.cjs') as { webPreferences: Record<string, unknown> }
    expect(o.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, preload: '/p/preload.cjs' })
  })
})

describe('preload bridge', () => {
  it('exposes one method per operation and onEvent, never ipcRenderer', async () => {
    const invoked: unknown[][] = []
    const listeners = new Map<string, (e: unknown, p: unknown) => void>()
    const ipc = {
      invoke: async (...a: unknown[]) => {
        invoked.push(a)
        return { ok: true, value: 1 }
      },
      on: (ch: string, fn: (e: unknown, p: unknown) => void) => listeners.set(ch, fn),
      removeListener: (ch: string) => listeners.delete(ch),
    }
    const bridge = buildBridge(ipc)
    expect(Object.keys(bridge).sort()).toEqual([...opNames.map(methodName), 'onEvent'].sort())
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true)
    expect(Object.values(bridge)).not.toContain(ipc)
    expect(Object.isFrozen(bridge)).toBe(true)
    await (bridge.projectsCreate as (a: unknown) => Promise<unknown>)({ name: 'x' })
    expect(invoked).toEqual([['mimic:projects.create', { name: 'x' }]])

    const got: unknown[] = []
    const off = (bridge.onEvent as (fn: (e: unknown) => void) => () => void)((e) => got.push(e))
    listeners.get('mimic:event')!({ sender: 'secret' }, { type: 'projects.changed' })
    expect(got).toEqual([{ type: 'projects.changed' }])
    off()
    expect(listeners.has('mimic:event')).toBe(false)
  })
})
