// The error codes of the board protocol (ERROR frames, docs/board-protocol.md §6) and the error
// every part of the board link throws: a ProtocolError names its code and says what happened.

export const protocolErrorCodes = {
  VERSION_MISMATCH: 1,
  BAD_FRAME: 2,
  CHECKSUM: 3,
  UNSUPPORTED: 4,
  BUSY: 5,
  INVALID_CONFIGURATION: 6,
  NOT_CONFIGURED: 7,
  BAD_STATE: 8,
  INVALID_STIMULUS: 9,
  TIMEOUT: 10,
  INTERNAL: 11,
} as const

export type ProtocolErrorName = keyof typeof protocolErrorCodes

/** Local failures of the link that never travel in an ERROR frame (the peer is gone or silent, or this side cancelled a run). */
export type LinkFailure = 'CLOSED' | 'CONNECT_FAILED' | 'STALLED' | 'CANCELLED'

const byNumber = new Map<number, ProtocolErrorName>(Object.entries(protocolErrorCodes).map(([k, v]) => [v, k as ProtocolErrorName]))

export function errorName(code: number): ProtocolErrorName | null {
  return byNumber.get(code) ?? null
}

export class ProtocolError extends Error {
  /** a protocol error code, or a local link failure */
  readonly code: ProtocolErrorName | LinkFailure
  /** true when the peer reported the error in an ERROR frame (false: found on this side) */
  readonly remote: boolean
  constructor(code: ProtocolErrorName | LinkFailure, message: string, remote = false) {
    super(message)
    this.name = 'ProtocolError'
    this.code = code
    this.remote = remote
  }
}
