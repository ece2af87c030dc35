// `mimic serve` as a real process: token, Host checks, API calls, events over a real WebSocket.
import type { ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { latestVersion } from '../../src/store/migrations.ts'
import { firstLine, mimic, repoRoot, spawnMimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

let child: ChildProcess
let base: string
let token: string
let port: number

beforeAll(async () => {
  child = spawnMimic(['--db', tempDb(), 'serve', '--port', '0'])
  const line = await firstLine(child)
  const url = new URL(line)
  expect(url.protocol).toBe('http:')
  expect(url.hostname).toBe('127.0.0.1')
  token = url.searchParams.get('token') ?? ''
  port = Number(url.port)
  base = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
  cleanupTemp()
})

async function call(op: string, args: unknown, headers: Record<string, string> = { authorization: `Bearer ${token}` }) {
  const res = await fetch(`${base}/api/${op}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) })
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: any; error?: { code: string; message: string } } }
}

/** A raw request with a chosen Host header (fetch does not allow setting Host). */
function rawRequest(path: string, host: string, method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host, authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end('{}')
  })
}

describe('mimic serve', () => {
  it('prints a loopback URL carrying a random token as its first stdout line', () => {
    expect(token).toMatch(/^[0-9a-f]{48}$/)
  })

  it('serves the renderer with a CSP', async () => {
    const res = await fetch(`${base}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    expect(await res.text()).toMatch(/<div id="app">/)
    expect((await fetch(`${base}/favicon.ico`)).status).toBeLessThan(300)
    expect((await fetch(`${base}/../../package.json`)).status).toBe(404)
  })

  it('answers API calls that carry the token', async () => {
    const created = await call('projects.create', { name: 'Served' })
    expect(created.status).toBe(200)
    expect(created.body.value).toMatchObject({ name: 'Served' })
    const list = await call('projects.list', {})
    expect(list.body.value.map((p: { name: string }) => p.name)).toEqual(['Served'])
    const info = await call('app.info', {})
    expect(info.body.value).toMatchObject({ frontDoor: 'browser', schemaVersion: latestVersion })
  })

  it('refuses requests without the token, or with a wrong one, with 401 and changes nothing', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer ${token}x` }] as Record<string, string>[]) {
      const r = await call('projects.create', { name: 'Sneaky' }, headers)
      expect(r.status).toBe(401)
      expect(r.body.error?.code).toBe('UNAUTHORIZED')
    }
    const list = await call('projects.list', {})
    expect(list.body.value.map((p: { name: string }) => p.name)).not.toContain('Sneaky')
  })

  it('refuses requests whose Host is not the bound address', async () => {
    expect(await rawRequest('/api/projects.list', `evil.example:${port}`)).toBe(403)
    expect(await rawRequest('/api/projects.list', `127.0.0.1:${port + 1}`)).toBe(403)
    expect(await rawRequest('/', `evil.example:${port}`, 'GET')).toBe(403)
    expect(await rawRequest('/api/projects.list', `127.0.0.1:${port}`)).toBe(200)
    expect(await rawRequest('/api/projects.list', `localhost:${port}`)).toBe(200)
  })

  it('gives clear errors for bad input and keeps what is stored', async () => {
    const empty = await call('projects.create', { name: '' })
    expect(empty.status).toBe(400)
    expect(empty.body.error).toEqual({ code: 'INVALID_ARGUMENT', field: 'name', message: expect.stringMatching(/^Project name must not be empty/) })
    const long = await call('projects.create', { name: 'x'.repeat(101) })
    expect(long.body.error?.message).toMatch(/at most 100 characters/)
    const unknownId = await call('runs.get', { id: 424242 })
    expect(unknownId.status).toBe(404)
    expect(unknownId.body.error?.message).toMatch(/no run with id 424242/)
    const unknownOp = await call('projects.explode', {})
    expect(unknownOp.status).toBe(404)
    const res = await fetch(`${base}/api/projects.create`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"name": ' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/)
    const get = await fetch(`${base}/api/projects.list`, { headers: { authorization: `Bearer ${token}` } })
    expect(get.status).toBe(405)
    const dup = await call('projects.create', { name: 'served' })
    expect(dup.status).toBe(409)
    const list = await call('projects.list', {})
    expect(list.body.value).toHaveLength(1)
  })

  it('names no file of this machine in a cluster: an ssh configuration file, or the checkout a local SLURM client would run, are the command line\'s', async () => {
    const file = await call('clusters.add', { name: 'far', ssh: 'me@login.example', sshConfig: '/etc/passwd', workdir: '/scratch/me', checkout: '/home/me/mimic' })
    expect(file.status).toBe(400)
    expect(file.body.error).toMatchObject({ field: 'sshConfig', message: expect.stringMatching(/^SSH configuration file is a file of this machine, which mimic serve does not name: set it with the command line/) })
    const local = await call('clusters.add', { name: 'here', checkout: '/tmp/elsewhere' })
    expect(local.body.error).toMatchObject({ field: 'checkout', message: expect.stringMatching(/^Project checkout names a program of this machine for a cluster reached through its own SLURM client/) })
    expect((await call('clusters.list', {})).body.value).toEqual([])
    // a checkout on the cluster (over SSH) is the cluster's, and a local cluster runs this checkout
    const far = await call('clusters.add', { name: 'far', ssh: 'me@login.example', workdir: '/scratch/me', checkout: '/home/me/mimic' })
    expect(far.body.value).toMatchObject({ name: 'far', checkout: '/home/me/mimic', sshConfig: null })
    const here = await call('clusters.add', { name: 'here' })
    expect(here.body.value.checkout).toBe(repoRoot)
    for (const name of ['far', 'here']) expect((await call('clusters.remove', { name })).status).toBe(200)
  })

  it('refuses an empty --host or one that names no address, with the fix, instead of serving', () => {
    const empty = mimic(['--db', tempDb(), 'serve', '--port', '0', '--host', ''], { timeoutMs: 20_000 })
    expect(empty.code).toBe(1)
    expect(empty.stdout).toBe('')
    expect(empty.stderr).toMatch(/^mimic: --host is empty: give an address of this machine, e\.g\. --host 127\.0\.0\.1 \(the default\)\.\n$/)
    const unknown = mimic(['--db', tempDb(), 'serve', '--port', '0', '--host', 'no such host'], { timeoutMs: 20_000 })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^mimic: --host "no such host" is not an address or a name of this machine: use --host 127\.0\.0\.1 \(the default\)\.\n$/)
  })

  it('warns that the server is reachable from other machines exactly when it is, with --json too', async () => {
    /** What `mimic serve ARGS` writes to stderr from its start until SIGTERM ends it. */
    const stderrOf = async (args: string[]): Promise<string> => {
      const serve = spawnMimic(['--db', tempDb(), 'serve', '--port', '0', ...args])
      let err = ''
      serve.stderr?.on('data', (d: Buffer) => (err += d.toString()))
      // 'close', not 'exit': the end of its output too
      const closed = new Promise((r) => serve.once('close', r))
      try {
        const line = await firstLine(serve)
        // an answer means its start is over: everything it writes on starting is written
        const url = new URL(args.includes('--json') ? (JSON.parse(line) as { url: string }).url : line)
        await fetch(`http://${url.host}/api/app.info`, { method: 'POST', headers: { authorization: `Bearer ${url.searchParams.get('token')}` } })
      } finally {
        // stopped also when the test fails, so that no server is left behind
        if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGTERM')
        await closed
      }
      return err
    }
    // a loopback address other than 127.0.0.1 is reachable from no other machine
    const loopback = await stderrOf(['--host', '127.0.0.2'])
    expect(loopback).toMatch(/Ctrl-C stops\.\n/)
    expect(loopback).not.toMatch(/warning/)
    expect(await stderrOf(['--host', '0.0.0.0', '--json'])).toMatch(/^mimic: warning: bound to 0\.0\.0\.0, reachable from other machines; keep the token secret\.$/m)
  })

  it('streams events over a WebSocket that carries the token, and refuses one without it', async () => {
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`)
      ws.onerror = () => resolve('refused')
      ws.onopen = () => resolve('opened')
    })
    expect(refused).toBe('refused')

    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events?token=${token}`)
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve()
      ws.onerror = () => reject(new Error('socket failed'))
    })
    const events: { type: string; status?: string; runId?: number }[] = []
    ws.onmessage = (m) => events.push(JSON.parse(String(m.data)))
    const p = (await call('projects.list', {})).body.value[0]
    const started = await call('jobs.start', { kind: 'data.generate', projectId: p.id, params: { count: 50, seed: 3 } })
    const runId = started.body.value.runId
    const t0 = Date.now()
    while (!events.some((e) => e.type === 'job.status' && e.runId === runId && e.status === 'succeeded') && Date.now() - t0 < 20_000) {
      await new Promise((r) => setTimeout(r, 50))
    }
    ws.close()
    expect(events.some((e) => e.type === 'job.progress' && e.runId === runId)).toBe(true)
    expect(events.some((e) => e.type === 'job.status' && e.runId === runId && e.status === 'succeeded')).toBe(true)
    const art = await call('artifacts.read', { runId, name: 'labels' })
    expect(art.body.value.data).toMatchObject({ $typed: 'int8' })
  })
})

describe('stopping mimic serve and board emulate the moment they print their address', () => {
  it('a SIGTERM right after the first line closes them cleanly (exit 0), five times each', async () => {
    for (const args of [['serve', '--port', '0'], ['board', 'emulate', '--listen', 'tcp://127.0.0.1:0', '--quiet']]) {
      for (let i = 0; i < 5; i++) {
        const p = spawnMimic(['--db', tempDb(), ...args])
        const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => p.once('exit', (code, signal) => r([code, signal])))
        await firstLine(p)
        p.kill('SIGTERM')
        expect(await exited, args.join(' ')).toEqual([0, null])
      }
    }
  }, 60_000)
})
