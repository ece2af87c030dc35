// Job kind "finetune": the read-out of a trained network ADS refitted on the chip (docs/method.md
// §14.4). Mapping a dense network onto a chip (fan-in 64, weight levels) changes its dynamics so much
// that its trained read-out no longer decodes it; the network is run as deployed on a target — the
// mapped network on the simulator, or the emulator with the mismatch of one virtual chip (the
// chip-in-the-loop calibration) — and its linear read-out is fitted again by ridge regression of the
// task's targets on its filtered spikes. The result is a new network ADS (the same recurrent and
// input weights, so the same configuration on the chip) whose read-out is the refitted one.
import * as s from '../schema.ts'
import { runRef, threadsField } from './fields.ts'
import { fmt, type JobKindSpec } from './spec.ts'
import { boardDevice } from './hil.ts'

/** The targets a read-out can be refitted on, and the weight scheme of each. */
export const finetuneTargets = { emulator: 'se2', 'emulator-se1': 'se1', mapped: 'se2', 'mapped-se1': 'se1' } as const

/** Whether a finetune target names an execution target of the registry (else it is a board: an address or a saved board's name). */
export function isFinetuneTargetName(target: string): target is keyof typeof finetuneTargets {
  return Object.prototype.hasOwnProperty.call(finetuneTargets, target)
}

export const finetuneParams = s.object({
  network: runRef('ads', 'Trained network run'),
  target: s.string({ min: 1, max: 500, trim: true }).doc({
    label: 'Refit on',
    help: 'emulator / emulator-se1: the chip emulator (SE2 / SE1) with the mismatch of the virtual chip --serial-number (the chip-in-the-loop calibration); mapped / mapped-se1: the mapped network on the simulator (quantisation and pruning only, no mismatch); or a board: its address (tcp://HOST:PORT, serial:PATH) or the name of a saved board (`mimic board list`), held for the run',
    suggest: { names: Object.keys(finetuneTargets) },
  }),
  serialNumber: s.optional(s.string({ min: 1, max: 400, trim: true })).doc({
    label: 'Virtual chip',
    help: 'the serial number of the emulated chip whose mismatch the read-out is fitted on (emulator targets; default EMU-0001); several, separated by commas, fit one read-out on all of them (the samples run on each in turn)',
  }),
  deployment: s.optional(runRef('deployment', 'Deployment run')).doc({
    help: 'run the stored configuration of this deployment (`mimic deploy`) of the same network instead of mapping it again',
  }),
  dataset: s.optional(runRef('dataset', 'Dataset run')).doc({ help: "fit on the samples of this dataset (default: fresh samples of the network's task)" }),
  samples: s.withDefault(s.integer({ min: 10, max: 100_000 }), 500).doc({
    label: 'Samples',
    help: 'samples the read-out is fitted on (a fifth of them choose the ridge factor); fresh draws of the task unless a dataset is given',
  }),
  ridge: s.optional(s.number({ gt: 0, max: 1e6 })).doc({
    label: 'Ridge factor ρ',
    help: 'λ = ρ × the mean diagonal of RᵀR; empty: the one of 1e-6 … 1 with the least error on the held-out fifth',
  }),
  stride: s.withDefault(s.integer({ min: 1, max: 1000 }), 10).doc({ label: 'Stride', unit: 'steps', help: 'every stride-th time step enters the regression' }),
  threads: threadsField,
  seed: s.optional(s.seed()).doc({ label: 'Seed', help: 'the fresh samples drawn and the initial membrane potentials' }),
})

export const finetune = {
  name: 'finetune',
  label: 'Read-out refitted on the chip',
  runKind: 'ads',
  runName: 'Read-out refitted on the chip',
  description: 'Runs a trained network ADS as deployed (mapped network, or the emulator of one virtual chip) and fits its linear read-out again on its spikes there (ridge regression), so that it keeps its accuracy once deployed; stores the result as a network ADS.',
  params: finetuneParams,
  // a board is used by one job at a time (the scheduler waits for it); board leases keep other users out
  resources: { cores: 'all', minCores: 1, device: boardDevice },
  cli: {
    command: ['finetune'],
    positionals: ['network'],
    flagAliases: { data: 'dataset' },
    project: { ofRun: 'network' },
    synopsis: 'TRAINED_NETWORK_RUN --target emulator|emulator-se1|mapped|mapped-se1|BOARD [--serial-number SN] [--deployment DEPLOYMENT_RUN] [--samples 500] [--data DATASET_RUN] [--ridge R]   refit the read-out on the chip',
    result: (d) => {
      const m = d.summary
      const on = `${String(d.params.target)}${typeof d.params.serialNumber === 'string' ? ` (virtual chip ${d.params.serialNumber.split(',').map((x) => x.trim()).join(', ')})` : ''}`
      // on the chip the read-out was fitted on (the first, when several), with samples it was not fitted on
      const serial = typeof d.params.serialNumber === 'string' ? ` --serial-number ${d.params.serialNumber.split(',')[0].trim()}` : ''
      const fittedOn = typeof d.params.dataset === 'number' ? ` on a test set other than dataset ${d.params.dataset}, which it was fitted on` : ''
      const lines = [
        `network run ${d.id}: read-out of network run ${String(d.params.network)} refitted on ${on}, ${m.samples} samples (ridge factor ${fmt(m.ridge)})`,
        `held-out accuracy on ${on}: ${fmt(m.heldOutAccuracyBefore)} with the trained read-out, ${fmt(m.heldOutAccuracyAfter)} refitted (${m.heldOutSamples} samples); output MSE ${fmt(m.heldOutMseBefore)} → ${fmt(m.heldOutMseAfter)}`,
        isFinetuneTargetName(String(d.params.target))
          ? `deploy it with \`mimic deploy ${d.id} --target ${String(d.params.target).replace('mapped', 'emulator')}\`, test it with \`mimic hil ${d.id} --target ${String(d.params.target)}${serial} --data TEST_SET_RUN\`${fittedOn}`
          : `test it on that board with \`mimic hil ${d.id} --target ${String(d.params.target)} --data TEST_SET_RUN\`${fittedOn}`,
      ]
      for (const n of d.notes) lines.push(n.body)
      return { value: { id: d.id, runId: d.id, status: d.status, ...m }, text: lines.join('\n') }
    },
  },
  view: 'finetune',
  action: { action: 'Refit the read-out on the chip', submit: 'Refit' },
} as const satisfies JobKindSpec
