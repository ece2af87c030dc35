// A flaky lab, with real processes and sockets: `mimic hil` against fake boards on TCP that speak
// the handshake and then misbehave (a reply dripped a byte at a time, PINGs instead of an answer,
// a run that never ends, spikes out of order or outside the run), a HIL job cancelled in the middle
// of a slow sample, and a saved board whose name is an execution target's. Every failure ends the
// run as failed (or cancelled) within the client's limits with a message that names the board and
// the limit, lets the board's lease go and closes the connection; the samples before it are kept.
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { encodeMessage } from '../../src/hardware/protocol/frame.ts'
import { hostileBoard, type HostileBoard, type HostileHook } from '../support/hostile-board.ts'
import { mimic, mimicBin, mimicJson, repoRoot } from '../support/cli.ts'
import { underLoad } from '../support/load.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'
import { until } from '../support/until.ts'

const db = tempDb()
let network = 0
let dataset = 0
const boards: HostileBoard[] = []

const json = <T = Record<string, unknown>>(args: string[]): T => mimicJson<T>(args, { db, timeoutMs: 120_000 })

beforeAll(() => {
  const project = json<{ id: number }>(['projects', 'create', 'Flaky lab']).id
  dataset = json<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', '6', '--seed', '1']).id
  const teacher = json<{ id: number }>(['train', 'teacher', '--project', String(project), '--units', '8', '--epochs', '1', '--seed', '1']).id
  network = json<{ id: number }>(['train', 'ads', '--project', String(project), '--teacher', String(teacher), '--neurons', '24', '--epochs', '1', '--samples-per-epoch', '5', '--validation-samples', '2', '--seed', '1']).id
}, 120_000)

afterAll(async () => {
  for (const b of boards) await b.close()
  cleanupTemp()
})

async function board(on: HostileHook): Promise<HostileBoard> {
  const b = await hostileBoard(on)
  boards.push(b)
  return b
}

/** No lease is held (on this board, when given: tests of other boards may run beside it). */
const noLeases = (address?: string): void => {
  const store = openStore(db)
  try {
    expect(store.boardLeases.list({ host: 'x', alive: () => true, staleMs: 1e9 }).filter((l) => address === undefined || l.address === address)).toEqual([])
  } finally {
    store.close()
  }
}

async function closedSoon(b: HostileBoard): Promise<void> {
  const t0 = Date.now()
  while (b.open > 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20))
  expect(b.open, 'the connection to the board is closed').toBe(0)
}

/** `mimic ARGS` as a child process, without blocking this process (the fake boards live in it). */
function run(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [mimicBin, '--db', db, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, stdout })
    }),
  )
}

/** Runs `mimic hil` on the board; returns its exit code, stderr, wall time and the run. */
async function hil(address: string, samples = 2): Promise<{ code: number | null; stderr: string; ms: number; run: { id: number; status: string; error: string | null; summary: Record<string, unknown> } }> {
  const r = await run(['hil', String(network), '--target', address, '--data', String(dataset), '--samples', String(samples), '--threads', '1'])
  const store = openStore(db)
  try {
    // this board's run (others may run beside it); its time from start to end, not counting a wait for cores
    const last = store.runs.list({ limit: 50 }).find((x) => x.kind === 'hil' && x.params.target === address)!
    const ms = Date.parse(last.finishedAt!) - Date.parse(last.startedAt!)
    return { code: r.code, stderr: r.stderr, ms, run: { id: last.id, status: last.status, error: last.error, summary: last.summary } }
  } finally {
    store.close()
  }
}

// side by side: each its own fake board and process
describe.concurrent('a board that keeps the link busy without answering', () => {
  it('a reply dripped one byte at a time: the frame is given up after its limit, naming the board and the limit', async () => {
    const b = await board((m, seq, s) => {
      if (m.type !== 'CONFIG_BEGIN') return 'default'
      const bytes = encodeMessage({ type: 'ACK', acked: 0x10 }, seq)
      let i = 0
      const t = setInterval(() => {
        if (i >= bytes.length || s.socket.destroyed) return clearInterval(t)
        s.socket.write(bytes.subarray(i, ++i))
      }, 300)
    })
    const r = await hil(b.address)
    expect(r.code).not.toBe(0)
    expect(r.run.status).toBe('failed')
    expect(r.run.error).toContain(`the board at ${b.address}`)
    expect(r.run.error).toMatch(/frame .*within \d+ ms/)
    expect(r.run.error).toContain('(code BAD_FRAME)')
    // 24 bytes at 300 ms each would take 7 s: the limit ends it well before
    expect(r.ms).toBeLessThan(underLoad(6000) + 2000)
    noLeases(b.address)
    await closedSoon(b)
  }, 60_000)

  it('PINGs instead of the reply: "stopped answering" after the reply limit, stated in ms', async () => {
    const b = await board((m, _seq, s) => {
      if (m.type !== 'CONFIG_BEGIN') return 'default'
      const t = setInterval(() => (s.socket.destroyed ? clearInterval(t) : s.send({ type: 'PING', nonce: 7 }, 99)), 300)
    })
    const r = await hil(b.address)
    expect(r.run.status).toBe('failed')
    expect(r.run.error).toMatch(new RegExp(`the board at ${b.address.replace(/[.]/g, '\\.')} stopped answering: nothing for \\d+ ms while waiting for CONFIG_BEGIN \\(only PINGs .*the limit is 1500 ms`))
    expect(r.ms).toBeLessThan(underLoad(6000) + 2000)
    noLeases(b.address)
    await closedSoon(b)
  }, 60_000)

  it('a run that never ends (RUN_PROGRESS without progress after STIM_END): stalled, and the samples before it are kept', async () => {
    let runs = 0
    const b = await board((m, _seq, s) => {
      if (m.type !== 'STIM_END' || ++runs < 2) return 'default'
      const t = setInterval(() => (s.socket.destroyed ? clearInterval(t) : s.send({ type: 'RUN_PROGRESS', runId: m.runId, timeUs: 1000 }, 0)), 200)
    })
    const r = await hil(b.address, 3)
    expect(r.run.status).toBe('failed')
    expect(r.run.error).toMatch(/^the board link failed at sample 2 of 3: the board at \S+ stopped answering: nothing for \d+ ms while waiting for the end of run 2 \(RUN_DONE\) \(only PINGs or keep-alives that do not advance the run arrived; the limit is 1500 ms.*\(code STALLED\); the 1 sample\(s\) before it are kept$/)
    expect(r.run.summary.samples).toBe(1)
    expect(r.run.error).toContain('check the cable or network and that the board (or its bridge) still runs, then run again')
    noLeases(b.address)
    await closedSoon(b)
  }, 60_000)
})

describe('the board gone in the middle of a deployment', () => {
  it('deploy fails naming the board, the code and what to do; the report and configuration it made are kept; the board is let go', async () => {
    const b = await board((m, _seq, s) => {
      if (m.type !== 'CONFIG_COMMIT') return 'default'
      s.socket.destroy()
    })
    const r = await run(['deploy', String(network), '--target', b.address, '--samples', '0'])
    expect(r.code).not.toBe(0)
    const store = openStore(db)
    try {
      const rec = store.runs.list({ limit: 1 })[0]
      expect(rec.kind).toBe('deployment')
      expect(rec.status).toBe('failed')
      expect(rec.error).toBe(
        `the board link to ${b.address} failed: the board at ${b.address} closed the connection while waiting for CONFIG_COMMIT: check that the board (or its \`mimic board emulate\`) still runs and is plugged in, then run again (code CLOSED); the mapping report and configuration are stored with this failed run; deploy again to configure the board`,
      )
      expect(r.stderr).toContain(rec.error!)
      expect(store.artifacts.find(rec.id, 'configuration')).toBeTruthy()
    } finally {
      store.close()
    }
    noLeases()
    await closedSoon(b)
  }, 60_000)
})

describe('a deployment replayed on another chip', () => {
  it('runs, and the hil run notes that the deployment was made on another serial number; on its own board it does not', async () => {
    const a = await hostileBoard(() => 'default', { serialNumber: 'FAKE-A' })
    const b = await hostileBoard(() => 'default', { serialNumber: 'FAKE-B' })
    boards.push(a, b)
    const d = await run(['--json', 'deploy', String(network), '--target', a.address, '--samples', '0'])
    expect(d.code, d.stderr).toBe(0)
    const deployment = (JSON.parse(d.stdout) as { runId: number }).runId
    const notes = async (address: string): Promise<string> => {
      const r = await run(['--json', 'hil', String(network), '--target', address, '--data', String(dataset), '--samples', '1', '--deployment', String(deployment), '--threads', '1'])
      expect(r.code, r.stderr).toBe(0)
      const id = (JSON.parse(r.stdout) as { runId: number }).runId
      const store = openStore(db)
      try {
        return store.runs.notesText([id]).get(id) ?? ''
      } finally {
        store.close()
      }
    }
    expect(await notes(b.address)).toContain(`deployment run ${deployment} was made on the board FAKE-A (at ${a.address}); this run is on the board FAKE-B at ${b.address}: the same configuration, on another chip`)
    expect(await notes(a.address)).not.toContain('was made on the board')
    noLeases()
  }, 60_000)
})

describe('text from a board that would rewrite the terminal', () => {
  it('a serial number with an escape sequence is refused naming the field; an ERROR message shows its control characters as U+FFFD', async () => {
    const evil = await hostileBoard(() => 'default', { serialNumber: 'EVIL\x1b]0;owned\x07' })
    const rude = await hostileBoard((m, seq, s) => {
      if (m.type !== 'CONFIG_BEGIN') return 'default'
      s.send({ type: 'ERROR', code: 11, about: 0x10, message: 'bad\x1b[2Jthing\nforged' }, seq)
    })
    boards.push(evil, rude)
    const info = await run(['board', 'info', evil.address])
    expect(info.code).not.toBe(0)
    expect(info.stderr).toContain('HELLO_ACK payload: serialNumber contains a control character (U+001B at character 5): names are printable text')
    expect(info.stderr).not.toContain('\x1b')
    const r = await hil(rude.address)
    expect(r.run.status).toBe('failed')
    expect(r.run.error).toContain('bad\uFFFD[2Jthing\uFFFDforged')
    expect(r.stderr).not.toContain('\x1b')
    noLeases()
  }, 60_000)
})

describe('garbage in the spike stream', () => {
  const cases: [string, (runId: number, durationUs: number) => { timesUs: number[]; neurons: number[]; counted?: number }, RegExp][] = [
    ['spike times out of order', (_r, d) => ({ timesUs: [d - 10, 5], neurons: [0, 1] }), /spike .* at 5 µs comes after one at \d+ µs/],
    ['a spike after the end of the run', (_r, d) => ({ timesUs: [d + 1000], neurons: [0] }), /a spike of neuron 0 at \d+ µs, outside the run of \d+ µs/],
    ['spikes counted in RUN_DONE that never arrived', () => ({ timesUs: [], neurons: [], counted: 5 }), /RUN_DONE of run 1 counting 5 spikes, but 0 arrived: spikes were lost on the way/],
    ['a spike of a neuron the board does not have', () => ({ timesUs: [10], neurons: [4 * 256 + 3] }), /neuron address 1027.*1 chip\(s\) of 4 cores of 256 neurons/],
  ]
  it('each refused as a corrupt stream naming the board, not decoded', async () => {
    // the three runs side by side (each its own fake board and process)
    const outs = await Promise.all(
      cases.map(async ([, spikes]) => {
        const b = await board((m, seq, s) => {
          if (m.type !== 'STIM_END') return 'default'
          const x = spikes(m.runId, s.run!.durationUs)
          if (x.timesUs.length) s.send({ type: 'SPIKES', runId: m.runId, timesUs: Uint32Array.from(x.timesUs), neurons: Uint32Array.from(x.neurons) }, 0)
          s.send({ type: 'RUN_DONE', runId: m.runId, durationUs: s.run!.durationUs, spikes: x.counted ?? x.timesUs.length, inputEvents: 0 }, seq)
        })
        const store = openStore(db)
        const before = store.runs.list({ limit: 1 })[0].id
        store.close()
        const r = await run(['--json', 'hil', String(network), '--target', b.address, '--data', String(dataset), '--samples', '2', '--threads', '1'])
        return { b, r, before }
      }),
    )
    const store = openStore(db)
    try {
      for (const [i, [what, , message]] of cases.entries()) {
        const { b, r } = outs[i]
        expect(r.code, what).not.toBe(0)
        const rec = store.runs.list({ limit: 20 }).find((x) => x.kind === 'hil' && x.params.target === b.address)!
        expect(rec.status, what).toBe('failed')
        expect(rec.error, what).toContain(`the board at ${b.address}`)
        expect(rec.error, what).toMatch(message)
        expect(rec.error, what).toContain('(code BAD_FRAME)')
        expect(r.stderr, what).toContain(rec.error!)
        await closedSoon(b)
      }
    } finally {
      store.close()
    }
    noLeases()
  }, 60_000)
})

describe('cancelling a HIL run in the middle of a slow sample', () => {
  it('holds the board with a heartbeat; ends the run as cancelled within 2 s, ends the board run, keeps the samples before it and lets the board go', async () => {
    let runs = 0
    let reset = 0
    const b = await board((m, seq, s) => {
      if (m.type === 'RESET' && runs >= 2) reset++
      if (m.type !== 'STIM_END' || ++runs < 2) return 'default'
      // the second sample: a slow board, 0.1 ms of chip time every 200 ms (it would take minutes)
      let t = 0
      const d = s.run!.durationUs
      const timer = setInterval(() => {
        if (s.socket.destroyed || s.run === null) return clearInterval(timer)
        t = Math.min(d, t + 100)
        s.send({ type: 'RUN_PROGRESS', runId: m.runId, timeUs: t }, 0)
        if (t >= d) s.send({ type: 'RUN_DONE', runId: m.runId, durationUs: d, spikes: 0, inputEvents: 0 }, seq)
      }, 200)
    })
    b.received.length = 0
    const child = spawn(process.execPath, [mimicBin, '--db', db, 'hil', String(network), '--target', b.address, '--data', String(dataset), '--samples', '3', '--threads', '1'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const store = openStore(db)
    try {
      const t0 = Date.now()
      while (runs < 2 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20))
      expect(runs).toBe(2)
      const runId = store.runs.list({ limit: 1 })[0].id
      expect(store.runs.get(runId).status).toBe('running')
      // held for longer than a heartbeat: a process of another host on this database (here: one that
      // takes a lease unrenewed for 6 s for gone) still sees the board in use
      await new Promise((r) => setTimeout(r, 6500))
      expect(store.boardLeases.list({ host: 'another-host', alive: () => false, staleMs: 6000 }).map((l) => l.runId)).toEqual([runId])
      const cancelledAt = Date.now()
      expect((await run(['jobs', 'cancel', String(runId)])).code).toBe(0)
      await until(() => store.runs.get(runId).status === 'cancelled', underLoad(8000)).catch(() => {})
      expect(store.runs.get(runId).status).toBe('cancelled')
      expect(Date.now() - cancelledAt).toBeLessThan(underLoad(2000) + 1000)
      await exited
      const rec = store.runs.get(runId)
      expect(rec.summary.samples).toBe(1)
      expect(store.artifacts.get(runId, 'spikeCounts').shape).toEqual([1, 24])
      expect(store.boardLeases.list({ host: 'x', alive: () => true, staleMs: 1e9 })).toEqual([])
      // the board was told: the run it was computing is ended (RESET), then the session
      expect(reset).toBeGreaterThanOrEqual(1)
      await closedSoon(b)
    } finally {
      store.close()
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 60_000)
})

describe('a saved board named like an execution target', () => {
  it('is refused when saved, and an old one of that name does not take the target over', async () => {
    for (const name of ['emulator', 'mapped-se1']) {
      const r = mimic(['--db', db, 'board', 'add', name, 'tcp://127.0.0.1:9'])
      expect(r.code, name).not.toBe(0)
      expect(r.stderr, name).toContain(`"${name}" is the name of an execution target`)
    }
    // a database saved before the rule: the target still means the target
    const store = openStore(db)
    try {
      store.boards.add('emulator', 'tcp://127.0.0.1:9')
      const h = json<{ status: string; target: string }>(['hil', String(network), '--target', 'emulator', '--data', String(dataset), '--samples', '1'])
      expect(h).toMatchObject({ status: 'succeeded', target: 'emulator' })
      expect(mimic(['--db', db, 'board', 'remove', 'emulator']).code).toBe(0)
    } finally {
      store.close()
    }
  }, 60_000)
})
