// What a task's sample view draws of a network output (renderer/src/lib/chart/smoothing.ts): the output
// whose decision the page shows faint under the smoothed y_s its task's rule reads; any other as it is.
import { describe, expect, it } from 'vitest'
import { exponentialSmoothing, outputLines } from '../../renderer/src/lib/chart/smoothing.ts'

const y = Float32Array.from([0, 1, 1, 0.5])

describe('outputLines', () => {
  it('draws the decided output faint, with y_s (decay of the task) over it', () => {
    const { lines, smoothed } = outputLines({ name: 'teacher ŷ', color: '#2457c5', decided: true }, y, 0.95)
    expect(smoothed).toEqual(exponentialSmoothing(y, 0.95))
    expect(lines.map(({ label, stroke, width }) => ({ label, stroke, width }))).toEqual([
      { label: 'teacher ŷ', stroke: 'rgba(36, 87, 197, 0.4)', width: 1 },
      { label: 'y_s (smoothed)', stroke: '#2457c5', width: 2 },
    ])
    expect(lines[0].column).toBe(y)
    expect(lines[1].column).toBe(smoothed)
  })

  it('draws any other output, or one of a task without smoothing, as it is', () => {
    for (const [decided, decay] of [[false, 0.95], [true, undefined], [undefined, 0.95]] as const) {
      const { lines, smoothed } = outputLines({ name: 'ADS ŷ', color: '#5b3fc4', decided }, y, decay)
      expect(smoothed).toBeNull()
      expect(lines).toEqual([{ column: y, label: 'ADS ŷ', stroke: '#5b3fc4', width: 1.25 }])
    }
  })
})
