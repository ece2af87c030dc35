// A front door in a process of its own, for the tests of the one scheduler across processes: it opens
// the services on the database given as argv[2] and takes one JSON command per stdin line:
//   {"start": {"kind", "projectId", "params"}}  -> {"started": runId} (or {"error": message})
//   {"cancel": runId}                           -> {"cancelled": runId, "status"}
// and prints {"ready": pid} first. It runs until stdin closes or it is killed.
import { createInterface } from 'node:readline'
import { Services } from '../../src/services/index.ts'

const services = new Services({ dbPath: process.argv[2], frontDoor: 'cli', cancelGraceMs: 2000 })
const say = (m: unknown): void => {
  process.stdout.write(JSON.stringify(m) + '\n')
}
say({ ready: process.pid })

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const m = JSON.parse(line) as { start?: { kind: string; projectId: number; params: unknown }; cancel?: number }
  const reply = async (): Promise<unknown> => {
    if (m.start) return { started: (await services.call('jobs.start', m.start)).runId }
    if (m.cancel !== undefined) return { cancelled: m.cancel, status: (await services.call('jobs.cancel', { runId: m.cancel })).status }
    return { error: `unknown command ${line}` }
  }
  reply().then(say, (err: Error) => say({ error: err.message }))
})
lines.on('close', () => {
  void services.close().then(() => process.exit(0))
})
