// Fuzzer of the native addon's public functions (native/index.ts; cases in ./native-cases.ts).
//
//   node test/fuzz/native-fuzz.ts --cases N --seed S [--batch B] [--deadline-ms D] [--hang-ms H]
//                                 [--leak-mb L] [--memory M] [--json]
//   node test/fuzz/native-fuzz.ts --seed S --case I        reruns case I in this process (the reproducer)
//   --inject crash@I | hang@I | violation@I | leak          a fault of the fuzzer's own, to check that
//                                                           it is found (test/integration/fuzz-native.test.ts)
//
// Each batch of B cases runs in a child process three times in a row (pass 1, then the same cases again
// twice):
//   crash  the child dies (a signal, or an exit before the batch ends): the case it had started
//   hang   a case does not settle within H ms (its asynchronous call is aborted after at most D ms)
//   leak   the child's memory in use grows by more than L MB over pass 2 AND again over pass 3 (each
//          measured after garbage collection: the resident size less the V8 heap's free space, i.e. the
//          native memory plus the live JS heap), or native jobs are still registered after a case settled.
//          A leak grows with every pass; the allocator keeping freed memory (fragmentation, a larger
//          high-water mark when an abort lands later) grows it once. L = 16 MB: with one malloc arena
//          (see runBatch), repeating a batch moved it by up to 27 MB once, never twice in a row, and
//          by at most 4 MB in most batches of 10^4-case runs; a leak of 64 KB per call (a small
//          network's weights, a result array) over a batch of 250 exceeds it in both passes.
//   violation  a call fails in a way that is not the contract: every rejection must be a TypeError or
//          RangeError with code ERR_INVALID_ARG, ERR_CANCELLED when the case aborted, ERR_BUSY when it
//          called twice at once, the fuzzer's own getter error passed through, or ERR_NATIVE "training
//          diverged" (a trainer given a huge learning rate)
// A crashed or hung child is replaced and the batch goes on after the case. Exit code 0 when there
// was none of these; otherwise 1, with each problem's case and the command that reproduces it.
//
// The children run with MIMIC_MAX_MEMORY=M (default 1G): the calls the budget admits stay small
// enough for a fuzz batch, and every larger one must be refused before it allocates.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as native from '../../native/index.ts'
import { FuzzGetterError, makeCase, type Case } from './native-cases.ts'

interface Options {
  cases: number
  seed: number
  batch: number
  deadlineMs: number
  hangMs: number
  leakMb: number
  memory: string
  json: boolean
  child?: { from: number; to: number }
  single?: number
  inject?: string
}

function parseArgs(argv: string[]): Options {
  const o: Options = { cases: 1000, seed: 1, batch: 250, deadlineMs: 50, hangMs: 15_000, leakMb: 16, memory: '1G', json: false }
  const num = (name: string, v: string | undefined): number => {
    const x = Number(v)
    if (v === undefined || !Number.isInteger(x) || x < 0) throw new Error(`${name} needs a non-negative integer, e.g. ${name} 100 (got ${v ?? 'nothing'})`)
    return x
  }
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]
    if (a === '--cases') o.cases = num(a, argv[++k])
    else if (a === '--seed') o.seed = num(a, argv[++k])
    else if (a === '--batch') o.batch = Math.max(1, num(a, argv[++k]))
    else if (a === '--deadline-ms') o.deadlineMs = num(a, argv[++k])
    else if (a === '--hang-ms') o.hangMs = num(a, argv[++k])
    else if (a === '--leak-mb') o.leakMb = num(a, argv[++k])
    else if (a === '--memory') o.memory = argv[++k] ?? o.memory
    else if (a === '--json') o.json = true
    else if (a === '--case') o.single = num(a, argv[++k])
    else if (a === '--child') o.child = { from: num(a, argv[++k]), to: num(a, argv[++k]) }
    else if (a === '--inject') {
      o.inject = argv[++k]
      if (!/^(crash|hang|violation)@\d+$|^leak$/.test(o.inject ?? '')) throw new Error(`--inject needs crash@I, hang@I, violation@I or leak (got ${o.inject ?? 'nothing'})`)
    }
    else throw new Error(`unknown argument ${a} (use --cases N --seed S [--batch B] [--deadline-ms D] [--hang-ms H] [--leak-mb L] [--memory M] [--json], or --seed S --case I)`)
  }
  return o
}

// ---- running one case (in the child, or in this process for --case) --------------------------------

interface Result {
  i: number
  fn: string
  /** accepted, or the rejection's class: the code, ERR_INVALID_ARG split by TypeError / RangeError */
  outcome: string
  ms: number
  /** set when the outcome is not the contract's */
  violation?: string
  /** ms from abort() to the settlement, when the case aborted a call still running */
  abortMs?: number
  /** a synchronous call: ms it held the event loop */
  syncMs?: number
}

function classify(e: unknown, c: Case): { outcome: string; violation?: string } {
  if (e instanceof FuzzGetterError) return { outcome: "the getter's own error" }
  const err = e as { code?: unknown; name?: unknown; message?: unknown } | null
  const code = typeof err === 'object' && err !== null ? err.code : undefined
  const message = typeof err === 'object' && err !== null ? String(err.message) : String(e)
  if (code === 'ERR_INVALID_ARG' && (e instanceof TypeError || e instanceof RangeError)) {
    if (message.length < 10) return { outcome: 'ERR_INVALID_ARG', violation: `an argument error without a message that names the argument: ${message}` }
    return { outcome: `ERR_INVALID_ARG ${e instanceof TypeError ? 'TypeError' : 'RangeError'}` }
  }
  if (code === 'ERR_CANCELLED' && c.aborts) return { outcome: 'ERR_CANCELLED' }
  if (code === 'ERR_BUSY' && c.concurrent) return { outcome: 'ERR_BUSY' }
  if (code === 'ERR_NATIVE' && /training diverged/.test(message)) return { outcome: 'ERR_NATIVE (training diverged)' }
  const name = typeof err === 'object' && err !== null ? String(err.name) : typeof e
  return { outcome: `${name} ${String(code ?? '')}`.trim(), violation: `${name}${code ? ` (${String(code)})` : ''}: ${message}` }
}

async function jobsSettled(limitMs: number): Promise<number> {
  const t0 = performance.now()
  for (;;) {
    const n = native.addon().info().runningJobs
    if (n === 0 || performance.now() - t0 > limitMs) return n
    await new Promise((r) => setTimeout(r, 1))
  }
}

async function runCase(c: ReturnType<typeof makeCase>): Promise<Result> {
  const t0 = performance.now()
  let abortedAt: number | undefined
  let timer: NodeJS.Timeout | undefined
  if (c.signal && c.abortAfterMs !== undefined) {
    const abort = (): void => {
      abortedAt = performance.now()
      c.signal!.abort()
    }
    if (c.abortAfterMs === 0) abort()
    else timer = setTimeout(abort, c.abortAfterMs)
  }
  let sync = true
  const outcomes: { outcome: string; violation?: string }[] = []
  try {
    const value = c.run()
    sync = !(value instanceof Promise) && !Array.isArray(value)
    const settled = await Promise.allSettled(Array.isArray(value) ? value : [value])
    for (const s of settled) outcomes.push(s.status === 'fulfilled' ? { outcome: 'accepted' } : classify(s.reason, c))
  } catch (e) {
    outcomes.push(classify(e, c))
  }
  const end = performance.now()
  clearTimeout(timer)
  const r: Result = { i: c.index, fn: c.fn, outcome: outcomes[0].outcome, ms: end - t0 }
  const bad = outcomes.find((o) => o.violation)
  if (bad) r.violation = bad.violation
  if (abortedAt !== undefined && c.abortAfterMs !== 0) r.abortMs = end - abortedAt
  if (sync) r.syncMs = end - t0
  const left = await jobsSettled(2000)
  if (left > 0 && !r.violation) r.violation = `${left} native job(s) still registered 2 s after the call settled`
  return r
}

async function gcRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let k = 0; k < 3; k++) {
    gc?.()
    await new Promise((r) => setTimeout(r, 5))
  }
  return process.memoryUsage.rss()
}

// A case with a fault of the fuzzer's own (--inject), to show that each kind of problem is found.
const retained: Float64Array[] = []
function injected(o: Options, c: ReturnType<typeof makeCase>): ReturnType<typeof makeCase> {
  const [kind, at] = (o.inject ?? '').split('@')
  if (kind === 'leak') {
    const run = c.run
    return { ...c, run: () => (retained.push(new Float64Array(32_768).fill(1)), run()) } // 256 KB kept per call
  }
  if (Number(at) !== c.index) return c
  if (kind === 'crash') return { ...c, fn: 'injected crash', run: () => process.kill(process.pid, 'SIGSEGV') }
  if (kind === 'hang') return { ...c, fn: 'injected hang', aborts: false, run: () => new Promise(() => setInterval(() => {}, 1000)) }
  if (kind === 'violation') return { ...c, fn: 'injected violation', run: () => { throw new Error('not an argument error') } }
  return c
}

async function runChild(o: Options): Promise<void> {
  const { from, to } = o.child!
  const emit = (m: object): void => void process.stdout.write(`${JSON.stringify(m)}\n`)
  const passes = Number(process.env.MIMIC_FUZZ_PASSES ?? 3) // more: to study a leak by hand
  for (let pass = 1; pass <= passes; pass++) {
    for (let i = from; i < to; i++) {
      emit({ t: 'start', i, pass })
      const c = injected(o, makeCase(o.seed, i, o.deadlineMs))
      emit({ t: 'done', pass, ...(await runCase(c)) })
    }
    const rss = await gcRss()
    const m = process.memoryUsage()
    emit({ t: 'rss', pass, rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })
  }
  emit({ t: 'end' })
}

async function runSingle(o: Options): Promise<void> {
  const c = makeCase(o.seed, o.single!, o.deadlineMs)
  console.log(`case ${c.index} of seed ${o.seed}: ${c.fn}`)
  console.log(`  valid arguments: ${c.summary}`)
  console.log(`  mutations: ${c.mutations.length ? c.mutations.join('; ') : 'none'}`)
  console.log(`  aborts: ${c.aborts ? `after ${c.abortAfterMs?.toFixed(1)} ms` : 'no'}${c.concurrent ? ', called twice at once' : ''}`)
  const r = await runCase(c)
  console.log(`  outcome: ${r.outcome} in ${r.ms.toFixed(1)} ms${r.violation ? `\n  VIOLATION: ${r.violation}` : ''}`)
  process.exitCode = r.violation ? 1 : 0
}

// ---- the parent: batches in children, figures -----------------------------------------------------

interface Problem {
  kind: 'crash' | 'hang' | 'leak' | 'violation'
  i: number
  fn?: string
  detail: string
}

interface BatchReport {
  results: Result[]
  problems: Problem[]
  /** the next case to run: `to` when the batch ended, else after the case that crashed or hung */
  next: number
  leakMb?: number
}

const self = fileURLToPath(import.meta.url)

function runBatch(o: Options, from: number, to: number): Promise<BatchReport> {
  return new Promise((resolve) => {
    const args = ['--expose-gc', self, '--child', String(from), String(to), '--seed', String(o.seed), '--deadline-ms', String(o.deadlineMs)]
    if (o.inject) args.push('--inject', o.inject)
    const child = spawn(process.execPath, args, {
      // One malloc arena, large blocks mapped and small frees trimmed: the resident size then follows
      // the live native memory within a few MB (with glibc's defaults, per-thread arenas made it jump
      // by ~50 MB at random between passes of the same cases).
      env: { ...process.env, MIMIC_MAX_MEMORY: o.memory, MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_TRIM_THRESHOLD_: '131072' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const results: Result[] = []
    const problems: Problem[] = []
    const rss: number[] = []
    let current: { i: number; pass: number } | undefined
    let ended = false
    let stderr = ''
    let buffered = ''
    let watchdog: NodeJS.Timeout | undefined
    let hung = false
    const arm = (): void => {
      clearTimeout(watchdog)
      watchdog = setTimeout(() => {
        hung = true
        child.kill('SIGKILL')
      }, o.hangMs)
    }
    arm()
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      let nl
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        let m: { t: string; i: number; pass: number; rss: number; heapTotal: number; heapUsed: number } & Result
        try {
          m = JSON.parse(line)
        } catch {
          continue // output of the code under test, not ours
        }
        arm()
        if (m.t === 'start') current = { i: m.i, pass: m.pass }
        else if (m.t === 'done') {
          current = undefined
          if (m.pass === 1) results.push(m)
          if (m.violation && !problems.some((p) => p.kind === 'violation' && p.i === m.i)) problems.push({ kind: 'violation', i: m.i, fn: m.fn, detail: m.violation })
        } else if (m.t === 'rss') rss.push(m.rss - m.heapTotal + m.heapUsed)
        else if (m.t === 'end') ended = true
      }
    })
    child.on('close', (code, signal) => {
      clearTimeout(watchdog)
      const report: BatchReport = { results, problems, next: to }
      if (!ended) {
        const at = current?.i ?? (results.at(-1)?.i ?? from - 1) + 1
        // exit code 13: Node found the case's promise unsettled with nothing left that could settle it
        const kind = hung || code === 13 ? 'hang' : 'crash'
        const why = hung
          ? `no settlement within ${o.hangMs} ms`
          : code === 13
            ? 'the call never settled and nothing was left running that could settle it'
            : signal
              ? `the child died of ${signal}`
              : `the child exited with code ${code}`
        problems.push({ kind, i: at, detail: `${why}${(current?.pass ?? 1) > 1 ? ` (in pass ${current?.pass})` : ''}${stderr.trim() ? `; its stderr ends with: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}` })
        report.next = (current?.pass ?? 1) > 1 ? to : at + 1
      } else if (rss.length >= 3) {
        const second = (rss[1] - rss[0]) / 2 ** 20
        const third = (rss[2] - rss[1]) / 2 ** 20
        report.leakMb = Math.min(second, third)
        if (report.leakMb > o.leakMb)
          problems.push({ kind: 'leak', i: from, detail: `memory in use grew by ${second.toFixed(1)} MB and then ${third.toFixed(1)} MB over two repeats of cases ${from}..${to - 1} (bound ${o.leakMb} MB each)` })
      }
      resolve(report)
    })
  })
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}

async function runParent(o: Options): Promise<void> {
  const t0 = performance.now()
  const results: Result[] = []
  const problems: Problem[] = []
  const growth: number[] = []
  let children = 0
  for (let from = 0; from < o.cases; ) {
    const to = Math.min(o.cases, from + o.batch)
    const b = await runBatch(o, from, to)
    children++
    results.push(...b.results)
    problems.push(...b.problems)
    if (b.leakMb !== undefined) growth.push(b.leakMb)
    from = b.next
  }
  const wall = (performance.now() - t0) / 1000
  const byOutcome: Record<string, number> = {}
  const byFn: Record<string, { calls: number; accepted: number }> = {}
  for (const r of results) {
    byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1
    byFn[r.fn] ??= { calls: 0, accepted: 0 }
    byFn[r.fn].calls++
    if (r.outcome === 'accepted') byFn[r.fn].accepted++
  }
  const accepted = byOutcome.accepted ?? 0
  const count = (k: Problem['kind']): number => problems.filter((p) => p.kind === k).length
  const aborts = results.filter((r) => r.abortMs !== undefined).map((r) => r.abortMs!)
  const syncs = results.filter((r) => r.syncMs !== undefined).map((r) => r.syncMs!)
  const figures = {
    seed: o.seed,
    cases: o.cases,
    calls: results.length * 3,
    children,
    accepted,
    rejected: results.length - accepted,
    rejectedByCode: Object.fromEntries(Object.entries(byOutcome).filter(([k]) => k !== 'accepted')),
    crashes: count('crash'),
    hangs: count('hang'),
    leaks: count('leak'),
    violations: count('violation'),
    maxRssGrowthMb: Number(Math.max(0, ...growth).toFixed(1)),
    abortLatencyMs: { aborted: aborts.length, p50: Number(percentile(aborts, 0.5).toFixed(1)), p99: Number(percentile(aborts, 0.99).toFixed(1)), max: Number(Math.max(0, ...aborts).toFixed(1)) },
    syncCallMs: { calls: syncs.length, p99: Number(percentile(syncs, 0.99).toFixed(1)), max: Number(Math.max(0, ...syncs).toFixed(1)) },
    wallSeconds: Number(wall.toFixed(1)),
    perFunction: byFn,
  }
  const log = o.json ? (s: string) => void process.stderr.write(`${s}\n`) : (s: string) => void process.stdout.write(`${s}\n`)
  log(`native fuzz: seed ${o.seed}, ${o.cases} cases in ${children} child processes (each batch of ${o.batch} run three times: ${figures.calls} calls)`)
  log(`accepted ${accepted}, rejected ${figures.rejected}: ${Object.entries(figures.rejectedByCode).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  log(`crashes ${figures.crashes}, hangs ${figures.hangs}, leaks ${figures.leaks} (largest growth over both repeats of a batch ${figures.maxRssGrowthMb} MB, bound ${o.leakMb} MB), violations ${figures.violations}`)
  log(`aborts: ${aborts.length} calls aborted while running, settled after p50 ${figures.abortLatencyMs.p50} ms, p99 ${figures.abortLatencyMs.p99} ms, max ${figures.abortLatencyMs.max} ms; synchronous calls: p99 ${figures.syncCallMs.p99} ms, max ${figures.syncCallMs.max} ms`)
  log(`wall time ${figures.wallSeconds} s`)
  const slowest = results.filter((r) => r.abortMs !== undefined).sort((a, b) => b.abortMs! - a.abortMs!).slice(0, 5)
  if (slowest.length) log(`slowest aborts: ${slowest.map((r) => `case ${r.i} (${r.fn}) ${r.abortMs!.toFixed(1)} ms`).join(', ')}`)
  for (const p of problems.slice(0, 20)) {
    log(`\n${p.kind.toUpperCase()} at case ${p.i}${p.fn ? ` (${p.fn})` : ''}: ${p.detail}`)
    const c = makeCase(o.seed, p.i, o.deadlineMs)
    log(`  ${c.fn}: valid arguments ${c.summary.slice(0, 400)}`)
    log(`  mutations: ${c.mutations.join('; ') || 'none'}`)
    log(`  reproduce: node test/fuzz/native-fuzz.ts --seed ${o.seed} --case ${p.i}`)
  }
  if (problems.length > 20) log(`\n… and ${problems.length - 20} more`)
  if (o.json) process.stdout.write(`${JSON.stringify({ ...figures, problems })}\n`)
  process.exitCode = problems.length === 0 ? 0 : 1
}

const options = parseArgs(process.argv.slice(2))
if (options.child) await runChild(options)
else if (options.single !== undefined) await runSingle(options)
else await runParent(options)
