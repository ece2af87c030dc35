// A run page downloads each artifact as .npy and all of them as .npz (keyboard only, 1024 px): the
// files are byte for byte what `mimic artifacts export` writes. Needs a built renderer.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, type Session } from './support/session.ts'
import { cleanupTemp, tempDir } from '../support/tmp.ts'

let s: Session

beforeAll(async () => {
  s = await openSession('artifact-download', { width: 1024, height: 768 })
})

afterAll(async () => {
  await s?.close()
  cleanupTemp()
})

describe('artifact downloads on the run page', () => {
  it('downloads one artifact as .npy and all as .npz', async () => {
    const { page, step } = s
    const dir = tempDir()
    let net = 0
    await step('a network made with the CLI', async () => {
      const p = s.cli<{ id: number }>(['projects', 'create', 'Downloads e2e']).id
      net = s.cli<{ id: number }>(['network', 'create', '--project', String(p), '--neurons', '16', '--dims', '2', '--seed', '1', '--name', 'small net']).id
    })
    await step('download omegaS as .npy with the keyboard', async () => {
      await page.goto(`${s.served.url}#/runs/${net}`)
      await page.getByRole('heading', { level: 1, name: 'small net' }).waitFor()
      const button = page.getByRole('button', { name: 'Download omegaS as .npy' })
      await button.focus()
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
      expect(download.suggestedFilename()).toBe(`run${net}-omegaS.npy`)
      const got = join(dir, 'ui.npy')
      await download.saveAs(got)
      const cli = join(dir, 'cli.npy')
      s.cli(['artifacts', 'export', String(net), 'omegaS', '--out', cli])
      expect(readFileSync(got).equals(readFileSync(cli))).toBe(true)
    })
    await step('download all as .npz', async () => {
      const button = page.getByRole('button', { name: 'Download all (.npz)' })
      await button.focus()
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
      const got = join(dir, 'ui.npz')
      await download.saveAs(got)
      const cli = join(dir, 'cli.npz')
      s.cli(['artifacts', 'export', String(net), '--out', cli])
      expect(readFileSync(got).equals(readFileSync(cli))).toBe(true)
      await s.shot('run-page-artifacts')
    })
  })
})
