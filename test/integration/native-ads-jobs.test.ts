// Job registry per Node environment (native/binding/async_job.hpp): terminating a worker thread stops
// that worker's native jobs and nothing else. Before the fix the clean-up hook of any environment
// cancelled every job of the process, so a worker ending mid-run cancelled the main thread's work.
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { addon, benchNetwork, createNetwork } from '../../native/index.ts'

describe('native jobs belong to their environment', () => {
  it('a worker terminated while its job runs does not cancel a job of the main thread', async () => {
    const bench = await benchNetwork(320, 1)
    const net = createNetwork(bench.spec)
    const T = 2_000_000 // about 0.7 s of work on one thread
    const inputs = bench.inputs(1, T)
    const index = fileURLToPath(new URL('../../native/index.ts', import.meta.url))
    const code = `
      const { parentPort } = require('node:worker_threads')
      import(${JSON.stringify(index)}).then(async ({ benchNetwork, createNetwork }) => {
        const b = await benchNetwork(320, 2)
        createNetwork(b.spec).simulate(b.inputs(1, 4000000), { batch: 1, steps: 4000000, threads: 1, record: { spikes: false } }).catch(() => {})
        parentPort.postMessage('started')
      })`
    const w = new Worker(code, { eval: true, execArgv: process.execArgv })
    await new Promise((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })
    // the worker's job is running; now one in the main thread
    const main = net.simulate(inputs, { batch: 1, steps: T, threads: 1, record: { spikes: false } })
    expect(addon().info().runningJobs).toBe(1) // the main thread sees only its own job
    await new Promise((r) => setTimeout(r, 50))
    await w.terminate()
    const r = await main // rejected with ERR_CANCELLED before the fix
    expect(r.steps).toBe(T)
    expect(addon().info().runningJobs).toBe(0)
  })
})
