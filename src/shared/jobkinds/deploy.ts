// Job kind "deploy": a trained network ADS mapped onto a DYNAP-SE-class chip (docs/method.md §14.2).
// The configuration (what a board or the emulator takes) and the mapping report are stored as
// artifacts of a `deployment` run, so the same configuration can be replayed; with a dataset, the
// expected accuracy on the simulator, of the mapped network on the simulator and on the emulator
// (ideal and with the mismatch of a few virtual chips) is measured before touching a board.
import * as s from '../schema.ts'
import { runRef, threadsField } from './fields.ts'
import { fmt, type JobKindSpec } from './spec.ts'
import { boardDevice } from './hil.ts'

/** The targets a network can be deployed to, and the weight scheme of each (else the target is a board). */
export const deployTargets = { emulator: 'se2', 'emulator-se1': 'se1' } as const

/** Whether a deploy target names a chip model of the registry (else it is a board: an address or a saved board's name). */
export function isDeployTargetName(target: string): target is keyof typeof deployTargets {
  return Object.prototype.hasOwnProperty.call(deployTargets, target)
}

export const deployParams = s.object({
  network: runRef('network,ads', 'Network run'),
  target: s.string({ min: 1, max: 500, trim: true }).doc({
    label: 'Deploy to',
    help: "emulator: a one-chip DYNAP-SE2 board (4-bit masks); emulator-se1: a four-chip DYNAP-SE1 board (repeat counts); or a board: its address (tcp://HOST:PORT, serial:PATH) or the name of a saved board (`mimic board list`), mapped for its handshake's scheme and geometry, configured with the mapping, held for the run, and scored on itself",
    suggest: { names: Object.keys(deployTargets) },
  }),
  dataset: s.optional(runRef('dataset', 'Dataset run')).doc({ help: "the test samples of the expected accuracy (simulator, mapped network, emulator without and with mismatch); default: fresh samples of the network's task" }),
  samples: s.withDefault(s.integer({ min: 0, max: 100_000 }), 50).doc({
    label: 'Test samples',
    help: 'samples the expected accuracy is measured on: the first N of the dataset, or N fresh samples of the task (0: no accuracy, only the mapping)',
  }),
  serialNumbers: s.withDefault(s.string({ min: 1, max: 400 }), 'EMU-0001,EMU-0002,EMU-0003').doc({
    label: 'Virtual chips',
    help: 'serial numbers of the emulated chips whose mismatch is measured, separated by commas',
  }),
  threads: threadsField,
})

/** An expected loss of accuracy (simulator minus mapped network or emulator) from which a deployment names its remedy. */
export const remedyLoss = 0.1

/** The largest expected loss of accuracy of a deployment's summary (mapped network, emulator with mismatch), or null without figures. */
export function deploymentLoss(m: Readonly<Record<string, number>>): number | null {
  if (typeof m.accuracySimulator !== 'number') return null
  const worst = Math.min(m.accuracyMapped ?? Infinity, m.accuracyEmulatorMean ?? Infinity, m.accuracyBoard ?? Infinity)
  return Number.isFinite(worst) ? m.accuracySimulator - worst : null
}

/** The serial numbers of a deploy's serialNumbers parameter; throws naming the bad one. */
export function parseSerials(text: string): string[] {
  const list = text.split(',').map((x) => x.trim())
  for (const sn of list) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(sn)) throw new Error(`"${sn}" is not a serial number: use 1 to 64 letters, digits, '.', '_' or '-', separated by commas`)
  }
  if (list.length > 16) throw new Error(`${list.length} serial numbers: measure at most 16 virtual chips at once`)
  // a chip measured twice would count its accuracy twice in the mean
  const twice = list.find((sn, i) => list.indexOf(sn) !== i)
  if (twice !== undefined) throw new Error(`name "${twice}" twice: give each virtual chip once`)
  return list
}

export const deploy = {
  name: 'deploy',
  label: 'Deployment',
  runKind: 'deployment',
  description: 'Maps a trained network onto a chip (cores, synapse types, weight levels, fan-in pruning) and stores the configuration and a report; with a dataset, the expected accuracy loss from mapping and from mismatch.',
  params: deployParams,
  resources: { cores: 'all', minCores: 1, device: boardDevice },
  cli: {
    command: ['deploy'],
    positionals: ['network'],
    flagAliases: { data: 'dataset' },
    project: { ofRun: 'network' },
    synopsis: 'TRAINED_NETWORK_RUN --target emulator|emulator-se1|BOARD [--data DATASET_RUN] [--samples 50] [--serial-numbers EMU-0001,EMU-0002]   map a network onto a chip',
    result: (d) => {
      const m = d.summary
      const lines = [
        `deployment run ${d.id}: ${m.neurons} neurons on ${m.coresUsed} core(s); connections kept ${m.connectionsKept}, dropped ${m.connectionsDropped} (fan-in ${m.droppedFanIn}, fan-out ${m.droppedFanOut}, quantised to zero ${m.droppedZero}); CAM entries ${m.camEntries}`,
        `weight error (relative Frobenius): W_in ${fmt(m.errorWIn)}, Ω_f ${fmt(m.errorOmegaF)}, Ω_s ${fmt(m.errorOmegaS)}`,
      ]
      if (m.accuracySimulator !== undefined && m.accuracyBoard !== undefined) {
        lines.push(`expected accuracy on ${m.samples} test samples: simulator ${fmt(m.accuracySimulator)}, mapped network ${fmt(m.accuracyMapped)}, on the board ${fmt(m.accuracyBoard)}`)
      } else if (m.accuracySimulator !== undefined) {
        lines.push(
          `expected accuracy on ${m.samples} test samples: simulator ${fmt(m.accuracySimulator)}, mapped network ${fmt(m.accuracyMapped)}, emulator without mismatch ${fmt(m.accuracyEmulatorIdeal)}, emulator with mismatch ${fmt(m.accuracyEmulatorMean)} (mean of ${m.virtualChips} chip(s), ${fmt(m.accuracyEmulatorMin)} to ${fmt(m.accuracyEmulatorMax)})`,
        )
      }
      for (const n of d.notes) lines.push(n.body)
      return { value: { id: d.id, runId: d.id, status: d.status, ...m, report: d.notes.map((n) => n.body) }, text: lines.join('\n') }
    },
  },
  view: 'deployment',
  action: { action: 'New deployment', submit: 'Deploy' },
} as const satisfies JobKindSpec
