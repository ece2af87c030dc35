// Error codes shared by every front door. Messages are sentences that say what was wrong, with
// which input, and what to do.

export const errorCodes = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'BUSY',
  'CANCELLED',
  'UNSUPPORTED',
  'DB_NEWER',
  'DB_NOT_SQLITE',
  'ADDON_MISSING',
  'INTERNAL',
] as const

export type ErrorCode = (typeof errorCodes)[number]

export interface WireError {
  code: ErrorCode
  message: string
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError }

export class AppError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'AppError'
    this.code = code
  }
}

export function invalid(message: string): AppError {
  return new AppError('INVALID_ARGUMENT', message)
}

/** Converts anything thrown into the wire form; unknown errors keep their message, code INTERNAL. */
export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) return { code: err.code, message: err.message }
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const code = String((err as { code: unknown }).code)
    const message = String((err as { message: unknown }).message)
    if ((errorCodes as readonly string[]).includes(code)) return { code: code as ErrorCode, message }
    if (code === 'ERR_CANCELLED') return { code: 'CANCELLED', message }
    if (code === 'ERR_INVALID_ARG') return { code: 'INVALID_ARGUMENT', message }
    if (code === 'ERR_BUSY') return { code: 'BUSY', message }
    if (code === 'ERR_ADDON_MISSING') return { code: 'ADDON_MISSING', message }
    return { code: 'INTERNAL', message }
  }
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message }
  return { code: 'INTERNAL', message: String(err) }
}

export function fromWireError(e: WireError): AppError {
  return new AppError(e.code, e.message)
}
