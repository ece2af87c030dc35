// The floor reference (bench/floor.c): compile it and hand it a network. Used by bench/run.ts and by
// test/integration/bench-floor.test.ts, which checks that the floor (and its --shared variant) fire
// exactly the spikes our simulator fires, so the ratios the bench prints compare the same work.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_NEURON_PARAMS, type BenchNetwork } from '../native/index.ts'

const here = dirname(fileURLToPath(import.meta.url))

/** The instruction sets of each SIMD level of the addon (native/core/simd_foreach.hpp). */
const levelFlags: Record<string, string[]> = {
  sse2: [],
  avx2: ['-mavx2', '-mfma'],
  avx512: ['-mavx2', '-mfma', '-mavx512f', '-mavx512vl', '-mavx512bw', '-mavx512dq', '-mprefer-vector-width=512'],
}

/**
 * Compiles floor.c into `out` with the optimisation and -march flags of the addon's build and the
 * instruction set of the SIMD level its kernels use (`simd`), so that the floor loop gets the same
 * vector width as ours. No multiply-add is fused, as in the addon.
 */
export function compileFloor(addonFlags: string, out: string, simd = 'sse2'): void {
  const archFlags = addonFlags.split(/\s+/).filter((f) => f.startsWith('-march') || f.startsWith('-O'))
  const cflags = ['-std=c11', ...(archFlags.length ? archFlags : ['-O3']), ...(levelFlags[simd] ?? []), '-ffp-contract=off', '-DNDEBUG']
  const r = spawnSync('cc', [...cflags, '-o', out, join(here, 'floor.c'), '-lm'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`compiling bench/floor.c failed:\n${r.stderr}`)
}

/** Writes the files floor.c (and brian2_ebn.py) read: meta.txt, the weights, `steps` of sample 0's input, v0. */
export function writeFloorNetwork(dir: string, bench: BenchNetwork, steps: number, v0: Float32Array): void {
  const { spec } = bench
  mkdirSync(dir, { recursive: true })
  const p = DEFAULT_NEURON_PARAMS
  const meta = [spec.neurons, spec.channels ?? 0, steps, p.tauMemMs, p.tauSMs, p.tauFMs, p.tauOutMs, p.vTh, p.vRest, p.vReset, p.bias, 1]
  writeFileSync(join(dir, 'meta.txt'), meta.join(' '))
  const put = (name: string, a: Float32Array): void => writeFileSync(join(dir, name), Buffer.from(a.buffer, a.byteOffset, a.byteLength))
  const w = spec.weights
  put('wIn.f32', w.wIn!)
  put('omegaF.f32', w.omegaF!)
  put('omegaS.f32', w.omegaS!)
  put('inputs.f32', bench.inputs(1, steps))
  put('v0.f32', v0)
}

/** The initial membrane potentials the bench gives ours, the floor and Brian2. */
export function benchV0(neurons: number): Float32Array {
  return Float32Array.from({ length: neurons }, (_, i) => (i * 0.6180339887) % 1)
}

/** Runs the floor (`shared`: every parameter in a register) for `steps` steps of the network in `dir`. */
export function runFloor(bin: string, dir: string, steps: number, shared = false): { seconds: number; spikes: number } {
  const r = spawnSync(bin, [...(shared ? ['--shared'] : []), dir, String(steps), '1'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`floor failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as { seconds: number; spikes: number }
}
