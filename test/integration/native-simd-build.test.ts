// The built addon, disassembled (objdump, from binutils beside g++): one portable binary whose wide
// instructions live only in the per-level kernels, and no gather instruction anywhere.
//
// The gathers are why the -march=native build trained five times slower (bench/README.md): GCC 12
// vectorised the feedback product's loop over the encoder's rows as an in-order reduction with
// vgatherqps (132 gathers in that build). The kernels now write that product with explicit vectors.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { addonPath, addonStatus } from '../../native/index.ts'

const info = addonStatus().info!

function functions(): Map<string, string[]> {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', '-C', addonPath()], { encoding: 'utf8', maxBuffer: 1 << 30 })
  const out = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+ <(.*)>:$/.exec(line)
    if (head) {
      current = []
      out.set(head[1], current)
    } else if (current && line.startsWith(' ')) current.push(line)
  }
  return out
}

describe('the addon binary', () => {
  const fns = functions()
  // AVX registers, AVX-512 mask registers, VEX/EVEX-encoded instructions (mnemonics v...)
  const wide = /%[yz]mm|%k[0-7]\b|^\s*[0-9a-f]+:\tv[a-z0-9]+\s/

  it('has no gather instruction', () => {
    const gathers = [...fns].filter(([, body]) => body.some((l) => /:\tv(p)?gather/.test(l))).map(([name]) => name)
    expect(gathers).toEqual([])
  })

  it('is compiled for SSE2 and uses AVX only inside the avx2 and avx512 kernels, so it runs on any x86-64 CPU', () => {
      // the build `npm ci` makes (npm run build:native without MIMIC_NATIVE_ARCH)
      expect(info.baselineIsa).toBe(process.arch === 'x64' ? 'SSE2' : info.baselineIsa)
      const withWide = [...fns].filter(([, body]) => body.some((l) => wide.test(l)))
      const outside = withWide.map(([name]) => name).filter((name) => !/simd_avx2|simd_avx512/.test(name))
      expect(outside).toEqual([])
      // and those kernels exist: the simulator, the ADS training sample, the teacher, the LIF baselines'
      // step and the chip emulator's step and decoder, at both levels
      for (const level of ['avx2', 'avx512'])
        for (const kernel of [
          `mimic::simd_${level}::ads_train_sample`,
          `mimic::simd_${level}::sample_gradient<float>`,
          `mimic::simd_${level}::forward_sample<float>`,
          `mimic::simd_${level}::kernel::update_neurons`,
          `mimic::simd_${level}::lif_step`,
          `mimic::simd_${level}::chip_step`,
          `mimic::simd_${level}::chip_decode`,
        ])
          expect(withWide.some(([name]) => name.includes(kernel)), kernel).toBe(true)
  })
})
