// mimic::gaussian_smooth (native/core/tasks/xor_task.cpp, which visits only the non-zero inputs) against the
// plain convolution it replaced, bit for bit, on pulse trains like the task's and on dense random
// inputs, for several sigmas and lengths. Prints "checked N mismatches M".
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "rng.hpp"
#include "xor_task.hpp"

namespace {

void dense_smooth(const float* in, float* out, std::size_t n, double sigma) {
  const long radius = static_cast<long>(std::ceil(4.0 * sigma));
  std::vector<double> kernel(2 * radius + 1);
  double sum = 0;
  for (long k = -radius; k <= radius; ++k) {
    kernel[k + radius] = std::exp(-0.5 * (k * k) / (sigma * sigma));
    sum += kernel[k + radius];
  }
  for (auto& v : kernel) v /= sum;
  const long len = static_cast<long>(n);
  for (long t = 0; t < len; ++t) {
    double acc = 0;
    const long lo = std::max(-radius, -t), hi = std::min(radius, len - 1 - t);
    for (long k = lo; k <= hi; ++k) acc += kernel[k + radius] * in[t + k];
    out[t] = static_cast<float>(acc);
  }
}

}  // namespace

int main() {
  std::size_t checked = 0, mismatches = 0;
  mimic::Rng rng(7, 0);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = 50 + static_cast<std::size_t>(rng.uniform(0, 2000));
    const double sigma = trial % 7 == 0 ? 0.4 : rng.uniform(0.5, 40);
    std::vector<float> in(n, 0.0f), a(n), b(n);
    if (trial % 3 == 0) {
      for (auto& v : in) v = static_cast<float>(rng.uniform(-2, 2));  // dense, no zeros
    } else {
      const int pulses = 1 + trial % 4;  // pulses of ±1 or random heights, at the ends too
      for (int p = 0; p < pulses; ++p) {
        const std::size_t s = static_cast<std::size_t>(rng.uniform(0, static_cast<double>(n)));
        const std::size_t len = 1 + static_cast<std::size_t>(rng.uniform(0, 300));
        const float h = trial % 2 ? (rng.coin() ? 1.0f : -1.0f) : static_cast<float>(rng.uniform(-3, 3));
        for (std::size_t t = s; t < std::min(n, s + len); ++t) in[t] = h;
      }
    }
    mimic::gaussian_smooth(in.data(), a.data(), n, sigma);
    dense_smooth(in.data(), b.data(), n, sigma);
    for (std::size_t t = 0; t < n; ++t) mismatches += std::memcmp(&a[t], &b[t], 4) != 0;
    checked += n;
  }
  std::printf("checked %zu mismatches %zu\n", checked, mismatches);
  return 0;
}
