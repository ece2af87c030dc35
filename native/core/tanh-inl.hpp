// tanh of float vectors, with exactly the results of the C library's tanhf on Linux (glibc up to at
// least 2.36, whose tanhf and expm1f are Sun's fdlibm algorithms of 1993): the same float operations
// in the same order, computed for every lane, with the branches of the scalar code turned into
// selects. Checked for every one of the 2^32 floats against the system's tanhf at every SIMD level
// (test/support/simd_tanh_check.cpp; `node bench/tanh-check.ts`), and on a sample in
// test/unit/native-simd.test.ts.
//
// Why not std::tanh: the teacher calls it for every unit and step (64 per step), and the scalar call
// was about 0.65 µs per step, the largest single cost of BPTT. Why not a faster approximation: the
// stored teacher results (and the network ADS trained on its trajectories) would change.
//
// A kernel body compiled per level (simd_foreach.hpp) includes this once, after simd_vec-inl.hpp.

namespace tanh_detail {

__attribute__((always_inline)) static inline vu bits_of(vf x) {
  vu u;
  __builtin_memcpy(&u, &x, sizeof u);
  return u;
}
__attribute__((always_inline)) static inline vf float_of(vu u) {
  vf x;
  __builtin_memcpy(&x, &u, sizeof x);
  return x;
}
// mask ? a : b for all-ones / all-zeros lanes (one blend instruction from AVX on)
__attribute__((always_inline)) static inline vf pick(vi mask, vf a, vf b) { return mask ? a : b; }
// -x (the sign flipped, as C's unary minus)
__attribute__((always_inline)) static inline vf negate(vf x) { return float_of(bits_of(x) ^ 0x80000000u); }
__attribute__((always_inline)) static inline vi pick_i(vi mask, vi a, vi b) { return mask ? a : b; }

// expm1(x) as fdlibm's expm1f, for finite x with |x| < 88 (tanh passes |x| < 44).
static inline vf expm1(vf x) {
  const vf one = vset1(1.0f);
  const vu ux = bits_of(x);
  const vu hx = ux & 0x7fffffffu;
  const vi neg = (vi)(ux) < 0;  // sign bit set
  // argument reduction: x = hi - lo, k·ln2 + r, |r| <= 0.5 ln2
  const vf ln2_hi = vset1(6.9313812256e-01f), ln2_lo = vset1(9.0580006145e-06f), invln2 = vset1(1.4426950216e+00f);
  const vi reduce = (vi)(hx) > static_cast<int32_t>(0x3eb17218);  // |x| > 0.5 ln2
  const vi near = (vi)(hx) < static_cast<int32_t>(0x3F851592);    // |x| < 1.5 ln2
  // |x| in (0.5 ln2, 1.5 ln2): k = ±1
  const vf hi1 = pick(neg, x + ln2_hi, x - ln2_hi);
  const vf lo1 = pick(neg, negate(ln2_lo), ln2_lo);
  const vi k1 = pick_i(neg, vi{} - 1, vi{} + 1);
  // otherwise k = (int)(invln2·x ± 0.5) (truncated)
  const vf kf = invln2 * x + pick(neg, vset1(-0.5f), vset1(0.5f));
  const vi kn = __builtin_convertvector(kf, vi);
  const vf tn = __builtin_convertvector(kn, vf);
  const vf hin = x - tn * ln2_hi;
  const vf lon = tn * ln2_lo;
  const vf hi = pick(near, hi1, hin), lo = pick(near, lo1, lon);
  const vi kr = pick_i(near, k1, kn);
  const vf xr_reduced = hi - lo;
  const vf c_reduced = (hi - xr_reduced) - lo;
  const vf xr = pick(reduce, xr_reduced, x);
  const vf c = pick(reduce, c_reduced, vf{});
  const vi k = reduce & kr;  // k = 0 without reduction
  // x is now in the primary range
  const vf Q1 = vset1(-3.3333335072e-02f), Q2 = vset1(1.5873016091e-03f), Q3 = vset1(-7.9365076090e-05f),
           Q4 = vset1(4.0082177293e-06f), Q5 = vset1(-2.0109921195e-07f);
  const vf hfx = vset1(0.5f) * xr;
  const vf hxs = xr * hfx;
  const vf r1 = one + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const vf t = vset1(3.0f) - r1 * hfx;
  vf e = hxs * ((r1 - t) / (vset1(6.0f) - xr * t));
  const vf y0 = xr - (xr * e - hxs);  // k == 0
  e = (xr * (e - c) - c);
  e = e - hxs;
  const vf ym1 = vset1(0.5f) * (xr - e) - vset1(0.5f);  // k == -1
  const vf yp1 = pick(xr < vset1(-0.25f), vset1(-2.0f) * (e - (xr + vset1(0.5f))), one + vset1(2.0f) * (xr - e));  // k == 1
  const vi kshift = k << 23;                            // added to the exponent
  const vf ywide = float_of(bits_of(one - (e - xr)) + (vu)(kshift)) - one;  // k <= -2 or k > 56
  const vu pow2mk = (vu)((vi{} + 0x7f - k) << 23);  // 2^-k (k in [2, 56])
  const vf ysmall = float_of(bits_of(one - float_of(pow2mk) - (e - xr)) + (vu)(kshift));  // 2 <= k < 23: t = 1 - 2^-k
  const vf ylarge = float_of(bits_of((xr - (e + float_of(pow2mk))) + one) + (vu)(kshift));  // 23 <= k <= 56
  vf y = pick(k < 23, ysmall, ylarge);
  y = pick((k <= -2) | (k > 56), ywide, y);
  y = pick(k == 1, yp1, y);
  y = pick(k == -1, ym1, y);
  y = pick(k == 0, y0, y);
  // tiny |x| < 2^-25: x itself; x < -27 ln2: -1
  y = pick((vi)(hx) < static_cast<int32_t>(0x33000000), x, y);
  y = pick(neg & ((vi)(hx) >= static_cast<int32_t>(0x4195b844)), vset1(-1.0f), y);
  return y;
}

}  // namespace tanh_detail

// tanh of every lane, as tanhf (fdlibm): |x| < 2^-55: x·(1 + x); |x| < 1: −t/(t + 2) with
// t = expm1(−2|x|); |x| < 22: 1 − 2/(t + 2) with t = expm1(2|x|); beyond: ±1; inf: ±1; NaN: NaN.
static inline vf tanh_vec(vf x) {
  using namespace tanh_detail;
  const vf one = vset1(1.0f), two = vset1(2.0f);
  const vu ux = bits_of(x);
  const vi ix = (vi)(ux) & 0x7fffffff;
  const vi negative = (vi)(ux) < 0;
  const vf ax = float_of(ux & 0x7fffffffu);
  const vi big = ix >= static_cast<int32_t>(0x3f800000);    // |x| >= 1
  const vi finite22 = ix < static_cast<int32_t>(0x41b00000);  // |x| < 22
  // one expm1 for both branches; lanes that use neither get 0
  const vf arg = pick(finite22, pick(big, two * ax, negate(two) * ax), vf{});
  const vf t = expm1(arg);
  // One division for both branches, whose divisors are the same t + 2: its dividend is picked per lane
  // (2 for |x| >= 1, −t below), so every lane divides exactly what tanhf divides. (Each division is
  // the slowest instruction here; with one per branch and the 1/x of the special case, tanh took
  // four per vector instead of two.)
  const vf q = pick(big, two, negate(t)) / (t + two);
  vf z = pick(big, one - q, q);
  z = pick(finite22, z, one - vset1(1.0e-30f));
  vf r = pick(negative, negate(z), z);
  r = pick(ix < static_cast<int32_t>(0x24000000), x * (one + x), r);  // includes ±0: x·(1 + x) = x
  // inf: tanhf's 1/x ± 1 is ±0 ± 1 = ±1 exactly; NaN: 1/x ± 1 is x's NaN, quieted, which x + x is too
  // (without the two divisions the inf and NaN lanes alone needed).
  const vf special = pick(ix > static_cast<int32_t>(0x7f800000), x + x, pick(negative, negate(one), one));
  return pick(ix >= static_cast<int32_t>(0x7f800000), special, r);
}

// The scalar form of the same (for the lanes left over when a length is not a multiple of W).
static inline float tanh_scalar(float x) {
  return tanh_vec(vset1(x))[0];
}
