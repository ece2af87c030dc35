// Entry point of a job worker process. It opens the database itself, runs one job, writes the
// run's final status together with its summary, and exits. If its parent goes away it stops the
// job and marks the run interrupted.
import { toWireError } from '../shared/errors.ts'
import { jobKindNames, type JobKindName } from '../shared/jobkinds/index.ts'
import { openStore, type Store } from '../store/index.ts'
import { JobContext } from './context.ts'
import { jobImplementations } from './kinds/index.ts'
import { interruptedByShutdown, type FromWorker, type ToWorker } from './protocol.ts'

interface ParentPort {
  postMessage(m: unknown): void
  on(event: 'message', fn: (e: { data: unknown }) => void): void
}

// Electron's utilityProcess gives process.parentPort; child_process.fork gives process.send.
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

function post(m: FromWorker): void {
  if (parentPort) parentPort.postMessage(m)
  else if (process.send && process.connected) process.send(m)
}

function onParentMessage(fn: (m: ToWorker) => void): void {
  if (parentPort) parentPort.on('message', (e) => fn(e.data as ToWorker))
  else process.on('message', (m) => fn(m as ToWorker))
}

const abort = new AbortController()
let store: Store | undefined
let currentRun: number | undefined
let currentCtx: JobContext | undefined

async function run(runId: number, dbPath: string): Promise<void> {
  store = openStore(dbPath)
  currentRun = runId
  const record = store.runs.get(runId)
  const ctx = new JobContext(record, store, abort.signal, post)
  currentCtx = ctx
  const jobKind = (store.jobs.find(runId)?.jobKind ?? '') as JobKindName
  try {
    if (!jobKindNames.includes(jobKind)) throw new Error(`unknown job kind ${JSON.stringify(jobKind)}: this worker is older than the job`)
    const result = await jobImplementations[jobKind].run(ctx)
    if (abort.signal.aborted) throw Object.assign(new Error('cancelled'), { code: 'CANCELLED' })
    store.runs.finish(runId, 'succeeded', null, result.summary)
  } catch (err) {
    const wire = toWireError(err)
    const cancelled = wire.code === 'CANCELLED' || abort.signal.aborted
    if (cancelled && abort.signal.reason === 'shutdown') store.runs.finish(runId, 'interrupted', interruptedByShutdown)
    else store.runs.finish(runId, cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled by the user' : wire.message)
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
      (err: unknown) => {
        console.error(`mimic worker: ${(err as Error).stack ?? String(err)}`)
        process.exit(1)
      },
    )
  }
})

// The parent died (or closed the channel): stop and record the run as interrupted.
process.on('disconnect', () => {
  abort.abort('shutdown')
  try {
    const message = interruptedByShutdown
    for (const stage of currentCtx?.openStages ?? []) store?.runs.finish(stage, 'interrupted', message)
    if (store && currentRun !== undefined) store.runs.finish(currentRun, 'interrupted', message)
  } finally {
    process.exit(2)
  }
})

