// Runs a block of tests once per SIMD level this machine has: the addon's kernels switch level within
// the test process (setSimdLevel), and the level in use before is restored afterwards.
import { afterAll, beforeAll, describe } from 'vitest'
import { addonStatus, setSimdLevel, simdLevels } from '../../native/index.ts'

export function atEverySimdLevel(name: string, body: (level: string) => void): void {
  const before = addonStatus().info!.simd
  for (const level of simdLevels()) {
    describe(`${name} [SIMD ${level}]`, () => {
      beforeAll(() => {
        setSimdLevel(level)
      })
      afterAll(() => {
        setSimdLevel(before)
      })
      body(level)
    })
  }
}
