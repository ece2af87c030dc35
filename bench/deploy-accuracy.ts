// Where a trained network ADS loses accuracy on the chip (docs/method.md §11): the simulator; the
// network mapped with only the fan-in (and fan-out) limit, with only the weight levels, with both
// (what is deployed), all on the plain simulator; the emulator without mismatch; the emulator with
// the mismatch of a few virtual chips. For SE2 (one-chip DYNAP-SE2) and SE1 (four-chip DYNAP-SE1).
//
//   node bench/deploy-accuracy.ts --db PATH --network ADS_RUN --data DATASET_RUN [--serials A,B,C] [--schemes se2,se1] [--json]
//     [--fan-ins 128,256]   also: the network pruned to these fan-ins (exact weights), to see what fan-in it needs
import { parseArgs } from 'node:util'
import { openStore } from '../src/store/index.ts'
import type { AdsNet } from '../src/plugins/architectures/ads.ts'
import { loadBundle } from '../src/plugins/architectures/bundle.ts'
import { loadDataset } from '../src/plugins/datasets.ts'
import { evaluate } from '../src/plugins/evaluate.ts'
import { chipModel, mapNetwork, type MapLimits } from '../src/plugins/deploy/map.ts'
import { boardChips } from '../src/plugins/targets/chip.ts'
import { targets, type ExecutionTarget } from '../src/plugins/targets/index.ts'
import type { LoadedNetwork } from '../src/plugins/architectures/architecture.ts'
import type { WeightScheme } from '../src/shared/board.ts'

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    network: { type: 'string' },
    data: { type: 'string' },
    serials: { type: 'string', default: 'EMU-0001,EMU-0002,EMU-0003' },
    schemes: { type: 'string', default: 'se2,se1' },
    threads: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    'fan-ins': { type: 'string', default: '' },
  },
})
if (!values.db || !values.network || !values.data) {
  console.error('usage: node bench/deploy-accuracy.ts --db PATH --network ADS_RUN --data DATASET_RUN [--serials A,B] [--schemes se2,se1] [--json]')
  process.exit(2)
}
const store = openStore(values.db)
const net = loadBundle(store, Number(values.network))
const data = loadDataset(store, Number(values.data))
const threads = Number(values.threads)
const a = net.net as AdsNet
const dtMs = data.dtMs

const score = async (t: ExecutionTarget, n: LoadedNetwork) => {
  const e = await evaluate(data.task, t, n, data, { threads, seed: 0 })
  return { accuracy: e.accuracy, rateHz: e.meanRateHz ?? NaN }
}
const withMapping = (limits: MapLimits, scheme: WeightScheme, fanIn = 64): { net: LoadedNetwork; errors: Record<string, number> } => {
  const m = mapNetwork(
    { neurons: a.spec.neurons, channels: a.spec.channels, wIn: a.spec.weights.wIn!, omegaF: a.spec.weights.omegaF!, omegaS: a.spec.weights.omegaS!, params: a.params },
    { ...chipModel(scheme, boardChips(scheme)), fanIn },
    dtMs,
    limits,
  )
  const mapped: AdsNet = { ...a, spec: { ...a.spec, weights: { ...a.spec.weights, ...m.mapped! } } }
  return { net: { ...net, runId: -1, net: mapped }, errors: Object.fromEntries(m.report.matrices.map((r) => [r.matrix, r.relativeError])) }
}
const onChip = (t: ExecutionTarget, chip: { serialNumber?: string; mismatch: boolean }): ExecutionTarget => ({ ...t, run: (n, b, o, r) => t.run(n, b, { ...o, chip }, r) })

const rows: { scheme: string; what: string; accuracy: number; rateHz: number; errors?: Record<string, number> }[] = []
const t0 = Date.now()
rows.push({ scheme: '-', what: 'simulator', ...(await score(targets.simulator, net)) })
for (const f of values['fan-ins'] ? values['fan-ins'].split(',').map(Number) : []) {
  const m = withMapping({ levels: false }, 'se2', f)
  rows.push({ scheme: '-', what: `fan-in ${f} only`, ...(await score(targets.simulator, m.net)), errors: m.errors })
}
for (const scheme of values.schemes!.split(',') as WeightScheme[]) {
  for (const [what, limits] of [
    ['fan-in/fan-out only', { levels: false }],
    ['weight levels only', { fanIn: false, fanOut: false }],
  ] as const) {
    const m = withMapping(limits, scheme)
    rows.push({ scheme, what, ...(await score(targets.simulator, m.net)), errors: m.errors })
  }
  const full = withMapping({}, scheme)
  rows.push({ scheme, what: 'mapped (both), simulator', ...(await score(targets.simulator, full.net)), errors: full.errors })
  const emu = targets[scheme === 'se2' ? 'emulator' : 'emulator-se1']
  rows.push({ scheme, what: 'emulator, no mismatch', ...(await score(onChip(emu, { mismatch: false }), net)) })
  for (const sn of values.serials!.split(',')) rows.push({ scheme, what: `emulator, chip ${sn}`, ...(await score(onChip(emu, { serialNumber: sn, mismatch: true }), net)) })
}
if (values.json) console.log(JSON.stringify({ samples: data.samples, rows, seconds: (Date.now() - t0) / 1000 }, null, 2))
else {
  console.log(`network run ${values.network}, ${a.spec.neurons} neurons, ${data.samples} test samples (${((Date.now() - t0) / 1000).toFixed(0)} s)`)
  for (const r of rows) {
    const err = r.errors ? `  errors W_in ${r.errors.wIn.toFixed(3)} Ω_f ${r.errors.omegaF.toFixed(3)} Ω_s ${r.errors.omegaS.toFixed(3)}` : ''
    console.log(`${r.scheme.padEnd(4)} ${r.what.padEnd(28)} accuracy ${r.accuracy.toFixed(3)}  rate ${r.rateHz.toFixed(1)} Hz${err}`)
  }
}
store.close()
