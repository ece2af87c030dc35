// The robustness report's statistics (src/analysis/stats.ts) against published worked examples, closed
// forms, and scipy itself (Debian's python3-scipy, which .ci/run installs) on seeded random inputs.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { exactCdf, mannWhitneyU, median, proportionCI, quantile, quartiles, StatsInputError } from '../../src/analysis/stats.ts'
import { Rng } from '../../src/system/rng.ts'

const python = '/usr/bin/python3'

/** Runs a Python snippet that reads JSON cases on stdin and prints JSON results. */
function scipy<T>(code: string, cases: unknown): T {
  const r = spawnSync(python, ['-c', `import json, sys\nimport numpy as np\nfrom scipy import stats\ncases = json.load(sys.stdin)\n${code}`], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  if (r.status !== 0) throw new Error(`python3 with scipy failed (apt-get install -y python3-scipy): ${r.error?.message ?? r.stderr}`)
  return JSON.parse(r.stdout) as T
}

const close = (a: number, b: number, rel: number, abs = 0): boolean => Math.abs(a - b) <= Math.max(abs, rel * Math.max(Math.abs(a), Math.abs(b)))

describe('quantiles (numpy linear, Hyndman & Fan type 7)', () => {
  it('published examples', () => {
    // numpy.quantile docs: a = [[10, 7, 4], [3, 2, 1]], np.quantile(a, 0.5) = 3.5 (flattened)
    expect(quantile([10, 7, 4, 3, 2, 1], 0.5)).toBe(3.5)
    expect(median([10, 7, 4, 3, 2, 1])).toBe(3.5)
    // R's quantile(1:10) (type 7, the default): 1, 3.25, 5.5, 7.75, 10
    expect([0, 0.25, 0.5, 0.75, 1].map((p) => quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p))).toEqual([1, 3.25, 5.5, 7.75, 10])
    // type 7 on 1..4: q1 = 1.75, q3 = 3.25 (Hyndman & Fan 1996, p = 0.25 gives h = 0.75)
    expect(quartiles([4, 1, 3, 2])).toEqual({ q1: 1.75, median: 2.5, q3: 3.25, iqr: 1.5, n: 4 })
    expect(quartiles([7])).toEqual({ q1: 7, median: 7, q3: 7, iqr: 0, n: 1 })
    expect(median(new Float32Array([0.5, 0.25, 1]))).toBe(0.5)
  })

  it('refuses empty samples, non-finite values and p outside [0, 1], by name', () => {
    expect(() => median([])).toThrow(new StatsInputError('x must hold at least 1 value but holds 0'))
    expect(() => quartiles([1, NaN])).toThrow('x[1] must be a finite number but is NaN')
    expect(() => quantile([1, 2], 1.5)).toThrow('p must be a number between 0 and 1 but is 1.5')
    expect(() => quantile([1, 2], NaN)).toThrow(RangeError)
  })

  it('equal to numpy.quantile on 300 seeded random samples (to the last bit)', () => {
    const rng = new Rng(2024)
    const cases = Array.from({ length: 300 }, (_, i) => {
      const n = 1 + Math.floor(rng.uniform() * 40)
      const x = Array.from({ length: n }, () => (i % 3 === 0 ? Math.round(rng.uniform(0, 10)) : rng.uniform(-5, 5)))
      return { x, p: [0, 0.25, 0.5, 0.75, 1, rng.uniform(), rng.uniform()] }
    })
    const expected = scipy<number[][]>('print(json.dumps([[float(v) for v in np.quantile(np.array(c["x"]), c["p"])] for c in cases]))', cases)
    let worst = 0
    cases.forEach((c, i) =>
      c.p.forEach((p, j) => {
        const got = quantile(c.x, p)
        worst = Math.max(worst, Math.abs(got - expected[i][j]))
        expect(got, `case ${i}, p = ${p}`).toBe(expected[i][j])
      }),
    )
    expect(worst).toBe(0)
  })
})

describe('Mann-Whitney U (two-sided; scipy method="auto")', () => {
  it("scipy's documented example (Shier 2004): U = 17, exact p = 1/9", () => {
    const males = [19, 22, 16, 29, 24]
    const females = [20, 11, 17, 12]
    const r = mannWhitneyU(males, females)
    expect(r).toMatchObject({ u1: 17, u2: 3, method: 'exact', ties: false, n1: 5, n2: 4 })
    expect(r.p).toBeCloseTo(0.1111111111111111, 15) // = 14/126: 7 of the 126 splits have U ≤ 3, both tails
    expect(mannWhitneyU(females, males)).toMatchObject({ u1: 3, u2: 17, p: r.p })
  })

  it('Hollander & Wolfe (1973, p. 69), the example of R\'s wilcox.test: W = 35, exact one-sided p = 0.1272', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    const y = [1.15, 0.88, 0.9, 0.74, 1.21]
    const r = mannWhitneyU(x, y)
    expect(r).toMatchObject({ u1: 35, u2: 15, method: 'exact' }) // n2 = 5 ≤ 8, no ties
    expect(r.p).toBeCloseTo(2 * 0.1272061272061272, 14) // R: p-value = 0.1272 for alternative = "greater"
  })

  it('the normal approximation by its formula: 10 against 10 fully separated, and all values tied', () => {
    const x = Array.from({ length: 10 }, (_, i) => i + 1)
    const y = Array.from({ length: 10 }, (_, i) => i + 11)
    const r = mannWhitneyU(x, y)
    // z = (100 − 50 − ½)/√(10·10·21/12) = 3.74185, p = 2Φ(−z) = 1.8267e-4 (scipy: 0.00018267179110955002)
    expect(r).toMatchObject({ u1: 0, u2: 100, method: 'asymptotic', ties: false })
    expect(r.z).toBeCloseTo(49.5 / Math.sqrt(175), 12)
    expect(r.p).toBeCloseTo(0.00018267179110955002, 15)
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1, 1, 1])).toMatchObject({ u1: 7.5, u2: 7.5, p: 1, method: 'asymptotic', ties: true })
    // ties with a small sample: asymptotic with the tie correction (scipy: 0.019773798939434387)
    const tied = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(tied).toMatchObject({ u1: 2.5, method: 'asymptotic', ties: true })
    expect(tied.p).toBeCloseTo(0.019773798939434387, 14)
  })

  it('the exact null distribution: C(m+n, m) splits, symmetric, and its closed forms', () => {
    expect(exactCdf(5, 4, 20)).toBe(1)
    expect(exactCdf(5, 4, -1)).toBe(0)
    expect(exactCdf(3, 3, 0)).toBeCloseTo(1 / 20, 15) // one split of 20 has U = 0
    expect(exactCdf(1, 9, 4)).toBeCloseTo(5 / 10, 15) // U uniform on 0..9 for m = 1
    for (const [m, n] of [[4, 6], [8, 8], [2, 30]]) for (let k = 0; k < m * n; k++) expect(exactCdf(m, n, k) + exactCdf(m, n, m * n - k - 1)).toBeCloseTo(1, 12)
    // large second sample: the exact p approaches the normal one
    const rng = new Rng(4)
    const x = Array.from({ length: 6 }, () => rng.uniform())
    const y = Array.from({ length: 400 }, () => rng.uniform())
    const r = mannWhitneyU(x, y)
    expect(r.method).toBe('exact')
    expect(r.p).toBeGreaterThan(0)
    expect(r.p).toBeLessThanOrEqual(1)
  })

  it('refuses empty and non-finite samples by name', () => {
    expect(() => mannWhitneyU([], [1])).toThrow('x must hold at least 1 value but holds 0')
    expect(() => mannWhitneyU([1], [2, Infinity])).toThrow('y[1] must be a finite number but is Infinity')
  })

  it('equal to scipy.stats.mannwhitneyu on 400 seeded random pairs of samples (with and without ties)', () => {
    const rng = new Rng(77)
    const sizes = [[1, 1], [2, 3], [3, 5], [5, 4], [8, 8], [8, 9], [2, 9], [9, 9], [10, 10], [20, 7], [30, 25], [8, 120], [40, 3]]
    const cases = Array.from({ length: 400 }, (_, i) => {
      const [n1, n2] = sizes[i % sizes.length]
      const ties = i % 2 === 1
      const shift = rng.uniform(-1, 1)
      const draw = (s: number) => (ties ? Math.round(rng.uniform(0, 6) + s) : rng.uniform(0, 3) + s)
      return { x: Array.from({ length: n1 }, () => draw(shift)), y: Array.from({ length: n2 }, () => draw(0)) }
    })
    const expected = scipy<[number, number][]>(
      'out = []\nfor c in cases:\n  r = stats.mannwhitneyu(c["x"], c["y"], alternative="two-sided", method="auto")\n  out.append([float(r.statistic), float(r.pvalue)])\nprint(json.dumps(out))',
      cases,
    )
    const methods = { exact: 0, asymptotic: 0 }
    cases.forEach((c, i) => {
      const r = mannWhitneyU(c.x, c.y)
      methods[r.method]++
      expect(r.u1, `case ${i}`).toBe(expected[i][0])
      expect(close(r.p, expected[i][1], 1e-9, 1e-15), `case ${i} (${r.method}): p ${r.p} against scipy ${expected[i][1]}`).toBe(true)
    })
    expect(methods.exact).toBeGreaterThan(50)
    expect(methods.asymptotic).toBeGreaterThan(50)
  })
})

describe('proportion confidence interval (Clopper-Pearson)', () => {
  it("Newcombe (1998)'s examples, to his 4 decimals", () => {
    // Newcombe, Statistics in Medicine 17:857-872, Table I, method 5 (exact, Clopper-Pearson)
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2527, 0.3676],
      [15, 148, 0.0578, 0.1617],
      [0, 20, 0, 0.1684],
      [1, 29, 0.0009, 0.1776],
    ]
    for (const [k, n, lo, hi] of cases) {
      const r = proportionCI(k, n)
      expect(r.ci[0], `${k}/${n}`).toBeCloseTo(lo, 4)
      expect(r.ci[1], `${k}/${n}`).toBeCloseTo(hi, 4)
      expect(r.estimate).toBe(k / n)
      expect(r.method).toBe('clopper-pearson')
    }
  })

  it('closed forms at 0 and n successes: (α/2)^(1/n)', () => {
    expect(proportionCI(0, 10).ci).toEqual([0, expect.closeTo(1 - 0.025 ** (1 / 10), 12)])
    expect(proportionCI(20, 20).ci).toEqual([expect.closeTo(0.025 ** (1 / 20), 12), 1])
    expect(proportionCI(7, 7, 0.9).ci[0]).toBeCloseTo(0.05 ** (1 / 7), 12)
  })

  it('refuses impossible counts and levels by name', () => {
    expect(() => proportionCI(3, 0)).toThrow('trials must be an integer ≥ 1 but is 0')
    expect(() => proportionCI(11, 10)).toThrow('successes must be an integer between 0 and trials (10) but is 11')
    expect(() => proportionCI(1.5, 10)).toThrow(StatsInputError)
    expect(() => proportionCI(1, 10, 95)).toThrow('level must be a number between 0 and 1 (exclusive) but is 95')
  })

  it("equal to scipy's binomtest(k, n).proportion_ci(method='exact') on 200 seeded cases", () => {
    const rng = new Rng(5)
    const cases = Array.from({ length: 200 }, () => {
      const n = 1 + Math.floor(rng.uniform() * 300)
      return { k: Math.floor(rng.uniform() * (n + 1)), n, level: rng.uniform() < 0.5 ? 0.95 : 0.9 }
    })
    const expected = scipy<[number, number][]>(
      'out = []\nfor c in cases:\n  r = stats.binomtest(c["k"], c["n"]).proportion_ci(confidence_level=c["level"], method="exact")\n  out.append([float(r.low), float(r.high)])\nprint(json.dumps(out))',
      cases,
    )
    cases.forEach((c, i) => {
      const r = proportionCI(c.k, c.n, c.level)
      expect(close(r.ci[0], expected[i][0], 1e-9, 1e-14), `${c.k}/${c.n} low ${r.ci[0]} against ${expected[i][0]}`).toBe(true)
      expect(close(r.ci[1], expected[i][1], 1e-9, 1e-14), `${c.k}/${c.n} high ${r.ci[1]} against ${expected[i][1]}`).toBe(true)
    })
  })
})
