// Training throughput of the paper's baselines (docs/method.md §13) on 1 s temporal-XOR samples:
// simulated sample steps per second of training (samples × steps × epochs / wall seconds), all threads.
//   reservoir  states + Gram matrices + Eigen LDLT solve (N = 320)
//   force      RLS every step, 2N² multiply-adds per update (N = 320; sequential by nature)
//   bptt-snn   forward + surrogate backward + Adam, batch 10 over the pool (layers 64+64 and 320+320)
// Prints one JSON object.   node bench/baselines-bench.ts [--quick]
import { addonStatus, bpttTrain, forceTrain, reservoirTrain, taskGenerate } from '../native/index.ts'

const quick = process.argv.includes('--quick')
const status = addonStatus()
if (!status.loaded) {
  console.error(`the native addon is not loaded: ${status.error}`)
  process.exit(1)
}

async function xor(count: number, seed: number) {
  const d = await taskGenerate('xor', { count, seed })
  return { inputs: d.inputs, targets: d.targets, count: d.count, steps: d.steps }
}

interface Measure {
  learner: string
  size: string
  samples: number
  epochs: number
  wallSeconds: number
  stepsPerSecond: number
}
const results: Measure[] = []
async function time(learner: string, size: string, samples: number, epochs: number, steps: number, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now()
  await fn()
  const wallSeconds = (performance.now() - t0) / 1000
  results.push({ learner, size, samples, epochs, wallSeconds, stepsPerSecond: (samples * steps * epochs) / wallSeconds })
}

const rs = quick ? 20 : 100
const train = await xor(rs, 1)
await time('reservoir', 'N 320', rs, 1, train.steps, () => reservoirTrain({ neurons: 320, channels: 1, outputs: 1, seed: 1, train }))
const fs = quick ? 2 : 10
const ftrain = await xor(fs, 2)
await time('force', 'N 320', fs, 1, ftrain.steps, () => forceTrain({ neurons: 320, channels: 1, outputs: 1, seed: 1, train: ftrain, epochs: 1 }))
const bs = quick ? 10 : 20
const btrain = await xor(bs, 3)
await time('bptt-snn', '64+64', bs, 1, btrain.steps, () => bpttTrain({ n1: 64, n2: 64, channels: 1, outputs: 1, seed: 1, train: btrain, epochs: 1 }))
if (!quick) await time('bptt-snn', '320+320', 10, 1, btrain.steps, () => bpttTrain({ n1: 320, n2: 320, channels: 1, outputs: 1, seed: 1, train: { ...btrain, count: 10, inputs: btrain.inputs.subarray(0, 10 * btrain.steps), targets: btrain.targets.subarray(0, 10 * btrain.steps) }, epochs: 1 }))
console.log(JSON.stringify({ results }))
