// `mimic serve` under hostile input (issue 9): WebSocket protocol errors, malformed escapes,
// zero-length dimensions, zip bombs and foreign origins, against a real server process, with raw
// TCP frames and the server's own resident memory read from /proc.
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesToBase64 } from '../../src/shared/wire.ts'
import { firstLine, spawnMimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'
import { frame, openRawWs, opcodes, textFrame } from '../support/ws-raw.ts'
import { datasetBomb, deflatedMember, npyHeader, zipOf } from '../support/zip.ts'

let child: ChildProcess
let port: number
let token: string
let base: string
let projectId: number

/** Each group of tests gets its own server, so that a crash in one group does not hide the others. */
function withServer(extra: string[] = []): void {
  beforeAll(async () => {
    child = spawnMimic(['--db', tempDb(), 'serve', '--port', '0', ...extra])
    const url = new URL(await firstLine(child))
    token = url.searchParams.get('token') ?? ''
    port = Number(url.port)
    base = `http://127.0.0.1:${port}`
    projectId = (await call('projects.create', { name: 'Hardening' })).body.value.id
  })
  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
  })
}

afterAll(cleanupTemp)

async function call(op: string, args: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: typeof args === 'string' ? args : JSON.stringify(args),
  })
  return { status: res.status, body: (await res.json()) as { ok: boolean; value?: any; error?: { code: string; message: string } } }
}

/** The server is alive and answering. */
async function healthy(): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return false
  try {
    const r = await call('app.info', {})
    return r.status === 200
  } catch {
    return false
  }
}

/** A GET with the path sent byte for byte (fetch would normalise "/%"). */
function rawGet(path: string): Promise<number> {
  return rawSend(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)
}

/** The status of the answer to a request written byte for byte (0: closed without one). */
function rawSend(request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port })
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString('latin1')
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf)
      if (m) {
        resolve(Number(m[1]))
        s.destroy()
      }
    })
    s.on('error', reject)
    s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0)))
    s.write(request)
  })
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  return kb / 1024
}

function importNpz(bytes: Uint8Array, fileName: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ projectId, fileName, bytes: { $typed: 'uint8', base64: bytesToBase64(bytes) } })
  return call('datasets.import', body, headers)
}

describe('WebSocket protocol errors close the socket, not the server', () => {
  withServer()
  const cases: [string, Buffer, number][] = [
    ['a message of 65,537 bytes', textFrame('x'.repeat(65_537)), 1009],
    ['an unmasked frame', textFrame('ping', { mask: false }), 1002],
    ['invalid UTF-8 in a text frame', textFrame(Uint8Array.from([0x70, 0xc3, 0x28, 0xff])), 1007],
    ['a reserved opcode', frame({ opcode: 3, payload: Buffer.from('x') }), 1002],
    ['a fragmented ping', frame({ opcode: opcodes.ping, fin: false }), 1002],
    ['a continuation with nothing to continue', frame({ opcode: opcodes.continuation, payload: Buffer.from('x') }), 1002],
  ]
  for (const [what, bytes, code] of cases) {
    it(`${what}: the server answers close ${code} and keeps serving`, async () => {
      const ws = await openRawWs(port, `/api/events?token=${token}`)
      expect(ws.status).toBe(101)
      ws.socket.write(bytes)
      const close = await ws.waitFrame((f) => f.opcode === opcodes.close, 5000)
      expect(close?.closeCode).toBe(code)
      expect(await ws.closed(5000)).toBe(true)
      expect(await healthy()).toBe(true)
    })
  }

  // up to 2 million one-byte messages (14 MB), each answered with an error of about 130 bytes; up to
  // 200,000 pings of 125 bytes (26 MB), each answered with a pong of the same bytes
  const floods: [string, Buffer, number][] = [
    ['messages', textFrame('x'), 2_000_000],
    ['pings', frame({ opcode: opcodes.ping, payload: Buffer.alloc(125, 0x70) }), 200_000],
  ]
  for (const [what, one, count] of floods) it(`a client that sends ${what} and never reads the answers is dropped, not answered into memory without end`, async () => {
    const before = rssMiB(child.pid!)
    const ws = await openRawWs(port, `/api/events?token=${token}`)
    ws.socket.pause()
    const batch = Buffer.concat(Array.from({ length: 10_000 }, () => one))
    for (let i = 0; i < count / 10_000 && !ws.socket.destroyed; i++) {
      if (!ws.socket.write(batch)) {
        await new Promise((r) => {
          ws.socket.once('drain', r)
          ws.socket.once('close', r)
        })
      }
    }
    expect(await ws.closed(10_000)).toBe(true)
    expect(rssMiB(child.pid!) - before).toBeLessThan(200)
    expect(await healthy()).toBe(true)
  })

  it('a valid "ping" still gets its pong on the same server', async () => {
    const ws = await openRawWs(port, `/api/events?token=${token}`)
    ws.socket.write(textFrame('ping'))
    const pong = await ws.waitFrame((f) => f.opcode === opcodes.text, 5000)
    expect(JSON.parse(String(pong?.payload))).toEqual({ type: 'pong' })
    ws.destroy()
  })
})

describe('malformed requests get 4xx, never 5xx', () => {
  withServer()
  it('a malformed % escape in a static path, without a token, is 400', async () => {
    for (const path of ['/%', '/%ff', '/%E0%A4%A', '/assets/%zz.js']) expect(await rawGet(path), path).toBe(400)
    expect(await rawGet('/%41')).toBeLessThan(500) // a valid escape is served or 404
    expect(await healthy()).toBe(true)
  })

  it('CONNECT and a request target that is not a path get an answer (405, 400), not a dropped connection', async () => {
    expect(await rawSend(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)).toBe(405)
    expect(await rawSend(`GET http://127.0.0.1:${port}/api/app.info HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)).toBe(400)
  })

  it('the event socket asked for without an upgrade says it is a WebSocket (426), not an unknown operation', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${base}/api/events`, { method, headers: { authorization: `Bearer ${token}` } })
      expect(res.status, method).toBe(426)
      expect(res.headers.get('upgrade')).toBe('websocket')
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        '/api/events is a WebSocket that carries events: open it with a WebSocket client (ws://HOST:PORT/api/events?token=...); operations are called with POST /api/<operation>.',
      )
    }
  })

  it('a board address that is a file, not a serial device, is refused saying so and what to give', async () => {
    const r = await call('boards.info', { address: 'serial:/dev/null', timeoutMs: 1000 })
    expect(r.status).toBe(400)
    expect(r.body.error?.message).toMatch(
      /^cannot open the serial port \/dev\/null: it is not a serial device \(Inappropriate ioctl for device[^)]*\): give the port of the board, e\.g\. serial:\/dev\/ttyACM0 \(`mimic board list` shows the serial ports\)$/,
    )
  })

  it('a body declared larger than the limit is refused with 413 before it is sent', async () => {
    const t0 = Date.now()
    const status = await rawSend(
      `POST /api/projects.list HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${2 ** 40}\r\n\r\n{"partial":`,
    )
    expect(status).toBe(413)
    expect(Date.now() - t0).toBeLessThan(3000)
  })
})

describe('arguments, job parameters and runs: stored as sent, or refused naming the field and the fix', () => {
  withServer()
  const names = async () => (await call('projects.list', {})).body.value.map((p: { name: string }) => p.name)
  const settled = async (id: number) => {
    for (;;) {
      const run = (await call('runs.get', { id })).body.value
      if (run.status !== 'queued' && run.status !== 'running') return run
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  // shared by the tests below (two workers in all): a dataset run of another project, "Source", and a
  // teacher run of this project trained on it, cancelled at once (its lineage and state are what count)
  let source: number
  let data: number
  let teacher: number
  beforeAll(async () => {
    source = (await call('projects.create', { name: 'Source' })).body.value.id
    data = (await call('jobs.start', { kind: 'data.generate', projectId: source, params: { count: 2, seed: 1 } })).body.value.runId
    expect((await settled(data)).status).toBe('succeeded')
    teacher = (await call('jobs.start', { kind: 'train.teacher', projectId, params: { data, epochs: 1000 } })).body.value.runId
    await call('jobs.cancel', { runId: teacher })
    expect((await settled(teacher)).status).toBe('cancelled')
  })

  it('a body that is not valid UTF-8 is refused, not stored with replacement characters', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9, 0xff]), Buffer.from('"}')])
    const res = await fetch(`${base}/api/projects.create`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^The request body is not valid UTF-8 \(a malformed byte sequence at byte 13\): send the JSON as UTF-8 text\.$/)
    expect(await names()).not.toContain('caf\ufffd\ufffd')
    expect(await healthy()).toBe(true)
  })

  it('control characters and lone surrogates in a name are refused with the field and the fix', async () => {
    const cases: [string, RegExp][] = [
      ['{"name":"a\\u0000b"}', /^Project name must not contain a control character \(U\+0000 at character 2\): give it on one line, without tabs or control characters\.$/],
      ['{"name":"two\\nlines"}', /^Project name must not contain a control character \(U\+000A at character 4\): give it on one line/],
      ['{"name":"bell\\u0007"}', /U\+0007 at character 5/],
      ['{"name":"c1\\u0085"}', /U\+0085 at character 3/],
      ['{"name":"half \\ud800 pair"}', /^Project name is not well-formed Unicode \(a lone surrogate U\+D800 at character 6\): send the text as UTF-8\.$/],
    ]
    for (const [body, message] of cases) {
      const r = await call('projects.create', body)
      expect(r.status, body).toBe(400)
      expect(r.body.error, body).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'name', message: expect.stringMatching(message) })
    }
    // a field named like a property every object inherits is as unknown as any other
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = await call('projects.create', `{"name":"inherited","${key}":1}`)
      expect(r.status, key).toBe(400)
      expect(r.body.error, key).toMatchObject({ field: key, message: `${key} is not a known field: expected one of name.` })
    }
    // nothing of these was stored (a lone surrogate would have become U+FFFD)
    expect((await names()).filter((n: string) => /[\u0000-\u001f\u0085\ufffd]|^inherited$/.test(n))).toEqual([])
    // a note is text of several lines: line breaks and tabs are kept, a NUL is refused
    const note = await call('runs.note', { id: data, body: 'first line\n\tsecond' })
    expect(note.body.value.body).toBe('first line\n\tsecond')
    const nul = await call('runs.note', { id: data, body: 'a\u0000b' })
    expect(nul.body.error).toMatchObject({ field: 'body', message: expect.stringMatching(/^Note must not contain a control character \(U\+0000 at character 2\): remove it\.$/) })
  })

  it('a typed array whose base64 is damaged is refused with what is wrong, not decoded to zeros', async () => {
    const bytes = (typed: string, base64: string) => call('projects.import', `{"fileName":"x.mimic","bytes":{"$typed":"${typed}","base64":"${base64}"}}`)
    const bad = await bytes('uint8', 'UEs!!!AA')
    expect(bad.status).toBe(400)
    expect(bad.body.error?.message).toMatch(/^The array in "bytes" is not valid base64 \(character 4 is "!"\): encode its bytes with the standard base64 alphabet\.$/)
    const short = await bytes('float32', 'AAA')
    expect(short.status).toBe(400)
    expect(short.body.error?.message).toMatch(/^The array in "bytes" holds 2 bytes, not a whole number of float32 elements \(4 bytes each\): send all of its bytes\.$/)
    expect(await healthy()).toBe(true)
  })

  it('a body with a byte order mark is read; one nested too deeply is refused as such, not as invalid JSON', async () => {
    const bom = await call('projects.create', '\ufeff{"name":"From a BOM"}')
    expect(bom.status).toBe(200)
    expect(bom.body.value.name).toBe('From a BOM')
    const deep = await call('projects.create', `{"name":"deep","x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`)
    expect(deep.status).toBe(400)
    expect(deep.body.error?.message).toBe('The request body nests arrays or objects too deeply to be read: send a flatter JSON object of arguments.')
    expect(await healthy()).toBe(true)
  })

  it('uploaded audio files need names inside their folder, each once; nothing is stored otherwise', async () => {
    const file = (name: string) => ({ name, bytes: { $typed: 'uint8', base64: 'UklGRg==' } })
    const cases: [string[], string][] = [
      [['positive/a.wav', '../../etc/b.wav'], 'files[1].name must be a path inside the folder, such as positive/a.wav, without a leading / and without . or .. parts (received "../../etc/b.wav").'],
      [['/abs/c.wav'], 'files[0].name must be a path inside the folder, such as positive/a.wav, without a leading / and without . or .. parts (received "/abs/c.wav").'],
      [['positive//d.wav'], 'files[0].name must be a path inside the folder, such as positive/a.wav, without a leading / and without . or .. parts (received "positive//d.wav").'],
      [['positive/a.wav', 'negative/x.wav', 'positive/a.wav'], 'Files name "positive/a.wav" twice (items 1 and 3): send each file once.'],
    ]
    for (const [names, message] of cases) {
      const r = await call('datasets.uploadAudio', { projectId, files: names.map(file) })
      expect(r.status, names.join(' ')).toBe(400)
      expect(r.body.error?.message, names.join(' ')).toBe(message)
    }
    expect((await call('runs.list', { projectId, kind: 'upload' })).body.value).toEqual([])
  })

  it('a NUL in a static path is named as such', async () => {
    const res = await fetch(`${base}/index.html%00.js`)
    expect(res.status).toBe(400)
    expect(await res.text()).toBe('The path holds a NUL character (%00), which no file name has: check the address.')
  })

  it('thresholds, resets and ranges out of order name the field and the fix; no run is stored', async () => {
    const runsBefore = (await call('runs.list', { projectId })).body.value
    const start = (kind: string, params: Record<string, unknown>) => call('jobs.start', { kind, projectId, params })
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['network.create', { vTh: -1 }, 'params.vTh', /^V threshold must be above V rest \(0\.5\) \(received -1\): raise V threshold or lower V rest\.$/],
      ['network.create', { vReset: 2 }, 'params.vReset', /^V reset must be below V threshold \(1\) \(received 2\): lower V reset or raise V threshold\.$/],
      ['network.create', { vRest: 1 }, 'params.vRest', /^V rest must be below V threshold \(1\) \(received 1\)/],
      ['train.force', { vPeak: -70 }, 'params.vPeak', /^V peak must be above V reset \(-65\) \(received -70\)/],
      ['train.reservoir', { tauMinMs: 500, tauMaxMs: 10 }, 'params.tauMaxMs', /^Longest τ must be at least Shortest τ \(500\) \(received 10\): raise Longest τ or lower Shortest τ\.$/],
      ['train.reservoir', { biasLo: 2 }, 'params.biasLo', /^Bias low must be at most Bias high \(1\) \(received 2\): lower Bias low or raise Bias high\.$/],
      ['pipeline', { task: 'xor', architecture: 'force', forceVPeak: -70 }, 'params.forceVPeak', /^FORCE: V peak must be above FORCE: V reset \(-65\) \(received -70\)/],
    ]
    for (const [kind, params, field, message] of cases) {
      const r = await start(kind, params)
      expect(r.status, `${kind} ${JSON.stringify(params)}`).toBe(400)
      expect(r.body.error, `${kind} ${JSON.stringify(params)}`).toMatchObject({ code: 'INVALID_ARGUMENT', field, message: expect.stringMatching(message) })
    }
    expect((await call('runs.list', { projectId })).body.value.map((r: { id: number }) => r.id)).toEqual(runsBefore.map((r: { id: number }) => r.id))
  })

  it('a missing parameter says what to give, with the right article', async () => {
    const missing: [string, unknown, string][] = [
      ['jobs.start', { kind: 'data.import-audio', projectId, params: {} }, 'Uploaded audio files is required: choose an upload run.'],
      ['jobs.start', { kind: 'hil', projectId, params: {} }, 'Trained network run is required: choose an ads run.'],
      ['jobs.start', { kind: 'robustness', projectId, params: {} }, 'Network runs is required: choose one or more teacher or ads runs.'],
      ['projects.create', {}, 'Project name is required: give a string.'],
      ['runs.get', {}, 'id is required: give an integer of at least 1.'],
    ]
    for (const [op, args, message] of missing) {
      const r = await call(op, args)
      expect(r.status).toBe(400)
      expect(r.body.error?.message).toBe(message)
    }
    // a run of the wrong kind: the same article
    const upload = await call('jobs.start', { kind: 'data.import-audio', projectId: source, params: { upload: data } })
    expect(upload.body.error?.message).toMatch(/^Uploaded audio files is run \d+ “[^”]+”, a dataset run: choose an upload run\.$/)
    const finetune = await call('jobs.start', { kind: 'finetune', projectId: source, params: { network: data, target: 'x' } })
    expect(finetune.body.error?.message).toMatch(/^Trained network run is run \d+ “[^”]+”, a dataset run: choose an ads run\.$/)
  })

  it('a network run that was cancelled is named as such, not as a run of the wrong kind; an artifact asked for twice is refused', async () => {
    const ads = await call('jobs.start', { kind: 'train.ads', projectId, params: { teacher } })
    expect(ads.status).toBe(400)
    expect(ads.body.error).toMatchObject({ field: 'params.teacher', message: expect.stringMatching(/^Teacher run is run \d+ “[^”]+”, which was cancelled: choose a run that succeeded\.$/) })
    const exported = await call('networks.export', { runId: teacher })
    expect(exported.status).toBe(400)
    expect(exported.body.error?.message).toMatch(
      /^Run \d+ “[^”]+”, a teacher run, was cancelled and holds no network \(a run stores its network when it succeeds\): give the id of a run that holds a trained network \(`mimic runs list` shows teacher, network and ADS runs\)\.$/,
    )
    const twice = await call('artifacts.export', { runId: data, names: ['inputs', 'labels', 'inputs'] })
    expect(twice.status).toBe(400)
    expect(twice.body.error).toMatchObject({ field: 'names', message: 'Artifacts name "inputs" twice: name each artifact once (a .npz holds one array of a name).' })
  })

  // last: it deletes the shared runs
  it('a project is not deleted while a run of another project was derived from one of its runs, naming it', async () => {
    const user = teacher
    const r = await call('projects.delete', { id: source })
    expect(r.status).toBe(409)
    expect(r.body.error?.message).toMatch(
      new RegExp(`^Project “Source” cannot be deleted: teacher run ${user} “[^”]+” of project “Hardening” was derived from its runs\\. Delete it first \\(\`mimic runs delete ${user}\`\\), or keep the project\\.$`),
    )
    expect((await call('runs.get', { id: data })).body.value.status).toBe('succeeded')
    expect((await call('runs.get', { id: user })).body.value.parents.map((p: { id: number }) => p.id)).toEqual([data])
    expect((await call('runs.delete', { id: user })).status).toBe(200)
    expect((await call('projects.delete', { id: source })).status).toBe(200)
  })
})

describe('zero-length dimensions', () => {
  withServer()
  it('an imported targets of shape (1, 4, 0) is refused, naming the array; nothing is stored', async () => {
    const npz = zipOf([
      deflatedMember('inputs.npy', Buffer.concat([npyHeader('<f4', [1, 4, 1]), Buffer.alloc(16)])),
      deflatedMember('targets.npy', npyHeader('<f4', [1, 4, 0])),
    ])
    const r = await importNpz(npz, 'empty-outputs.npz')
    expect(r.status).toBe(400)
    expect(r.body.error?.message).toMatch(/empty-outputs\.npz: array "targets" has shape \[1, 4, 0\]/)
    const runs = await call('runs.list', { projectId })
    expect(runs.body.value).toEqual([])
  })
})

describe('zip bombs', () => {
  withServer()
  it('a 1 MB .npz that inflates to 1 GiB is refused before inflating; the server stays small', async () => {
    const bomb = datasetBomb()
    expect(bomb.length).toBeLessThan(1.5e6)
    const before = rssMiB(child.pid!)
    const r = await importNpz(bomb, 'bomb.npz')
    const after = rssMiB(child.pid!)
    expect(r.status).toBe(400)
    expect(r.body.error?.message).toMatch(/bomb\.npz: array "targets" \[1, 262144, 1024\] float32 takes 1024 MiB, more than the 511 MiB left of the 512 MiB allowed/)
    expect(after - before).toBeLessThan(100)
    expect(await healthy()).toBe(true)
  })

  it('a bomb whose .npy header declares a small array is refused by the declared size', async () => {
    // the directory admits 1 GiB; the header says [1, 262144, 1]
    const before = rssMiB(child.pid!)
    const r = await importNpz(datasetBomb({ headerShape: [1, 262_144, 1] }), 'liar.npz')
    expect(r.status).toBe(400)
    expect(r.body.error?.message).toMatch(/liar\.npz: entry targets\.npy: the zip directory says 1073741952 bytes but its \.npy header declares 1048704/)
    expect(rssMiB(child.pid!) - before).toBeLessThan(100)
  })

  it('a bomb whose directory and header both lie stops inflating at the declared size', async () => {
    const before = rssMiB(child.pid!)
    const r = await importNpz(datasetBomb({ headerShape: [1, 262_144, 1], directorySize: 1_048_704 }), 'liar2.npz')
    expect(r.status).toBe(400)
    expect(r.body.error?.message).toMatch(/liar2\.npz: entry targets\.npy inflates to more than the 1048704 bytes its header and the zip directory declare/)
    expect(rssMiB(child.pid!) - before).toBeLessThan(100)
    expect(await healthy()).toBe(true)
    expect((await call('runs.list', { projectId })).body.value).toEqual([])
  })
})

describe('the configured maximum (serve --max-dataset-mb)', () => {
  withServer(['--max-dataset-mb', '1'])

  it('refuses a dataset over it and accepts one under it', async () => {
    const steps = 200_000 // 800 kB per float32 array: inputs fits in 1 MiB, inputs and targets together do not
    const member = (name: string) => deflatedMember(name, Buffer.concat([npyHeader('<f4', [1, steps, 1]), Buffer.alloc(steps * 4)]))
    const big = await importNpz(zipOf([member('inputs.npy'), member('targets.npy')]), 'big.npz')
    expect(big.status).toBe(400)
    expect(big.body.error?.message).toMatch(/big\.npz: array "targets" \[1, 200000, 1\] float32 takes 781 KiB, more than the 243 KiB left of the 1\.0 MiB allowed/)
    const small = zipOf([
      deflatedMember('inputs.npy', Buffer.concat([npyHeader('<f4', [1, 1000, 1]), Buffer.alloc(4000)])),
      deflatedMember('targets.npy', Buffer.concat([npyHeader('<f4', [1, 1000, 1]), Buffer.alloc(4000)])),
    ])
    expect((await importNpz(small, 'small.npz')).status).toBe(200)
  })
})

describe('Origin', () => {
  withServer()
  it('a state-changing request from a foreign origin is refused with 403 even with the token', async () => {
    const r = await call('projects.create', { name: 'From evil' }, { origin: 'http://evil.example' })
    expect(r.status).toBe(403)
    expect(r.body.error?.message).toMatch(/Origin "http:\/\/evil\.example" is not this workbench/)
    for (const origin of ['null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`]) {
      expect((await call('projects.create', { name: 'From evil' }, { origin })).status, origin).toBe(403)
    }
    const names = (await call('projects.list', {})).body.value.map((p: { name: string }) => p.name)
    expect(names).not.toContain('From evil')
  })

  it('the served origin and clients without an Origin are accepted', async () => {
    expect((await call('projects.create', { name: 'Same origin' }, { origin: `http://127.0.0.1:${port}` })).status).toBe(200)
    expect((await call('projects.create', { name: 'Localhost alias' }, { origin: `http://localhost:${port}` })).status).toBe(200)
    expect((await call('projects.create', { name: 'No origin' })).status).toBe(200)
  })

  it('a WebSocket upgrade from a foreign origin is refused with 403; from the served origin it opens', async () => {
    const evil = await openRawWs(port, `/api/events?token=${token}`, { Origin: 'http://evil.example' })
    expect(evil.status).toBe(403)
    evil.destroy()
    const same = await openRawWs(port, `/api/events?token=${token}`, { Origin: `http://127.0.0.1:${port}` })
    expect(same.status).toBe(101)
    same.destroy()
  })
})
