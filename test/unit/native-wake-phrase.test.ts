// The wake-phrase decision rule (docs/method.md §6) through the real addon, against hand-made outputs:
// the score (largest sum of y_s over a stretch where y_s ≥ 0.5), the decision against the boundary,
// the fit of the boundary on validation outputs, labels from targets, and NaN outputs.
import { describe, expect, it } from 'vitest'
import { taskList, taskScore } from '../../native/index.ts'
import { thrown } from '../support/thrown.ts'

const steps = 400

/** A trace that is `v` on [from, to) and 0 elsewhere. */
function bump(from: number, to: number, v = 1): number[] {
  return Array.from({ length: steps }, (_, t) => (t >= from && t < to ? v : 0))
}

/** The score as docs/method.md §6 states it, in double precision. */
function score(y: readonly number[], alpha = 0.95, level = 0.5): number {
  let ys = 0, run = 0, best = 0
  for (const v of y) {
    ys = alpha * ys + (1 - alpha) * v
    if (ys >= level) {
      run += ys
      best = Math.max(best, run)
    } else run = 0
  }
  return best
}

function batch(traces: number[][]): { outputs: Float32Array; shape: [number, number, number] } {
  return { outputs: Float32Array.from(traces.flat()), shape: [traces.length, steps, 1] }
}

describe('the wake-phrase task', () => {
  it('is registered natively without a generator, with its fitted boundary (default 0)', () => {
    const t = taskList().find((x) => x.name === 'wake-phrase')!
    expect(t.generator).toBe(false)
    expect(t.fitted.map((f) => [f.name, f.default])).toEqual([['boundary', 0]])
    expect(t.ruleOptions.map((o) => o.name)).toEqual(['alpha', 'level', 'labelThreshold', 'candidates'])
  })

  it('decides by the largest stretch sum against the boundary: hand-made traces', () => {
    const long = bump(100, 300) // y_s reaches 0.5 after 14 steps and stays above until after 300
    const short = bump(100, 110) // y_s peaks at 1 − 0.95^10 ≈ 0.40: never reaches 0.5
    const twoStretches = [...bump(20, 80).slice(0, 200), ...bump(0, 200).slice(200)].map((v, t) => (t >= 220 && t < 380 ? 1 : v))
    const quiet = bump(0, 0)
    const traces = [long, short, twoStretches, quiet]
    // the rule's score, hand-checked on two of them
    expect(score(short)).toBe(0)
    expect(score(quiet)).toBe(0)
    expect(score(long)).toBeGreaterThan(150)
    // the second stretch of twoStretches is the longer one: the sums restart, so the score is its sum
    // alone (plus the first bump's residue, 0.95^140 of it)
    expect(score(twoStretches)).toBeCloseTo(score(bump(220, 380)), 1)
    expect(score(twoStretches)).toBeLessThan(score(bump(20, 80)) + score(bump(220, 380)))
    const withDefault = taskScore('wake-phrase', { ...batch(traces), labels: Int8Array.of(1, -1, 1, -1) })
    expect([...withDefault.decisions]).toEqual([1, -1, 1, -1])
    expect(withDefault.accuracy).toBe(1)
    expect(withDefault.fitted).toEqual({ boundary: 0 })
    // a boundary between the two positive scores: only the long one is a keyword
    const B = (score(long) + score(twoStretches)) / 2
    expect(score(long)).toBeGreaterThan(score(twoStretches))
    const r = taskScore('wake-phrase', { ...batch(traces), labels: Int8Array.of(1, -1, 1, -1), fitted: { boundary: B } })
    expect([...r.decisions]).toEqual([1, -1, -1, -1])
    expect(r.correct).toBe(3)
    // just below / above the long trace's own score (float32 inputs: its score within 1e-4)
    expect(taskScore('wake-phrase', { ...batch([long]), fitted: { boundary: score(long) - 1e-3 } }).decisions[0]).toBe(1)
    expect(taskScore('wake-phrase', { ...batch([long]), fitted: { boundary: score(long) + 1e-3 } }).decisions[0]).toBe(-1)
  })

  it('reads the smoothed trace it sums', () => {
    const r = taskScore('wake-phrase', { ...batch([bump(10, 50)]), smoothed: true })
    let ys = 0
    for (let t = 0; t < steps; t++) {
      ys = 0.95 * ys + 0.05 * (t >= 10 && t < 50 ? 1 : 0)
      expect(r.smoothed![t]).toBe(Math.fround(ys))
    }
  })

  it('fits the boundary on validation outputs: 1000 candidates between the extreme scores, the middle of the first best run', () => {
    // positives: stretches of 150 to 240 steps; negatives: none, or stretches of 40 to 90 steps
    const pos = [150, 180, 210, 240].map((n) => bump(50, 50 + n))
    const neg = [0, 40, 60, 90].map((n) => bump(50, 50 + n))
    const traces = [...pos, ...neg]
    const labels = Int8Array.of(1, 1, 1, 1, -1, -1, -1, -1)
    const f = taskScore('wake-phrase', { ...batch(traces), labels, fit: true })
    const scores = traces.map((y) => score(y))
    const lo = Math.min(...scores), hi = Math.max(...scores)
    const hiNeg = Math.max(...scores.slice(4)), loPos = Math.min(...scores.slice(0, 4))
    expect(hiNeg).toBeLessThan(loPos)
    // candidates lo + (hi − lo)·j/999 in [hiNeg, loPos) separate perfectly; the fit takes the middle one of them
    const first = Math.ceil(((hiNeg - lo) / (hi - lo)) * 999), last = Math.ceil(((loPos - lo) / (hi - lo)) * 999) - 1
    const expected = lo + ((hi - lo) * ((first + last) / 2)) / 999
    expect(f.fitted.boundary).toBeCloseTo(expected, 1)
    expect(f.fitted.boundary).toBeGreaterThan(hiNeg)
    expect(f.fitted.boundary).toBeLessThan(loPos)
    expect(f.accuracy).toBe(1)
    // the fitted boundary given back decides the same
    const again = taskScore('wake-phrase', { ...batch(traces), labels, fitted: f.fitted })
    expect([...again.decisions]).toEqual([...f.decisions])
    // where the classes overlap the fit still takes the best accuracy (7 of 8 here)
    const overlap = taskScore('wake-phrase', { ...batch([...pos, ...neg.slice(0, 3), bump(50, 250)]), labels, fit: true })
    expect(overlap.correct).toBe(7)
  })

  it('labels from targets (+1 when the target exceeds 0.5), and no decision on NaN outputs', () => {
    const targets = Float32Array.from([...bump(100, 200, 0.9), ...bump(100, 200, 0.4)])
    const y = [bump(100, 300), bump(0, 0)]
    y[1][7] = NaN
    const r = taskScore('wake-phrase', { ...batch(y), targets })
    expect([...r.labels!]).toEqual([1, -1])
    expect([...r.decisions]).toEqual([1, 0])
    expect(r.undecided).toBe(1)
  })

  it('rejects unknown or out-of-range settings, naming them', () => {
    expect(String(thrown(() => taskScore('wake-phrase', { ...batch([bump(0, 0)]), fitted: { threshold: 1 } })))).toMatch(/threshold/)
    expect(String(thrown(() => taskScore('wake-phrase', { ...batch([bump(0, 0)]), options: { candidates: 1 } })))).toMatch(/candidates/)
    expect(String(thrown(() => taskScore('wake-phrase', { ...batch([bump(0, 0)]), fit: true })))).toMatch(/data\.fit needs data\.labels or data\.targets/)
  })
})
