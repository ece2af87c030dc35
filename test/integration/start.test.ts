// `npm start` without the Electron binary: one clear line saying so (and how to fetch it), then the
// browser workbench with its URL.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../support/cli.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('npm start', () => {
  it('falls back to the browser workbench when the Electron binary is missing', async () => {
    const cwd = tempDir()
    // An empty override folder makes the binary missing even on machines that have it.
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'start.ts'), '--port', '0'], {
      cwd,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: tempDir(), MIMIC_DB: join(cwd, 'experiments.db') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL; stderr: ${stderr}`)), 20_000)
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        const line = stdout.split('\n')[0]
        if (stdout.includes('\n')) {
          clearTimeout(timer)
          resolve(line)
        }
      })
    })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+$/)
    const first = stderr.split('\n')[0]
    expect(first).toMatch(/Electron binary is not installed/)
    expect(first).toMatch(/npx install-electron/)
    const res = await fetch(url)
    expect(res.status).toBe(200)
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  })
})
