// Entry point of a job worker process. It opens the database itself, runs one job, writes the
// run's final status together with its summary, and exits. If its parent goes away it stops the
// job and marks the run interrupted. A final status the database refuses (a full disk, a lock held
// too long) goes to the parent instead, which writes it then or as soon as the database takes it.
import { toWireError } from '../shared/errors.ts'
import { jobKindNames, type JobKindName } from '../shared/jobkinds/index.ts'
import { openStore, type Store } from '../store/index.ts'
import { storageFailure } from '../store/util.ts'
import { JobContext } from './context.ts'
import { jobImplementations } from './kinds/index.ts'
import { interruptedByShutdown, type FinalStatus, type FromWorker, type ToWorker } from './protocol.ts'

interface ParentPort {
  postMessage(m: unknown): void
  on(event: 'message', fn: (e: { data: unknown }) => void): void
}

// Electron's utilityProcess gives process.parentPort; child_process.fork gives process.send.
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

/**
 * Sends a message through child_process's channel; `sent` once it is handed over. A send can fail
 * before the 'disconnect' event comes: the parent was killed and this process's next message (a
 * progress from the native thread) found the channel closed (EPIPE). Without a callback Node emits
 * that as an unhandled 'error' and the process dies with its run left 'running'.
 */
function sendToParent(m: FromWorker, sent: () => void = () => {}): void {
  if (!process.send || !process.connected) return sent()
  process.send(m, undefined, {}, (err) => {
    if (err) parentGone()
    sent()
  })
}

function post(m: FromWorker): void {
  if (parentPort) parentPort.postMessage(m)
  else sendToParent(m)
}

/** Posts a message and resolves once it is handed to the channel (so that exiting next does not lose it). */
function postAndFlush(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (parentPort) {
      parentPort.postMessage(m)
      setImmediate(resolve)
    } else sendToParent(m, resolve)
  })
}

function onParentMessage(fn: (m: ToWorker) => void): void {
  if (parentPort) parentPort.on('message', (e) => fn(e.data as ToWorker))
  else process.on('message', (m) => fn(m as ToWorker))
}

const abort = new AbortController()
let store: Store | undefined
let currentRun: number | undefined
let currentCtx: JobContext | undefined

/** Thrown when the final status could not be written and went to the parent: the worker exits 1 without a stack trace. */
class FinalNotWritten extends Error {}

/** Writes the run's final status; when the database refuses it, hands it to the parent. */
async function writeFinal(s: Store, runId: number, status: FinalStatus, error: string | null, summary?: Record<string, number>): Promise<void> {
  try {
    s.runs.finish(runId, status, error, summary)
  } catch (err) {
    const why = storageFailure(err, s.path) ?? (err as Error).message
    console.error(`mimic worker: run ${runId} ended ${status} but ${why}; the program that started it records it instead.`)
    await postAndFlush({ t: 'final', status, error, summary })
    throw new FinalNotWritten(why)
  }
}

async function run(runId: number, dbPath: string): Promise<void> {
  // a worker never creates a database: one removed or moved since its job was queued is named, not replaced by an empty one
  store = openStore(dbPath, { fileMustExist: true })
  currentRun = runId
  const record = store.runs.get(runId)
  const ctx = new JobContext(record, store, abort.signal, post)
  currentCtx = ctx
  const jobKind = (store.jobs.find(runId)?.jobKind ?? '') as JobKindName
  let final: { status: FinalStatus; error: string | null; summary?: Record<string, number> }
  try {
    if (!jobKindNames.includes(jobKind)) throw new Error(`unknown job kind ${JSON.stringify(jobKind)}: this worker is older than the job`)
    const result = await jobImplementations[jobKind].run(ctx)
    if (abort.signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'CANCELLED' })
    final = { status: 'succeeded', error: null, summary: result.summary }
  } catch (err) {
    const wire = toWireError(err)
    const cancelled = wire.code === 'CANCELLED' || abort.signal.aborted
    if (cancelled && abort.signal.reason === 'shutdown') final = { status: 'interrupted', error: interruptedByShutdown }
    else if (cancelled) final = { status: 'cancelled', error: 'cancelled by the user' }
    else final = { status: 'failed', error: storageFailure(err, store.path) ?? wire.message }
  }
  ctx.dropHeldProgress()
  try {
    await writeFinal(store, runId, final.status, final.error, final.summary)
  } finally {
    store.close()
    store = undefined
  }
}

onParentMessage((m) => {
  // the reason tells the job (and its stages) whether a user cancelled it or its process is shutting down
  if (m.t === 'cancel') abort.abort(m.why ?? 'user')
  else if (m.t === 'start') {
    run(m.runId, m.dbPath).then(
      () => process.exit(0),
      async (err: unknown) => {
        if (!(err instanceof FinalNotWritten)) {
          // the job could not even start (its database gone, its run missing): the parent records why
          console.error(`mimic worker: ${(err as Error).stack ?? String(err)}`)
          await postAndFlush({ t: 'final', status: 'failed', error: `the worker could not run the job: ${storageFailure(err, m.dbPath) ?? (err as Error).message}` })
        }
        process.exit(1)
      },
    )
  }
})

// The parent died (or closed the channel): stop and record the run as interrupted. Reached by the
// 'disconnect' event or by the first message that could not be sent, whichever comes first.
// The process then ends by SIGKILL, not process.exit: exiting waits for libuv's thread pool, so a
// native section that had not yet seen the cancel (the reservoir's factorisation did not look at it
// before 2026-12-06: 44 s at N = 8192) would keep an orphan computing for a run already marked
// interrupted. The database has nothing
// pending by then (every write is committed, and SQLite's journal survives a kill).
let gone = false
function parentGone(): void {
  if (gone) return
  gone = true
  abort.abort('shutdown')
  try {
    const message = interruptedByShutdown
    for (const stage of currentCtx?.openStages ?? []) store?.runs.finish(stage, 'interrupted', message)
    if (store && currentRun !== undefined) store.runs.finish(currentRun, 'interrupted', message)
  } finally {
    try {
      store?.close()
    } finally {
      process.kill(process.pid, 'SIGKILL')
    }
  }
}
process.on('disconnect', parentGone)
