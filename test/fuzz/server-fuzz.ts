// A seeded fuzzer for `mimic serve`: starts a real server on loopback with a temporary database,
// sends malformed HTTP requests (methods, targets, % escapes, headers, Host, Origin, tokens,
// bodies, truncated and oversized bodies, slow clients) over raw TCP, and raw WebSocket frames
// (bad opcodes, masks, lengths, fragmentation, invalid UTF-8, garbage JSON, valid messages), and
// checks after every batch that the process is alive and a health request answers in time.
//
// It detects: a crash (the process exits), a hang (a health request or a case gets no answer in
// time), a 5xx answer (every bad input must get a 4xx), a policy breach (an API request without
// the token, from a foreign Origin or to a foreign Host that gets a 2xx; an upgrade that should be
// refused but opens), a socket left open after a protocol error, a leak (after a forced full garbage
// collection, through the inspector the server runs with: the JS heap in use, the memory of
// ArrayBuffers and Buffers, or the rest of the resident memory growing beyond a bound), and damage to the database (integrity_check
// after the server has stopped; the seeded project, run, artifacts, tags and notes unchanged).
//
//   node test/fuzz/server-fuzz.ts --requests N --frames M --seed S [--json] [--root CHECKOUT] [--serve-args "ARGS"]
//
// Exit status 0 when clean, 1 when anything was found; figures are printed either way.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { WebSocket } from 'ws'
import { bytesToBase64 } from '../../src/shared/wire.ts'
import { frame, openRawWs, opcodes, type RawWs } from '../support/ws-raw.ts'
import { datasetBomb, deflatedMember, npyHeader, storedMember, zipOf } from '../support/zip.ts'

export interface FuzzOptions {
  requests: number
  frames: number
  seed: number
  /** the checkout whose bin/mimic.js is fuzzed (default: this one) */
  root?: string
  /** extra arguments of `mimic serve` (default: --max-dataset-mb 8, which keeps bombs cheap) */
  serveArgs?: string[]
  /** cases per batch; a health request and an RSS reading follow every batch */
  batch?: number
  /** parallel connections for the HTTP cases */
  concurrency?: number
  /** a health request slower than this counts as a hang (ms) */
  healthDeadlineMs?: number
  /** allowed growth, from the first batch to the end, of the JS heap in use after a full collection (MiB) */
  heapLeakBoundMiB?: number
  /** allowed growth of the memory of ArrayBuffers and Buffers after a full collection (MiB) */
  buffersLeakBoundMiB?: number
  /** allowed growth of the rest of the resident memory (RSS less heap and buffers: malloc, SQLite) (MiB) */
  nativeLeakBoundMiB?: number
  log?: (line: string) => void
}

export interface Finding {
  kind: 'crash' | 'hang' | '5xx' | 'policy' | 'unclosed' | 'leak' | 'database' | 'stderr'
  case: number | null
  what: string
}

export interface FuzzReport {
  seed: number
  requests: number
  frames: number
  wsConnections: number
  seconds: number
  statuses: Record<string, number>
  /** 2xx answers per operation: how much of the fuzz reached the services and succeeded */
  succeeded: Record<string, number>
  closeCodes: Record<string, number>
  noAnswer: number
  healthChecks: number
  healthMaxMs: number
  /** the server's memory after a forced full collection: after seeding, after the first batch, at the end, and the most seen */
  memory: { start: Memory; afterFirstBatch: Memory; end: Memory; max: Memory; samples: number }
  bounds: { heapGrowthMiB: number; buffersGrowthMiB: number; nativeGrowthMiB: number }
  /** sentinelIntact is null when the server died before it could be read back */
  database: { integrity: string; sentinelIntact: boolean | null; runs: number; projects: number }
  findings: Finding[]
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32: small, fast and the same on every machine)

class Prng {
  private a: number
  constructor(seed: number) {
    this.a = seed >>> 0 || 0x9e3779b9
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0
    let t = this.a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256)
    return b
  }
}

/** The generator of case i: every case can be regenerated alone from (seed, i). */
function rngFor(seed: number, stream: number, i: number): Prng {
  return new Prng(Math.imul(seed + 1, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35) ^ Math.imul(i + 1, 0x27d4eb2f))
}

// ---------------------------------------------------------------------------------------------
// The server under test

/** The server's memory (MiB), read right after a forced full garbage collection. */
export interface Memory {
  /** resident set */
  rss: number
  /** JS heap in use: what is retained */
  heapUsed: number
  /** JS heap V8 keeps committed */
  heapTotal: number
  /** ArrayBuffers and Buffers (outside the heap) */
  buffers: number
  /** the rest of the resident memory: code, malloc arenas, SQLite's cache */
  native: number
}

interface Server {
  child: ChildProcess
  /** forces a full collection in the server and reads its memory */
  memory(): Promise<Memory>
  closeInspector(): void
  port: number
  token: string
  db: string
  dir: string
  stderr(): string
  exited(): boolean
}

async function startServer(root: string, dir: string, serveArgs: string[]): Promise<Server> {
  const db = join(dir, 'fuzz.db')
  const node = process.execPath
  // a small dataset limit keeps the bombs cheap: anything over it is refused before inflating
  // The inspector (loopback, a free port) lets the fuzzer force a full collection and read
  // process.memoryUsage(): retention (a leak) apart from the heap V8 merely keeps committed.
  const child = spawn(node, ['--inspect=127.0.0.1:0', join(root, 'bin', 'mimic.js'), '--db', db, 'serve', '--port', '0', ...serveArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  let exited = false
  child.on('exit', () => (exited = true))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const line = await new Promise<string>((ok, fail) => {
    let out = ''
    const t = setTimeout(() => fail(new Error(`mimic serve printed no URL within 20 s; stderr: ${err}`)), 20_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      // the URL line (Node flags such as --trace-gc may print before it)
      const url = /^http:\/\/\S+$/m.exec(out)
      if (url) {
        clearTimeout(t)
        ok(url[0])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(t)
      fail(new Error(`mimic serve exited with ${code}; stderr: ${err}`))
    })
  })
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(err)?.[1]
  if (!inspectorUrl) throw new Error(`mimic serve started without its inspector; stderr: ${err}`)
  const inspector = new WebSocket(inspectorUrl)
  await new Promise<void>((ok, fail) => {
    inspector.once('open', () => ok())
    inspector.once('error', fail)
  })
  inspector.on('error', () => {})
  let nextId = 1
  const pendingCalls = new Map<number, (result: unknown) => void>()
  inspector.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown }
    if (msg.id !== undefined) pendingCalls.get(msg.id)?.(msg.result)
  })
  const send = (method: string, params: unknown = {}): Promise<unknown> =>
    new Promise((ok, fail) => {
      const id = nextId++
      const t = setTimeout(() => fail(new Error(`inspector: no answer to ${method}`)), 20_000)
      pendingCalls.set(id, (r) => {
        clearTimeout(t)
        pendingCalls.delete(id)
        ok(r)
      })
      inspector.send(JSON.stringify({ id, method, params }))
    })
  const memory = async (): Promise<Memory> => {
    await send('HeapProfiler.collectGarbage')
    const r = (await send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } }
    const m = JSON.parse(r.result.value) as NodeJS.MemoryUsage
    const mib = (b: number): number => b / 2 ** 20
    return { rss: mib(m.rss), heapUsed: mib(m.heapUsed), heapTotal: mib(m.heapTotal), buffers: mib(m.arrayBuffers), native: mib(m.rss - m.heapTotal - m.arrayBuffers) }
  }
  const url = new URL(line)
  return { child, memory, closeInspector: () => inspector.terminate(), port: Number(url.port), token: url.searchParams.get('token') ?? '', db, dir, stderr: () => err, exited: () => exited }
}

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024
  } catch {
    return NaN
  }
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP

interface Answer {
  /** the status code, or 0 when the connection closed without an answer, -1 on timeout */
  status: number
  body: string
}

interface RawRequest {
  /** the bytes, sent in these pieces */
  pieces: Buffer[]
  /** pause between pieces (a slow client) */
  delayMs: number
  /** half-close after sending (a truncated body) */
  endAfter: boolean
}

function sendRaw(port: number, r: RawRequest, timeoutMs: number): Promise<Answer> {
  return new Promise((resolveAnswer) => {
    const s: Socket = connect({ host: '127.0.0.1', port })
    let buf = Buffer.alloc(0)
    let done = false
    const finish = (a: Answer): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      s.destroy()
      resolveAnswer(a)
    }
    const timer = setTimeout(() => finish({ status: -1, body: '' }), timeoutMs)
    const parse = (final: boolean): void => {
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) {
        if (final) finish({ status: 0, body: '' })
        return
      }
      const head = buf.subarray(0, end).toString('latin1')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0)
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN)
      const body = buf.subarray(end + 4)
      if (final || status === 101 || (Number.isFinite(length) && body.length >= length) || status === 0) finish({ status, body: body.toString('utf8').slice(0, 2000) })
    }
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      parse(false)
    })
    s.on('error', () => parse(true))
    s.on('close', () => parse(true))
    void (async () => {
      for (let i = 0; i < r.pieces.length && !done; i++) {
        if (i > 0 && r.delayMs > 0) await new Promise((w) => setTimeout(w, r.delayMs))
        if (!done && !s.destroyed) s.write(r.pieces[i])
      }
      if (r.endAfter && !done && !s.destroyed) s.end()
    })()
  })
}

// ---------------------------------------------------------------------------------------------
// What the fuzzer knows of the API: argument templates that are valid, to mutate from

const ops = [
  'app.info',
  'projects.list',
  'projects.create',
  'projects.rename',
  'projects.delete',
  'runs.list',
  'runs.get',
  'runs.rename',
  'runs.delete',
  'runs.tag',
  'runs.note',
  'metrics.get',
  'artifacts.list',
  'artifacts.read',
  'datasets.import',
  'jobs.list',
  'jobs.start',
  'jobs.cancel',
  'results.query',
  'networks.export',
] as const
type Op = (typeof ops)[number]
/** operations that change stored data: their ids never name the sentinel objects */
const mutating = new Set<Op>(['projects.rename', 'projects.delete', 'runs.rename', 'runs.delete', 'runs.tag', 'runs.note', 'jobs.cancel'])

interface Sentinel {
  projectId: number
  runId: number
  /** everything stored about them, as JSON, to compare at the end */
  snapshot: string
}

const weirdStrings = [
  '',
  ' ',
  'x'.repeat(101),
  'x'.repeat(10_001),
  'Ω∑≈ç√∫˜µ≤≥÷',
  '\u0000nul',
  '\ud800lone surrogate',
  '\udfff',
  '💥'.repeat(30),
  '<script>alert(1)</script>',
  "'; DROP TABLE runs; --",
  '../../etc/passwd',
  '%00%ff',
  'a,b c',
  '\n\r\t',
  '\u202eRTL',
  'NaN',
  '1e309',
]
const weirdNumbers = [0, -1, 1.5, -0, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 999_999_999, 123_456_789_012]

/** An own property even for "__proto__" (JSON text can carry that key; the server must cope). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true })
}

function jsonValue(g: Prng, depth = 0): unknown {
  const k = g.int(0, depth > 3 ? 5 : 8)
  switch (k) {
    case 0:
      return null
    case 1:
      return g.chance(0.5)
    case 2:
      return g.pick(weirdNumbers)
    case 3:
      return g.int(-5, 50)
    case 4:
      return g.pick(weirdStrings)
    case 5:
      return String.fromCharCode(...Array.from({ length: g.int(0, 12) }, () => g.int(0, 0xffff)))
    case 6:
      return Array.from({ length: g.int(0, 5) }, () => jsonValue(g, depth + 1))
    case 7: {
      const o: Record<string, unknown> = {}
      for (let i = g.int(0, 4); i > 0; i--) setOwn(o, g.pick(['id', 'name', 'runId', 'projectId', '__proto__', 'constructor', 'rows', 'params', 'x']), jsonValue(g, depth + 1))
      return o
    }
    default:
      return { $typed: g.pick(['uint8', 'float64', 'float32', 'int8', 'bogus']), base64: g.pick(['', 'AAAA', 'A', '!!!!', 'AAAAAAA=', bytesToBase64(g.bytes(g.int(0, 20)))]) }
  }
}

/** A deep nesting: JSON parsers and validators must not overflow the stack on it. */
function deepJson(n: number): string {
  return '['.repeat(n) + ']'.repeat(n)
}

/** Small .npz files: valid ones, and broken ones of every kind the reader refuses. */
function npzBytes(g: Prng, bombs: Buffer[]): Buffer {
  const samples = g.int(1, 4)
  const steps = g.int(1, 40)
  const channels = g.int(1, 3)
  const f = (shape: number[], descr = '<f4') => Buffer.concat([npyHeader(descr, shape), g.chance(0.8) ? Buffer.alloc(shape.reduce((a, b) => a * b, 1) * Number(descr.slice(2))) : g.bytes(shape.reduce((a, b) => a * b, 1) * Number(descr.slice(2)))])
  const member = (name: string, bytes: Buffer) => (g.chance(0.5) ? deflatedMember(name, bytes) : storedMember(name, bytes))
  const labels = g.pick([
    () => Buffer.concat([npyHeader('<i8', [samples]), Buffer.from(BigInt64Array.from({ length: samples }, () => BigInt(g.int(0, 1))).buffer)]),
    () => Buffer.concat([npyHeader('|i1', [samples]), Buffer.from(Int8Array.from({ length: samples }, () => g.pick([-1, 1])).buffer)]),
    () => f([samples], '<f8'),
    () => Buffer.concat([npyHeader('<U1', [samples]), g.bytes(samples * 4)]),
    () => f([samples + 1], '<i4'),
  ])
  const kind = g.int(0, 9)
  if (kind === 0) return g.pick(bombs)
  if (kind === 1) return g.bytes(g.int(0, 300))
  const members = [member('inputs.npy', f([samples, steps, channels], g.pick(['<f4', '<f8', '<f4', '<f4', '<f8', '<i4', '>f8']))), member('targets.npy', f([samples, steps, g.chance(0.1) ? 0 : g.int(1, 2)]))]
  if (g.chance(0.5)) members.push(member('labels.npy', labels()))
  if (g.chance(0.2)) members.push(member('extra.npy', f([2, 2])))
  if (g.chance(0.2)) members.reverse()
  const zip = zipOf(g.chance(0.1) ? members.slice(1) : members)
  if (kind === 2) return zip.subarray(0, g.int(0, zip.length)) // truncated
  if (kind === 3) {
    const flipped = Buffer.from(zip)
    for (let i = g.int(1, 6); i > 0; i--) flipped[g.int(0, flipped.length - 1)] ^= 1 << g.int(0, 7)
    return flipped
  }
  return zip
}

interface Body {
  bytes: Buffer
  note: string
}

function argsFor(op: Op, g: Prng, ids: { projects: number[]; runs: number[] }, sentinel: Sentinel, bombs: Buffer[]): unknown {
  const project = () => (g.chance(0.7) && ids.projects.length ? g.pick(ids.projects) : g.chance(0.5) ? sentinel.projectId : g.pick(weirdNumbers))
  const run = () => (g.chance(0.7) && ids.runs.length ? g.pick(ids.runs) : g.chance(0.5) ? sentinel.runId : g.pick(weirdNumbers))
  const name = () => (g.chance(0.6) ? `fuzz ${g.int(0, 1e9)}` : g.pick(weirdStrings))
  switch (op) {
    case 'app.info':
    case 'projects.list':
      return {}
    case 'projects.create':
      return { name: name() }
    case 'projects.rename':
      return { id: project(), name: name() }
    case 'projects.delete':
      return { id: project() }
    case 'runs.list':
      return { projectId: g.chance(0.5) ? project() : undefined, kind: g.chance(0.3) ? g.pick(['dataset', 'teacher', 'x']) : undefined, status: g.chance(0.3) ? g.pick(['succeeded', 'running', 'nope']) : undefined, limit: g.chance(0.3) ? g.pick([1, 10, 0, 10_001]) : undefined }
    case 'runs.get':
    case 'runs.delete':
    case 'artifacts.list':
      return { id: run(), runId: run() }
    case 'runs.rename':
      return { id: run(), name: name() }
    case 'runs.tag':
      return { id: run(), tag: g.pick(['good', 'two words', 'a,b', '', 'x'.repeat(41), `t${g.int(0, 99)}`]), remove: g.chance(0.3) }
    case 'runs.note':
      return { id: run(), body: g.pick(['a note', '', ' ', 'x'.repeat(10_001), g.pick(weirdStrings)]) }
    case 'metrics.get':
      return { runId: run(), keys: g.chance(0.5) ? [g.pick(['loss', 'x', '', 'accuracy'])] : undefined }
    case 'artifacts.read':
      return {
        runId: run(),
        name: g.pick(['inputs', 'targets', 'labels', 'nope', '', 'x'.repeat(201)]),
        rows: g.chance(0.6) ? { start: g.pick([0, 1, 2, 3, -1, 1e9, 0.5]), count: g.pick([1, 2, 1000, 0, -1, 2 ** 53]) } : undefined,
      }
    case 'datasets.import':
      return {
        projectId: project(),
        fileName: g.pick(['a.npz', '', 'x'.repeat(501), '../../x.npz', 'ü.npz']),
        name: g.chance(0.3) ? name() : undefined,
        dtMs: g.chance(0.3) ? g.pick([1, 0, -1, 1001, 0.5]) : undefined,
        bytes: { $typed: 'uint8', base64: bytesToBase64(npzBytes(g, bombs)) },
      }
    case 'jobs.list':
      return { all: g.chance(0.5) }
    case 'jobs.start': {
      // Valid starts use a project the fuzzer made and tiny sizes; most point at no project, so
      // that parameters are validated and nothing starts.
      const cheap = g.chance(0.02) && ids.projects.length > 0
      return {
        kind: cheap ? 'data.generate' : g.pick(['data.generate', 'network.create', 'simulate', 'train.teacher', 'eval', 'nope']),
        projectId: cheap ? g.pick(ids.projects) : 900_000 + g.int(0, 1000),
        params: cheap ? { count: g.int(1, 5), durationS: 0.1 } : g.chance(0.5) ? jsonValue(g) : { count: g.pick(weirdNumbers), seed: g.pick(weirdNumbers), neurons: g.pick(weirdNumbers), dataFile: g.pick(['/etc/passwd', '/dev/zero', 'x.npz']) },
      }
    }
    case 'jobs.cancel':
      return { runId: run() }
    case 'results.query':
      return {
        runId: g.chance(0.5) ? run() : undefined,
        projectId: g.chance(0.3) ? project() : undefined,
        architecture: g.chance(0.3) ? g.pick(['ads', 'rate', '', 'x'.repeat(61)]) : undefined,
        key: g.chance(0.3) ? g.pick(['mse', 'correct', '', g.pick(weirdStrings)]) : undefined,
        limit: g.chance(0.3) ? g.pick([1, 100_000, 0, 100_001, 0.5]) : undefined,
      }
    case 'networks.export':
      return { runId: run(), format: g.chance(0.8) ? 'npz' : g.pick(['csv', '', 'NPZ']) }
  }
}

/** Mutations of valid arguments: a field replaced, removed or added, or the whole value swapped. */
function mutate(args: unknown, g: Prng): unknown {
  if (!g.chance(0.6)) return args
  if (g.chance(0.1)) return jsonValue(g)
  const o = { ...(args as Record<string, unknown>) }
  for (let i = g.int(1, 3); i > 0; i--) {
    const keys = Object.keys(o)
    const r = g.int(0, 2)
    if (r === 0 && keys.length) setOwn(o, g.pick(keys), jsonValue(g))
    else if (r === 1 && keys.length) delete o[g.pick(keys)]
    else setOwn(o, g.pick(['extra', 'id', 'token', '__proto__', 'prototype']), jsonValue(g))
  }
  return o
}

/** Keeps mutating operations away from the sentinel (what they legitimately do is not loss). */
function protect(op: Op, args: unknown, sentinel: Sentinel, ids: { projects: number[]; runs: number[] }): unknown {
  if (!mutating.has(op) || typeof args !== 'object' || args === null) return args
  const o = args as Record<string, unknown>
  for (const key of ['id', 'runId', 'projectId']) {
    const v = typeof o[key] === 'number' ? o[key] : NaN
    if (v === sentinel.projectId || v === sentinel.runId) o[key] = ids.runs[0] ?? 900_001
  }
  return o
}

function bodyFor(op: Op, g: Prng, ids: { projects: number[]; runs: number[] }, sentinel: Sentinel, bombs: Buffer[]): Body {
  const args = protect(op, mutate(argsFor(op, g, ids, sentinel, bombs), g), sentinel, ids)
  const text = JSON.stringify(args) ?? ''
  const r = g.int(0, 19)
  if (r === 0) return { bytes: Buffer.from(text.slice(0, g.int(0, text.length))), note: 'truncated JSON' }
  if (r === 1) return { bytes: g.bytes(g.int(0, 200)), note: 'random bytes' }
  if (r === 2) return { bytes: Buffer.from(deepJson(g.pick([100, 10_000, 100_000]))), note: 'deep nesting' }
  if (r === 3) return { bytes: Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0xfe, 0xc3, 0x28])]), note: 'invalid UTF-8' }
  if (r === 4) return { bytes: Buffer.from(''), note: 'empty body' }
  return { bytes: Buffer.from(text), note: `args ${text.length > 200 ? text.slice(0, 200) + '…' : text}` }
}

// ---------------------------------------------------------------------------------------------
// HTTP cases

interface HttpCase {
  request: RawRequest
  describe: string
  /** the operation, when the target is one */
  op: string | null
  /** a 2xx would be a policy breach (no token, foreign Origin or Host, ...) */
  mustRefuse: boolean
  /** the case may legitimately get no answer (incomplete request, malformed request line) */
  mayGoUnanswered: boolean
  timeoutMs: number
}

function httpCase(i: number, seed: number, srv: Server, ids: { projects: number[]; runs: number[] }, sentinel: Sentinel, bombs: Buffer[]): HttpCase {
  const g = rngFor(seed, 1, i)
  const good = `127.0.0.1:${srv.port}`
  const op = g.pick(ops)
  let mustRefuse = false
  let mayGoUnanswered = false
  const notes: string[] = []

  // Two cases in five have a clean envelope (POST of an operation with the token, from no or the
  // served origin): their fuzz is in the arguments, which then reach the services.
  const clean = g.chance(0.4)
  if (clean) notes.push('clean envelope')
  // method and target
  const method = clean ? 'POST' : g.chance(0.75) ? (g.chance(0.8) ? 'POST' : 'GET') : g.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'FOO', 'G ET', '', 'post'])
  const api = clean || g.chance(0.75)
  let target = api ? `/api/${clean || g.chance(0.9) ? op : g.pick(['nope', 'projects.', '../app.info', 'app.info/', 'APP.INFO', '%61pp.info', 'constructor', '__proto__', 'hasOwnProperty'])}` : g.pick(['/', '/index.html', '/favicon.ico', '/assets/', '/%', '/%ff', '/%E0%A4%A', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/etc/passwd', '/%00', '//evil.example/x', '/api', '/api/', '/api/events', '/' + 'a'.repeat(g.int(1, 20_000)), '*', 'http://evil.example/', 'http://127.0.0.1/api/app.info', '/\\..\\..\\package.json', '/ü', '/?token=x', '/assets/%zz.js'])
  if (!clean && g.chance(0.2)) target += g.pick(['?token=wrong', `?token=${srv.token}`, '?token=', '?a=%', '?' + 'b'.repeat(5000), '#frag'])

  // headers
  const headers: [string, string][] = []
  const hostChoice = clean ? 9 : g.int(0, 14)
  const host = hostChoice === 0 ? 'evil.example' : hostChoice === 1 ? `127.0.0.1:${srv.port + 1}` : hostChoice === 2 ? null : hostChoice === 3 ? `localhost:${srv.port}` : good
  if (host !== null) headers.push(['Host', host])
  if (!clean && g.chance(0.03)) headers.push(['Host', 'second.example'])
  const tokenChoice = clean ? 9 : g.int(0, 9)
  const validToken = tokenChoice >= 3 || target.includes(`token=${srv.token}`)
  if (tokenChoice === 0) headers.push(['Authorization', g.pick(['Bearer', 'Bearer ', 'Basic abc', `Bearer ${srv.token}x`, `Bearer ${srv.token.slice(1)}`, 'Bearer ' + 'z'.repeat(5000)])])
  else if (tokenChoice === 1) headers.push(['X-Mimic-Token', g.pick(['', 'nope', srv.token.toUpperCase()])])
  else if (tokenChoice >= 3) headers.push(g.chance(0.8) ? ['Authorization', `Bearer ${srv.token}`] : ['X-Mimic-Token', srv.token])
  const originChoice = clean ? g.int(3, 14) : g.int(0, 14)
  const foreignOrigin = originChoice <= 2
  if (foreignOrigin) headers.push(['Origin', g.pick(['http://evil.example', 'null', `http://127.0.0.1:${srv.port + 1}`, `https://127.0.0.1:${srv.port}`, 'http://127.0.0.1', `http://${good}/path`, 'garbage', `http://user@${good}`])])
  else if (originChoice <= 4) headers.push(['Origin', g.chance(0.5) ? `http://${good}` : `http://localhost:${srv.port}`])
  if (!clean && g.chance(0.05)) headers.push(['X-Huge', 'h'.repeat(g.pick([1000, 20_000, 70_000]))])
  if (!clean && g.chance(0.03)) headers.push(['Bad Header', 'x'])
  if (!clean && g.chance(0.03)) headers.push(['X-Ctl', 'a\u0001b'])

  // body
  const body = method === 'GET' || method === 'HEAD' ? { bytes: g.chance(0.1) ? Buffer.from('{}') : Buffer.alloc(0), note: '' } : bodyFor(op, g, ids, sentinel, bombs)
  if (body.note) notes.push(body.note)
  const lengthChoice = clean ? 19 : g.int(0, 19)
  let sendBytes = body.bytes
  let endAfter = false
  if (lengthChoice === 0) {
    headers.push(['Content-Length', String(body.bytes.length + g.int(1, 1000))])
    endAfter = true
    mayGoUnanswered = true
    notes.push('truncated body')
  } else if (lengthChoice === 1) {
    const value = g.pick(['-1', 'abc', '1e3', '99999999999999999999', '0x10', '', ' 5'])
    headers.push(['Content-Length', value])
    notes.push('bad Content-Length')
    // " 5" is a valid length: with fewer bytes sent, the server rightly waits for the rest
    if (/^\s*\d+$/.test(value) && Number(value) > body.bytes.length) {
      endAfter = true
      mayGoUnanswered = true
    }
  } else if (lengthChoice === 2) {
    headers.push(['Content-Length', String(g.pick([400 * 1024 * 1024, 10 ** 10, 2 ** 53]))])
    sendBytes = body.bytes.subarray(0, 100)
    notes.push('oversized Content-Length')
  } else if (lengthChoice === 3) {
    headers.push(['Transfer-Encoding', 'chunked'])
    const hex = body.bytes.length.toString(16)
    sendBytes = g.chance(0.5)
      ? Buffer.concat([Buffer.from(`${hex}\r\n`), body.bytes, Buffer.from('\r\n0\r\n\r\n')])
      : Buffer.concat([Buffer.from(g.pick(['zz\r\n', 'ffffffffffffffff\r\n', '-1\r\n', `${hex}\r\n`])), body.bytes.subarray(0, Math.floor(body.bytes.length / 2))])
    endAfter = true
    mayGoUnanswered = true
    notes.push('chunked')
  } else if (lengthChoice === 4) {
    headers.push(['Content-Length', String(body.bytes.length)], ['Content-Length', String(body.bytes.length + 1)])
    notes.push('two Content-Lengths')
  } else if (body.bytes.length > 0 || method === 'POST') headers.push(['Content-Length', String(body.bytes.length)])
  if (g.chance(0.5)) headers.push(['Content-Type', g.pick(['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16'])])
  headers.push(['Connection', 'close'])

  const version = clean || g.chance(0.97) ? 'HTTP/1.1' : g.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'FOO/1.1', ''])
  const head = `${method} ${target} ${version}\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`
  const bytes = Buffer.concat([Buffer.from(head, 'latin1'), sendBytes])
  // slow clients: the request in a few pieces with pauses
  const slow = g.chance(0.02)
  let pieces = [bytes]
  if (slow) {
    const cuts = Array.from({ length: g.int(2, 5) }, () => g.int(1, bytes.length - 1)).sort((a, b) => a - b)
    pieces = [...cuts, bytes.length].map((c, k, all) => bytes.subarray(k === 0 ? 0 : all[k - 1], c))
    notes.push(`slow client (${pieces.length} pieces)`)
  }
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') mayGoUnanswered = true
  if (method === '' || method.includes(' ')) mayGoUnanswered = true

  // the policy: what must never succeed
  const isApi = /^\/api\//.test(target) || /^http:\/\/[^/]*\/api\//.test(target)
  if (isApi && (!validToken || foreignOrigin || (host !== good && host !== `localhost:${srv.port}`))) mustRefuse = true
  if (!isApi && host !== good && host !== `localhost:${srv.port}`) mustRefuse = true

  return {
    request: { pieces, delayMs: slow ? g.int(10, 60) : 0, endAfter },
    op: clean || /^\/api\/[a-z]+\.[a-zA-Z]+$/.test(target.split('?')[0]) ? target.split('?')[0].slice(5) : null,
    describe: `${method} ${target.length > 80 ? target.slice(0, 80) + '…' : target} host=${host} token=${validToken ? 'valid' : 'invalid'} origin=${headers.find(([k]) => k === 'Origin')?.[1] ?? '-'} ${notes.join('; ')}`,
    mustRefuse,
    mayGoUnanswered,
    timeoutMs: slow ? 15_000 : 10_000,
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket cases

interface WsStep {
  bytes: Buffer
  /** a protocol violation: the server must close the connection */
  violation: boolean
  /** the frame is incomplete or random: the server may wait for more bytes, the client hangs up */
  open?: boolean
  /** a complete text "ping" message: the server answers pong */
  ping?: boolean
  describe: string
}

/** One connection's frames. Fragments are kept in order, so each step knows whether a message is open. */
function wsSteps(g: Prng, count: number): WsStep[] {
  const steps: WsStep[] = []
  let fragmenting = false
  const text = (s: string | Buffer, extra = {}) => frame({ opcode: opcodes.text, payload: typeof s === 'string' ? Buffer.from(s) : s, ...extra })
  for (let k = 0; k < count; k++) {
    const r = g.int(0, 24)
    let step: WsStep
    if (r <= 3) step = { bytes: text('ping'), violation: fragmenting, ping: !fragmenting, describe: 'text "ping"' }
    else if (r <= 6) {
      const msg = g.pick([JSON.stringify({ op: g.pick(ops), args: jsonValue(g) }), JSON.stringify(jsonValue(g)), '{"op":', 'null', 'PING', '', 'x'.repeat(g.int(0, 60_000))])
      step = { bytes: g.chance(0.5) ? text(msg) : frame({ opcode: opcodes.binary, payload: Buffer.from(msg) }), violation: fragmenting, describe: `message ${msg.slice(0, 40)}` }
    } else if (r === 7) step = { bytes: frame({ opcode: g.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: g.bytes(g.int(0, 10)) }), violation: true, describe: 'reserved opcode' }
    else if (r === 8) step = { bytes: text('ping', { rsv: g.int(1, 7) }), violation: true, describe: 'RSV bits' }
    else if (r === 9) step = { bytes: text(g.bytes(g.int(0, 20)), { mask: false }), violation: true, describe: 'unmasked' }
    else if (r === 10) step = { bytes: text('x'.repeat(65_537)), violation: true, describe: '65,537-byte message' }
    else if (r === 11) step = { bytes: frame({ opcode: opcodes.text, payload: Buffer.alloc(4), declaredLength: 2 ** 53 + g.int(0, 100), lengthForm: 64 }), violation: true, describe: 'length over 2^53' }
    else if (r === 12) step = { bytes: text(g.pick([Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xe2, 0x82])])), violation: true, describe: 'invalid UTF-8' }
    else if (r === 13) {
      step = { bytes: text('pi', { fin: false }), violation: fragmenting, describe: 'first fragment' }
      if (!fragmenting) fragmenting = true
    } else if (r === 14) {
      step = { bytes: frame({ opcode: opcodes.continuation, payload: Buffer.from('ng') }), violation: !fragmenting, describe: 'last fragment' }
      fragmenting = false
    } else if (r === 15) step = { bytes: frame({ opcode: opcodes.continuation, payload: Buffer.from('x'), fin: false }), violation: !fragmenting, describe: 'middle fragment' }
    else if (r === 16) step = { bytes: frame({ opcode: opcodes.ping, payload: g.bytes(g.int(0, 125)) }), violation: false, describe: 'ping frame' }
    else if (r === 17) step = { bytes: frame({ opcode: opcodes.ping, payload: g.bytes(g.int(126, 300)) }), violation: true, describe: 'control frame over 125 bytes' }
    else if (r === 18) step = { bytes: frame({ opcode: opcodes.ping, fin: false }), violation: true, describe: 'fragmented ping' }
    else if (r === 19) step = { bytes: frame({ opcode: opcodes.pong, payload: g.bytes(g.int(0, 20)) }), violation: false, describe: 'unsolicited pong' }
    else if (r === 20) {
      const code = g.pick([1000, 1001, 999, 1004, 1005, 1006, 1015, 2999, 3000, 4999, 5000, 65535])
      const bad = [999, 1004, 1005, 1006, 1015, 2999, 5000, 65535].includes(code)
      const p = Buffer.alloc(2)
      p.writeUInt16BE(code)
      step = { bytes: frame({ opcode: opcodes.close, payload: g.chance(0.2) ? Buffer.concat([p, Buffer.from([0xff])]) : p }), violation: true, describe: `close ${code}${bad ? ' (invalid)' : ''}` }
    } else if (r === 21) step = { bytes: frame({ opcode: opcodes.close, payload: Buffer.from([3]) }), violation: true, describe: 'close with a 1-byte payload' }
    else if (r === 22) step = { bytes: g.bytes(g.int(1, 40)), violation: false, open: true, describe: 'random bytes' }
    else if (r === 23) step = { bytes: text('ping', { lengthForm: g.pick([16, 64] as const) }), violation: fragmenting, ping: !fragmenting, describe: 'ping in a long length form' }
    else step = { bytes: frame({ opcode: opcodes.text, payload: Buffer.from('abc'), declaredLength: 100 }), violation: false, open: true, describe: 'length longer than the data (the client hangs up)' }
    steps.push(step)
    // A violation, random bytes or a lying length end what can be said on this connection.
    if (step.violation || step.open) break
  }
  return steps
}

// ---------------------------------------------------------------------------------------------
// The run

async function snapshot(srv: Server, projectId: number, runId: number): Promise<string> {
  const call = async (op: string, args: unknown) => {
    const res = await fetch(`http://127.0.0.1:${srv.port}/api/${op}`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' }, body: JSON.stringify(args) })
    const body = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } }
    if (!body.ok) throw new Error(`${op}: ${body.error?.message}`)
    return body.value as Record<string, unknown>
  }
  const project = (await call('projects.list', {})) as unknown as { id: number; name: string }[]
  const run = await call('runs.get', { id: runId })
  const arts: string[] = []
  for (const name of ['inputs', 'targets', 'labels']) {
    const a = (await call('artifacts.read', { runId, name })) as { data: { base64: string }; shape: number[]; dtype: string }
    arts.push(`${name} ${a.dtype} [${a.shape.join(',')}] ${createHash('sha256').update(a.data.base64).digest('hex')}`)
  }
  const { progress: _p, ...stable } = run
  return JSON.stringify({ project: project.find((p) => p.id === projectId)?.name, run: { ...stable, children: undefined }, arts })
}

async function seedSentinel(srv: Server): Promise<Sentinel> {
  const post = async (op: string, args: unknown) => {
    const res = await fetch(`http://127.0.0.1:${srv.port}/api/${op}`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' }, body: JSON.stringify(args) })
    const body = (await res.json()) as { ok: boolean; value?: { id: number }; error?: { message: string } }
    if (!body.ok) throw new Error(`seeding ${op}: ${body.error?.message}`)
    return body.value as { id: number }
  }
  const project = await post('projects.create', { name: 'Sentinel' })
  const f32 = (n: number) => Buffer.from(Float32Array.from({ length: n }, (_, i) => Math.sin(i)).buffer)
  const npz = zipOf([
    deflatedMember('inputs.npy', Buffer.concat([npyHeader('<f4', [3, 50, 2]), f32(300)])),
    deflatedMember('targets.npy', Buffer.concat([npyHeader('<f4', [3, 50, 1]), f32(150)])),
    storedMember('labels.npy', Buffer.concat([npyHeader('|i1', [3]), Buffer.from(Int8Array.from([-1, 1, 1]).buffer)])),
  ])
  const run = await post('datasets.import', { projectId: project.id, fileName: 'sentinel.npz', bytes: { $typed: 'uint8', base64: bytesToBase64(npz) } })
  await post('runs.tag', { id: run.id, tag: 'keep' })
  await post('runs.note', { id: run.id, body: 'this run must survive the fuzz' })
  return { projectId: project.id, runId: run.id, snapshot: await snapshot(srv, project.id, run.id) }
}

async function health(srv: Server, deadlineMs: number): Promise<number> {
  const t0 = performance.now()
  const a = await sendRaw(
    srv.port,
    { pieces: [Buffer.from(`POST /api/app.info HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${srv.token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`)], delayMs: 0, endAfter: false },
    deadlineMs,
  )
  return a.status === 200 ? performance.now() - t0 : -1
}

/** Keeps a connection busy sending one header byte every 100 ms (a slowloris) until stopped. */
function slowloris(port: number): () => void {
  const s = connect({ host: '127.0.0.1', port })
  s.on('error', () => {})
  s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`)
  const t = setInterval(() => {
    if (!s.destroyed) s.write('X-a: b\r\n'.slice(0, 1 + Math.floor(Math.random() * 3)))
  }, 100)
  return () => {
    clearInterval(t)
    s.destroy()
  }
}

export async function fuzzServer(opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {})
  const root = resolve(opts.root ?? join(import.meta.dirname, '..', '..'))
  const batch = opts.batch ?? 250
  const concurrency = opts.concurrency ?? 8
  const deadline = opts.healthDeadlineMs ?? 5000
  // Bounds on growth from the first batch to the end, each read after a forced full collection.
  // Measured on a leak-free server over 10^4 requests and 10^4 frames (seeds 1-4): heap in use
  // +0.0 to +0.1 MiB, buffers +0.0 MiB, the rest of the resident memory +1.6 to +9.6 MiB (malloc
  // arenas, SQLite's page cache). With 4 MiB, keeping about 0.4 KiB per case over 10^4 cases is
  // caught (an injected 1 KiB per request grew the heap in use by 8.2 MiB); the zip bomb of
  // issue 9 (2 GB kept) breaks the native bound sixty times over.
  const heapBound = opts.heapLeakBoundMiB ?? 4
  const buffersBound = opts.buffersLeakBoundMiB ?? 4
  const nativeBound = opts.nativeLeakBoundMiB ?? 32
  const dir = mkdtempSync(join(tmpdir(), 'mimic-fuzz-'))
  const t0 = performance.now()
  const findings: Finding[] = []
  const statuses: Record<string, number> = {}
  const succeeded: Record<string, number> = {}
  const closeCodes: Record<string, number> = {}
  let noAnswer = 0
  let healthChecks = 0
  let healthMax = 0
  let wsConnections = 0
  const srv = await startServer(root, dir, opts.serveArgs ?? ['--max-dataset-mb', '8'])
  const pid = srv.child.pid!
  const none: Memory = { rss: NaN, heapUsed: NaN, heapTotal: NaN, buffers: NaN, native: NaN }
  const mem = { start: none, afterFirstBatch: none, end: none, max: { rss: 0, heapUsed: 0, heapTotal: 0, buffers: 0, native: 0 }, samples: 0 }
  const sample = async (): Promise<Memory> => {
    const m = await srv.memory()
    mem.samples++
    for (const k of Object.keys(m) as (keyof Memory)[]) mem.max[k] = Math.max(mem.max[k], m[k])
    return m
  }
  // With an inspector attached, a process dying of an uncaught exception waits for it to
  // disconnect before exiting: that counts as the crash it is, and the inspector lets go.
  const dying = (): boolean => srv.stderr().includes('Waiting for the debugger to disconnect')
  const crashed = (): boolean => {
    const dead = srv.exited() || dying()
    if (dead && !findings.some((f) => f.kind === 'crash')) {
      srv.closeInspector()
      findings.push({ kind: 'crash', case: null, what: `the server ${srv.exited() ? `exited (code ${srv.child.exitCode}, signal ${srv.child.signalCode})` : 'died'}; stderr: ${srv.stderr().slice(-800)}` })
    }
    return dead
  }
  try {
    const sentinel = await seedSentinel(srv)
    mem.start = await sample()
    // ids the fuzzer may use freely: what its own requests created, read back after each batch
    const ids = { projects: [] as number[], runs: [] as number[] }
    const refreshIds = async (): Promise<void> => {
      try {
        const res = await fetch(`http://127.0.0.1:${srv.port}/api/runs.list`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}` }, body: '{}' })
        const runs = ((await res.json()) as { value: { id: number; projectId: number }[] }).value
        ids.runs = runs.filter((r) => r.id !== sentinel.runId).map((r) => r.id).slice(0, 50)
        const pres = await fetch(`http://127.0.0.1:${srv.port}/api/projects.list`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}` }, body: '{}' })
        ids.projects = ((await pres.json()) as { value: { id: number }[] }).value.map((p) => p.id).filter((p) => p !== sentinel.projectId).slice(0, 50)
      } catch {
        // a dead server is reported by the health check
      }
    }
    const bombs = [datasetBomb({ steps: 65_536, outputs: 64 }), datasetBomb({ steps: 65_536, outputs: 16, headerShape: [1, 65_536, 1] }), datasetBomb({ steps: 4096, outputs: 1024, headerShape: [1, 4096, 1], directorySize: 16_512 })]

    const afterBatch = async (label: string, first: boolean): Promise<boolean> => {
      if (crashed()) return false
      healthChecks++
      const ms = await health(srv, deadline)
      if (ms < 0) {
        if (!crashed()) findings.push({ kind: 'hang', case: null, what: `no health answer within ${deadline} ms after ${label}` })
        return false
      }
      healthMax = Math.max(healthMax, ms)
      try {
        const now = await sample()
        if (first) mem.afterFirstBatch = now
      } catch (err) {
        if (!crashed()) findings.push({ kind: 'hang', case: null, what: `the server's memory could not be read after ${label}: ${(err as Error).message}` })
        return false
      }
      return true
    }

    // HTTP: batches of cases, `concurrency` at a time, two slowloris connections open meanwhile
    let alive = true
    for (let start = 0; start < opts.requests && alive; start += batch) {
      const end = Math.min(opts.requests, start + batch)
      const stopSlow = [slowloris(srv.port), slowloris(srv.port)]
      let next = start
      const worker = async (): Promise<void> => {
        while (next < end) {
          const i = next++
          const c = httpCase(i, opts.seed, srv, ids, sentinel, bombs)
          const a = await sendRaw(srv.port, c.request, c.timeoutMs)
          const cls = a.status > 0 ? `${Math.floor(a.status / 100)}xx` : a.status === 0 ? 'closed' : 'timeout'
          statuses[a.status > 0 ? String(a.status) : cls] = (statuses[a.status > 0 ? String(a.status) : cls] ?? 0) + 1
          if (a.status >= 200 && a.status < 300 && c.op) succeeded[c.op] = (succeeded[c.op] ?? 0) + 1
          if (a.status >= 500) findings.push({ kind: '5xx', case: i, what: `${a.status} for ${c.describe}: ${a.body.slice(0, 300)}` })
          else if (a.status === -1) findings.push({ kind: 'hang', case: i, what: `no answer within ${c.timeoutMs} ms for ${c.describe}` })
          else if (a.status === 0) {
            noAnswer++
            if (!c.mayGoUnanswered && !crashed()) findings.push({ kind: 'hang', case: i, what: `the connection closed without an answer for ${c.describe}` })
          } else if (c.mustRefuse && a.status < 300) findings.push({ kind: 'policy', case: i, what: `${a.status} (should be refused) for ${c.describe}` })
          if (crashed()) return
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
      alive = await afterBatch(`HTTP cases ${start}-${end - 1}`, start === 0)
      for (const stop of stopSlow) stop()
      await refreshIds()
      log(`${((performance.now() - t0) / 1000).toFixed(1)} s  http ${end}/${opts.requests}  rss ${rssMiB(pid).toFixed(0)} MiB  health max ${healthMax.toFixed(0)} ms  findings ${findings.length}`)
    }

    // WebSocket: connections of a few frames each, until `frames` frames have been sent
    let sent = 0
    let conn = 0
    let lastBatch = 0
    let firstWsBatch = true
    while (sent < opts.frames && alive && !crashed()) {
      const g = rngFor(opts.seed, 2, conn)
      const caseNo = conn++
      // the upgrade itself: mostly valid, sometimes with a bad token, Origin or handshake
      const u = g.int(0, 19)
      const headers: Record<string, string> = {}
      let path = `/api/events?token=${srv.token}`
      let mustRefuse = false
      if (u === 0) {
        path = g.pick(['/api/events', '/api/events?token=nope', `/api/eventsX?token=${srv.token}`, `/?token=${srv.token}`, '/%ff'])
        mustRefuse = true
      } else if (u === 1) {
        headers.Origin = g.pick(['http://evil.example', 'null', `http://127.0.0.1:${srv.port + 1}`])
        mustRefuse = true
      } else if (u === 2) {
        headers['Sec-WebSocket-Version'] = g.pick(['7', '', 'abc', '14'])
        mustRefuse = true
      } else if (u === 3) {
        headers['Sec-WebSocket-Key'] = g.pick(['', 'short', '!!!!'])
        mustRefuse = true
      } else if (u === 4) {
        headers.Host = 'evil.example'
        mustRefuse = true
      } else if (u === 5) headers.Origin = `http://127.0.0.1:${srv.port}`
      let ws: RawWs
      try {
        ws = await openRawWs(srv.port, path, headers, 10_000)
      } catch (err) {
        if (crashed()) break
        findings.push({ kind: 'hang', case: caseNo, what: `websocket upgrade: ${(err as Error).message}` })
        continue
      }
      wsConnections++
      if (ws.status !== 101) {
        statuses[`upgrade ${ws.status}`] = (statuses[`upgrade ${ws.status}`] ?? 0) + 1
        if (ws.status >= 500) findings.push({ kind: '5xx', case: caseNo, what: `upgrade answered ${ws.status} (${JSON.stringify(headers)} ${path})` })
        ws.destroy()
        sent++ // a refused upgrade counts as one case
        continue
      }
      if (mustRefuse) findings.push({ kind: 'policy', case: caseNo, what: `upgrade accepted with ${JSON.stringify(headers)} ${path}` })
      const steps = wsSteps(g, Math.min(g.int(1, 6), opts.frames - sent))
      let pings = 0
      for (const s of steps) {
        if (ws.socket.destroyed) break
        ws.socket.write(s.bytes)
        if (s.ping) pings++
        sent++
      }
      const last = steps[steps.length - 1]
      if (last?.violation) {
        // the server must close this connection (after its close frame, if it can send one)
        if (!(await ws.closed(3000))) findings.push({ kind: 'unclosed', case: caseNo, what: `the socket stayed open after: ${steps.map((s) => s.describe).join(' → ')}` })
      } else if (pings > 0 && !last?.open) {
        const pong = await ws.waitFrame((f) => f.opcode === opcodes.text && f.payload.toString() === '{"type":"pong"}', 3000)
        if (!pong && !crashed()) findings.push({ kind: 'hang', case: caseNo, what: `no pong after: ${steps.map((s) => s.describe).join(' → ')}` })
      }
      for (const f of ws.frames()) if (f.opcode === opcodes.close) closeCodes[String(f.closeCode ?? 'none')] = (closeCodes[String(f.closeCode ?? 'none')] ?? 0) + 1
      ws.destroy()
      if (sent - lastBatch >= batch || sent >= opts.frames) {
        lastBatch = sent
        alive = await afterBatch(`WebSocket frames up to ${sent}`, firstWsBatch && opts.requests === 0)
        firstWsBatch = false
        log(`${((performance.now() - t0) / 1000).toFixed(1)} s  ws ${sent}/${opts.frames}  connections ${wsConnections}  rss ${rssMiB(pid).toFixed(0)} MiB  findings ${findings.length}`)
      }
    }

    if (!crashed()) {
      try {
        mem.end = await sample()
      } catch (err) {
        if (!crashed()) findings.push({ kind: 'hang', case: null, what: `the server's memory could not be read at the end: ${(err as Error).message}` })
      }
      const from = mem.afterFirstBatch
      const check = (what: string, key: keyof Memory, bound: number): void => {
        const growth = mem.end[key] - from[key]
        if (growth > bound) findings.push({ kind: 'leak', case: null, what: `${what} grew by ${growth.toFixed(1)} MiB after the first batch (from ${from[key].toFixed(1)} to ${mem.end[key].toFixed(1)} MiB, after a full collection), more than ${bound} MiB` })
      }
      check('the JS heap in use', 'heapUsed', heapBound)
      check('the memory of ArrayBuffers and Buffers', 'buffers', buffersBound)
      check('the rest of the resident memory (malloc, SQLite)', 'native', nativeBound)
    }
    let sentinelIntact: boolean | null = null
    if (!crashed()) {
      try {
        sentinelIntact = (await snapshot(srv, sentinel.projectId, sentinel.runId)) === sentinel.snapshot
      } catch (err) {
        findings.push({ kind: 'database', case: null, what: `the sentinel could not be read back: ${(err as Error).message}` })
      }
      if (!sentinelIntact && !findings.some((f) => f.kind === 'database')) findings.push({ kind: 'database', case: null, what: 'the sentinel project, run, artifacts, tags or notes changed' })
    }
    // stop the server the way a user does, then check the file itself
    if (!srv.exited()) {
      const exited = new Promise((r) => srv.child.once('exit', r))
      srv.closeInspector()
      srv.child.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
      if (!srv.exited()) {
        findings.push({ kind: 'hang', case: null, what: 'the server did not stop within 15 s of SIGTERM' })
        srv.child.kill('SIGKILL')
      } else if (srv.child.exitCode !== 0 && !findings.some((f) => f.kind === 'crash')) findings.push({ kind: 'crash', case: null, what: `the server exited with ${srv.child.exitCode} on SIGTERM; stderr: ${srv.stderr().slice(-800)}` })
    }
    const db = new Database(srv.db, { readonly: true })
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ')
    const fk = db.pragma('foreign_key_check') as unknown[]
    const runs = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n
    const projects = (db.prepare('SELECT count(*) AS n FROM projects').get() as { n: number }).n
    db.close()
    if (integrity !== 'ok') findings.push({ kind: 'database', case: null, what: `integrity_check: ${integrity}` })
    if (fk.length) findings.push({ kind: 'database', case: null, what: `foreign_key_check found ${fk.length} rows pointing nowhere` })
    const unexpected = srv
      .stderr()
      .split('\n')
      // the inspector's own lines are expected; "mimic serve: ..." are reported errors (EMFILE...)
      .filter((l) => l.trim() && !/serving the workbench|^Debugger listening on |^For help, see: https:\/\/nodejs\.org|^Debugger attached\.$|^Waiting for the debugger to disconnect|^Debugger ending on /.test(l))
    if (unexpected.length) findings.push({ kind: 'stderr', case: null, what: `the server wrote to stderr: ${unexpected.slice(0, 5).join(' | ').slice(0, 600)}` })
    return {
      seed: opts.seed,
      requests: opts.requests,
      frames: sent,
      wsConnections,
      seconds: (performance.now() - t0) / 1000,
      statuses,
      succeeded,
      closeCodes,
      noAnswer,
      healthChecks,
      healthMaxMs: healthMax,
      memory: mem,
      bounds: { heapGrowthMiB: heapBound, buffersGrowthMiB: buffersBound, nativeGrowthMiB: nativeBound },
      database: { integrity, sentinelIntact, runs, projects },
      findings,
    }
  } finally {
    srv.closeInspector()
    if (!srv.exited()) srv.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

export function formatReport(r: FuzzReport): string {
  const sorted = (o: Record<string, number>) =>
    Object.entries(o)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')
  const byKind: Record<string, number> = {}
  for (const f of r.findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1
  return [
    `server fuzz · seed ${r.seed} · ${r.requests} HTTP requests, ${r.frames} WebSocket frames on ${r.wsConnections} connections · ${r.seconds.toFixed(1)} s`,
    `  answers        ${sorted(r.statuses)}`,
    `  succeeded      ${sorted(r.succeeded)}`,
    `  no answer      ${r.noAnswer} (incomplete or malformed requests the server dropped)`,
    `  close codes    ${sorted(r.closeCodes) || 'none'}`,
    `  health         ${r.healthChecks} checks, slowest ${r.healthMaxMs.toFixed(0)} ms`,
    `  memory (MiB, after a forced full collection; ${r.memory.samples} readings)`,
    ...(['rss', 'heapUsed', 'heapTotal', 'buffers', 'native'] as const).map((k) => {
      const bound = k === 'heapUsed' ? r.bounds.heapGrowthMiB : k === 'buffers' ? r.bounds.buffersGrowthMiB : k === 'native' ? r.bounds.nativeGrowthMiB : null
      const m = r.memory
      return `    ${k.padEnd(10)} start ${m.start[k].toFixed(1)}, after the first batch ${m.afterFirstBatch[k].toFixed(1)}, end ${m.end[k].toFixed(1)}, max ${m.max[k].toFixed(1)}${bound === null ? '' : ` (growth bound ${bound})`}`
    }),
    `  database       integrity_check ${r.database.integrity}; sentinel ${r.database.sentinelIntact === null ? 'not read back (the server died)' : r.database.sentinelIntact ? 'intact' : 'CHANGED'}; ${r.database.projects} projects, ${r.database.runs} runs`,
    `  findings       ${r.findings.length === 0 ? 'none' : sorted(byKind)}`,
    ...r.findings.slice(0, 20).map((f) => `    ${f.kind}${f.case === null ? '' : ` (case ${f.case})`}: ${f.what}`),
  ].join('\n')
}

function parseCli(argv: string[]): FuzzOptions & { json: boolean } {
  const o: FuzzOptions & { json: boolean } = { requests: 10_000, frames: 10_000, seed: 1, json: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const num = (): number => {
      const v = Number(argv[++i])
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer (received ${argv[i]})`)
      return v
    }
    if (a === '--requests') o.requests = num()
    else if (a === '--frames') o.frames = num()
    else if (a === '--seed') o.seed = num()
    else if (a === '--batch') o.batch = Math.max(1, num())
    else if (a === '--heap-bound-mib') o.heapLeakBoundMiB = num()
    else if (a === '--buffers-bound-mib') o.buffersLeakBoundMiB = num()
    else if (a === '--native-bound-mib') o.nativeLeakBoundMiB = num()
    else if (a === '--root') o.root = argv[++i]
    else if (a === '--serve-args') o.serveArgs = (argv[++i] ?? '').split(' ').filter(Boolean)
    else if (a === '--json') o.json = true
    else throw new Error(`unknown option ${a}: use --requests N --frames M --seed S [--batch B] [--heap-bound-mib X] [--buffers-bound-mib Y] [--native-bound-mib Z] [--root CHECKOUT] [--serve-args "ARGS"] [--json]`)
  }
  return o
}

if (import.meta.main) {
  let opts: FuzzOptions & { json: boolean }
  try {
    opts = parseCli(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`server-fuzz: ${(err as Error).message}\n`)
    process.exit(2)
  }
  const report = await fuzzServer({ ...opts, log: (l) => process.stderr.write(`${l}\n`) })
  process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatReport(report) + '\n')
  process.exit(report.findings.length === 0 ? 0 : 1)
}
