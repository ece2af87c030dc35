#include "teacher.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <stdexcept>
#include <thread>

#include "rng.hpp"
#include "simd.hpp"
#include "simd_config.hpp"
#include "teacher_eigen.hpp"
#include "thread_pool.hpp"

namespace mimic {

double teacher_init(const TeacherInitOptions& o, TeacherParams& p, const Control* control) {
  const std::size_t n = o.units, c = o.channels, no = o.outputs;
  if (n == 0 || c == 0 || no == 0) throw InvalidArgument("units, channels and outputs must be at least 1");
  p.resize(n, c, no);
  p.dtMs = o.dtMs;
  Rng rin(o.seed, 0), rrec(o.seed, 1), rout(o.seed, 2);
  for (auto& w : p.wIn) w = static_cast<float>(rin.uniform(-o.wInHalfRange, o.wInHalfRange));
  const Control none;
  const Control& ctl = control ? *control : none;
  std::vector<double> rec;
  assign_checked(rec, n * n, 0.0, ctl);  // (134 MB at 4096 units: filled in cancellable slices)
  for (std::size_t i = 0; i < n; ++i) {
    ctl.check();
    for (std::size_t j = 0; j < n; ++j) {
      const double v = rrec.uniform(-o.wRecHalfRange, o.wRecHalfRange);  // drawn for every entry
      rec[i * n + j] = i == j ? 0.0 : v;
    }
  }
  // The eigenvalue routine overwrites its matrix: it gets a copy, made 64 rows at a time (cancellable).
  std::vector<double> work;
  work.reserve(n * n);
  for (std::size_t i = 0; i < n; i += 64) {
    ctl.check();
    work.insert(work.end(), rec.begin() + i * n, rec.begin() + std::min(n, i + 64) * n);
  }
  const Eigenvalues e = eigenvalues(std::move(work), n, control);
  double radius = 0;
  for (std::size_t i = 0; i < n; ++i) radius = std::max(radius, std::hypot(e.re[i], e.im[i]));
  const double scale = radius > 0 ? o.spectralRadius / radius : 0.0;
  for (std::size_t k = 0; k < n * n; ++k) p.wRec[k] = static_cast<float>(rec[k] * scale);
  for (auto& w : p.wOut) w = static_cast<float>(rout.uniform(-o.wOutHalfRange, o.wOutHalfRange));
  for (std::size_t j = 0; j < n; ++j)
    p.tauMs[j] = static_cast<float>(n == 1 ? o.tauLoMs : o.tauLoMs + (o.tauHiMs - o.tauLoMs) * j / double(n - 1));
  return radius;
}

}  // namespace mimic

#define MIMIC_SIMD_BODY "teacher_kernel-inl.hpp"
#include "simd_foreach.hpp"

namespace mimic {

// Each entry point runs the kernel of the active SIMD level (simd.hpp); every level gives the same
// results bit for bit.
template <class S>
void teacher_forward_sample(const TeacherParamsT<S>& p, const float* input, std::size_t steps, float* outputs,
                            float* activations, TeacherWorkspace<S>& ws, const Control* control) {
  return MIMIC_SIMD_PICK(forward_sample<S>)(p, input, steps, outputs, activations, ws, control);
}

template <class S>
double teacher_sample_gradient(const TeacherParamsT<S>& p, const float* input, const float* target, std::size_t steps,
                               double lambdaMse, TeacherGradT<S>& g, TeacherWorkspace<S>& ws, float* outputs,
                               const Control* control, unsigned threads) {
  return MIMIC_SIMD_PICK(sample_gradient<S>)(p, input, target, steps, lambdaMse, g, ws, outputs, control, threads);
}

template <class S>
TeacherLossTerms teacher_regularisers(const TeacherParamsT<S>& p, const TeacherLossOptions& o, TeacherGradT<S>* g) {
  TeacherLossTerms t;
  const std::size_t N = p.units;
  const double n = static_cast<double>(N), n2 = n * n;
  // Tau terms in seconds or milliseconds (see the header); d/d tauMs = d/d tau_unit * f.
  const double f = o.tauInSeconds ? 1e-3 : 1.0;
  const double tauMinS = o.tauMinMs * f;
  double maxExcess = -1;
  std::size_t argmax = 0;
  for (std::size_t j = 0; j < N; ++j) {
    const double tauS = static_cast<double>(p.tauMs[j]) * f;
    if (tauS < tauMinS) {
      const double e = std::exp(-(tauS - tauMinS));
      t.tau += o.lambdaTau * e / n;
      if (g) g->tauMs[j] += static_cast<S>(-o.lambdaTau * e / n * f);
    }
    const double excess = std::max(tauS - tauMinS, 0.0);
    if (excess > maxExcess) {  // first unit wins ties
      maxExcess = excess;
      argmax = j;
    }
  }
  if (N > 0) {
    t.maxTau = o.lambdaMaxTau * maxExcess * maxExcess;
    if (g && maxExcess > 0) g->tauMs[argmax] += static_cast<S>(o.lambdaMaxTau * 2 * maxExcess * f);
  }
  for (std::size_t k = 0; k < N * N; ++k) {
    const double w = static_cast<double>(p.wRec[k]);
    t.rec += o.lambdaRec * w * w / n2;
    if (g) g->wRec[k] += static_cast<S>(2 * o.lambdaRec * w / n2);
  }
  for (std::size_t j = 0; j < N; ++j) {
    const double w = static_cast<double>(p.wRec[j * N + j]);
    t.diag += o.lambdaDiag * std::fabs(w) / n2;
    if (g && w != 0) g->wRec[j * N + j] += static_cast<S>(o.lambdaDiag * (w > 0 ? 1.0 : -1.0) / n2);
  }
  for (std::size_t j = 0; j < N; ++j) {
    const double b = static_cast<double>(p.bias[j]);
    t.bias += o.lambdaBias * b * b / n;
    if (g) g->bias[j] += static_cast<S>(2 * o.lambdaBias * b / n);
  }
  return t;
}

template <class S>
void teacher_mean_gradient(const std::vector<TeacherGradT<S>>& per, std::size_t count, TeacherGradT<S>& grad) {
  const double inv = count > 0 ? 1.0 / static_cast<double>(count) : 0.0;
  // Sum in sample order (thread-count independent), then the mean over the batch.
  auto reduce = [&](std::vector<S> TeacherGradT<S>::*member) {
    std::vector<S>& dst = grad.*member;
    for (std::size_t k = 0; k < dst.size(); ++k) {
      double acc = 0;
      for (std::size_t i = 0; i < count; ++i) acc += static_cast<double>((per[i].*member)[k]);
      dst[k] = static_cast<S>(acc * inv);
    }
  };
  reduce(&TeacherGradT<S>::wIn);
  reduce(&TeacherGradT<S>::wRec);
  reduce(&TeacherGradT<S>::wOut);
  reduce(&TeacherGradT<S>::bias);
  reduce(&TeacherGradT<S>::tauMs);
}

template <class S>
TeacherLossTerms teacher_batch_gradient(const TeacherParamsT<S>& p, const float* inputs, const float* targets,
                                        std::size_t count, std::size_t steps, const TeacherLossOptions& o,
                                        unsigned threads, TeacherGradT<S>& grad, const Control& control) {
  grad.resize(p.units, p.channels, p.outputs);
  std::vector<TeacherGradT<S>> per(count);
  std::vector<double> mse(count, 0.0);
  const auto one = [&](std::size_t i, unsigned helperThreads) {
    if (control.cancelled()) return;
    thread_local TeacherWorkspace<S> ws;
    per[i].resize(p.units, p.channels, p.outputs);
    mse[i] = teacher_sample_gradient(p, inputs + i * steps * p.channels, targets + i * steps * p.outputs, steps,
                                     o.lambdaMse, per[i], ws, nullptr, &control, helperThreads);
  };
  // One sample: on this thread, with the pool free for the sample's own second thread (its wRec product
  // beside the backward pass); more: a sample per thread.
  if (count == 1)
    one(0, threads);
  else
    global_pool().parallel_for(count, [&](std::size_t i) { one(i, 1); }, threads);
  control.check();
  TeacherLossTerms terms;
  const double inv = count > 0 ? 1.0 / static_cast<double>(count) : 0.0;
  teacher_mean_gradient(per, count, grad);
  double m = 0;
  for (std::size_t i = 0; i < count; ++i) m += mse[i];
  const TeacherLossTerms reg = teacher_regularisers(p, o, &grad);
  terms = reg;
  terms.mse = m * inv;
  return terms;
}

#define MIMIC_TEACHER_INSTANTIATE(S)                                                                                  \
  template void teacher_forward_sample<S>(const TeacherParamsT<S>&, const float*, std::size_t, float*, float*,       \
                                          TeacherWorkspace<S>&, const Control*);                                      \
  template double teacher_sample_gradient<S>(const TeacherParamsT<S>&, const float*, const float*, std::size_t,      \
                                             double, TeacherGradT<S>&, TeacherWorkspace<S>&, float*, const Control*, \
                                             unsigned);                                                              \
  template void teacher_mean_gradient<S>(const std::vector<TeacherGradT<S>>&, std::size_t, TeacherGradT<S>&);        \
  template TeacherLossTerms teacher_regularisers<S>(const TeacherParamsT<S>&, const TeacherLossOptions&,             \
                                                    TeacherGradT<S>*);                                                \
  template TeacherLossTerms teacher_batch_gradient<S>(const TeacherParamsT<S>&, const float*, const float*,          \
                                                      std::size_t, std::size_t, const TeacherLossOptions&, unsigned,  \
                                                      TeacherGradT<S>&, const Control&);
MIMIC_TEACHER_INSTANTIATE(float)
MIMIC_TEACHER_INSTANTIATE(double)

}  // namespace mimic
