// The hardware panel in Chromium against `mimic serve`, at 1024 px, by keyboard where a user would:
// start an emulator from the panel, see it listed as free, connect (status "connected here", the
// handshake and the geometry of its cores), a board another process (`mimic board emulate`) serves
// shown as "in use by …" while a third process holds it and free again when it lets go,
// disconnect, stop the emulator. Bad input in its forms is said at the field it is about, before
// anything starts. Needs a built renderer.
import type { ChildProcess } from 'node:child_process'
import { hostname } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnMimic } from '../support/cli.ts'
import { startEmulator, stopChild, type Emulator } from '../support/board.ts'
import { description, focusSettled, isFocused } from './support/focus.ts'
import { openSession, type Session } from './support/session.ts'

let s: Session
let other: Emulator | null = null
const children: ChildProcess[] = []

beforeAll(async () => {
  s = await openSession('hardware', { width: 1024, height: 768 })
})

afterAll(async () => {
  for (const c of children) await stopChild(c)
  await other?.stop()
  await s?.close()
})

describe('the hardware panel', () => {
  it('starts an emulator, connects, shows handshake and geometry, shows who holds a board, disconnects', async () => {
    const { page, step } = s
    let emulatorAddress = ''

    await step('the panel from the header link, with nothing running', async () => {
      await page.goto(s.served.url)
      await page.getByRole('heading', { level: 1, name: 'Projects' }).waitFor()
      await page.getByRole('link', { name: 'Hardware' }).focus()
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { level: 1, name: 'Hardware' }).waitFor()
      await page.getByText('Not connected to a board.').waitFor()
    })

    await step('bad input: each error at its field, the first field focused, nothing started', async () => {
      await page.getByLabel('Serial number').fill('PANEL 7')
      await page.getByLabel('Chips', { exact: true }).fill('20')
      await page.getByLabel('Chips', { exact: true }).press('Enter')
      const serial = page.getByLabel('Serial number')
      await expect(serial.getAttribute('aria-invalid')).resolves.toBe('true')
      expect(await description(serial)).toBe('Serial number must be printable characters without spaces (received "PANEL 7").')
      expect(await description(page.getByLabel('Chips', { exact: true }))).toBe('Chips must be an integer between 1 and 16 (received 20).')
      expect(await isFocused(serial), 'the first field in error has the focus').toBe(true)
      expect(s.cli<{ emulators: unknown[] }>(['board', 'list']).emulators).toEqual([])
    })

    await step('start an emulator with two chips: listed as free', async () => {
      await page.getByLabel('Serial number').fill('PANEL-7')
      await page.getByLabel('Chips', { exact: true }).fill('2')
      await page.getByLabel('Chips', { exact: true }).press('Enter')
      const row = page.getByRole('row').filter({ hasText: 'serial PANEL-7, 2 chips' })
      await row.waitFor()
      emulatorAddress = (await row.getAttribute('data-address')) ?? ''
      expect(emulatorAddress).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
      await row.getByText('free', { exact: true }).waitFor()
      await expect(page.getByRole('button', { name: 'Start emulator' }).isDisabled()).resolves.toBe(true)
      // it is registered in the database for every process: the CLI lists it
      const list = s.cli<{ emulators: { address: string; serialNumber: string }[] }>(['board', 'list'])
      expect(list.emulators).toEqual([expect.objectContaining({ address: emulatorAddress, serialNumber: 'PANEL-7' })])
    })

    await step('connect: connected here, the handshake and 8 cores', async () => {
      const row = page.getByRole('row').filter({ hasText: 'serial PANEL-7' })
      await row.getByRole('button', { name: `Connect to ${emulatorAddress}` }).focus()
      await page.keyboard.press('Enter')
      await row.getByText('connected here').waitFor()
      const hs = page.getByRole('table', { name: 'Handshake of the connected board' })
      await hs.getByRole('row', { name: /serialNumber\s+PANEL-7/ }).waitFor()
      await hs.getByRole('row', { name: /protocolVersion\s+1/ }).waitFor()
      await hs.getByRole('row', { name: /cores\s+8/ }).waitFor()
      expect(await page.getByRole('list', { name: 'Cores' }).getByRole('listitem').count()).toBe(8)
      await page.getByText('2 chips × 4 cores × 256 neurons = 2,048 neurons').waitFor()
      // another process finds it held by this server
      const r = s.cli<{ leases: { address: string; holder: string }[] }>(['board', 'list'])
      expect(r.leases).toEqual([expect.objectContaining({ address: emulatorAddress, holder: 'mimic serve' })])
      await s.shot('connected')
    })

    await step('a board of another process, held by a third: "in use by …", then free', async () => {
      other = await startEmulator(s.served.db, ['--serial-number', 'OTHER-1', '--quiet'])
      const row = page.getByRole('row').filter({ hasText: 'serial OTHER-1' })
      await row.getByText('free', { exact: true }).waitFor()
      // a third process takes it: a `mimic serve` of its own that connects
      const holder = spawnMimic(['--db', s.served.db, 'serve', '--port', '0'])
      children.push(holder)
      const url = await new Promise<URL>((resolve, reject) => {
        let buf = ''
        holder.stdout!.on('data', (d: Buffer) => {
          buf += d.toString()
          if (buf.includes('\n')) resolve(new URL(buf.slice(0, buf.indexOf('\n'))))
        })
        holder.once('exit', () => reject(new Error('the second serve exited')))
      })
      const call = (op: string, args: unknown) =>
        fetch(`${url.origin}/api/${op}`, { method: 'POST', headers: { authorization: `Bearer ${url.searchParams.get('token')}` }, body: JSON.stringify(args) }).then((r) => r.json() as Promise<{ ok: boolean }>)
      expect((await call('boards.connect', { address: other.address })).ok).toBe(true)
      await row.getByText(new RegExp(`^in use by mimic serve, pid ${holder.pid} on `)).waitFor()
      await expect(row.getByRole('button', { name: `Connect to ${other.address}` }).isDisabled()).resolves.toBe(true)
      // the same board saved under this machine's name for itself: one row, held, with the saved name
      const byName = other.address.replace('127.0.0.1', 'localhost')
      s.cli(['board', 'add', 'other-by-name', byName])
      await row.getByText(`saved as “other-by-name” (${byName})`).waitFor()
      expect(await page.locator(`tr[data-address="${byName}"]`).count(), 'no second row for the saved spelling').toBe(0)
      await s.shot('other')
      // a job form's board suggestions say who holds it
      const project = s.cli<{ id: number }>(['projects', 'create', 'Held boards']).id
      await page.goto(`${s.served.origin}/#/projects/${project}`)
      await page.getByRole('button', { name: 'New deployment' }).click()
      const to = page.getByRole('form', { name: /New deployment/ }).getByLabel('Deploy to', { exact: true })
      const options = page.locator(`[id="${await to.getAttribute('list')}"] option`)
      await options.filter({ hasText: 'saved board at' }).waitFor({ state: 'attached' })
      const texts = await options.evaluateAll((os) => os.map((o) => `${(o as HTMLOptionElement).value}: ${o.textContent}`))
      expect(texts).toContain(`other-by-name: saved board at ${byName}; in use by mimic serve, pid ${holder.pid} on ${hostname()}`)
      expect(texts).toContain(`${other.address}: board emulator OTHER-1 (1 chip); in use by mimic serve, pid ${holder.pid} on ${hostname()}`)
      expect(texts).toContain(`${emulatorAddress}: board emulator PANEL-7 (2 chips); in use by mimic serve, pid ${s.served.child.pid} on ${hostname()}`)
      await page.goto(s.served.url)
      await page.getByRole('link', { name: 'Hardware' }).click()
      await row.getByText(new RegExp(`^in use by mimic serve, pid ${holder.pid} on `)).waitFor()
      expect((await call('boards.disconnect', { address: other.address })).ok).toBe(true)
      await row.getByText('free', { exact: true }).waitFor()
    })

    await step('save a board under a name (each error at its field), then forget it', async () => {
      const form = page.getByRole('form', { name: 'Save a board' })
      const name = form.getByLabel('Board name')
      const address = form.getByLabel('Address')
      await name.fill('lab 1')
      await address.press('Enter')
      await expect(name.getAttribute('aria-invalid')).resolves.toBe('true')
      expect(await description(name)).toBe('Board name must be one word of letters, digits, _ . - (starting with a letter or digit) (received "lab 1").')
      expect(await description(address)).toMatch(/^Address must /)
      expect(await isFocused(name)).toBe(true)
      // the server's refusals, at their fields
      await name.fill('emulator')
      await address.fill('tcp://127.0.0.1:9')
      await address.press('Enter')
      await form.getByText('Board name "emulator" is the name of an execution target', { exact: false }).waitFor()
      expect(await isFocused(name)).toBe(true)
      await name.fill('lab-1')
      await address.fill('tcp://host')
      await address.press('Enter')
      await form.getByText('"tcp://host" is not a TCP address', { exact: false }).waitFor()
      expect(await isFocused(address)).toBe(true)
      expect(s.cli<{ saved: unknown[] }>(['board', 'list']).saved.map((b) => (b as { name: string }).name)).toEqual(['other-by-name'])
      await address.fill('tcp://127.0.0.1:9')
      await address.press('Enter')
      const saved = page.getByRole('table', { name: 'Saved boards' })
      await saved.getByRole('row').filter({ hasText: 'lab-1' }).waitFor()
      await page.getByRole('table', { name: 'Boards and emulators' }).getByRole('row').filter({ hasText: 'saved board “lab-1”' }).waitFor()
      expect(s.cli<{ saved: { name: string; address: string }[] }>(['board', 'list']).saved).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'lab-1', address: 'tcp://127.0.0.1:9' })]))
      await s.shot('saved')
      await saved.getByRole('button', { name: 'Forget… board lab-1' }).click()
      const dialog = page.getByRole('dialog', { name: 'Forget board “lab-1”?' })
      await dialog.getByRole('button', { name: 'Forget' }).click()
      await saved.getByRole('row').filter({ hasText: 'lab-1' }).waitFor({ state: 'detached' })
      expect(s.cli<{ saved: { name: string }[] }>(['board', 'list']).saved.map((b) => b.name)).toEqual(['other-by-name'])
    })

    await step('disconnect and stop the emulator', async () => {
      const row = page.getByRole('row').filter({ hasText: 'serial PANEL-7' })
      await row.getByRole('button', { name: `Disconnect from ${emulatorAddress}` }).click()
      await row.getByText('free', { exact: true }).waitFor()
      await page.getByText('Not connected to a board.').waitFor()
      expect(s.cli<{ leases: unknown[] }>(['board', 'list']).leases).toEqual([])
      await row.getByRole('button', { name: `Stop emulator at ${emulatorAddress}` }).click()
      await row.waitFor({ state: 'detached' })
      expect(s.cli<{ emulators: { serialNumber: string }[] }>(['board', 'list']).emulators.map((e) => e.serialNumber)).toEqual(['OTHER-1'])
      expect(s.pageErrors).toEqual([])
    })
  }, 90_000)

  it('deploys a small trained network with the mapping report and the expected accuracy, runs it in the loop on an emulator with a live raster and running accuracy, refits its read-out on the chip, and cancels', async () => {
    const { page, step } = s
    let network = 0
    let long = 0
    await step('a small trained network ADS and a dataset, made by the CLI', async () => {
      const project = s.cli<{ id: number }>(['projects', 'create', 'HIL e2e']).id
      s.cli(['data', 'generate', 'xor', '--project', String(project), '--count', '8', '--seed', '1'])
      // a longer one, for a run that is cancelled while it streams
      long = s.cli<{ id: number }>(['data', 'generate', 'xor', '--project', String(project), '--count', '400', '--seed', '2']).id
      const teacher = s.cli<{ id: number }>(['train', 'teacher', '--project', String(project), '--units', '8', '--epochs', '1', '--seed', '1']).id
      network = s.cli<{ id: number }>(['train', 'ads', '--project', String(project), '--teacher', String(teacher), '--neurons', '24', '--epochs', '1', '--samples-per-epoch', '5', '--validation-samples', '2', '--seed', '1']).id
      await page.goto(s.served.url)
      await page.getByRole('link', { name: 'Hardware' }).click()
      await page.getByRole('heading', { level: 1, name: 'Hardware' }).waitFor()
      await page.getByLabel('Trained network ADS').locator(`option[value="${network}"]`).waitFor({ state: 'attached' })
    })

    let address = ''
    await step('start an emulator and choose it as the target', async () => {
      await page.getByLabel('Serial number').fill('HIL-E2E')
      await page.getByLabel('Chips', { exact: true }).fill('1')
      await page.getByRole('button', { name: 'Start emulator' }).click()
      const row = page.getByRole('row').filter({ hasText: 'serial HIL-E2E' })
      await row.waitFor()
      address = (await row.getAttribute('data-address')) ?? ''
      await page.getByLabel('Target').selectOption(address)
      // a count that is not one: said at its field before anything starts
      await page.getByLabel('Samples').fill('-1')
      await page.getByRole('button', { name: 'Run in the loop' }).click()
      const samples = page.getByLabel('Samples')
      await page.getByText('Samples must be an integer between 1 and 100000 (received -1).').waitFor()
      expect(await description(samples)).toMatch(/Samples must be an integer between 1 and 100000 \(received -1\)\.$/)
      expect(await isFocused(samples)).toBe(true)
      await page.getByLabel('Expected-accuracy test size').fill('lots')
      await page.getByRole('button', { name: 'Deploy', exact: true }).click()
      await page.getByText('Expected-accuracy test size must be an integer between 0 and 100000 (received "lots").').waitFor()
      expect(s.cli<unknown[]>(['runs', 'list', '--kind', 'hil']), 'no run in the loop started').toEqual([])
      expect(s.cli<unknown[]>(['runs', 'list', '--kind', 'deployment']), 'no deployment started').toEqual([])
      await page.getByLabel('Expected-accuracy test size').fill('50')
      // the virtual chips a deployment is measured on: a chip named twice is said at the field
      const chips = page.getByLabel('Virtual chips')
      await expect(chips.inputValue()).resolves.toBe('EMU-0001,EMU-0002,EMU-0003')
      await chips.fill('EMU-0004, EMU-0004')
      await page.getByRole('button', { name: 'Deploy', exact: true }).click()
      await page.getByText('Virtual chips: name "EMU-0004" twice: give each virtual chip once.').waitFor()
      expect(await isFocused(chips)).toBe(true)
      expect(s.cli<unknown[]>(['runs', 'list', '--kind', 'deployment']), 'no deployment started').toEqual([])
      await chips.fill('EMU-0004, EMU-0005')
      await page.getByLabel('Samples').fill('3')
    })

    await step('deploy: the mapping report with the cores used and the weight-error histogram', async () => {
      await page.getByRole('button', { name: 'Deploy', exact: true }).click()
      const report = page.getByLabel('Mapping report')
      await report.getByText(/^24 neurons on 1 core\(s\)/).waitFor({ timeout: 20_000 })
      await expect(report.getByRole('list', { name: 'Cores used' }).getByRole('listitem').count()).resolves.toBe(1)
      await report.getByText('24 of 256 neurons').waitFor()
      await expect(report.getByRole('list', { name: 'Weight error histogram' }).getByRole('listitem').count()).resolves.toBe(11)
      // the configuration just deployed is the one the next run in the loop uses
      const deployed = s.cli<{ id: number; summary: Record<string, number> }[]>(['runs', 'list', '--kind', 'deployment'])
      expect(deployed).toHaveLength(1)
      expect(s.cli<{ params: { serialNumbers: string } }>(['runs', 'show', String(deployed[0].id)]).params.serialNumbers).toBe('EMU-0004, EMU-0005')
      expect(deployed[0].summary.virtualChips).toBe(2)
      // the expected accuracy, before touching a board: the figures the run stored, on its test samples
      const expected = report.getByRole('table', { name: 'Expected accuracy' })
      await expected.waitFor()
      const m = deployed[0].summary
      expect(m.samples).toBeGreaterThan(0)
      await expected.getByText(`Expected accuracy on ${m.samples} test samples`).waitFor()
      const figures: [string, string][] = [['simulator', 'accuracySimulator'], ['mapped', 'accuracyMapped'], ['emulator-ideal', 'accuracyEmulatorIdeal'], ['emulator', 'accuracyEmulatorMean']]
      for (const [figure, key] of figures) {
        const shown = Number(await expected.locator(`[data-figure="${figure}"]`).textContent())
        expect(shown, figure).toBeCloseTo(m[key], 3)
      }
      await report.getByRole('button', { name: 'Refit the read-out on the chip' }).waitFor()
      await expect(page.getByLabel('Configuration').inputValue()).resolves.toBe(String(deployed[0].id))
      await expect(page.getByLabel('Configuration').locator('option').allTextContents()).resolves.toEqual(['map the network afresh', `deployment run ${deployed[0].id}: Deployment`])
    })

    await step('run in the loop: live raster, running accuracy, then the accuracy the run stored', async () => {
      await page.getByRole('button', { name: 'Run in the loop' }).click()
      const block = page.getByLabel('Hardware in the loop')
      await block.getByText(/^Running accuracy \d\.\d{3} after \d samples?$|^Accuracy /).waitFor({ timeout: 20_000 })
      await block.getByRole('img', { name: /Spikes of sample \d/ }).or(block.locator('[aria-label^="Spikes of sample"]')).first().waitFor()
      const final = block.getByText(/^Accuracy (\S+) on 3 samples \(teacher agreement \S+\)$/)
      await final.waitFor({ timeout: 30_000 })
      const text = (await final.textContent()) ?? ''
      const runs = s.cli<{ id: number; kind: string; summary: { accuracy: number; samples: number } }[]>(['runs', 'list', '--kind', 'hil'])
      expect(runs).toHaveLength(1)
      const shown = Number(/^Accuracy (\S+)/.exec(text.trim())![1])
      expect(shown).toBeCloseTo(runs[0].summary.accuracy, 3)
      expect(runs[0].summary.samples).toBe(3)
      // it ran the stored deployment, a parent of the run
      const run = s.cli<{ params: { deployment?: number }; parents: { id: number; role: string }[] }>(['runs', 'show', String(runs[0].id)])
      expect(run.params.deployment).toBeGreaterThan(0)
      expect(run.parents).toContainEqual(expect.objectContaining({ id: run.params.deployment, role: 'deployment' }))
      await s.shot('hil')
    })

    await step('refit the read-out on the chip from the mapping report: a network ADS, chosen for the next deploy', async () => {
      // another virtual chip typed for a run on the emulator: the refit puts in the one it was fitted on
      await page.getByLabel('Target').selectOption('emulator')
      await page.getByLabel('Virtual chip', { exact: true }).fill('EMU-0009')
      const report = page.getByLabel('Mapping report')
      await report.getByRole('button', { name: 'Refit the read-out on the chip' }).focus()
      await page.keyboard.press('Enter')
      const done = page.getByLabel('Refitted read-out').locator('[data-refit]')
      await done.waitFor({ timeout: 60_000 })
      const text = ((await done.textContent()) ?? '').replace(/\s+/g, ' ').trim()
      const m = /^Network run (\d+): held-out accuracy on emulator \(virtual chip EMU-0004\) (\S+) with the trained read-out, (\S+) refitted, on (\d+) samples\./.exec(text)
      expect(m, text).not.toBeNull()
      const refit = s.cli<{ kind: string; params: { network: number; deployment: number }; summary: Record<string, number>; parents: { id: number; role: string }[] }>(['runs', 'show', m![1]])
      expect(refit.kind).toBe('ads')
      expect(refit.params.network).toBe(network)
      expect(refit.parents).toContainEqual(expect.objectContaining({ id: network, role: 'network' }))
      expect(refit.parents).toContainEqual(expect.objectContaining({ id: refit.params.deployment, role: 'deployment' }))
      expect(Number(m![3])).toBeCloseTo(refit.summary.heldOutAccuracyAfter, 3)
      await expect(page.getByLabel('Trained network ADS').inputValue()).resolves.toBe(m![1])
      await expect(page.getByLabel('Virtual chip', { exact: true }).inputValue()).resolves.toBe('EMU-0004')
      await s.shot('refit')
    })

    await step('run in the loop on a virtual chip of the emulator: refused empty at its field, then stored with the run', async () => {
      const chip = page.getByLabel('Virtual chip', { exact: true })
      await chip.fill(' ')
      await page.getByRole('button', { name: 'Run in the loop' }).click()
      await page.getByText('Virtual chip must not be empty: give at least one character that is not a space.').waitFor()
      expect(await isFocused(chip)).toBe(true)
      const before = s.cli<unknown[]>(['runs', 'list', '--kind', 'hil']).length
      await chip.fill('EMU-0002')
      await page.getByRole('button', { name: 'Run in the loop' }).click()
      const final = page.getByLabel('Hardware in the loop').getByText(/^Accuracy (\S+) on 3 samples on virtual chip EMU-0002 \(teacher agreement \S+\)$/)
      await final.waitFor({ timeout: 30_000 })
      const runs = s.cli<{ id: number }[]>(['runs', 'list', '--kind', 'hil'])
      expect(runs).toHaveLength(before + 1)
      const run = s.cli<{ params: { target: string; serialNumber?: string } }>(['runs', 'show', String(runs[0].id)])
      expect(run.params).toMatchObject({ target: 'emulator', serialNumber: 'EMU-0002' })
      // a target without virtual chips has no such field
      await page.getByLabel('Target').selectOption('mapped')
      await chip.waitFor({ state: 'detached' })
      await page.getByLabel('Target').selectOption(address)
    })

    await step('cancel a run in the loop while it streams', async () => {
      await page.getByLabel('Dataset').selectOption(String(long))
      await page.getByLabel('Samples').fill('400')
      await page.getByRole('button', { name: 'Run in the loop' }).click()
      await page.getByLabel('Hardware in the loop').getByText(/^Running accuracy/).waitFor({ timeout: 20_000 })
      const panel = page.getByRole('region', { name: 'Deploy and run in the loop' })
      // the status of the run it follows: running (its 'running' event came before jobs.start answered: it read "queued")
      await panel.getByRole('status').getByText(/^Hardware-in-the-loop run \d+: running/).waitFor({ timeout: 5_000 })
      await panel.getByRole('button', { name: 'Cancel', exact: true }).focus()
      await page.keyboard.press('Enter')
      await panel.getByRole('status').getByText(/: cancelled/).waitFor({ timeout: 10_000 })
      // Cancel is disabled now that nothing runs: the focus went on to Run in the loop
      await focusSettled(page)
      expect(await isFocused(panel.getByRole('button', { name: 'Run in the loop' })), 'the focus after Cancel').toBe(true)
      const runs = s.cli<{ status: string; summary: { samples?: number } }[]>(['runs', 'list', '--kind', 'hil'])
      expect(runs[0].status).toBe('cancelled')
      expect(runs[0].summary.samples ?? 0).toBeLessThan(400)
      expect(s.pageErrors).toEqual([])
    })
  }, 210_000)
})

