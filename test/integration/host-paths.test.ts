// Remote callers never make the server read a host path (issue 9, "host files read on request"):
// an HTTP `jobs.start` of an evaluation naming a file is refused at once, without opening it (a FIFO
// would block the whole server), with the same answer whether the path exists or not.
import type { ChildProcess } from 'node:child_process'
import { spawnSync } from 'node:child_process'
import { constants, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wireIpc } from '../../src/main/ipc.ts'
import { Services } from '../../src/services/index.ts'
import { firstLine, mimicJson, spawnMimic } from '../support/cli.ts'
import { cleanupTemp, tempDb, tempDir } from '../support/tmp.ts'

let child: ChildProcess
let base: string
let token: string
let projectId: number
let teacherId: number

beforeAll(async () => {
  const db = tempDb()
  // a trained network to evaluate, so that every other check of the job passes
  projectId = mimicJson<{ id: number }>(['projects', 'create', 'Remote'], { db }).id
  teacherId = mimicJson<{ id: number }>(['train', 'teacher', '--project', String(projectId), '--units', '8', '--epochs', '1', '--samples-per-epoch', '10', '--validation-samples', '0', '--test-samples', '10', '--seed', '1'], { db }).id
  child = spawnMimic(['--db', db, 'serve', '--port', '0'])
  const url = new URL(await firstLine(child))
  token = url.searchParams.get('token') ?? ''
  base = url.origin
})

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    // a server blocked on a FIFO (the defect this guards against) never handles SIGTERM
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(kill)
  }
  cleanupTemp()
})

async function call(op: string, args: unknown): Promise<{ status: number; ms: number; body: { ok: boolean; value?: any; error?: { code: string; message: string; field?: string } } }> {
  const t0 = Date.now()
  const res = await fetch(`${base}/api/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(args),
    signal: AbortSignal.timeout(5000),
  })
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: any; error?: { code: string; message: string; field?: string } }, ms: Date.now() - t0 }
}

describe('evaluation jobs over HTTP', () => {
  it('refuse a host path without opening it, and say the same for any path', async () => {
    const dir = tempDir()
    const fifo = join(dir, 'data.npz')
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
    const real = join(dir, 'real.npz')
    writeFileSync(real, 'PK')
    const answers = []
    for (const path of [fifo, real, join(dir, 'missing.npz')]) {
      const r = await call('jobs.start', { kind: 'eval', projectId, params: { network: teacherId, dataFile: path } })
      expect(r.status).toBe(400)
      expect(r.ms).toBeLessThan(2000)
      expect(r.body.error?.code).toBe('INVALID_ARGUMENT')
      expect(r.body.error?.field).toBe('params.dataFile')
      answers.push(r.body.error?.message)
    }
    // the answer does not depend on the path: it cannot tell whether a file exists
    expect(new Set(answers).size).toBe(1)
    expect(answers[0]).toMatch(/^params\.dataFile is not a known field/)
    for (const path of [fifo, real]) expect(answers[0]).not.toContain(path)
    // nobody opened the FIFO for reading: opening it to write without blocking finds no reader
    expect(() => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)).toThrow(expect.objectContaining({ code: 'ENXIO' }))
    // and the server still answers
    expect((await call('app.info', {})).status).toBe(200)
    expect((await call('runs.list', {})).body.value.map((r: { id: number }) => r.id)).toEqual([teacherId])
  })
})

describe('the Electron front door', () => {
  it('refuses a host path the same way, and carries the field and details of errors', async () => {
    const services = new Services({ dbPath: tempDb(), frontDoor: 'electron' })
    try {
      const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>()
      wireIpc({ handle: (c, fn) => void handlers.set(c, fn as never), removeHandler: (c) => void handlers.delete(c) }, services, () => true)
      const invoke = (op: string, args: unknown) => handlers.get(`mimic:${op}`)!({ senderFrame: { url: 'file:///app' } }, args) as Promise<{ ok: boolean; error?: Record<string, unknown> }>
      const project = services.store.projects.create('Electron')
      const r = await invoke('jobs.start', { kind: 'eval', projectId: project.id, params: { network: 1, dataFile: '/etc/hostname' } })
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', field: 'params.dataFile' } })
      // a refused deletion names its dependants across IPC
      const base = { projectId: project.id, params: {}, seed: null, codeVersion: 'x', host: 'h', status: 'succeeded' as const }
      const parent = services.store.runs.create({ ...base, kind: 'dataset', name: 'parent' })
      const child = services.store.runs.create({ ...base, kind: 'evaluation', name: 'child', parents: [{ id: parent.id, role: 'dataset' }] })
      const refused = await invoke('runs.delete', { id: parent.id })
      expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { dependants: [{ id: child.id, kind: 'evaluation', name: 'child' }] } } })
    } finally {
      await services.close()
    }
  })
})
