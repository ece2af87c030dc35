// Electron IPC channel names, shared by main and the preload bridge.
import type { OpName } from './contract.ts'

export const eventChannel = 'mimic:event'

export function channelOf(op: OpName): string {
  return `mimic:${op}`
}
