// Job kind "hil": hardware in the loop (docs/method.md §14). A trained network ADS is deployed to a
// target — an attached board or a board emulator reached over the board protocol (an address, or
// the name of a saved board), or an execution target of the registry (the native chip emulator, the
// mapped network on the simulator, the plain simulator) — and the dataset is streamed through it
// sample by sample: spikes recorded, the output decoded as the simulator decodes it, scored by the
// task's rule. Each sample's result is stored as it is made, so a fault of the link keeps every
// sample recorded before it. With `replay`, the same samples of a recorded hil run are run again on
// this target and compared with it: decision differences and the spike-count correlation per sample.
// With `deployment`, the stored configuration of a deployment run of the same network is run instead
// of mapping the network again (the deployment becomes a parent of the hil run).
import * as s from '../schema.ts'
import { runRef, threadsField } from './fields.ts'
import { fmt, type JobKindSpec } from './spec.ts'
import { defaultSerialNumber, executionTargetNames } from '../board.ts'

/**
 * The scheduler's device of a job whose `target` parameter may be a board (an address or a saved
 * board's name): the board at its canonical address, held by one job at a time; none for an
 * execution target of the registry.
 */
export function boardDevice(p: Record<string, unknown>, boardAddress: (target: string) => string | null): string | null {
  const address = typeof p.target === 'string' ? boardAddress(p.target) : null
  return address === null ? null : `board ${address}`
}

export const hilParams = s.object({
  network: runRef('ads', 'Trained network run'),
  target: s.string({ min: 1, max: 500, trim: true }).doc({
    label: 'Target',
    help: 'a board: its address (tcp://HOST:PORT, serial:PATH) or the name of a saved board (`mimic board list`); or an execution target: emulator, emulator-se1, mapped, simulator (`mimic backends list`)',
    suggest: { names: executionTargetNames },
  }),
  dataset: runRef('dataset', 'Dataset run'),
  samples: s.optional(s.integer({ min: 1, max: 100_000 })).doc({ label: 'Samples', help: 'the first N samples of the dataset (default: all)' }),
  deployment: s.optional(runRef('deployment', 'Deployment run')).doc({
    help: 'run the stored configuration of this deployment (`mimic deploy`) of the same network instead of mapping it again; it must fit the target (weight scheme, chips, cores, fan-in). Without it the network is mapped afresh — the mapping is deterministic — and the run notes the latest deployment of the network for the same scheme, if any, and whether its configuration is the one mapped',
  }),
  serialNumber: s.optional(s.string({ min: 1, max: 64, trim: true })).doc({
    label: 'Virtual chip',
    help: 'emulator targets: the serial number of the virtual chip whose mismatch the emulator has (default EMU-0001); the same serial as a `mimic board emulate --serial-number SN` gives the same chip',
  }),
  replay: s.optional(runRef('hil', 'Recorded hil run')).doc({ help: 'replay the samples of this recorded run on the target and report where they differ' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'initial membrane potentials (software targets)' }),
})

export const hil = {
  name: 'hil',
  label: 'Hardware in the loop',
  runKind: 'hil',
  description: 'Deploys a trained network ADS to a board or emulator, streams a dataset through it sample by sample, records the spikes and scores the decoded output; can replay a recorded run on another target.',
  params: hilParams,
  // a board is used by one job at a time (the scheduler waits for it); board leases keep other users out
  resources: { cores: 1, device: boardDevice },
  cli: {
    command: ['hil'],
    positionals: ['network'],
    flagAliases: { data: 'dataset' },
    project: { ofRun: 'network' },
    synopsis: 'TRAINED_NETWORK_RUN --target BOARD|TARGET --data DATASET_RUN [--deployment DEPLOYMENT_RUN] [--serial-number SN] [--samples N] [--replay HIL_RUN]   run a network on a board or emulator, sample by sample',
    result: (d) => {
      const m = d.summary
      const value: Record<string, unknown> = { id: d.id, runId: d.id, status: d.status, accuracy: m.accuracy, teacherAgreement: m.teacherAgreement ?? null, samples: m.samples, target: d.params.target, ...m }
      const chip = String(d.params.target).startsWith('emulator') ? String(d.params.serialNumber ?? defaultSerialNumber) : null
      let text = `hil run ${d.id} on ${String(d.params.target)}${chip ? ` (virtual chip ${chip})` : ''}${d.params.deployment !== undefined ? ` (deployment run ${String(d.params.deployment)})` : ''}: accuracy ${fmt(m.accuracy)}, teacher agreement ${fmt(m.teacherAgreement)}, samples ${m.samples}, mean rate ${fmt(m.meanRateHz)} Hz`
      if (m.decisionDifferences !== undefined) text += `\nreplay of run ${String(d.params.replay)}: ${m.decisionDifferences} of ${m.samples} decisions differ; spike-count correlation ${fmt(m.spikeCountCorrelation)} (mean over samples)`
      for (const n of d.notes) text += `\n${n.body}`
      return { value, text }
    },
  },
  view: 'evaluation',
  action: { action: 'Hardware in the loop', submit: 'Run' },
} as const satisfies JobKindSpec
