// The preload bridge, kept free of the `electron` import so tests can load it: one method per
// operation (never ipcRenderer itself), plus an event subscription that hands the page only the
// event data (not the IPC event object, which carries the sender).
import { channelOf, eventChannel } from '../shared/channels.ts'
import { methodName, opNames } from '../shared/contract.ts'
import type { AppEvent } from '../shared/types.ts'

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, payload: unknown) => void): void
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): void
}

export function buildBridge(ipc: IpcRendererLike): Record<string, unknown> {
  const bridge: Record<string, unknown> = {}
  for (const op of opNames) {
    const channel = channelOf(op)
    bridge[methodName(op)] = (args?: unknown) => ipc.invoke(channel, args ?? {})
  }
  bridge.onEvent = (fn: (e: AppEvent) => void) => {
    if (typeof fn !== 'function') throw new TypeError('onEvent needs a function')
    const listener = (_event: unknown, payload: unknown): void => fn(payload as AppEvent)
    ipc.on(eventChannel, listener)
    return () => ipc.removeListener(eventChannel, listener)
  }
  return Object.freeze(bridge)
}
