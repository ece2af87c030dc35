// The plug-ins from the command line: `mimic tasks|architectures|backends list`, every job command
// generated from its job kind's spec, and the execution target a job runs on.
import { afterAll, describe, expect, it } from 'vitest'
import { jobKindNames, jobKinds, type JobKindSpec } from '../../src/shared/jobkinds/index.ts'
import { kebab } from '../../src/cli/args.ts'
import { mimic, mimicJson } from '../support/cli.ts'
import { cleanupTemp, tempDb } from '../support/tmp.ts'

afterAll(cleanupTemp)

describe('plug-ins on the command line', () => {
  const db = tempDb()

  it('tasks list: name, label, channels, outputs, steps, decision rule, fitted settings and whether it is a detection task', () => {
    const tasks = mimicJson<Record<string, unknown>[]>(['--db', db, 'tasks', 'list'])
    expect(tasks.map((t) => t.name)).toEqual(['xor', 'wake-phrase'])
    // the wake phrase: imported audio through the front end, a boundary fitted on validation data
    expect(tasks[1]).toMatchObject({ label: 'Wake phrase', channels: 16, outputs: 1, dtMs: 1, steps: 5000, sampleView: 'bands', detection: true })
    expect(Object.keys((tasks[1].generator as { fields: object }).fields)).toEqual(['count', 'seed', 'phrase', 'snrDb', 'closeNegatives', 'snrDbMax', 'featureScaling', 'noise'])
    expect((tasks[1].fitted as { name: string }[]).map((f) => f.name)).toEqual(['boundary'])
    expect(tasks[0]).toMatchObject({
      label: 'Temporal XOR',
      channels: 1,
      outputs: 1,
      dtMs: 1,
      steps: 1000,
      decisionRule: 'y_s = 0.95·y_s + 0.05·ỹ; +1 if y_s > 0.5 anywhere, else −1 if y_s < −0.5 anywhere, else none',
      fitted: [],
      sampleView: 'pulses',
      detection: false,
    })
    expect(Object.keys((tasks[0].generator as { fields: object }).fields)).toEqual(['count', 'seed', 'durationS', 'dtMs'])
    const text = mimic(['--db', db, 'tasks', 'list'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^name\s+label\s+channels\s+outputs\s+steps\s+dt\s+generator\s+fitted settings\s+detection\n/)
    expect(text.stdout).toMatch(/\nxor\s+Temporal XOR\s+1\s+1\s+1000\s+1 ms\s+yes\s+none\s+no\n/)
    expect(text.stdout).toMatch(/\nwake-phrase\s+Wake phrase\s+16\s+1\s+5000\s+1 ms\s+yes\s+boundary\s+yes\n/)
    expect(text.stdout).toContain('detection: a pipeline of the task also reports its false accepts and false rejects')
    expect(text.stdout).toContain('xor: decision rule y_s = 0.95·y_s + 0.05·ỹ')
  })

  it('architectures list: the rate teacher and network ADS with its two variants, and what is perturbable', () => {
    const archs = mimicJson<{ name: string; variants?: { name: string }[]; arrays: { name: string; perturbable?: object }[]; perNeuron: { name: string; perturbable?: object }[]; spiking: boolean }[]>([
      '--db',
      db,
      'architectures',
      'list',
    ])
    expect(archs.map((a) => [a.name, a.spiking, a.variants?.map((v) => v.name) ?? []])).toEqual([
      ['rate', false, []],
      ['ads', true, ['ebn', 'no-ebn']],
      ['reservoir', true, []],
      ['force', true, []],
      ['bptt-snn', true, []],
    ])
    const ads = archs[1]
    expect(ads.arrays.filter((a) => a.perturbable).map((a) => a.name)).toEqual(['wIn', 'omegaF', 'omegaS', 'decoder'])
    expect(ads.perNeuron.filter((a) => a.perturbable).map((a) => a.name)).toEqual(['tauMemMs', 'tauSMs', 'vTh'])
    const text = mimic(['--db', db, 'architectures', 'list']).stdout
    expect(text).toContain('ads: Network ADS (spiking), bundle format 1, spiking')
    expect(text).toContain('  variants: ebn (with fast balancing weights (EBN)), no-ebn (without fast weights (Ω_f = 0))')
    expect(text).toContain('  perturbable: wIn (mismatch relative, quantise), omegaF (quantise), omegaS (mismatch relative, quantise)')
  })

  it('backends list: the software simulator, available, running every architecture; the chip targets, for networks ADS', () => {
    const list = mimicJson<{ name: string; kind: string; available: boolean; architectures: string[] }[]>(['--db', db, 'backends', 'list'])
    // the chip targets (src/plugins/targets/chip.ts) follow the simulator
    expect(list.slice(1).map((b) => [b.name, b.kind, b.available, b.architectures])).toEqual([
      ['mapped', 'software', true, ['ads']],
      ['mapped-se1', 'software', true, ['ads']],
      ['emulator', 'emulator', true, ['ads']],
      ['emulator-se1', 'emulator', true, ['ads']],
    ])
    expect(list.slice(0, 1)).toEqual([
      {
        name: 'simulator',
        label: 'Software simulator',
        kind: 'software',
        description: 'The native addon on this machine’s CPU cores (every architecture).',
        available: true,
        reason: null,
        architectures: ['rate', 'ads', 'reservoir', 'force', 'bptt-snn'],
      },
    ])
    expect(mimic(['--db', db, 'backends', 'list']).stdout).toMatch(/\nsimulator\s+Software simulator\s+software\s+yes\s+rate, ads, reservoir, force, bptt-snn\n/)
  })

  it('every job kind has its command, with a flag for each parameter that is not a positional', () => {
    for (const kind of jobKindNames) {
      const spec: JobKindSpec = jobKinds[kind]
      const r = mimic([...spec.cli.command, '--help'])
      expect(r.code, `${kind}: ${r.stderr}`).toBe(0)
      expect(r.stdout.split('\n')[0]).toBe(`mimic ${spec.cli.command.join(' ')} ${spec.cli.synopsis}`)
      const aliases = new Map(Object.entries(spec.cli.flagAliases ?? {}).map(([flag, param]) => [param, flag]))
      for (const param of Object.keys(spec.params.info().fields ?? {})) {
        const flag = aliases.get(param) ?? kebab(param)
        if ((spec.cli.positionals ?? []).includes(param)) expect(r.stdout, `${kind} --${flag}`).not.toMatch(new RegExp(`^  --${flag}\\b`, 'm'))
        else expect(r.stdout, `${kind} --${flag}`).toMatch(new RegExp(`^  --${flag}\\b`, 'm'))
      }
    }
    // the general help lists them all
    const usage = mimic(['--help']).stdout
    for (const kind of jobKindNames) expect(usage).toContain(`  ${jobKinds[kind].cli.command.join(' ')} ${jobKinds[kind].cli.synopsis}`)
    // one process per job kind: the default 60 s is tight on a loaded machine
  }, 180_000)

  it('TASK positionals: a missing or unknown task is a usage error naming the tasks', () => {
    for (const [args, message] of [
      [['data', 'generate'], 'mimic: data generate TASK needs TASK: one of xor, wake-phrase (the task whose generator draws the samples (`mimic tasks list`)).'],
      [['reproduce', 'sine'], 'mimic: TASK must be one of xor, wake-phrase (received "sine"): the task the whole method runs on (`mimic tasks list`).'],
      [['reproduce', '--seed', '1'], 'mimic: reproduce TASK needs TASK: one of xor, wake-phrase (the task the whole method runs on (`mimic tasks list`)).'],
    ] as const) {
      const r = mimic(['--db', db, ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim()).toBe(message)
    }
  })

  it('a job runs on the execution target it names; an unknown one is refused by its flag before anything is stored', () => {
    mimicJson(['--db', db, 'projects', 'create', 'Targets'])
    const data = mimicJson<{ id: number }>(['--db', db, 'data', 'generate', 'xor', '--project', '1', '--count', '3', '--seed', '2'])
    const net = mimicJson<{ id: number }>(['--db', db, 'network', 'create', '--project', '1', '--neurons', '16', '--dims', '4', '--seed', '1'])
    const sim = mimicJson<{ params: { target: string }; status: string }>(['--db', db, 'simulate', String(net.id), '--data', String(data.id), '--samples', '2', '--target', 'simulator'])
    expect(sim).toMatchObject({ status: 'succeeded', params: { target: 'simulator' } })
    const runs = mimicJson<unknown[]>(['--db', db, 'runs', 'list']).length
    const r = mimic(['--db', db, 'simulate', String(net.id), '--data', String(data.id), '--target', 'board-7'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('mimic: Execution target (--target) names no execution target "board-7": choose one of simulator, mapped, mapped-se1, emulator, emulator-se1 (`mimic backends list`).')
    expect(mimicJson<unknown[]>(['--db', db, 'runs', 'list']).length).toBe(runs)
    // runs show says which runs are networks
    expect(mimicJson<{ network: unknown }>(['--db', db, 'runs', 'show', String(net.id)]).network).toEqual({ architecture: 'ads', variant: 'ebn', formatVersion: 1, task: null, fitted: {} })
    expect(mimicJson<{ network: unknown }>(['--db', db, 'runs', 'show', String(data.id)]).network).toBeNull()
    expect(mimic(['--db', db, 'runs', 'show', String(net.id)]).stdout).toContain('\n  network ads (ebn), bundle format 1\n')
    expect(mimic(['--db', db, 'runs', 'show', String(data.id)]).stdout).not.toContain('  network ')
  })
})
