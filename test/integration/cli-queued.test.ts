// A `mimic` command whose job must wait for cores another process holds stays alive while it waits,
// then runs its job and exits 0 (it used to exit at once with "unsettled top-level await", code 13,
// leaving its run interrupted: nothing kept the process's event loop alive while the job was queued).
import type { ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { mimic, spawnMimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  cleanupTemp()
})

function exited(c: ChildProcess): Promise<number | null> {
  return c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.once('exit', (code) => r(code)))
}

/** Resolves when the child's stderr has matched `re`. */
function stderrMatches(c: ChildProcess, re: RegExp, what: string): Promise<void> {
  let err = ''
  return new Promise((resolve, reject) => {
    c.stderr?.on('data', (d: Buffer) => {
      err += d.toString()
      if (re.test(err)) resolve()
    })
    c.once('exit', (code) => reject(new Error(`exited with ${code} before ${what}; stderr: ${err}`)))
  })
}

describe('a CLI job queued behind another process', () => {
  it('waits for the cores with --json, then runs to the end and exits 0', async () => {
    const db = tempDb()
    const env = { MIMIC_CORES: '2' }
    const project = JSON.parse(mimic(['--db', db, '--json', 'projects', 'create', 'Queued']).stdout).id as number
    const teacher = (epochs: number, units: number) => ['--db', db, '--json', 'train', 'teacher', '--project', String(project), '--units', String(units), '--epochs', String(epochs), '--samples-per-epoch', '50', '--validation-samples', '5', '--test-samples', '5', '--seed', '1']
    // the first takes both cores for as long as it is not cancelled
    const first = spawnMimic(teacher(10_000, 16), { env })
    children.push(first)
    const running = stderrMatches(first, /training the teacher/, 'training')
    await running
    const second = spawnMimic(teacher(1, 8), { env })
    children.push(second)
    let out = ''
    second.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    await stderrMatches(second, /queued: waiting for/, 'saying it waits')
    // it stays queued (alive) while the first holds the cores: the first is cancelled only now
    await new Promise((r) => setTimeout(r, 1500))
    expect(second.exitCode, 'the queued command exited while it waited').toBeNull()
    const firstRun = JSON.parse(mimic(['--db', db, '--json', 'jobs', 'list']).stdout) as { runId?: number; id?: number }[]
    const firstId = firstRun.map((j) => j.runId ?? j.id).sort((a, b) => (a ?? 0) - (b ?? 0))[0]
    expect(mimic(['--db', db, 'jobs', 'cancel', String(firstId)]).code).toBe(0)
    expect(await exited(second), 'the queued command, once the cores are free').toBe(0)
    const run = JSON.parse(out) as { status: string; kind: string }
    expect(run).toMatchObject({ kind: 'teacher', status: 'succeeded' })
    await exited(first)
  })
})
