// An experiment (docs/method.md §14.4, "Not built"): the slow weights of a trained network ADS trained
// further with the chip's constraints in the loop — before every round of the learning rule the network
// is projected onto its SE2 mapping (fan-in 64, weight levels; src/plugins/deploy/map.ts) and the rule
// runs on the projected network. Prints, per round, the accuracy with the trained read-out on the
// simulator, of the mapped network, and on the emulator ideal and with chip EMU-0001.
//
//   node bench/chip-constraints-experiment.ts --db PATH --network ADS_RUN --teacher TEACHER_RUN --data DATASET_RUN
//     [--rounds 4] [--samples 50] [--eta 1e-6] [--k 75] [--test 100]
import { openStore } from '../src/store/index.ts'
import { loadBundle } from '../src/plugins/architectures/bundle.ts'
import type { AdsNet } from '../src/plugins/architectures/ads.ts'
import { loadDataset } from '../src/plugins/datasets.ts'
import { evaluate } from '../src/plugins/evaluate.ts'
import { chipModel, mapNetwork } from '../src/plugins/deploy/map.ts'
import { targets, type ExecutionTarget } from '../src/plugins/targets/index.ts'
import { taskImpls } from '../src/plugins/tasks/index.ts'
import { trainAdsSamples } from '../native/index.ts'
import { parseArgs } from 'node:util'
const { values: v } = parseArgs({ options: { db: { type: 'string' }, network: { type: 'string' }, teacher: { type: 'string' }, data: { type: 'string' }, rounds: { type: 'string', default: '4' }, samples: { type: 'string', default: '50' }, eta: { type: 'string', default: '1e-6' }, k: { type: 'string', default: '75' }, test: { type: 'string', default: '100' } } })
if (!v.db || !v.network || !v.teacher || !v.data) {
  console.error('usage: node bench/chip-constraints-experiment.ts --db PATH --network ADS_RUN --teacher TEACHER_RUN --data DATASET_RUN [--rounds 4] [--samples 50]')
  process.exit(2)
}
const R = Number(v.rounds), K = Number(v.samples), ETA = Number(v.eta), KF = Number(v.k)
const store = openStore(v.db)
const net = loadBundle(store, Number(v.network))
const teacher = loadBundle(store, Number(v.teacher))
const test = loadDataset(store, Number(v.data), 0, Number(v.test))
let a = net.net as AdsNet
const mapOf = (x: AdsNet) => mapNetwork({ neurons: x.spec.neurons, channels: x.spec.channels, wIn: x.spec.weights.wIn!, omegaF: x.spec.weights.omegaF!, omegaS: x.spec.weights.omegaS!, params: x.params }, chipModel('se2', 1), 1)
const project = (x: AdsNet): AdsNet => { const m = mapOf(x); return { ...x, spec: { ...x.spec, weights: { ...x.spec.weights, ...m.mapped! } } } }
const onChip = (t: ExecutionTarget, chip: any): ExecutionTarget => ({ ...t, run: (n, b, o, r) => t.run(n, b, { ...o, chip }, r) })
const score = async (x: AdsNet) => {
  const m = await evaluate(test.task, targets.simulator, { ...net, runId: -1, net: project(x) }, test, { threads: 2, seed: 0 })
  const e = await evaluate(test.task, onChip(targets.emulator, { serialNumber: 'EMU-0001', mismatch: true }), { ...net, runId: -1, net: x }, test, { threads: 2, seed: 0 })
  const i = await evaluate(test.task, onChip(targets.emulator, { mismatch: false }), { ...net, runId: -1, net: x }, test, { threads: 2, seed: 0 })
  const s = await evaluate(test.task, targets.simulator, { ...net, runId: -1, net: x }, test, { threads: 2, seed: 0 })
  return `simulator ${s.accuracy.toFixed(3)} | mapped ${m.accuracy.toFixed(3)} (${m.meanRateHz?.toFixed(0)} Hz) | emulator ideal ${i.accuracy.toFixed(3)} | EMU-0001 ${e.accuracy.toFixed(3)} (${e.meanRateHz?.toFixed(0)} Hz) | Ω_s error ${mapOf(x).report.matrices[2].relativeError.toFixed(3)}`
}
console.log(`round 0: ${await score(a)}`)
for (let r = 1; r <= R; r++) {
  const train = await taskImpls.xor.generate!({ count: K, seed: 7000 + r })
  const t = await targets.simulator.run(teacher, { inputs: train.inputs, count: K, steps: train.steps, channels: train.channels, dtMs: train.dtMs }, { seed: 0, threads: 2, record: { trajectories: true } })
  const p = project(a)
  const res = await trainAdsSamples(p.spec as never, { inputs: train.inputs, teacherTargets: t.trajectories!, count: K, steps: train.steps }, { k: KF, eta: ETA, threads: 2, seed: r })
  a = { ...a, spec: { ...a.spec, weights: { ...a.spec.weights, omegaS: res.network.weights.omegaS } } }
  console.log(`round ${r} (${K} samples, reconstruction ${(res.reconstructionError.reduce((s, v) => s + v, 0) / K).toFixed(3)}): ${await score(a)}`)
}
store.close()
