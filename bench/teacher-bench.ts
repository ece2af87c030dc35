// Teacher BPTT throughput: time steps per second of forward + backward (teacherGradient on a batch
// of 1 s temporal-XOR samples), for batch 1 and 16 and 1 and 2 threads, 64 units; plus the
// forward pass alone and one training epoch. Prints one JSON object.
//   node bench/teacher-bench.ts [--seconds 1]   (per timed round; 4 rounds per case, about 50 s in all)
import { generateXor, initTeacher, teacherForward, teacherGradient, TeacherTrainer, addonStatus } from '../native/index.ts'

const argSeconds = process.argv.indexOf('--seconds')
const budget = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 1

// Shared VMs are noisy (CPU frequency, neighbours): each case is a warm-up round and then `rounds`
// timed rounds of `budget` seconds; the median and the best round are reported.
const rounds = 3
// cpuPerWall: process CPU time / wall time over the timed rounds; below the thread count it shows
// that the machine did not give the process all its cores (shared machines).
async function rate(fn: () => Promise<unknown>, stepsPerCall: number): Promise<{ stepsPerSecond: number; bestStepsPerSecond: number; msPerCall: number; cpuPerWall: number }> {
  const round = async (): Promise<number> => {
    let calls = 0
    const t0 = performance.now()
    while (performance.now() - t0 < budget * 1000) {
      await fn()
      calls++
    }
    return (calls * stepsPerCall) / ((performance.now() - t0) / 1000)
  }
  await round() // warm-up (allocations, thread-local workspaces, frequency)
  const r: number[] = []
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  for (let i = 0; i < rounds; i++) r.push(await round())
  const cpu = process.cpuUsage(cpu0)
  const cpuPerWall = +((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)).toFixed(2)
  r.sort((a, b) => a - b)
  const median = r[Math.floor(rounds / 2)]
  return { stepsPerSecond: Math.round(median), bestStepsPerSecond: Math.round(r[rounds - 1]), msPerCall: +((stepsPerCall / median) * 1000).toFixed(3), cpuPerWall }
}

const units = 64
const params = await initTeacher({ units, channels: 1, outputs: 1, seed: 1 })
const x = await generateXor({ count: 16, seed: 2 })
const steps = x.steps
const results: Record<string, unknown>[] = []
for (const batch of [1, 16]) {
  const b = { inputs: x.inputs.subarray(0, batch * steps), targets: x.targets.subarray(0, batch * steps), count: batch, steps }
  for (const threads of [1, 2]) {
    const bptt = await rate(() => teacherGradient(params, b, { threads }), batch * steps)
    const fwd = await rate(() => teacherForward(params, b, { threads, activations: false }), batch * steps)
    results.push({ kind: 'bptt', units, batch, threads, steps, ...bptt })
    results.push({ kind: 'forward', units, batch, threads, steps, ...fwd })
  }
}
// One training epoch of 64 fresh XOR samples (sample generation + BPTT + Adam), batch 1 and 16.
for (const batchSize of [1, 16]) {
  for (const threads of [1, 2]) {
    const t = new TeacherTrainer({ params, data: { task: { name: 'xor', samplesPerEpoch: 64 } }, batchSize, threads })
    const r = await rate(() => t.runEpochs(1), 64 * steps)
    results.push({ kind: 'train-epoch', units, batch: batchSize, threads, steps, samplesPerEpoch: 64, ...r })
  }
}
const info = addonStatus().info
console.log(JSON.stringify({ bench: 'teacher', loadAverage: (await import('node:os')).loadavg().map((v) => +v.toFixed(2)), units, stepsPerSample: steps, secondsPerRound: budget, rounds, build: info ? { buildType: info.buildType, simd: info.simd, compiler: info.compiler, hardwareThreads: info.hardwareThreads } : null, results }, null, 1))
