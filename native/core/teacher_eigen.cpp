#include "teacher_eigen.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

namespace mimic {
namespace {

// Scales rows and columns by powers of two (exact) so that each row and its column have similar
// norms; a similarity transform, so the eigenvalues do not change, but badly scaled matrices get
// accurate eigenvalues.
void balance(std::vector<double>& a, std::size_t n, const Control* control) {
  const double radix = 2.0;
  bool done = false;
  for (int sweep = 0; !done && sweep < 100; ++sweep) {
    done = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (control && (i & 63) == 0) control->check();  // (the column sums read with stride n)
      double row = 0, col = 0;
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        col += std::fabs(a[j * n + i]);
        row += std::fabs(a[i * n + j]);
      }
      if (col == 0 || row == 0) continue;
      double f = 1.0;
      const double sum = col + row;
      double g = row / radix;
      while (col < g) {
        f *= radix;
        col *= radix * radix;
      }
      g = row * radix;
      while (col > g) {
        f /= radix;
        col /= radix * radix;
      }
      if ((col + row) / f < 0.95 * sum) {
        done = false;
        for (std::size_t j = 0; j < n; ++j) a[i * n + j] /= f;
        for (std::size_t j = 0; j < n; ++j) a[j * n + i] *= f;
      }
    }
  }
}

// Householder reduction to upper Hessenberg form (entries below the first subdiagonal become 0).
void to_hessenberg(std::vector<double>& a, std::size_t n, const Control* control, const std::function<void(std::size_t)>& columnDone) {
  if (n < 3) return;
  std::vector<double> v(n), sum(n);
  for (std::size_t k = 0; k + 2 < n; ++k) {
    if ((k & 15) == 0) columnDone(k);
    // A column is O(n²) (over 100 ms at n = 4096): checked every 64 rows.
    // Reflect a[k+1..n-1][k] onto a multiple of e_{k+1}.
    double scale = 0;
    for (std::size_t i = k + 1; i < n; ++i) scale += std::fabs(a[i * n + k]);
    if (scale == 0) continue;
    double norm2 = 0;
    for (std::size_t i = k + 1; i < n; ++i) {
      v[i] = a[i * n + k] / scale;
      norm2 += v[i] * v[i];
    }
    const double alpha = -std::copysign(std::sqrt(norm2), v[k + 1]);
    v[k + 1] -= alpha;
    double vnorm2 = 0;
    for (std::size_t i = k + 1; i < n; ++i) vnorm2 += v[i] * v[i];
    if (vnorm2 == 0) continue;
    const double beta = 2.0 / vnorm2;
    // A <- P A: columns k..n-1. Row by row (the rows are contiguous; a column walk read with stride n
    // and took 12 s at n = 1024): sum[j] = Σ_i v[i]·a[i][j] still summed over i in order from 0, then
    // a[i][j] -= (β·sum[j])·v[i], the same operations on every element as the column walk.
    std::fill(sum.begin() + k, sum.end(), 0.0);
    for (std::size_t i = k + 1; i < n; ++i) {
      if (control && (i & 63) == 0) control->check();
      const double vi = v[i];
      const double* row = &a[i * n];
      for (std::size_t j = k; j < n; ++j) sum[j] += vi * row[j];
    }
    for (std::size_t j = k; j < n; ++j) sum[j] *= beta;
    for (std::size_t i = k + 1; i < n; ++i) {
      if (control && (i & 63) == 0) control->check();
      const double vi = v[i];
      double* row = &a[i * n];
      for (std::size_t j = k; j < n; ++j) row[j] -= sum[j] * vi;
    }
    // A <- A P: all rows
    for (std::size_t i = 0; i < n; ++i) {
      if (control && (i & 63) == 0) control->check();
      double s = 0;
      for (std::size_t j = k + 1; j < n; ++j) s += a[i * n + j] * v[j];
      s *= beta;
      for (std::size_t j = k + 1; j < n; ++j) a[i * n + j] -= s * v[j];
    }
    for (std::size_t i = k + 2; i < n; ++i) a[i * n + k] = 0;
  }
}

// Eigenvalues of the 2x2 block [[p, q], [r, s]].
void block2(double p, double q, double r, double s, double& re1, double& im1, double& re2, double& im2) {
  const double mean = 0.5 * (p + s);
  const double half = 0.5 * (p - s);
  const double disc = half * half + q * r;
  if (disc >= 0) {
    const double root = std::sqrt(disc);
    // The root of larger modulus first, the other from the determinant (no cancellation).
    const double big = mean + (mean >= 0 ? root : -root);
    const double det = p * s - q * r;
    re1 = big;
    re2 = big != 0 ? det / big : mean - (mean >= 0 ? root : -root);
    im1 = im2 = 0;
  } else {
    const double root = std::sqrt(-disc);
    re1 = re2 = mean;
    im1 = root;
    im2 = -root;
  }
}

// Applies the 3-element (or 2-element when len == 2) Householder reflector that maps (x, y, z) onto
// a multiple of e1 to rows k..k+len-1 (columns colLo..hi) and columns k..k+len-1 (rows lo..rowHi).
void reflect(std::vector<double>& h, std::size_t n, std::size_t k, int len, double x, double y, double z,
             std::size_t colLo, std::size_t hi, std::size_t lo, std::size_t rowHi) {
  const double norm = std::sqrt(x * x + y * y + z * z);
  if (norm == 0) return;
  const double alpha = -std::copysign(norm, x);
  double v0 = x - alpha, v1 = y, v2 = len == 3 ? z : 0.0;
  const double vn2 = v0 * v0 + v1 * v1 + v2 * v2;
  if (vn2 == 0) return;
  const double beta = 2.0 / vn2;
  for (std::size_t j = colLo; j <= hi; ++j) {
    double* r0 = &h[k * n + j];
    double* r1 = &h[(k + 1) * n + j];
    double* r2 = len == 3 ? &h[(k + 2) * n + j] : nullptr;
    const double s = beta * (v0 * *r0 + v1 * *r1 + (r2 ? v2 * *r2 : 0.0));
    *r0 -= s * v0;
    *r1 -= s * v1;
    if (r2) *r2 -= s * v2;
  }
  for (std::size_t i = lo; i <= rowHi; ++i) {
    double* row = &h[i * n + k];
    const double s = beta * (row[0] * v0 + row[1] * v1 + (len == 3 ? row[2] * v2 : 0.0));
    row[0] -= s * v0;
    row[1] -= s * v1;
    if (len == 3) row[2] -= s * v2;
  }
}

}  // namespace

Eigenvalues eigenvalues(std::vector<double> h, std::size_t n, const Control* control) {
  Eigenvalues out;
  out.re.assign(n, 0.0);
  out.im.assign(n, 0.0);
  if (n == 0) return out;
  for (std::size_t k = 0; k < h.size(); ++k) {
    if (control && (k & 0xffff) == 0) control->check();
    if (!std::isfinite(h[k])) throw std::invalid_argument("eigenvalues: the matrix holds a non-finite value");
  }
  // Progress in units of work: the reduction's column k costs about (n − k)² + n·(n − k); the QR
  // iterations, whose windows shrink as eigenvalues split off, about (hi + 1)² per eigenvalue, and run
  // about 6.5x as long as the reduction in all (n = 1024: 0.72 s against 4.7 s).
  const double dn = double(n), reduction = dn * dn * dn * 5 / 6, qr = 6.5 * reduction, work = reduction + qr;
  const char* what = "finding the spectral radius of the recurrent weights";
  const auto reduced = [&](std::size_t k) {
    const double left = dn - double(k);
    if (control) control->report(reduction - (left * left * left / 3 + dn * left * left / 2), work, what);
  };
  balance(h, n, control);
  to_hessenberg(h, n, control, reduced);
  long reported = static_cast<long>(n);
  const double eps = std::numeric_limits<double>::epsilon();
  double norm = 0;  // a scale for "negligible" when neighbouring diagonal entries are zero
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = (i > 0 ? i - 1 : 0); j < n; ++j) norm = std::max(norm, std::fabs(h[i * n + j]));
  auto H = [&](std::size_t i, std::size_t j) -> double& { return h[i * n + j]; };

  // Active window [lo, hi]; eigenvalues are peeled off the bottom.
  long hi = static_cast<long>(n) - 1;
  int iterations = 0;  // since the last deflation
  long total = 0;
  while (hi >= 0) {
    if (control) control->check();  // an iteration is O(n²) at most: checked every one
    if (control && reported - hi >= 16) {
      reported = hi;
      const double left = double(hi + 1) / dn;
      control->report(reduction + qr * (1 - left * left * left), work, what);
    }
    // Find the start of the unreduced block that ends at hi.
    long l = hi;
    while (l > 0) {
      double s = std::fabs(H(l - 1, l - 1)) + std::fabs(H(l, l));
      if (s == 0) s = norm;
      if (std::fabs(H(l, l - 1)) <= eps * s) {
        H(l, l - 1) = 0;
        break;
      }
      --l;
    }
    if (l == hi) {  // 1x1 block
      out.re[hi] = H(hi, hi);
      out.im[hi] = 0;
      --hi;
      iterations = 0;
      continue;
    }
    if (l == hi - 1) {  // 2x2 block
      block2(H(hi - 1, hi - 1), H(hi - 1, hi), H(hi, hi - 1), H(hi, hi), out.re[hi - 1], out.im[hi - 1], out.re[hi],
             out.im[hi]);
      hi -= 2;
      iterations = 0;
      continue;
    }
    if (iterations >= 30) throw std::runtime_error("eigenvalues: the QR iteration did not converge");
    ++iterations;
    ++total;
    // Shifts: the eigenvalues of the trailing 2x2 block, through their sum and product; at
    // iterations 10 and 20 an exceptional shift breaks cycles (e.g. permutation matrices).
    double sum, prod;
    if (iterations == 10 || iterations == 20) {
      // Shifts d + r with r the roots of r^2 - 1.5 s r + s^2 (a complex pair near the block's scale).
      const double s = std::fabs(H(hi, hi - 1)) + std::fabs(H(hi - 1, hi - 2));
      const double d = H(hi, hi);
      sum = 2 * d + 1.5 * s;
      prod = d * d + 1.5 * s * d + s * s;
    } else {
      const double a = H(hi - 1, hi - 1), b = H(hi - 1, hi), c = H(hi, hi - 1), d = H(hi, hi);
      sum = a + d;
      prod = a * d - b * c;
    }
    // First column of (H - s1 I)(H - s2 I) restricted to the window.
    const double h00 = H(l, l), h01 = H(l, l + 1), h10 = H(l + 1, l), h11 = H(l + 1, l + 1), h21 = H(l + 2, l + 1);
    double x = h00 * h00 + h01 * h10 - sum * h00 + prod;
    double y = h10 * (h00 + h11 - sum);
    double z = h10 * h21;
    // Chase the bulge down the window. Only rows and columns of the window are touched: the
    // eigenvalues of the window do not depend on the rest once the blocks below are split off.
    const std::size_t L = static_cast<std::size_t>(l), Hi = static_cast<std::size_t>(hi);
    for (std::size_t k = L; k + 2 <= Hi; ++k) {
      if (control && ((k - L) & 63) == 63) control->check();  // a sweep is O(n²) with strided column updates
      const std::size_t colLo = k > L ? k - 1 : L;
      const std::size_t rowHi = std::min(k + 3, Hi);
      reflect(h, n, k, 3, x, y, z, colLo, Hi, L, rowHi);
      if (k > L) {
        H(k + 1, k - 1) = 0;
        H(k + 2, k - 1) = 0;
      }
      x = H(k + 1, k);
      y = H(k + 2, k);
      if (k + 3 <= Hi) z = H(k + 3, k);
    }
    // The last 2-element reflector.
    const std::size_t k = Hi - 1;
    reflect(h, n, k, 2, x, y, 0.0, k - 1, Hi, L, Hi);
    H(k + 1, k - 1) = 0;
  }
  return out;
}

double spectral_radius(const std::vector<double>& a, std::size_t n, const Control* control) {
  const Eigenvalues e = eigenvalues(a, n, control);
  double r = 0;
  for (std::size_t i = 0; i < n; ++i) r = std::max(r, std::hypot(e.re[i], e.im[i]));
  return r;
}

}  // namespace mimic
