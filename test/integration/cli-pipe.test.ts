// `mimic --json` into a pipe that is read late (a slow `jq`, a busy Python): the whole document arrives.
// Node writes to a full pipe asynchronously; exiting before those writes drain used to cut the
// document at the pipe's buffer (64 KiB), e.g. `mimic --json robustness ... | jq` on many trials.
import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { mimic, mimicBin } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('mimic --json into a pipe', () => {
  it('writes the whole document even when the reader starts after the command has finished its work', async () => {
    const db = tempDb()
    expect(mimic(['--db', db, 'projects', 'create', 'pipe']).code).toBe(0)
    expect(mimic(['--db', db, 'data', 'generate', 'xor', '--project', '1', '--count', '2']).code).toBe(0)
    const store = openStore(db)
    for (let i = 0; i < 40; i++) store.runs.addNote(1, `${i} ${'x'.repeat(9_000)}`)
    store.close()
    const child = spawn(process.execPath, [mimicBin, '--db', db, '--json', 'runs', 'show', '1'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.pause()
    // let the command fill the pipe and reach its end before anything is read
    await new Promise((r) => setTimeout(r, 3000))
    const chunks: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => chunks.push(b))
    child.stdout.resume()
    const code = await new Promise<number | null>((r) => child.on('close', r))
    expect(code).toBe(0)
    const text = Buffer.concat(chunks).toString('utf8')
    expect(text.length).toBeGreaterThan(360_000)
    const run = JSON.parse(text) as { notes: unknown[] }
    expect(run.notes).toHaveLength(40)
  }, 60_000)
})
