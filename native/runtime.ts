// The runtime of the native addon: the only file that loads the binary. It finds it, reports its
// state to `mimic doctor`, sets the memory budget, and runs native functions for the wrappers in
// ./api: AbortSignal -> CancelToken, progress callbacks, and errors rebuilt with the caller's stack
// (an async native failure points at the line that started it). It imports nothing of ./api, and
// ./api imports this file (never ../index.ts), so the dependencies point one way.
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { argError, describe } from './check.ts'

export { formatBytes } from './check.ts'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

export interface AddonBuildInfo {
  buildType: string
  flags: string
  compiler: string
  /** The SIMD level the kernels use now: 'sse2', 'avx2' or 'avx512' ('portable' off x86-64; see native/core/simd.hpp) */
  simd: string
  /** The levels this CPU can run, lowest first */
  simdLevels: string[]
  /** The instruction set the whole library was compiled for ('SSE2' unless built with MIMIC_NATIVE_ARCH) */
  baselineIsa: string
  napiVersion: number
  hardwareThreads: number
  poolThreads: number
  runningJobs: number
  /** The sizes the binding accepts: spiking neurons (kMaxNeurons) and teacher units (kMaxUnits) */
  limits: { neurons: number; units: number }
}

export interface AddonStatus {
  loaded: boolean
  path: string
  error?: string
  info?: AddonBuildInfo
}

/** Error thrown by native calls; `code` is one of the NativeErrorCode values. */
export type NativeErrorCode = 'ERR_CANCELLED' | 'ERR_INVALID_ARG' | 'ERR_NATIVE' | 'ERR_BUSY' | 'ERR_ADDON_MISSING'

export class NativeError extends Error {
  readonly code: NativeErrorCode
  constructor(message: string, code: NativeErrorCode) {
    super(message)
    this.name = 'NativeError'
    this.code = code
  }
}

export interface RawCancelToken {
  cancel(): void
  readonly cancelled: boolean
}

type ProgressFn = (done: number, total: number, message: string) => void

// The raw binding's common surface; the modules in ./api declare the functions they call.
export interface RawAddon {
  info(): AddonBuildInfo
  setSimd(level: string): string
  CancelToken: new () => RawCancelToken
  setMemoryBudget(bytes: number, source: string): void
  memoryBudget(): MemoryBudget
}

/** The most bytes one native call may allocate, and where that number comes from. */
export interface MemoryBudget {
  bytes: number
  source: string
}

const units: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }

/**
 * The memory budget of every native call (native/binding/memory.hpp): each call adds up the bytes it
 * would allocate and is refused (RangeError naming the argument, the bytes and this limit) when they
 * exceed it. Half of the machine's memory (os.totalmem(), or the cgroup limit process.constrainedMemory()
 * when lower): the rest is for the other processes and this one's JS heap. MIMIC_MAX_MEMORY (bytes,
 * or with a K, M, G or T suffix: "8G") configures it, up to the machine's memory.
 */
export function defaultMemoryBudget(env: NodeJS.ProcessEnv = process.env): MemoryBudget {
  const total = totalmem()
  const constrained = process.constrainedMemory?.() ?? 0
  const machine = constrained > 0 && constrained < total ? constrained : total
  const gb = (b: number): string => `${(b / 1e9).toFixed(1)} GB`
  const where = machine < total ? `the ${gb(machine)} this process may use` : `this machine's ${gb(machine)}`
  const configured = env.MIMIC_MAX_MEMORY?.trim()
  if (configured) {
    const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)B?$/i.exec(configured)
    const bytes = m ? Math.floor(Number(m[1]) * units[m[2].toUpperCase()]) : NaN
    if (!(bytes >= 1))
      throw argError('range', `MIMIC_MAX_MEMORY must be a number of bytes, optionally with K, M, G or T (e.g. 8G) but is '${configured}'`)
    if (bytes >= machine) return { bytes: machine, source: `MIMIC_MAX_MEMORY=${configured}, capped at ${where}` }
    return { bytes, source: `MIMIC_MAX_MEMORY=${configured}` }
  }
  return { bytes: Math.floor(machine / 2), source: `half of ${where}` }
}

export type { ProgressFn }

/** Where the binary is looked for: MIMIC_NATIVE_PATH, then the cmake-js build folder. */
export function addonPath(): string {
  const fromEnv = process.env.MIMIC_NATIVE_PATH
  if (fromEnv) return resolve(fromEnv)
  return join(here, 'build', 'Release', 'mimic_native.node')
}

let cached: RawAddon | undefined
let loadError: string | undefined

function load(): RawAddon {
  if (cached) return cached
  if (loadError) throw new NativeError(loadError, 'ERR_ADDON_MISSING')
  const path = addonPath()
  if (!existsSync(path)) {
    loadError = `The native addon is not built (no file at ${path}): run \`npm run build:native\` (needs cmake and g++).`
    throw new NativeError(loadError, 'ERR_ADDON_MISSING')
  }
  let raw: RawAddon
  try {
    raw = require(path) as RawAddon
  } catch (err) {
    const message = (err as Error).message
    // A MIMIC_SIMD the CPU cannot run is the user's setting, not a broken build: say only that.
    loadError = message.startsWith('MIMIC_SIMD')
      ? message
      : `The native addon at ${path} could not be loaded (${message}): rebuild it with \`npm run build:native\`.`
    throw new NativeError(loadError, 'ERR_ADDON_MISSING')
  }
  const budget = defaultMemoryBudget() // a bad MIMIC_MAX_MEMORY throws here, and again at the next call
  raw.setMemoryBudget(budget.bytes, budget.source)
  cached = raw
  return raw
}

/** The memory budget of native calls (see defaultMemoryBudget). */
export function memoryBudget(): MemoryBudget {
  return load().memoryBudget()
}

/** Replaces the memory budget of native calls in this process (bytes; undefined: the default again). */
export function setMemoryBudget(bytes?: number): void {
  const raw = load()
  if (bytes === undefined) {
    const b = defaultMemoryBudget()
    raw.setMemoryBudget(b.bytes, b.source)
    return
  }
  if (typeof bytes !== 'number') throw argError('type', `Expected a number for bytes but received ${describe(bytes)}`)
  if (!Number.isInteger(bytes) || bytes < 1) throw argError('range', `bytes must be a positive integer but is ${bytes}`)
  raw.setMemoryBudget(bytes, 'set by setMemoryBudget()')
}

/** The raw binding, for the wrappers in this folder (R: the functions they call). Throws NativeError when it is missing. */
export function addon<R = RawAddon>(): R {
  return load() as R
}

/** The SIMD levels this CPU can run, lowest first ('sse2', 'avx2', 'avx512'). */
export function simdLevels(): string[] {
  return load().info().simdLevels
}

/**
 * Makes `level` the SIMD level of the native kernels started from now on, in this process (the
 * MIMIC_SIMD environment variable chooses it when the addon loads; the default is the widest level
 * the CPU has). Results are the same at every level. Throws a RangeError naming the level and the
 * available ones when this CPU lacks it. Returns the level now in use.
 */
export function setSimdLevel(level: string): string {
  try {
    return load().setSimd(level)
  } catch (err) {
    if (err instanceof NativeError) throw err
    throw Object.assign(err as Error, { code: 'ERR_INVALID_ARG' })
  }
}

export function addonStatus(): AddonStatus {
  const path = addonPath()
  try {
    const raw = load()
    return { loaded: true, path, info: raw.info() }
  } catch (err) {
    return { loaded: false, path, error: (err as Error).message }
  }
}

export interface RunOptions {
  /** Called with the fraction done (0..1) and a message; throttled natively to about 20 per second. */
  onProgress?: (fraction: number, message: string) => void
  /** Aborting cancels the native work between chunks; the promise rejects with code ERR_CANCELLED. */
  signal?: AbortSignal
}

// An asynchronous failure, rebuilt with the caller's stack: argument errors found inside a kernel stay
// TypeError / RangeError with code ERR_INVALID_ARG; the others are NativeErrors with their code.
function rethrowWithCallsite(err: unknown, callsite: Error): never {
  if (err instanceof Error) {
    const code = (err as Error & { code?: string }).code
    const known = ['ERR_CANCELLED', 'ERR_INVALID_ARG', 'ERR_NATIVE', 'ERR_BUSY'] as const
    const e =
      code === 'ERR_INVALID_ARG'
        ? argError(err instanceof TypeError ? 'type' : 'range', err.message)
        : new NativeError(err.message, (known as readonly string[]).includes(code ?? '') ? (code as NativeErrorCode) : 'ERR_NATIVE')
    e.stack = `${e.name}: ${e.message}\n${(callsite.stack ?? '').split('\n').slice(1).join('\n')}`
    throw e
  }
  throw err
}

/** Wraps a listener so that an exception in it cannot stop the native work that calls it. */
export function guarded<A extends unknown[]>(fn: ((...args: A) => void) | undefined): ((...args: A) => void) | undefined {
  if (!fn) return undefined
  return (...args) => {
    try {
      fn(...args)
    } catch {
      // A failing listener must not stop the computation.
    }
  }
}

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!

/** True for a real AbortSignal (a brand check: a Proxy of one, or an object inheriting from its prototype, is not). */
function isAbortSignal(v: unknown): v is AbortSignal {
  if (!(v instanceof AbortSignal)) return false
  try {
    abortedGetter.call(v)
    return true
  } catch {
    return false
  }
}

/** The options every asynchronous wrapper takes: a TypeError (ERR_INVALID_ARG) naming the bad one. */
function checkRunOptions(run: RunOptions, allowed: readonly string[]): void {
  const bad = (what: string, got: unknown): never => {
    throw argError('type', `Expected ${what} but received ${got === null ? 'null' : typeof got}`)
  }
  if (typeof run !== 'object' || run === null || Array.isArray(run)) bad('an object for the run options', run)
  for (const key of Object.keys(run))
    if (!allowed.includes(key)) throw argError('type', `Unknown option '${key}' in the run options: expected one of ${allowed.join(', ')}`)
  if (run.onProgress !== undefined && typeof run.onProgress !== 'function') bad('a function for onProgress', run.onProgress)
  if (run.signal !== undefined && !isAbortSignal(run.signal)) bad('an AbortSignal for signal', run.signal)
}

/**
 * Runs one asynchronous native function with progress and cancellation. Argument errors are thrown
 * synchronously (TypeError / RangeError naming the argument); failures inside the kernel reject.
 */
export function runNative<T, R = RawAddon>(
  start: (raw: R, onProgress: ProgressFn | undefined, token: RawCancelToken) => Promise<T>,
  options: RunOptions = {},
  allowedOptions: readonly string[] = ['onProgress', 'signal'],
): Promise<T> {
  checkRunOptions(options, allowedOptions)
  const raw = load()
  const callsite = new Error()
  if (options.signal?.aborted) {
    return Promise.reject(new NativeError('cancelled before it started', 'ERR_CANCELLED'))
  }
  const token = new raw.CancelToken()
  const onAbort = (): void => token.cancel()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const user = guarded(options.onProgress)
  const progress: ProgressFn | undefined = user && ((done, total, message) => user(total > 0 ? done / total : 0, message))
  let promise: Promise<T>
  try {
    promise = start(raw as R, progress, token)
  } catch (err) {
    options.signal?.removeEventListener('abort', onAbort)
    throw err // synchronous argument errors keep their TypeError / RangeError class
  }
  return promise.then(
    (value) => {
      options.signal?.removeEventListener('abort', onAbort)
      return value
    },
    (err: unknown) => {
      options.signal?.removeEventListener('abort', onAbort)
      return rethrowWithCallsite(err, callsite)
    },
  )
}
