// Adam (Kingma & Ba 2015) on a flat parameter vector:
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
//   theta <- theta - step * mhat / (sqrt(vhat) + eps),  mhat = m / (1 - b1^t), vhat = v / (1 - b2^t)
// (eps outside the square root, as in jax.example_libraries.optimizers.adam used by the authors).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <vector>

namespace mimic {

struct AdamOptions {
  double stepSize = 1e-4;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

class Adam {
 public:
  Adam() = default;
  Adam(std::size_t size, const AdamOptions& o) : o_(o), m_(size, 0.0), v_(size, 0.0) {}

  // One step over parameters [offset, offset + n) of the flat vector; call begin_step() once per
  // optimiser step first. `scale` multiplies the step of this block (used for tau, see teacher_train).
  void begin_step() { ++t_; }
  template <class T>
  void update(std::size_t offset, T* theta, const T* grad, std::size_t n, double scale = 1.0) {
    const double b1t = 1.0 - pow_int(o_.beta1, t_), b2t = 1.0 - pow_int(o_.beta2, t_);
    for (std::size_t k = 0; k < n; ++k) {
      const double g = static_cast<double>(grad[k]);
      double& m = m_[offset + k];
      double& v = v_[offset + k];
      m = o_.beta1 * m + (1.0 - o_.beta1) * g;
      v = o_.beta2 * v + (1.0 - o_.beta2) * g * g;
      const double mhat = m / b1t, vhat = v / b2t;
      theta[k] = static_cast<T>(static_cast<double>(theta[k]) - scale * o_.stepSize * mhat / (std::sqrt(vhat) + o_.epsilon));
    }
  }
  uint64_t steps() const { return t_; }

 private:
  static double pow_int(double b, uint64_t e) {
    double r = 1.0;
    double x = b;
    while (e) {
      if (e & 1) r *= x;
      x *= x;
      e >>= 1;
    }
    return r;
  }
  AdamOptions o_;
  std::vector<double> m_, v_;
  uint64_t t_ = 0;
};

}  // namespace mimic
