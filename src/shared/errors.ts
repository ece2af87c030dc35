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

/** A run named in an error (a dependant that blocks a deletion, a job that is still running). */
export interface ErrorRun {
  id: number
  kind: string
  name: string
  status: string
}

/** Structured facts behind an error, so that each front door can word it for its surface. */
export interface ErrorDetails {
  /** runs derived from the run to delete (deletion refused without cascade) */
  dependants?: ErrorRun[]
  /** runs still queued or running that block the operation */
  running?: ErrorRun[]
}

export interface WireError {
  code: ErrorCode
  message: string
  /** the argument the error is about, as a path ("params.network", "name"), when it is about one */
  field?: string
  details?: ErrorDetails
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError }

export class AppError extends Error {
  readonly code: ErrorCode
  /** the argument the error is about (a path such as "params.network"), if any */
  readonly field?: string
  readonly details?: ErrorDetails
  constructor(code: ErrorCode, message: string, extra: { field?: string; details?: ErrorDetails } = {}) {
    super(message)
    this.name = 'AppError'
    this.code = code
    if (extra.field !== undefined) this.field = extra.field
    if (extra.details !== undefined) this.details = extra.details
  }
}

/**
 * An error about one argument. The message is "<subject> <problem>": the subject is the field's
 * label when it has one ("Network run is required."), else its path ("params.count must be ...");
 * front doors may put another subject in front of `problem` (the CLI names the flag).
 */
export class FieldError extends AppError {
  declare readonly field: string
  /** the predicate, e.g. "is required." or "must be an integer between 1 and 100 (received 0)." */
  readonly problem: string
  readonly label: string | undefined
  constructor(field: string, problem: string, label?: string, code: ErrorCode = 'INVALID_ARGUMENT') {
    super(code, `${label ?? (field || 'the argument')} ${problem}`, { field })
    this.name = 'FieldError'
    this.problem = problem
    this.label = label
  }

  /** The same error with a label as its subject. */
  labelled(label: string, problem = this.problem): FieldError {
    return new FieldError(this.field, problem, label, this.code)
  }
}

export function invalid(message: string): AppError {
  return new AppError('INVALID_ARGUMENT', message)
}

/** Converts anything thrown into the wire form; unknown errors keep their message, code INTERNAL. */
export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) {
    const wire: WireError = { code: err.code, message: err.message }
    if (err.field !== undefined) wire.field = err.field
    if (err.details !== undefined) wire.details = err.details
    return wire
  }
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
  return new AppError(e.code, e.message, { field: typeof e.field === 'string' ? e.field : undefined, details: e.details })
}
