// `mimic serve --keep-token` as real processes: the token file beside the database is created with
// mode 0600 (whatever the umask), two serve processes one after the other print the same token and
// both accept it; a file others could read, a symbolic link or a file without a token is refused
// with what to do and nothing is served; without the flag every start has a new token and no file.
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { firstLine, mimic, mimicBin, spawnMimic } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

const running = new Set<ChildProcess>()

function stop(child: ChildProcess): Promise<void> {
  running.delete(child)
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  return exited
}

afterEach(async () => {
  await Promise.all([...running].map(stop))
})

afterAll(() => cleanupTemp())

/** Starts `mimic serve` (optionally under a shell with umask 000) and returns its URL's token. */
async function serve(db: string, flags: string[], opts: { umask000?: boolean } = {}): Promise<{ child: ChildProcess; token: string; base: string }> {
  const args = ['--db', db, 'serve', '--port', '0', ...flags]
  const child = opts.umask000
    ? spawn('sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, mimicBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawnMimic(args)
  running.add(child)
  const url = new URL(await firstLine(child))
  return { child, token: url.searchParams.get('token') ?? '', base: url.origin }
}

async function status(base: string, token: string): Promise<number> {
  const res = await fetch(`${base}/api/projects.list`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' })
  await res.text()
  return res.status
}

const mode = (path: string): number => statSync(path).mode & 0o777

describe('mimic serve --keep-token', () => {
  it('keeps the token in DB.token, mode 0600 even under umask 000, and two serve processes use the same one', async () => {
    const db = tempDb()
    const file = `${db}.token`
    const first = await serve(db, ['--keep-token'], { umask000: true })
    expect(first.token).toMatch(/^[0-9a-f]{48}$/)
    expect(existsSync(file)).toBe(true)
    expect(mode(file).toString(8)).toBe('600')
    expect(readFileSync(file, 'utf8')).toBe(`${first.token}\n`)
    expect(await status(first.base, first.token)).toBe(200)
    await stop(first.child)

    const second = await serve(db, ['--keep-token'])
    expect(second.token).toBe(first.token)
    expect(await status(second.base, first.token)).toBe(200)
    expect(await status(second.base, 'f'.repeat(48))).toBe(401)
    expect(mode(file).toString(8)).toBe('600')
  })

  it('says where the token is kept, and --json names the file', async () => {
    const db = tempDb()
    const child = spawnMimic(['--db', db, '--json', 'serve', '--port', '0', '--keep-token'])
    running.add(child)
    const out = JSON.parse(await firstLine(child)) as { token: string; tokenFile: string }
    expect(out.tokenFile).toBe(`${db}.token`)
    expect(readFileSync(out.tokenFile, 'utf8').trim()).toBe(out.token)
  })

  it('refuses a token file that others can read, naming it and the fix, and serves nothing', () => {
    const db = tempDb()
    writeFileSync(`${db}.token`, `${'a'.repeat(48)}\n`)
    chmodSync(`${db}.token`, 0o644)
    const r = mimic(['--db', db, 'serve', '--port', '0', '--keep-token'], { timeoutMs: 20_000 })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(`The token file ${db}.token can be read or changed by other users (mode 0644)`)
    expect(r.stderr).toContain(`chmod 600 ${db}.token`)
    expect(r.stderr).not.toContain('a'.repeat(48))
    // the file is left as it was: refused, not repaired
    expect(mode(`${db}.token`).toString(8)).toBe('644')
  })

  it('refuses a symbolic link and a file without a token', () => {
    const db = tempDb()
    const elsewhere = tempDb('elsewhere.txt')
    writeFileSync(elsewhere, `${'b'.repeat(48)}\n`, { mode: 0o600 })
    symlinkSync(elsewhere, `${db}.token`)
    const link = mimic(['--db', db, 'serve', '--port', '0', '--keep-token'], { timeoutMs: 20_000 })
    expect(link.code).toBe(1)
    expect(link.stderr).toMatch(/token file .*\.token is a symbolic link/)

    const db2 = tempDb()
    writeFileSync(`${db2}.token`, 'not a token\n', { mode: 0o600 })
    const bad = mimic(['--db', db2, 'serve', '--port', '0', '--keep-token'], { timeoutMs: 20_000 })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/token file .*\.token does not hold a token/)
    expect(readFileSync(`${db2}.token`, 'utf8')).toBe('not a token\n')
  })

  it('is off by default: a new token every start, no file written, a kept file not used', async () => {
    const db = tempDb()
    const a = await serve(db, [])
    await stop(a.child)
    const b = await serve(db, [])
    expect(a.token).toMatch(/^[0-9a-f]{48}$/)
    expect(b.token).not.toBe(a.token)
    expect(existsSync(`${db}.token`)).toBe(false)
    await stop(b.child)

    writeFileSync(`${db}.token`, `${'c'.repeat(48)}\n`, { mode: 0o600 })
    const c = await serve(db, [])
    expect(c.token).not.toBe('c'.repeat(48))
    expect(await status(c.base, 'c'.repeat(48))).toBe(401)
  })
})
