// Spiking-network benchmark: our simulator against a floor C loop (bench/floor.c) and Brian2's C++
// standalone device (bench/brian2_ebn.py), on the same network (benchNetwork in native/api/snn.ts),
// measured side by side in one run; then the ADS training loop (native/core/ads_train.cpp): simulated
// steps per second of the online rule (its events form, P on the pool's second thread), its low-rank
// form and the naive O(N²) form on one thread, and the batched rule, with the split of their time, and the validation throughput (evaluateAds) on 1 and all
// threads. Prints tables and writes JSON to bench/results/.
//
//   npm run bench                 N ∈ {320, 768, 2048}; ADS at N/D = 320/64 and 768/128
//   npm run bench -- --quick      smaller runs (a smoke test)
//   npm run bench -- --no-brian   skip Brian2 (its code generation and compilation take ~25 s per N)
//   npm run bench -- --sizes 768  other sizes
//   npm run bench -- --no-ads     skip the ADS training part; --ads-only: only that part
//   npm run bench -- --no-teacher skip the teacher BPTT throughput (bench/teacher-bench.ts)
//   npm run bench -- --no-baselines skip the baselines' training throughput (bench/baselines-bench.ts)
//   npm run bench -- --no-levels  skip the SIMD-level comparison (each kernel at every level this CPU
//                                 has, side by side in this run, with the ratio to SSE2)
//   npm run bench -- --level-rounds R  interleaved rounds of that comparison (default 5, 2 with --quick):
//                                 besides the best of each level, the median and quartiles of the
//                                 per-round ratios to SSE2 (a ratio of two neighbouring measurements,
//                                 which a noisy machine disturbs less than either)
//   npm run bench -- --no-pipeline skip the whole temporal-XOR pipeline at paper size (about 3 min;
//                                 with --quick a reduced pipeline)
//   npm run bench -- --no-audio   skip the audio front end's throughput (seconds of audio per second, 16 kHz
//                                 and 44.1 kHz input, 1 and all threads)
//   npm run bench -- --no-emulator skip the chip emulator (against the simulator, bench/emulator-bench.ts, and its SIMD-levels row)
//   npm run bench -- --python P   the Python that has Brian2 (default /usr/bin/python3)
//   npm run bench -- --out DIR    where the JSON goes (default bench/results)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  AdsTrainer,
  addonStatus,
  audioFeatures,
  benchNetwork,
  bpttTrain,
  buildEbn,
  createNetwork,
  evaluateAds,
  generateXor,
  initTeacher,
  lifRun,
  reservoirTrain,
  runAdsTrainBench,
  setSimdLevel,
  simdLevels,
  teacherForward,
  teacherGradient,
  type AdsTrainBenchResult,
} from '../native/index.ts'
import { quartiles } from '../src/analysis/stats.ts'
import { maxNeurons } from '../src/shared/limits.ts'
import { benchEmulator, emulatorLevelCase, type EmulatorMeasure } from './emulator-bench.ts'
import { benchV0, compileFloor, runFloor, writeFloorNetwork } from './floor.ts'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const usage = (msg: string): never => {
  console.error(`bench: ${msg}. See the flags at the top of bench/run.ts (npm run bench -- --quick --sizes 320,768 ...).`)
  process.exit(2)
}
const valueOf = (flag: string): string | undefined => {
  const i = args.indexOf(flag)
  if (i < 0) return undefined
  const v = args[i + 1]
  if (v === undefined || v.startsWith('--')) usage(`${flag} needs a value`)
  return v
}
const flags = ['--quick', '--no-brian', '--no-ads', '--ads-only', '--no-teacher', '--no-baselines', '--no-pipeline', '--no-levels', '--no-runs-table', '--no-audio', '--no-emulator']
const valued = ['--sizes', '--python', '--out', '--level-rounds']
for (let i = 0; i < args.length; i++) {
  if (valued.includes(args[i])) i++
  else if (!flags.includes(args[i])) usage(`unknown flag ${args[i]}`)
}
const quick = args.includes('--quick')
const withBrian = !args.includes('--no-brian')
const withAds = !args.includes('--no-ads')
const adsOnly = args.includes('--ads-only')
const withTeacher = !args.includes('--no-teacher') && !adsOnly
const withLevels = !args.includes('--no-levels')
const levelRoundsFlag = valueOf('--level-rounds')
if (levelRoundsFlag !== undefined && !/^[1-9]\d{0,3}$/.test(levelRoundsFlag)) usage(`--level-rounds takes a whole number of rounds from 1 to 9999, not ${JSON.stringify(levelRoundsFlag)}`)
const withAudio = !args.includes('--no-audio') && !adsOnly
const withBaselines = !args.includes('--no-baselines') && !adsOnly
const withPipeline = !args.includes('--no-pipeline') && !adsOnly
const withEmulator = !args.includes('--no-emulator') && !adsOnly
const sizes = (valueOf('--sizes') ?? '320,768,2048').split(',').map((x) => {
  const n = Number(x)
  if (!Number.isInteger(n) || n < 16 || n > maxNeurons) usage(`--sizes takes neuron counts between 16 and ${maxNeurons} separated by commas (got "${x}")`)
  return n
})
const python = valueOf('--python') ?? '/usr/bin/python3' // Debian's python3-brian; a venv's python works too
const outDir = valueOf('--out') ?? join(here, 'results')
const reps = quick ? 2 : 5
const work = quick ? 4e6 : 4e7 // neuron-steps per measurement (about 0.1 s)
const seed = 1

const status = addonStatus()
if (!status.loaded || !status.info) {
  console.error(status.error)
  process.exit(1)
}
const info = status.info
const allThreads = info.poolThreads
const tmp = mkdtempSync(join(tmpdir(), 'mimic-bench-'))

// ---- the floor loop, compiled with the addon's optimisation flags ----------------------------------
const floorBin = join(tmp, 'floor')
try {
  compileFloor(info.flags, floorBin, info.simd) // the vector width of the level our kernels use
} catch (err) {
  console.error(`bench: ${(err as Error).message}`)
  process.exit(1)
}
function streamBandwidth(bytes: number): number {
  const r = spawnSync(floorBin, ['--stream', String(bytes), '5'], { encoding: 'utf8' })
  return (JSON.parse(r.stdout) as { gbPerSecond: number }).gbPerSecond
}

// ---- Brian2 -------------------------------------------------------------------------------------
let brianState: 'unchecked' | 'present' | 'missing' = withBrian ? 'unchecked' : 'missing'
function runBrian(dir: string, steps: number): { seconds: number; spikes: number; brian2: string } | undefined {
  if (brianState === 'unchecked') {
    const check = spawnSync(python, ['-c', 'import brian2'], { encoding: 'utf8' })
    brianState = check.status === 0 ? 'present' : 'missing'
    if (brianState === 'missing')
      console.log(`bench: Brian2 is not installed for ${python} (apt-get install -y python3-brian, or --python a Python that has it); continuing without it`)
  }
  if (brianState === 'missing') return undefined
  const work2 = join(tmp, `brian-${dir.split('-').pop()}`)
  const r = spawnSync(python, [join(here, 'brian2_ebn.py'), dir, String(steps), work2], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONWARNINGS: 'ignore' },
  })
  const line = r.stdout.trim().split('\n').pop() ?? ''
  try {
    const out = JSON.parse(line) as { seconds: number; spikes: number; brian2: string; error?: string }
    if (out.error) {
      console.log(`bench: ${out.error}; continuing without it`)
      brianState = 'missing'
      return undefined
    }
    return out
  } catch {
    console.log(`bench: Brian2 run failed (${(r.stderr || line).slice(-400)}); continuing without it`)
    return undefined
  }
}

// ---- one network size ---------------------------------------------------------------------------
interface Measure {
  label: string
  batch: number
  threads: number
  steps: number
  seconds: number
  spikes: number
  nsPerStepSample: number
  neuronStepsPerSecond: number
}

/** A timed run of `steps` steps of `batch` samples of N neurons. */
function measure(N: number, label: string, batch: number, threads: number, steps: number, seconds: number, spikes: number): Measure {
  return {
    label,
    batch,
    threads,
    steps,
    seconds,
    spikes,
    nsPerStepSample: (seconds / (steps * batch)) * 1e9,
    neuronStepsPerSecond: (N * steps * batch) / seconds,
  }
}

async function benchSize(N: number): Promise<Record<string, unknown>> {
  const bench = await benchNetwork(N, seed)
  const net = createNetwork(bench.spec)
  const C = bench.spec.channels ?? 0
  const T1 = Math.round(work / N)
  const T16 = Math.ceil(T1 / 16)
  const v0 = benchV0(N) // the same start for ours, the floor and Brian2
  const dir = join(tmp, `net-${N}`) // the files floor.c and brian2_ebn.py read
  writeFloorNetwork(dir, bench, T1, v0)
  const inputs1 = bench.inputs(1, T1)
  const inputs16 = bench.inputs(16, T16)

  const configs = [
    { label: 'ours b1 t1', batch: 1, threads: 1, steps: T1, inputs: inputs1 },
    { label: `ours b1 t${allThreads}`, batch: 1, threads: 0, steps: T1, inputs: inputs1 },
    { label: 'ours b16 t1', batch: 16, threads: 1, steps: T16, inputs: inputs16 },
    { label: `ours b16 t${allThreads}`, batch: 16, threads: 0, steps: T16, inputs: inputs16 },
  ]
  const best = new Map<string, Measure>()
  const keep = (m: Measure): void => {
    const old = best.get(m.label)
    if (!old || m.seconds < old.seconds) best.set(m.label, m)
  }
  // warm-up, then interleaved repetitions: every variant sees the same machine noise; keep the best
  await net.simulate(inputs1.subarray(0, 200 * C), { batch: 1, steps: 200 })
  for (let rep = 0; rep < reps; rep++) {
    for (const c of configs) {
      const r = await net.simulate(c.inputs, {
        batch: c.batch,
        steps: c.steps,
        threads: c.threads,
        initialV: c.batch === 1 ? v0 : 'uniform',
        seed,
        record: { spikes: false },
      })
      keep(measure(N, c.label, c.batch, c.threads === 0 ? allThreads : c.threads, c.steps, r.kernelSeconds, r.totalSpikes))
    }
    const f = runFloor(floorBin, dir, T1)
    keep(measure(N, 'floor C b1 t1', 1, 1, T1, f.seconds, f.spikes))
    // The batch ceiling: the floor with every parameter in a register, i.e. with all the work a batch
    // could share across its samples removed (N is a multiple of 16 at the bench sizes).
    if (N % 16 === 0) {
      const fs = runFloor(floorBin, dir, T1, true)
      keep(measure(N, 'floor C shared', 1, 1, T1, fs.seconds, fs.spikes))
    }
  }
  const TB = Math.min(T1, quick ? 2000 : 10000)
  const b = runBrian(dir, TB)
  if (b) keep(measure(N, 'brian2 b1 t1', 1, 1, TB, b.seconds, b.spikes))

  // Brian2 ran TB steps: count our spikes over the same steps for the agreement check
  const oursTB = b ? (await net.simulate(inputs1.subarray(0, TB * C), { batch: 1, steps: TB, initialV: v0, record: { spikes: false } })).totalSpikes : undefined
  const get = (l: string): Measure => best.get(l)!
  const ours1 = get('ours b1 t1'), floor = get('floor C b1 t1')
  const floorShared = best.get('floor C shared')
  const ours16 = get('ours b16 t1'), ours16all = get(`ours b16 t${allThreads}`)
  const brian = best.get('brian2 b1 t1')
  const spikesPerStep = ours1.spikes / T1
  // What the step touches (batch 1), from the model: bytes and flops per step.
  const bytesUpdate = N * 4 * 20 // 5 state arrays read and written, ext, spike flags, 8 parameter arrays
  const bytesInput = N * 4 * (C + 1)
  const bytesRowsRead = spikesPerStep * 2 * N * 4 // one slow and one fast weight row per spike
  const bytesRows = spikesPerStep * 2 * N * 4 * 3 // plus read and write of the two traces
  const flops = N * 11 + 2 * C * N + spikesPerStep * 2 * N
  const matrixBytes = 2 * N * N * 4
  const bwMatrix = streamBandwidth(matrixBytes)
  const bwL1 = streamBandwidth(16 * 1024)
  const secondsPerStep = ours1.seconds / T1
  return {
    neurons: N,
    channels: C,
    meanRateHz: (ours1.spikes / (N * T1)) * 1000,
    spikesPerStep,
    measures: [...best.values()],
    spikeCountsAgree: {
      ours: ours1.spikes,
      floor: floor.spikes,
      floorShared: floorShared?.spikes,
      identical: ours1.spikes === floor.spikes && (!floorShared || floorShared.spikes === floor.spikes),
    },
    brianSpikesAgree: brian ? { ours: oursTB, brian2: brian.spikes, steps: TB, identical: oursTB === brian.spikes } : undefined,
    ratios: {
      oursOverFloor: ours1.neuronStepsPerSecond / floor.neuronStepsPerSecond,
      oursOverBrian2: brian ? ours1.neuronStepsPerSecond / brian.neuronStepsPerSecond : undefined,
      batch16OverBatch1: ours16.neuronStepsPerSecond / ours1.neuronStepsPerSecond,
      // the most a batch can gain on one thread: floor time / floor time with nothing left to share
      batchCeiling: floorShared ? floorShared.neuronStepsPerSecond / floor.neuronStepsPerSecond : undefined,
      threadScalingBatch16: ours16all.neuronStepsPerSecond / ours16.neuronStepsPerSecond,
      threads: allThreads,
    },
    perStep: {
      nsPerStep: secondsPerStep * 1e9,
      bytesTouched: bytesUpdate + bytesInput + bytesRows,
      bytesWeightRowsRead: bytesRowsRead,
      flops,
      gflopsAchieved: flops / secondsPerStep / 1e9,
      weightMatrixBytes: matrixBytes,
      streamGBsAtMatrixSize: bwMatrix,
      streamGBsInL1: bwL1,
      rowTimeAtStreamBandwidthNs: (bytesRowsRead / (bwMatrix * 1e9)) * 1e9,
      inCacheTimeAtL1BandwidthNs: ((bytesUpdate + bytesInput) / (bwL1 * 1e9)) * 1e9,
    },
  }
}

// ---- ADS training -------------------------------------------------------------------------------
interface AdsMeasure {
  neurons: number
  dims: number
  rule: string
  /** the form that computed it (online: online-events with one tau_out) */
  variant: string
  steps: number
  usPerStep: number
  /** CPU time of the process per step (the events form: both threads) */
  cpuUsPerStep: number
  /** the events form: the share of P's blocks the pool's second thread computed */
  helperBlockShare: number
  stepsPerSecond: number
  meanRateHz: number
  split: { simulation: number; feedback: number; learning: number }
}

async function benchAdsTraining(N: number, D: number): Promise<AdsMeasure[]> {
  const out: AdsMeasure[] = []
  for (const rule of ['online', 'online-lowrank', 'online-naive', 'batched'] as const) {
    let best: AdsTrainBenchResult | undefined
    for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
      const r = await runAdsTrainBench({ neurons: N, dims: D, samples: rule === 'online-naive' || quick ? 1 : 3, rule, seed })
      if (!best || r.seconds < best.seconds) best = r
    }
    const b = best!
    const perStep = (x: number): number => (x / b.steps) * 1e6
    out.push({
      neurons: N,
      dims: D,
      rule,
      variant: b.variant,
      steps: b.steps,
      usPerStep: perStep(b.seconds),
      cpuUsPerStep: perStep(b.cpuSeconds),
      helperBlockShare: b.helperBlockShare,
      stepsPerSecond: b.stepsPerSecond,
      meanRateHz: b.meanRateHz,
      split: { simulation: perStep(b.split.simulation), feedback: perStep(b.split.feedback), learning: perStep(b.split.learning) },
    })
  }
  return out
}

interface ValMeasure {
  neurons: number
  dims: number
  samples: number
  threads: number
  sampleStepsPerSecond: number
  meanRateHz: number
}

async function benchAdsValidation(N: number, D: number): Promise<ValMeasure[]> {
  const teacher = await initTeacher({ units: D, channels: 1, outputs: 1, seed })
  const net = (await AdsTrainer.create({ teacher, neurons: N, seed, validation: null })).getNetwork()
  const count = quick ? 8 : 128
  const x = await generateXor({ count, seed })
  const data = { inputs: x.inputs, count, steps: x.steps, targets: x.targets }
  const out: ValMeasure[] = []
  await evaluateAds(net, { ...data, count: 2, inputs: x.inputs.subarray(0, 2 * x.steps), targets: x.targets.subarray(0, 2 * x.steps) })
  for (const threads of [1, allThreads]) {
    let bestS = Infinity, rate = 0
    for (let rep = 0; rep < (quick ? 1 : 3); rep++) {
      const r = await evaluateAds(net, data, { threads, seed })
      if (r.kernelSeconds < bestS) {
        bestS = r.kernelSeconds
        rate = r.meanRateHz
      }
    }
    out.push({ neurons: N, dims: D, samples: count, threads, sampleStepsPerSecond: (count * x.steps) / bestS, meanRateHz: rate })
  }
  return out
}

const results: Array<Record<string, unknown>> = []
const started = Date.now()
if (!adsOnly)
  for (const N of sizes) {
    process.stdout.write(`N = ${N} ... `)
    const r = await benchSize(N)
    results.push(r)
    console.log('done')
  }
rmSync(tmp, { recursive: true, force: true })
const adsTraining: AdsMeasure[] = []
const adsValidation: ValMeasure[] = []
if (withAds)
  for (const [N, D] of [
    [320, 64],
    [768, 128],
  ]) {
    process.stdout.write(`ADS N = ${N}, D = ${D} ... `)
    adsTraining.push(...(await benchAdsTraining(N, D)))
    adsValidation.push(...(await benchAdsValidation(N, D)))
    console.log('done')
  }

// ---- the chip emulator against the simulator (bench/emulator-bench.ts) --------------------------------
let emulator: { measures: EmulatorMeasure[]; connections: number; camEntries: number } | null = null
if (withEmulator) {
  process.stdout.write('chip emulator N = 320 ... ')
  emulator = await benchEmulator(320, quick, allThreads)
  console.log('done')
}

// ---- the store: metric points written per second (bulk insert, one transaction per batch) ----------
let storeBench: { batch: number; pointsPerSecond: number }[] = []
if (!adsOnly) {
  const { openStore } = await import('../src/store/index.ts')
  const dir = mkdtempSync(join(tmpdir(), 'mimic-bench-store-'))
  const store = openStore(join(dir, 'bench.db'))
  const project = store.projects.create('bench')
  const run = store.runs.create({ projectId: project.id, kind: 'bench', name: 'metrics', params: {}, seed: null, codeVersion: 'bench', host: 'bench' })
  let step = 0
  for (const batch of [10, 1000, 100_000]) {
    const rounds = Math.max(1, Math.round(200_000 / batch))
    // steps increase as a training run's do (appends at the end of the index)
    const batches = Array.from({ length: rounds }, () => Array.from({ length: batch }, (_, i) => ({ key: 'loss', step: step++, value: i / 3 })))
    const t0 = performance.now()
    for (const points of batches) store.metrics.append(run.id, points)
    storeBench.push({ batch, pointsPerSecond: (batch * rounds) / ((performance.now() - t0) / 1000) })
  }
  store.close()
  rmSync(dir, { recursive: true, force: true })
}

// ---- every kernel at every SIMD level, side by side ----------------------------------------------
// The addon switches level in this process (setSimdLevel); rounds are interleaved so every level sees
// the same machine, and the best of each is kept. Results are the same at every level (checked here
// on the spike counts); only the time differs.
interface LevelMeasure {
  kernel: string
  unit: string
  /** level -> value (lower is better for times, higher for rates) */
  values: Record<string, number>
  higherIsBetter: boolean
  /** spikes or another check that must agree across levels */
  agree: boolean
  /** level -> the value of each round, in round order */
  perRound: Record<string, number[]>
  /** level -> quartiles of the per-round speed over the base level (each round's two values) */
  roundRatios: Record<string, { q1: number; median: number; q3: number }>
}
const levelMeasures: LevelMeasure[] = []
/** per ADS case: the best µs per step at each level (issue 11's target: training ≤ 3 × forward) */
const adsRatios: { neurons: number; dims: number; train: Record<string, number>; cpu: Record<string, number>; lowRank: Record<string, number>; forward: Record<string, number> }[] = []
const defaultLevel = info.simd
if (withLevels) {
  process.stdout.write(`SIMD levels (${simdLevels().join(', ')}) ... `)
  const levels = simdLevels()
  const rounds = levelRoundsFlag !== undefined ? Number(levelRoundsFlag) : quick ? 2 : 5
  const track = (kernel: string, unit: string, higherIsBetter: boolean): { add(level: string, v: number, check: number): void; m: LevelMeasure } => {
    const m: LevelMeasure = { kernel, unit, values: {}, higherIsBetter, agree: true, perRound: Object.fromEntries(levels.map((l) => [l, []])), roundRatios: {} }
    const checks: Record<string, number> = {}
    levelMeasures.push(m)
    return {
      m,
      add(level, v, check) {
        const old = m.values[level]
        if (old === undefined || (higherIsBetter ? v > old : v < old)) m.values[level] = v
        m.perRound[level].push(v)
        checks[level] = check
        m.agree = Object.values(checks).every((c) => c === checks[levels[0]] || checks[levels[0]] === undefined)
      },
    }
  }
  // the simulator, batch 1, one thread (ns per step)
  const simNets = []
  for (const N of adsOnly ? [] : sizes) {
    const b = await benchNetwork(N, seed)
    const T = Math.round(work / N)
    simNets.push({ N, net: createNetwork(b.spec), T, inputs: b.inputs(1, T), v0: benchV0(N), t: track(`simulator N=${N} b1 t1`, 'ns/step', false) })
  }
  // ADS: the online training step (its events form with P on the pool's second thread: wall and CPU
  // time; the low-rank form in the same rounds) and the forward step of the same network (µs per step)
  const adsCases = (withAds ? ([[320, 64], [768, 128]] as const) : []).map(([N, D]) => ({
    N,
    D,
    train: track(`ADS training step N/D=${N}/${D}`, 'µs/step', false),
    cpu: track(`  its CPU time (both threads)`, 'µs/step', false),
    lowRank: track(`  low-rank form, one thread`, 'µs/step', false),
    fwd: track(`ADS forward step N/D=${N}/${D}`, 'µs/step', false),
  }))
  // the teacher: BPTT and the forward pass, batch 1, one thread (time steps per second): the temporal XOR's
  // 64 units on an XOR sample, and the wake phrase's size, 128 units and 16 input channels (1 s of a fixed
  // 16-channel signal). The check that must agree across levels: the loss, a sum of the input weights'
  // gradient (the path the channels take) and the last output.
  const xt = withTeacher ? await generateXor({ count: 1, seed: seed + 1 }) : undefined
  const teachers = xt
    ? [
        { name: '64 units', params: await initTeacher({ units: 64, channels: 1, outputs: 1, seed }), batch: { inputs: xt.inputs, targets: xt.targets, count: 1, steps: xt.steps } },
        {
          name: '128 units 16 channels',
          params: await initTeacher({ units: 128, channels: 16, outputs: 1, seed }),
          batch: { inputs: Float32Array.from({ length: 1000 * 16 }, (_, k) => Math.sin(k / 37) * Math.cos((k % 16) / 3)), targets: Float32Array.from({ length: 1000 }, (_, t) => Math.sin(t / 150)), count: 1, steps: 1000 },
        },
      ].map((t) => ({ ...t, bptt: track(`teacher BPTT ${t.name} b1 t1`, 'steps/s', true), fwd: track(`teacher forward ${t.name} b1 t1`, 'steps/s', true) }))
    : []
  // the BPTT spiking baseline at its default size (160 + 160), one thread, one epoch over 2 temporal-XOR
  // samples (forward, surrogate backward, Adam): time steps per second; the check is the training MSE
  const bx = withBaselines ? await generateXor({ count: 2, seed: seed + 2 }) : undefined
  const bpttSnn = bx ? { train: { inputs: bx.inputs, targets: bx.targets, count: 2, steps: bx.steps }, t: track('BPTT-SNN 160+160 training t1', 'steps/s', true) } : undefined
  // the LIF baselines' simulator (lifRun: the robustness sweeps of the baselines, FORCE's and the
  // reservoir's training runs): a reservoir of 320 neurons fitted on the samples (4 with --quick, else 10) it
  // then runs, batch 1, one thread, on temporal-XOR samples (ns per step); the check is the spike count
  const lx = withBaselines ? await generateXor({ count: quick ? 4 : 10, seed: seed + 3 }) : undefined
  const lif = lx
    ? {
        network: (await reservoirTrain({ neurons: 320, channels: 1, outputs: 1, seed, train: { inputs: lx.inputs, targets: lx.targets, count: lx.count, steps: lx.steps } })).network,
        batch: { inputs: lx.inputs, count: lx.count, steps: lx.steps },
        t: track('LIF runner N=320 (reservoir) b1 t1', 'ns/step', false),
      }
    : undefined
  // the EBN construction (`network create`, and every network ADS starts from one): one network, one
  // thread (ms); most of it is the fast weights' N²·D products. The check is a sum over Ω_f.
  const ebn = adsOnly ? undefined : { N: quick ? 1024 : 2048, D: quick ? 128 : 256, t: track(`EBN construction ${quick ? '1024x128' : '2048x256'} t1`, 'ms', false) }
  // the chip emulator (robustness and deployment on the `emulator` target): the wake phrase's shape,
  // N = 768 with 16 analog channels and 16 decoded outputs, one thread (ns per 100 µs chip step); the
  // check is the spike count
  const chipCase = withEmulator ? { c: emulatorLevelCase(quick), t: track('chip emulator N=768 C=16 SE2 t1', 'ns/step', false) } : undefined
  const rateOf = async (fn: () => Promise<unknown>, steps: number, seconds: number): Promise<number> => {
    let calls = 0
    const t0 = performance.now()
    while (performance.now() - t0 < seconds * 1000) {
      await fn()
      calls++
    }
    return (calls * steps) / ((performance.now() - t0) / 1000)
  }
  try {
    for (let r = 0; r < rounds; r++)
      for (const level of levels) {
        setSimdLevel(level)
        for (const s of simNets) {
          const res = await s.net.simulate(s.inputs, { batch: 1, steps: s.T, threads: 1, initialV: s.v0, record: { spikes: false } })
          s.t.add(level, (res.kernelSeconds / s.T) * 1e9, res.totalSpikes)
        }
        for (const a of adsCases) {
          const res = await runAdsTrainBench({ neurons: a.N, dims: a.D, samples: quick ? 1 : 2, repeats: 1, seed, compare: 'online-lowrank' })
          a.train.add(level, (res.seconds / res.steps) * 1e6, res.meanRateHz)
          a.cpu.add(level, (res.cpuSeconds / res.steps) * 1e6, res.meanRateHz)
          a.lowRank.add(level, (res.compared!.seconds / res.steps) * 1e6, res.compared!.meanRateHz)
          a.fwd.add(level, (res.forwardSeconds / res.steps) * 1e6, res.forwardMeanRateHz)
        }
        if (ebn) {
          const t0 = performance.now()
          const e = await buildEbn({ neurons: ebn.N, dims: ebn.D, seed, g: 0.5, threads: 1 })
          ebn.t.add(level, performance.now() - t0, e.omegaF.reduce((a, x) => a + x, 0))
        }
        if (chipCase) {
          const r = await chipCase.c.run()
          chipCase.t.add(level, r.nsPerStep, r.spikes)
        }
        if (lif) {
          const r = await lifRun(lif.network, lif.batch, { threads: 1, seed })
          lif.t.add(level, (r.kernelSeconds / (lif.batch.count * lif.batch.steps)) * 1e9, r.totalSpikes)
        }
        if (bpttSnn) {
          const t0 = performance.now()
          const r = await bpttTrain({ n1: 160, n2: 160, channels: 1, outputs: 1, seed, train: bpttSnn.train, epochs: 1, batchSize: 2, threads: 1 })
          bpttSnn.t.add(level, (bpttSnn.train.count * bpttSnn.train.steps) / ((performance.now() - t0) / 1000), r.epochs[0].trainMse)
        }
        for (const t of teachers) {
          const g = await teacherGradient(t.params, t.batch, { threads: 1 })
          t.bptt.add(level, await rateOf(() => teacherGradient(t.params, t.batch, { threads: 1 }), t.batch.steps, quick ? 0.1 : 0.4), g.loss + g.grads.wIn.reduce((a, b) => a + b, 0))
          const f = await teacherForward(t.params, t.batch, { threads: 1, activations: false })
          t.fwd.add(level, await rateOf(() => teacherForward(t.params, t.batch, { threads: 1, activations: false }), t.batch.steps, quick ? 0.1 : 0.4), f.outputs[f.outputs.length - 1])
        }
      }
  } finally {
    setSimdLevel(defaultLevel)
  }
  // each round measured every level one after the other: the ratio within a round
  for (const m of levelMeasures) {
    const base = m.perRound[levels[0]]
    for (const l of levels) {
      const mine = m.perRound[l]
      const n = Math.min(base.length, mine.length)
      if (n === 0) continue
      const r = quartiles(Array.from({ length: n }, (_, i) => (m.higherIsBetter ? mine[i] / base[i] : base[i] / mine[i])))
      m.roundRatios[l] = { q1: r.q1, median: r.median, q3: r.q3 }
    }
  }
  console.log('done')
  for (const a of adsCases) adsRatios.push({ neurons: a.N, dims: a.D, train: a.train.m.values, cpu: a.cpu.m.values, lowRank: a.lowRank.m.values, forward: a.fwd.m.values })
}

// ---- teacher BPTT throughput (its own script, one JSON object) -------------------------------------
interface TeacherMeasure {
  kind: string
  batch: number
  threads: number
  stepsPerSecond: number
  cpuPerWall: number
}
let teacherBench: TeacherMeasure[] = []
if (withTeacher) {
  process.stdout.write('teacher BPTT ... ')
  const r = spawnSync(process.execPath, [join(here, 'teacher-bench.ts'), '--seconds', quick ? '0.3' : '1'], { encoding: 'utf8' })
  if (r.status === 0) teacherBench = (JSON.parse(r.stdout) as { results: TeacherMeasure[] }).results
  console.log(r.status === 0 ? 'done' : `failed: ${r.stderr.slice(-300)}`)
}

// ---- the audio front end (native/core/audio.cpp): seconds of audio per second ----------------------
interface AudioMeasure {
  inputRateHz: number
  threads: number
  audioSecondsPerSecond: number
}
const audioBench: AudioMeasure[] = []
if (withAudio) {
  process.stdout.write('audio front end ... ')
  const seconds = quick ? 5 : 30
  for (const rate of [16000, 44100]) {
    // speech-like test signal: a few chirps and seeded noise
    const x = new Float32Array(seconds * rate)
    let u = 12345
    for (let i = 0; i < x.length; i++) {
      u = (u * 1103515245 + 12345) >>> 0
      x[i] = 0.3 * Math.sin(2 * Math.PI * (200 + 50 * Math.sin(i / rate)) * (i / rate)) + 0.05 * (u / 2 ** 32 - 0.5)
    }
    for (const threads of [1, 0]) {
      let best = Infinity
      for (let r = 0; r < (quick ? 2 : 3); r++) {
        const t0 = performance.now()
        await audioFeatures(x, { sampleRateHz: rate, threads })
        best = Math.min(best, (performance.now() - t0) / 1000)
      }
      audioBench.push({ inputRateHz: rate, threads: threads || allThreads, audioSecondsPerSecond: seconds / best })
    }
  }
  console.log('done')
}

// ---- the baselines' training throughput (bench/baselines-bench.ts) ---------------------------------
interface BaselineMeasure {
  learner: string
  size: string
  samples: number
  epochs: number
  wallSeconds: number
  stepsPerSecond: number
  secondsPerSampleEpoch: number
  rls?: { microsecondsPerUpdate: number; multiplyAddsPerUpdate: number; multiplyAddsPerSecond: number }
}
let baselineBench: BaselineMeasure[] = []
if (withBaselines) {
  process.stdout.write('baselines training ... ')
  const r = spawnSync(process.execPath, [join(here, 'baselines-bench.ts'), ...(quick ? ['--quick'] : [])], { encoding: 'utf8' })
  if (r.status === 0) baselineBench = (JSON.parse(r.stdout) as { results: BaselineMeasure[] }).results
  console.log(r.status === 0 ? 'done' : `failed: ${r.stderr.slice(-300)}`)
}

// ---- the whole temporal-XOR pipeline through the CLI, as a user runs it -----------------------------
interface PipelineMeasure {
  size: string
  wallSeconds: number
  stages: Record<string, number | null>
  teacherTestAccuracy: number
  adsTestAccuracy: number
  reconstructionError: number
}
let pipeline: PipelineMeasure | undefined
if (withPipeline) {
  process.stdout.write(`temporal-XOR pipeline (${quick ? 'reduced' : 'paper size'}) ... `)
  const dir = mkdtempSync(join(tmpdir(), 'mimic-bench-pipeline-'))
  const db = join(dir, 'bench.db')
  const reduced = ['--teacher-units', '24', '--teacher-epochs', '12', '--teacher-samples-per-epoch', '200', '--teacher-step-size', '3e-3', '--teacher-tau-step-unit', 'ms', '--neurons', '160', '--epochs', '3', '--samples-per-epoch', '60', '--validation-samples', '20', '--test-samples', '60']
  const mimicBin = join(here, '..', 'bin', 'mimic.js')
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [mimicBin, '--db', db, '--json', 'reproduce', 'xor', '--seed', '1', ...(quick ? reduced : [])], { encoding: 'utf8' })
  const wall = (performance.now() - t0) / 1000
  if (r.status === 0) {
    const o = JSON.parse(r.stdout) as Record<string, number>
    const stages: Record<string, number | null> = {}
    for (const [name, id] of [['dataset', o.datasetRunId], ['teacher', o.teacherRunId], ['ads', o.adsRunId], ['test', o.testRunId]] as const) {
      const show = spawnSync(process.execPath, [mimicBin, '--db', db, '--json', 'runs', 'show', String(id)], { encoding: 'utf8' })
      stages[name] = show.status === 0 ? (JSON.parse(show.stdout) as { durationSeconds: number | null }).durationSeconds : null
    }
    pipeline = { size: quick ? 'reduced' : 'paper', wallSeconds: wall, stages, teacherTestAccuracy: o.teacherTestAccuracy, adsTestAccuracy: o.adsTestAccuracy, reconstructionError: o.reconstructionError }
    console.log('done')
  } else console.log(`failed: ${r.stderr.slice(-300)}`)
  rmSync(dir, { recursive: true, force: true })
}

const fmt = (x: number | null | undefined, d = 2): string => (x == null ? '-' : x.toFixed(d))
if (results.length) {
  console.log(`\nSpiking network benchmark  (${info.compiler}, flags "${info.flags}", SIMD ${info.simd}, ${allThreads} threads)`)
  console.log('network: benchNetwork (EBN g 0.5, random slow weights, 2 input channels), float32, dt 1 ms, spike counts only\n')
  console.log('   N  variant          steps   ns/step/sample  neuron-steps/s   spikes')
  for (const r of results) {
    for (const m of r.measures as Measure[])
      console.log(
        `${String(r.neurons).padStart(5)}  ${m.label.padEnd(15)} ${String(m.steps).padStart(7)}   ${m.nsPerStepSample.toFixed(0).padStart(10)}   ${m.neuronStepsPerSecond.toExponential(3).padStart(13)}  ${String(m.spikes).padStart(8)}`,
      )
  }
  console.log('\n   N   rate Hz  ours/floor  ours/Brian2  b16/b1 (1 thread)  batch ceiling  threads b16  same spikes: floor  Brian2')
  for (const r of results) {
    const q = r.ratios as Record<string, number | undefined>
    const s = r.spikeCountsAgree as { identical: boolean }
    const bs = r.brianSpikesAgree as { identical: boolean } | undefined
    console.log(
      `${String(r.neurons).padStart(5)}  ${fmt(r.meanRateHz as number).padStart(7)}  ${fmt(q.oursOverFloor).padStart(10)}  ${fmt(q.oursOverBrian2, 1).padStart(11)}  ${fmt(q.batch16OverBatch1).padStart(17)}  ${fmt(q.batchCeiling).padStart(13)}  ${fmt(q.threadScalingBatch16).padStart(11)}  ${(s.identical ? 'yes' : 'NO').padStart(18)}  ${bs ? (bs.identical ? 'yes' : 'NO') : '-'}`,
    )
  }
  console.log('\n   N  ns/step  spikes/step  bytes/step  row bytes/step  flops/step  GFLOP/s  stream GB/s (matrix, L1)  rows at stream BW ns')
  for (const r of results) {
    const p = r.perStep as Record<string, number>
    console.log(
      `${String(r.neurons).padStart(5)}  ${p.nsPerStep.toFixed(0).padStart(7)}  ${fmt(r.spikesPerStep as number).padStart(11)}  ${p.bytesTouched.toFixed(0).padStart(10)}  ${p.bytesWeightRowsRead.toFixed(0).padStart(14)}  ${p.flops.toFixed(0).padStart(10)}  ${fmt(p.gflopsAchieved).padStart(7)}  ${fmt(p.streamGBsAtMatrixSize, 1).padStart(10)}, ${fmt(p.streamGBsInL1, 1).padStart(6)}  ${p.rowTimeAtStreamBandwidthNs.toFixed(0).padStart(18)}`,
    )
  }
}
if (adsTraining.length) {
  console.log(`\nADS training loop, one thread, SIMD ${info.simd} (XOR inputs, random teacher of D units, k 75, η 1e-6; µs per simulated step, split measured in a second pass)`)
  console.log('   N    D  rule            µs/step  CPU µs  P by 2nd   steps/s   rate Hz   simulation  feedback  learning  learning share')
  for (const m of adsTraining)
    console.log(
      `${String(m.neurons).padStart(5)}  ${String(m.dims).padStart(3)}  ${m.rule.padEnd(14)}  ${m.usPerStep.toFixed(2).padStart(7)}  ${m.cpuUsPerStep.toFixed(2).padStart(6)}  ${(100 * m.helperBlockShare).toFixed(0).padStart(6)} %  ${m.stepsPerSecond.toFixed(0).padStart(9)}  ${m.meanRateHz.toFixed(1).padStart(8)}  ${m.split.simulation.toFixed(2).padStart(10)}  ${m.split.feedback.toFixed(2).padStart(12)}  ${m.split.learning.toFixed(2).padStart(8)}  ${((100 * m.split.learning) / (m.split.simulation + m.split.feedback + m.split.learning)).toFixed(0).padStart(13)} %`,
    )
  console.log('\nADS validation (evaluateAds: k = 0, no learning, samples in parallel)')
  console.log('   N    D  samples  threads  sample-steps/s  rate Hz')
  for (const v of adsValidation)
    console.log(
      `${String(v.neurons).padStart(5)}  ${String(v.dims).padStart(3)}  ${String(v.samples).padStart(7)}  ${String(v.threads).padStart(7)}  ${v.sampleStepsPerSecond.toFixed(0).padStart(14)}  ${v.meanRateHz.toFixed(1).padStart(7)}`,
    )
}
if (emulator) {
  console.log(`\nChip emulator against the simulator, side by side (benchNetwork N = 320 deployed to a one-chip DYNAP-SE2: ${emulator.connections} connections kept of the dense network; dt 1 ms; best of interleaved rounds)`)
  console.log('  engine              batch  threads  sample-steps/s  vs simulator   rate Hz')
  for (const m of emulator.measures) {
    const sim = emulator.measures.find((x) => x.engine === 'simulator' && x.threads === m.threads)!
    console.log(`  ${m.engine.padEnd(18)}  ${String(m.batch).padStart(5)}  ${String(m.threads).padStart(7)}  ${m.sampleStepsPerSecond.toFixed(0).padStart(14)}  ${(m.sampleStepsPerSecond / sim.sampleStepsPerSecond).toFixed(2).padStart(12)}  ${m.meanRateHz.toFixed(1).padStart(8)}`)
  }
}
if (storeBench.length) {
  console.log('\nStore: metric points written per second (WAL, one transaction per batch)')
  for (const m of storeBench) console.log(`  batch ${String(m.batch).padStart(6)}: ${m.pointsPerSecond.toFixed(0).padStart(9)} points/s`)
}
if (teacherBench.length) {
  console.log('\nTeacher BPTT (64 units, 1000-step XOR samples; time steps per second, median of 3 rounds)')
  console.log('  kind         batch  threads   steps/s   cpu/wall')
  for (const m of teacherBench)
    console.log(`  ${m.kind.padEnd(11)}  ${String(m.batch).padStart(5)}  ${String(m.threads).padStart(7)}  ${String(m.stepsPerSecond).padStart(8)}   ${m.cpuPerWall.toFixed(2).padStart(8)}`)
}
if (levelMeasures.length) {
  const levels = simdLevels()
  const base = levels[0]
  const width = Math.max(34, ...levelMeasures.map((m) => m.kernel.length))
  console.log(`\nSIMD levels, each kernel at every level of this CPU, side by side in this run (best of interleaved rounds); the addon uses ${defaultLevel}`)
  console.log(`  ${'kernel'.padEnd(width)} ${'unit'.padEnd(8)} ${levels.map((l) => l.padStart(10)).join(' ')}  ${levels.slice(1).map((l) => `${l}/${base}`.padStart(12)).join(' ')}  same results`)
  for (const m of levelMeasures) {
    const speedup = (l: string): number => (m.higherIsBetter ? m.values[l] / m.values[base] : m.values[base] / m.values[l])
    console.log(
      `  ${m.kernel.padEnd(width)} ${m.unit.padEnd(8)} ${levels.map((l) => (m.unit === 'steps/s' ? Math.round(m.values[l]).toString() : m.values[l].toFixed(m.unit === 'ns/step' ? 0 : 2)).padStart(10)).join(' ')}  ${levels.slice(1).map((l) => speedup(l).toFixed(2).padStart(12)).join(' ')}  ${m.agree ? 'yes' : 'NO'}`,
    )
  }
  const rounds = Math.max(...levelMeasures.map((m) => m.perRound[base].length))
  if (rounds >= 3) {
    console.log(`\nSpeed over ${base} within each round: the median [and quartiles] of the ${rounds} per-round ratios`)
    console.log(`  ${'kernel'.padEnd(width)} ${levels.slice(1).map((l) => `${l}/${base}`.padStart(22)).join(' ')}`)
    for (const m of levelMeasures) {
      const cell = (l: string): string => {
        const r = m.roundRatios[l]
        return (r ? `${r.median.toFixed(2)} [${r.q1.toFixed(2)}-${r.q3.toFixed(2)}]` : '-').padStart(22)
      }
      console.log(`  ${m.kernel.padEnd(width)} ${levels.slice(1).map(cell).join(' ')}`)
    }
  }
  if (adsRatios.length) {
    console.log(`\nADS training step / forward step of the same network, per level (issue 11's target: at most 3 at 768/128)`)
    console.log(`  ${'N/D'.padEnd(9)} ${'ratio'.padEnd(34)} ${levels.map((l) => l.padStart(10)).join(' ')}`)
    for (const a of adsRatios) {
      const row = (label: string, of: Record<string, number>): string => `  ${`${a.neurons}/${a.dims}`.padEnd(9)} ${label.padEnd(34)} ${levels.map((l) => (of[l] / a.forward[l]).toFixed(2).padStart(10)).join(' ')}`
      console.log(row('events form, wall (P ahead on t2)', a.train))
      console.log(row('events form, CPU of both threads', a.cpu))
      console.log(row('low-rank form, one thread', a.lowRank))
    }
  }
}
if (audioBench.length) {
  console.log('\nAudio front end (16 band-pass filters, envelopes at 1 kHz; docs/method.md §2.2): seconds of audio per second, best of rounds')
  console.log('  input rate  threads  audio s/s')
  for (const m of audioBench) console.log(`  ${String(m.inputRateHz).padStart(10)}  ${String(m.threads).padStart(7)}  ${m.audioSecondsPerSecond.toFixed(0).padStart(9)}`)
}
if (pipeline) {
  const st = pipeline.stages
  console.log(`\nTemporal-XOR pipeline (${pipeline.size} size, \`mimic reproduce xor --seed 1\`): ${pipeline.wallSeconds.toFixed(1)} s wall`)
  console.log(`  stages: dataset ${fmt(st.dataset, 1)} s, teacher ${fmt(st.teacher, 1)} s, network ADS ${fmt(st.ads, 1)} s, test ${fmt(st.test, 1)} s`)
  console.log(`  teacher test accuracy ${fmt(pipeline.teacherTestAccuracy, 3)}, network ADS ${fmt(pipeline.adsTestAccuracy, 3)}, reconstruction error ${fmt(pipeline.reconstructionError, 3)}`)
}
// The runs table at 10⁴ runs in Chromium (bench/runs-table.ts), in its own process
let runsTable: Record<string, number> | null = null
if (!args.includes('--no-runs-table') && !adsOnly) {
  const r = spawnSync(process.execPath, [join(here, 'runs-table.ts'), '--json', '--runs', quick ? '2000' : '10000'], { encoding: 'utf8', timeout: 600_000 })
  if (r.status === 0) {
    runsTable = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>
    console.log(`\nRuns table, ${runsTable.runs} runs (Chromium, 1024 px): runs.export ${runsTable.exportCallMs.toFixed(0)} ms, first paint ${runsTable.firstPaintMs} ms, filter ${runsTable.filterMs.toFixed(1)} ms (computation ≤ ${runsTable.filterComputeMs.toFixed(1)} ms), scroll to the end ${runsTable.scrollToEndMs.toFixed(0)} ms with ${runsTable.rowsInPage} rows in the page`)
  } else console.log(`\nRuns table: not measured (${(r.stderr || r.stdout).trim().split('\n').pop()}); it needs a built renderer (npm run build) and chromium`)
}
if (baselineBench.length) {
  console.log('\nBaselines: training throughput on 1 s temporal-XOR samples, all threads (sample steps per second of training)')
  for (const b of baselineBench) {
    console.log(`  ${b.learner.padEnd(10)} ${b.size.padEnd(8)} ${fmt(b.stepsPerSecond, 0).padStart(10)} steps/s, ${fmt(b.secondsPerSampleEpoch, 3)} s per sample and epoch  (${b.samples} samples × ${b.epochs} epoch in ${fmt(b.wallSeconds, 2)} s)`)
    if (b.rls) console.log(`  ${''.padEnd(19)} RLS update: ${fmt(b.rls.microsecondsPerUpdate, 1)} µs per step, ${fmt(b.rls.multiplyAddsPerUpdate, 0)} multiply-adds (${fmt(b.rls.multiplyAddsPerSecond / 1e9, 2)}·10⁹ per second)`)
  }
}
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true })
const file = join(outDir, `snn-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
const simd = {
  default: defaultLevel,
  levels: simdLevels(),
  adsRatios: adsRatios.map((a) => ({ ...a, trainOverForward: Object.fromEntries(Object.keys(a.train).map((l) => [l, a.train[l] / a.forward[l]])) })),
  // per kernel: the value at each level and its speed relative to SSE2 (the base level) measured in this run
  kernels: levelMeasures.map((m) => ({
    ...m,
    overBase: Object.fromEntries(Object.keys(m.values).map((l) => [l, m.higherIsBetter ? m.values[l] / m.values[simdLevels()[0]] : m.values[simdLevels()[0]] / m.values[l]])),
  })),
}
writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), addon: info, quick, reps, results, adsTraining, adsValidation, emulator, teacher: teacherBench, baselines: baselineBench, simd, pipeline, store: storeBench, runsTable, audio: audioBench, seconds: (Date.now() - started) / 1000 }, null, 2))
console.log(`\nwritten to ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)`)
