// Statistics for the robustness report (issue 12): quantiles and the median with its quartiles, the
// two-sided Mann-Whitney U test, and a 95 % confidence interval for a proportion (chip yield).
// Pure functions of their arguments; no native code.
//
// Libraries (exact versions pinned in package.json; Apache-2.0, from the stdlib-js project, whose
// numerics are ports of Cephes and Boost.Math with published test tables):
//   @stdlib/stats-base-dists-normal-cdf    Φ for the normal approximation of U (through erfc, so the
//                                          far tail keeps its relative precision)
//   @stdlib/stats-base-dists-beta-quantile the inverse regularised incomplete beta function
//                                          (Boost's ibeta_inv; BSL-1.0 parts) for Clopper-Pearson
// The rank and exact-distribution parts of the U test are written here: no maintained npm package
// implements scipy's `method='auto'`.
// Both are loaded on their first use: the beta quantile's ~150 small modules took 73 ms of every
// command's start, most of which never test a difference or bound a yield.
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)
let betaQuantileFn: typeof import('@stdlib/stats-base-dists-beta-quantile') | undefined
let normalCdfFn: typeof import('@stdlib/stats-base-dists-normal-cdf') | undefined
const betaQuantile = (p: number, a: number, b: number): number => (betaQuantileFn ??= load('@stdlib/stats-base-dists-beta-quantile'))(p, a, b)
const normalCdf = (x: number, mu: number, sigma: number): number => (normalCdfFn ??= load('@stdlib/stats-base-dists-normal-cdf'))(x, mu, sigma)

/** A statistics input error: the message names the argument and what is wrong with it. */
export class StatsInputError extends RangeError {
  constructor(message: string) {
    super(message)
    this.name = 'StatsInputError'
  }
}

function checkSample(x: ArrayLike<number>, name: string, minLength = 1): void {
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') throw new StatsInputError(`${name} must be an array of numbers`)
  if (x.length < minLength) throw new StatsInputError(`${name} must hold at least ${minLength} value${minLength === 1 ? '' : 's'} but holds ${x.length}`)
  for (let i = 0; i < x.length; i++)
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) throw new StatsInputError(`${name}[${i}] must be a finite number but is ${String(x[i])}`)
}

const sorted = (x: ArrayLike<number>): Float64Array => Float64Array.from(x).sort()

/**
 * The p-quantile of a sample by numpy's default definition (`np.quantile(x, p)`, method 'linear';
 * Hyndman & Fan 1996 type 7, also R's default): with the values sorted x₀ ≤ … ≤ x₍ₙ₋₁₎ and
 * h = (n − 1)·p, the value x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋), interpolated as numpy does (from the
 * upper neighbour when the weight is ≥ ½), so results agree with numpy to the last bit.
 */
export function quantile(x: ArrayLike<number>, p: number): number {
  checkSample(x, 'x')
  return quantileSorted(sorted(x), p)
}

function quantileSorted(s: Float64Array, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new StatsInputError(`p must be a number between 0 and 1 but is ${String(p)}`)
  const n = s.length
  const h = (n - 1) * p
  if (h >= n - 1) return s[n - 1]
  const lo = Math.floor(h)
  const t = h - lo
  const a = s[lo]
  const b = s[lo + 1]
  const d = b - a
  return t >= 0.5 ? b - d * (1 - t) : a + d * t
}

/** The median (numpy's linear quantile at ½: the mean of the two middle values for an even count). */
export function median(x: ArrayLike<number>): number {
  return quantile(x, 0.5)
}

export interface Quartiles {
  q1: number
  median: number
  q3: number
  /** q3 − q1 */
  iqr: number
  n: number
}

/** The quartiles by numpy's linear definition (see quantile). */
export function quartiles(x: ArrayLike<number>): Quartiles {
  checkSample(x, 'x')
  const s = sorted(x)
  const q1 = quantileSorted(s, 0.25)
  const q3 = quantileSorted(s, 0.75)
  return { q1, median: quantileSorted(s, 0.5), q3, iqr: q3 - q1, n: s.length }
}

export interface MannWhitneyResult {
  /** U of the first sample: the number of pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counting ½ (scipy's `statistic`). */
  u1: number
  /** U of the second sample, n₁·n₂ − u1. */
  u2: number
  /** Two-sided p-value. */
  p: number
  /** 'exact': the null distribution of U; 'asymptotic': the normal approximation with tie and continuity corrections. */
  method: 'exact' | 'asymptotic'
  /** The standardised statistic of the normal approximation (asymptotic only). */
  z?: number
  n1: number
  n2: number
  /** Some value occurs more than once in the pooled sample. */
  ties: boolean
}

/**
 * Two-sided Mann-Whitney U test of x against y, as scipy.stats.mannwhitneyu(x, y,
 * alternative='two-sided', method='auto', use_continuity=True) computes it (the same choice of method
 * in scipy 1.7 to 1.17):
 * - 'exact' when one sample has at most 8 values and no value occurs twice in the pooled sample:
 *   p = 2·P(U ≤ min(U₁, U₂)) under the null distribution of U (all C(n₁+n₂, n₁) rank splits equally
 *   likely), capped at 1;
 * - otherwise 'asymptotic': ranks averaged over ties, U₁ = R₁ − n₁(n₁+1)/2, U = max(U₁, U₂),
 *   z = (U − n₁n₂/2 − ½) / √(n₁n₂/12 · ((n+1) − Σ(t³ − t)/(n(n−1)))) with t the sizes of the tie
 *   groups, p = 2·Φ(−z), capped at 1 (p = 1 when every value is the same).
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyResult {
  checkSample(x, 'x')
  checkSample(y, 'y')
  const n1 = x.length
  const n2 = y.length
  const n = n1 + n2
  // rank the pooled sample, averaging the ranks of tied values
  const pooled = Array.from({ length: n }, (_, i) => (i < n1 ? x[i] : y[i - n1]))
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pooled[a] - pooled[b])
  const ranks = new Float64Array(n)
  let tieTerm = 0
  for (let i = 0; i < n; ) {
    let j = i + 1
    while (j < n && pooled[order[j]] === pooled[order[i]]) j++
    const t = j - i
    const rank = (i + 1 + j) / 2 // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k]] = rank
    tieTerm += t * t * t - t
    i = j
  }
  let r1 = 0
  for (let i = 0; i < n1; i++) r1 += ranks[i]
  const u1 = r1 - (n1 * (n1 + 1)) / 2
  const u2 = n1 * n2 - u1
  const ties = tieTerm > 0
  if ((n1 <= 8 || n2 <= 8) && !ties) {
    const p = Math.min(1, 2 * exactCdf(n1, n2, Math.min(u1, u2)))
    return { u1, u2, p, method: 'exact', n1, n2, ties }
  }
  const u = Math.max(u1, u2)
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))))
  const z = (u - (n1 * n2) / 2 - 0.5) / s
  const p = s > 0 ? Math.min(1, Math.max(0, 2 * normalCdf(-z, 0, 1))) : 1
  return { u1, u2, p, method: 'asymptotic', z, n1, n2, ties }
}

/**
 * P(U ≤ k) for the null distribution of U with sample sizes m and n (k an integer ≤ mn). The number
 * of rank splits with U = u is the coefficient of qᵘ in the Gaussian binomial coefficient
 * [m+n choose m]_q = ∏ᵢ₌₁^min (1 − q^(max+i)) / (1 − q^i); the product is formed coefficient by
 * coefficient up to degree k (a truncated power series: multiplying by 1 − qᵃ and dividing by 1 − qᵇ
 * are one pass each), and divided by C(m+n, m). Counts below 2⁵³ are exact in doubles.
 */
export function exactCdf(m: number, n: number, k: number): number {
  const small = Math.min(m, n)
  const large = Math.max(m, n)
  const deg = Math.floor(k)
  if (deg < 0) return 0
  if (deg >= m * n) return 1
  const c = new Float64Array(deg + 1)
  c[0] = 1
  for (let i = 1; i <= small; i++) {
    const a = large + i
    for (let u = deg; u >= a; u--) c[u] -= c[u - a] // × (1 − q^(large+i))
    for (let u = i; u <= deg; u++) c[u] += c[u - i] // ÷ (1 − q^i)
  }
  let count = 0
  for (let u = 0; u <= deg; u++) count += c[u]
  return Math.min(1, count / binomial(m + n, small))
}

/** C(n, k) as a double (exact while it is below 2^53). */
function binomial(n: number, k: number): number {
  let r = 1
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i // C(n−k+i, i) after each step
  return r < 2 ** 53 ? Math.round(r) : r
}

export interface ProportionInterval {
  /** successes / trials */
  estimate: number
  /** the interval [low, high] */
  ci: [number, number]
  successes: number
  trials: number
  level: number
  method: 'clopper-pearson'
}

/**
 * The Clopper-Pearson ("exact") confidence interval for a binomial proportion, successes out of
 * trials, at `level` (default 0.95): low = B⁻¹(α/2; k, n−k+1) (0 when k = 0), high = B⁻¹(1−α/2; k+1, n−k)
 * (1 when k = n), with α = 1 − level and B⁻¹ the beta quantile. The same as
 * scipy.stats.binomtest(k, n).proportion_ci(method='exact').
 *
 * Why Clopper-Pearson and not Wilson: a chip yield is a claim that a share of chips meets a spec, read
 * as "at least this many". Clopper-Pearson's coverage is at least the stated level for every true yield
 * and every number of chips; Wilson's is closer to the level on average and its interval is narrower,
 * but it dips below the level, worst near yields of 0 or 1 and for few chips — exactly where a yield
 * claim lives (a network that passes on 19 of 20 chips).
 */
export function proportionCI(successes: number, trials: number, level = 0.95): ProportionInterval {
  if (!Number.isInteger(trials) || trials < 1) throw new StatsInputError(`trials must be an integer ≥ 1 but is ${String(trials)}`)
  if (!Number.isInteger(successes) || successes < 0 || successes > trials)
    throw new StatsInputError(`successes must be an integer between 0 and trials (${trials}) but is ${String(successes)}`)
  if (typeof level !== 'number' || !(level > 0 && level < 1)) throw new StatsInputError(`level must be a number between 0 and 1 (exclusive) but is ${String(level)}`)
  const alpha = 1 - level
  const k = successes
  const n = trials
  const low = k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1)
  const high = k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k)
  return { estimate: k / n, ci: [low, high], successes: k, trials: n, level, method: 'clopper-pearson' }
}
