// A reduced, seeded run of the server fuzzer (test/fuzz/server-fuzz.ts; the full run is
// `npm run fuzz`): 2,000 malformed HTTP requests and 2,000 WebSocket frames against a real
// `mimic serve`, with no crash, hang, 5xx, policy breach, unclosed socket, leak or database damage.
import { expect, it } from 'vitest'
import { formatReport, fuzzServer } from '../fuzz/server-fuzz.ts'

it('survives 2,000 fuzzed HTTP requests and 2,000 WebSocket frames with every answer a 4xx or better', async () => {
  const report = await fuzzServer({ requests: 2000, frames: 2000, seed: 9 })
  console.log(formatReport(report))
  expect(report.findings).toEqual([])
  expect(report.frames).toBe(2000)
  expect(Object.values(report.statuses).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2000)
  // the fuzz reached the services: some operations succeeded, and most bad input was refused
  expect(Object.values(report.succeeded).reduce((a, b) => a + b, 0)).toBeGreaterThan(50)
  expect(report.statuses['400']).toBeGreaterThan(500)
  expect(report.closeCodes['1002']).toBeGreaterThan(100)
  expect(report.healthChecks).toBeGreaterThanOrEqual(16)
  expect(report.database).toMatchObject({ integrity: 'ok', sentinelIntact: true })
}, 120_000)
