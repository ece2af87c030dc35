#include "teacher.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "rng.hpp"
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

namespace {

template <class S>
inline S tanh_(S v) {
  return std::tanh(v);
}

// One forward step for all units. aPrev null means a[-1] = 0. Writes x (in place), act row, drive row.
template <class S>
inline void step(const TeacherParamsT<S>& p, const S* alpha, const float* in, const S* aPrev, S* x, S* u, S* act,
                 S* drive) {
  const std::size_t N = p.units, C = p.channels;
  const S* b = p.bias.data();
  for (std::size_t j = 0; j < N; ++j) u[j] = b[j];
  const S* wIn = p.wIn.data();
  if (C == 1) {
    const S c0 = static_cast<S>(in[0]);
    for (std::size_t j = 0; j < N; ++j) u[j] += wIn[j] * c0;
  } else {
    for (std::size_t j = 0; j < N; ++j) {
      S acc = 0;
      for (std::size_t c = 0; c < C; ++c) acc += wIn[j * C + c] * static_cast<S>(in[c]);
      u[j] += acc;
    }
  }
  if (aPrev) {
    const S* W = p.wRec.data();
    for (std::size_t i = 0; i < N; ++i) {
      const S ai = aPrev[i];
      const S* row = W + i * N;
      for (std::size_t j = 0; j < N; ++j) u[j] += ai * row[j];
    }
  }
  for (std::size_t j = 0; j < N; ++j) {
    const S d = u[j] - x[j];
    drive[j] = d;
    x[j] += alpha[j] * d;
    act[j] = tanh_(x[j]);
  }
}

template <class S>
inline S dot(const S* a, const S* b, std::size_t n) {
  // Four partial sums in a fixed order: vectorisable without -ffast-math, and deterministic.
  S s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < n; ++k) s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
}

template <class S>
void prepare(const TeacherParamsT<S>& p, std::size_t steps, TeacherWorkspace<S>& ws, bool trajectories) {
  const std::size_t N = p.units;
  if (trajectories) {
    ws.act.resize(steps * N);
    ws.drive.resize(steps * N);
  } else {
    ws.act.resize(N);
    ws.drive.resize(N);
  }
  ws.x.assign(N, S(0));
  ws.u.assign(N, S(0));
  ws.y.assign(p.outputs, S(0));
}

// Steps between two checks of the cancel flag: about 2^16 multiply-adds (a step costs N² + N·(C + O)),
// so that a long sample stops within a millisecond or so.
template <class S>
std::size_t check_every(const TeacherParamsT<S>& p) {
  const std::size_t work = p.units * (p.units + p.channels + p.outputs) + 1;
  return std::max<std::size_t>(1, (std::size_t(1) << 16) / work);
}

template <class S>
std::vector<S> alphas(const TeacherParamsT<S>& p) {
  std::vector<S> a(p.units);
  for (std::size_t j = 0; j < p.units; ++j) a[j] = static_cast<S>(p.dtMs / static_cast<double>(p.tauMs[j]));
  return a;
}

}  // namespace

template <class S>
void teacher_forward_sample(const TeacherParamsT<S>& p, const float* input, std::size_t steps, float* outputs,
                            float* activations, TeacherWorkspace<S>& ws, const Control* control) {
  const std::size_t N = p.units, C = p.channels, O = p.outputs;
  prepare(p, steps, ws, false);
  const std::vector<S> alpha = alphas(p);
  std::vector<S> prev(N, S(0));
  const std::size_t every = check_every(p);
  for (std::size_t t = 0; t < steps; ++t) {
    if (control && t % every == 0) control->check();
    step(p, alpha.data(), input + t * C, t > 0 ? prev.data() : nullptr, ws.x.data(), ws.u.data(), ws.act.data(),
         ws.drive.data());
    if (outputs)
      for (std::size_t o = 0; o < O; ++o)
        outputs[t * O + o] = static_cast<float>(dot(p.wOut.data() + o * N, ws.act.data(), N));
    if (activations)
      for (std::size_t j = 0; j < N; ++j) activations[t * N + j] = static_cast<float>(ws.act[j]);
    prev.swap(ws.act);
  }
}

template <class S>
double teacher_sample_gradient(const TeacherParamsT<S>& p, const float* input, const float* target, std::size_t steps,
                               double lambdaMse, TeacherGradT<S>& g, TeacherWorkspace<S>& ws, float* outputs,
                               const Control* control) {
  const std::size_t N = p.units, C = p.channels, O = p.outputs;
  prepare(p, steps, ws, true);
  const std::vector<S> alpha = alphas(p);
  const std::size_t every = check_every(p);
  // Forward, keeping a[t] and u[t] - x[t-1].
  for (std::size_t t = 0; t < steps; ++t) {
    if (control && t % every == 0) control->check();
    step(p, alpha.data(), input + t * C, t > 0 ? &ws.act[(t - 1) * N] : nullptr, ws.x.data(), ws.u.data(),
         &ws.act[t * N], &ws.drive[t * N]);
  }
  // W transposed, so that W . gu is a sum of rows (vectorisable, fixed order).
  std::vector<S> wT(N * N);
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j) wT[j * N + i] = p.wRec[i * N + j];

  ws.ga.assign(N, S(0));
  ws.gx.assign(N, S(0));
  ws.gxNext.assign(N, S(0));
  ws.gu.assign(N, S(0));
  ws.guNext.assign(N, S(0));
  std::vector<S> galpha(N, S(0));
  const double scale = 2.0 * lambdaMse / (static_cast<double>(steps) * static_cast<double>(O));
  double sse = 0;
  const S* wOut = p.wOut.data();
  for (std::size_t tt = steps; tt-- > 0;) {
    if (control && tt % every == 0) control->check();
    const S* a = &ws.act[tt * N];
    const S* d = &ws.drive[tt * N];
    S* ga = ws.ga.data();
    // d loss / d a[t]: from y[t] ...
    for (std::size_t j = 0; j < N; ++j) ga[j] = 0;
    for (std::size_t o = 0; o < O; ++o) {
      const S y = dot(wOut + o * N, a, N);
      if (outputs) outputs[tt * O + o] = static_cast<float>(y);
      const double err = static_cast<double>(y) - static_cast<double>(target[tt * O + o]);
      sse += err * err;
      const S gy = static_cast<S>(scale * err);
      S* gW = g.wOut.data() + o * N;
      const S* wo = wOut + o * N;
      for (std::size_t j = 0; j < N; ++j) {
        gW[j] += gy * a[j];
        ga[j] += gy * wo[j];
      }
    }
    // ... and from u[t+1] = ... + W^T a[t]
    if (tt + 1 < steps) {
      const S* gun = ws.guNext.data();
      for (std::size_t k = 0; k < N; ++k) {
        const S gk = gun[k];
        const S* row = wT.data() + k * N;
        for (std::size_t j = 0; j < N; ++j) ga[j] += gk * row[j];
      }
    }
    S* gx = ws.gx.data();
    S* gu = ws.gu.data();
    const S* gxn = ws.gxNext.data();
    for (std::size_t j = 0; j < N; ++j) {
      gx[j] = ga[j] * (S(1) - a[j] * a[j]) + gxn[j] * (S(1) - alpha[j]);
      gu[j] = gx[j] * alpha[j];
      galpha[j] += gx[j] * d[j];
      g.bias[j] += gu[j];
    }
    const float* in = input + tt * C;
    for (std::size_t j = 0; j < N; ++j)
      for (std::size_t c = 0; c < C; ++c) g.wIn[j * C + c] += gu[j] * static_cast<S>(in[c]);
    if (tt > 0) {
      const S* ap = &ws.act[(tt - 1) * N];
      for (std::size_t i = 0; i < N; ++i) {
        const S ai = ap[i];
        S* row = g.wRec.data() + i * N;
        for (std::size_t j = 0; j < N; ++j) row[j] += ai * gu[j];
      }
    }
    ws.gx.swap(ws.gxNext);
    ws.gu.swap(ws.guNext);
  }
  // alpha = dt / tau  =>  d alpha / d tau = -dt / tau^2
  for (std::size_t j = 0; j < N; ++j) {
    const double tau = static_cast<double>(p.tauMs[j]);
    g.tauMs[j] += static_cast<S>(static_cast<double>(galpha[j]) * (-p.dtMs / (tau * tau)));
  }
  return sse / (static_cast<double>(steps) * static_cast<double>(O));
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
  global_pool().parallel_for(
      count,
      [&](std::size_t i) {
        if (control.cancelled()) return;
        thread_local TeacherWorkspace<S> ws;
        per[i].resize(p.units, p.channels, p.outputs);
        mse[i] = teacher_sample_gradient(p, inputs + i * steps * p.channels, targets + i * steps * p.outputs, steps,
                                         o.lambdaMse, per[i], ws, nullptr, &control);
      },
      threads);
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
                                             double, TeacherGradT<S>&, TeacherWorkspace<S>&, float*, const Control*); \
  template void teacher_mean_gradient<S>(const std::vector<TeacherGradT<S>>&, std::size_t, TeacherGradT<S>&);        \
  template TeacherLossTerms teacher_regularisers<S>(const TeacherParamsT<S>&, const TeacherLossOptions&,             \
                                                    TeacherGradT<S>*);                                                \
  template TeacherLossTerms teacher_batch_gradient<S>(const TeacherParamsT<S>&, const float*, const float*,          \
                                                      std::size_t, std::size_t, const TeacherLossOptions&, unsigned,  \
                                                      TeacherGradT<S>&, const Control&);
MIMIC_TEACHER_INSTANTIATE(float)
MIMIC_TEACHER_INSTANTIATE(double)

}  // namespace mimic
