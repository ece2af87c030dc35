// Training throughput of the paper's baselines (docs/method.md §13) on 1 s temporal-XOR samples:
// simulated sample steps per second of training (samples × steps × epochs / wall seconds), all threads.
//   reservoir  states + Gram matrices + blocked Cholesky solve (N = 320)
//   force      RLS every step (N = 320; sequential by nature); and the RLS update alone: the same
//              training with one update per sample, the difference per update in µs, beside its
//              multiply-adds (P·r from the upper triangle N², the rank-1 update N(N+1)/2, the read-out
//              and rᵀk (O + 2)·N)
//   bptt-snn   forward + surrogate backward + Adam, batch 10 over the pool (layers 64+64, the default
//              160+160, and 320+320)
// Each learner also as seconds per training sample and epoch. Prints one JSON object.   node bench/baselines-bench.ts [--quick]
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
  secondsPerSampleEpoch: number
  /** force: one RLS update (µs, multiply-adds, multiply-adds per second) */
  rls?: { microsecondsPerUpdate: number; multiplyAddsPerUpdate: number; multiplyAddsPerSecond: number }
}
const results: Measure[] = []
async function time(learner: string, size: string, samples: number, epochs: number, steps: number, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now()
  await fn()
  const wallSeconds = (performance.now() - t0) / 1000
  results.push({ learner, size, samples, epochs, wallSeconds, stepsPerSecond: (samples * steps * epochs) / wallSeconds, secondsPerSampleEpoch: wallSeconds / (samples * epochs) })
}

const rs = quick ? 20 : 100
const train = await xor(rs, 1)
await time('reservoir', 'N 320', rs, 1, train.steps, () => reservoirTrain({ neurons: 320, channels: 1, outputs: 1, seed: 1, train }))
const fs = quick ? 2 : 10
const ftrain = await xor(fs, 2)
await time('force', 'N 320', fs, 1, ftrain.steps, () => forceTrain({ neurons: 320, channels: 1, outputs: 1, seed: 1, train: ftrain, epochs: 1 }))
{
  // the same training with one RLS update per sample (step 0): what remains is the simulation
  const withRls = results.at(-1)!
  const t0 = performance.now()
  await forceTrain({ neurons: 320, channels: 1, outputs: 1, seed: 1, train: ftrain, epochs: 1, rlsEvery: 1_000_000 })
  const simulationSeconds = (performance.now() - t0) / 1000
  const N = 320, O = 1
  const updates = fs * (ftrain.steps - 1)
  const seconds = Math.max(withRls.wallSeconds - simulationSeconds, 0) / updates
  const multiplyAdds = N * N + (N * (N + 1)) / 2 + (O + 2) * N
  withRls.rls = { microsecondsPerUpdate: seconds * 1e6, multiplyAddsPerUpdate: multiplyAdds, multiplyAddsPerSecond: multiplyAdds / seconds }
}
const bs = quick ? 10 : 20
const btrain = await xor(bs, 3)
await time('bptt-snn', '64+64', bs, 1, btrain.steps, () => bpttTrain({ n1: 64, n2: 64, channels: 1, outputs: 1, seed: 1, train: btrain, epochs: 1 }))
const sub = (n: number) => ({ ...btrain, count: n, inputs: btrain.inputs.subarray(0, n * btrain.steps), targets: btrain.targets.subarray(0, n * btrain.steps) })
await time('bptt-snn', '160+160', quick ? 5 : 10, 1, btrain.steps, () => bpttTrain({ n1: 160, n2: 160, channels: 1, outputs: 1, seed: 1, train: sub(quick ? 5 : 10), epochs: 1 }))
if (!quick) await time('bptt-snn', '320+320', 10, 1, btrain.steps, () => bpttTrain({ n1: 320, n2: 320, channels: 1, outputs: 1, seed: 1, train: { ...btrain, count: 10, inputs: btrain.inputs.subarray(0, 10 * btrain.steps), targets: btrain.targets.subarray(0, 10 * btrain.steps) }, epochs: 1 }))
console.log(JSON.stringify({ results }))
