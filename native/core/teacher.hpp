// The teacher: a non-spiking rate RNN trained by BPTT (docs/method.md §3).
//
//   tau_j dx_j/dt = -x_j + (F c)_j + b_j + sum_i W[i,j] tanh(x_i),   y = D tanh(x)
//
// Euler with step dt (ms), x(0) = 0. Step t (t = 0..T-1) consumes input c[t] and produces y[t]:
//   u_j[t]  = sum_c F[j,c] c[t] + b_j + sum_i W[i,j] a_i[t-1]      (a[-1] = tanh(x(0)) = 0)
//   x_j[t]  = x_j[t-1] + (dt / tau_j) (u_j[t] - x_j[t-1])
//   a_j[t]  = tanh(x_j[t]),   y_o[t] = sum_j D[o,j] a_j[t]
// so the output at step t already sees the input of step t (as in the authors' Rockpool layer).
//
// Storage (row-major, float32 in the API; the gradient code is also built for double, for checks):
//   wIn  [units x channels]  F[j,c] = wIn[j*channels + c]
//   wRec [units x units]     W[i,j] = wRec[i*units + j]: ROW i = presynaptic unit, COLUMN j =
//                            postsynaptic unit; the recurrent drive of unit j is sum_i W[i,j] tanh x_i
//   wOut [outputs x units]   D[o,j] = wOut[o*units + j], y = wOut . tanh x
//   bias [units], tauMs [units] (milliseconds)
//
// Loss of one batch (MSE is the mean over batch, time steps and outputs):
//   lambdaMse * MSE(y, target)
//   + lambdaTau    * mean_j[ exp(-(tau_j - tauMin)) * 1(tau_j < tauMin) ]    (tau unit: see below)
//   + lambdaMaxTau * max_j ( max(tau_j - tauMin, 0)^2 )
//   + lambdaRec    * mean_ij W[i,j]^2
//   + lambdaDiag   * sum_j |W[j,j]| / units^2     (mean of |W * I| over all units^2 entries, as in
//                                                   the authors' code; sign(0) = 0 at a zero entry)
//   + lambdaBias   * mean_j b_j^2
// Unit of tau inside the two tau terms: MILLISECONDS by default (tauInSeconds = false).
// The authors' code used seconds (tau in [0.01, 0.1], tauMin 0.015). There exp(-(tau - tauMin))
// stays within [1, e^0.015] below tauMin: a step of height lambdaTau/units with an almost constant
// slope, which the lambdaMse = 1e6 data gradient overrides, and the max term is at most
// (0.1 - 0.015)^2 = 0.007 against a loss of 1e2..1e5, i.e. it does nothing. In milliseconds the
// barrier grows like e^(15 - tau) and holds tau >= tauMin, and the max term (7225 at init, gradient
// 2 (tau - tauMin) on the longest unit) is of the order of the data term and does limit the longest
// time constant, which is what the two terms are for. Measured on the paper's schedule of its smaller task (64
// units, 100 x 500 samples, seeds 1-3): both units reach test accuracy 1.0; with seconds tau fell to
// 1-4.6 ms during training and the barrier's step was 50-93 % of the final loss, with milliseconds
// tau stayed >= 15 ms (final range about 15-30 ms) and the loss is the MSE's. The price: with large
// Adam steps on tau the max term can shorten the time constants before the network has learned
// (see the reduced test in test/integration/native-teacher-train.test.ts). tauInSeconds = true
// reproduces the authors' loss.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cancel.hpp"

namespace mimic {

template <class S>
struct TeacherParamsT {
  std::size_t units = 0, channels = 0, outputs = 0;
  double dtMs = 1.0;
  std::vector<S> wIn, wRec, wOut, bias, tauMs;

  std::size_t size() const { return wIn.size() + wRec.size() + wOut.size() + bias.size() + tauMs.size(); }
  void resize(std::size_t n, std::size_t c, std::size_t o) {
    units = n;
    channels = c;
    outputs = o;
    wIn.assign(n * c, S(0));
    wRec.assign(n * n, S(0));
    wOut.assign(o * n, S(0));
    bias.assign(n, S(0));
    tauMs.assign(n, S(0));
  }
  template <class F>
  void for_each_group(F&& f) {
    f(wIn);
    f(wRec);
    f(wOut);
    f(bias);
    f(tauMs);
  }
};
using TeacherParams = TeacherParamsT<float>;

// Gradients have the same layout as the parameters.
template <class S>
using TeacherGradT = TeacherParamsT<S>;

struct TeacherInitOptions {
  std::size_t units = 64, channels = 1, outputs = 1;
  uint64_t seed = 0;
  double dtMs = 1.0;
  double wInHalfRange = 5.0;   // wIn ~ U(-5, 5)
  double wRecHalfRange = 0.1;  // wRec ~ U(-0.1, 0.1), zero diagonal, then rescaled
  double spectralRadius = 0.95;
  double wOutHalfRange = 0.2;  // wOut ~ U(-0.2, 0.2)
  double tauLoMs = 10, tauHiMs = 100;  // linearly spaced
};

// wIn, wRec and wOut come from independent streams (seed, 0), (seed, 1), (seed, 2), so e.g. the
// number of channels does not change the recurrent weights. Returns the spectral radius of wRec
// before rescaling (0 when it is 0, e.g. a single unit, and then wRec is left at 0).
double teacher_init(const TeacherInitOptions& o, TeacherParams& p, const Control* control = nullptr);

struct TeacherLossOptions {
  double lambdaMse = 1e6;
  double lambdaTau = 1e6;
  double tauMinMs = 15;
  double lambdaMaxTau = 1;
  double lambdaRec = 1;
  double lambdaDiag = 1;
  double lambdaBias = 1e3;
  // Unit of tau inside the two tau terms: false = milliseconds (default), true = seconds (authors' code).
  bool tauInSeconds = false;
};

struct TeacherLossTerms {
  double mse = 0;  // unweighted mean squared error
  double tau = 0, maxTau = 0, rec = 0, diag = 0, bias = 0;  // weighted regularisers
  double total(double lambdaMse) const { return lambdaMse * mse + tau + maxTau + rec + diag + bias; }
};

// Per-thread scratch for one sample (trajectories for the backward pass).
template <class S>
struct TeacherWorkspace {
  std::vector<S> act;    // [T, units] a[t] = tanh x[t]
  std::vector<S> drive;  // [T, units] u[t] - x[t-1]
  std::vector<S> x, u, ga, gx, gxNext, gu, guNext, y;
  std::vector<S> gus;    // [T, units] gu[t] (float: the wRec gradient is one product per sample)
  std::vector<S> wInT;   // [channels, units] wIn transposed (float, more than one channel)
};

// Forward pass of one sample. input [T, channels]; outputs [T, outputs] (may be null);
// activations [T, units] (may be null). Computation in S, input/outputs as float. With a control, its
// cancel flag is checked every ~2^16 multiply-adds of work.
template <class S>
void teacher_forward_sample(const TeacherParamsT<S>& p, const float* input, std::size_t steps, float* outputs,
                            float* activations, TeacherWorkspace<S>& ws, const Control* control = nullptr);

// Loss gradient of one sample's lambdaMse * MSE term (no regularisers), ADDED to `grad` (which must
// be sized like p). Returns the sample's unweighted MSE. If `outputs` is not null it receives y.
// threads other than 1 (float): when the global pool is free, its second thread computes the wRec
// gradient's product beside the backward pass (the same results; teacher_kernel-inl.hpp).
template <class S>
double teacher_sample_gradient(const TeacherParamsT<S>& p, const float* input, const float* target, std::size_t steps,
                               double lambdaMse, TeacherGradT<S>& grad, TeacherWorkspace<S>& ws, float* outputs,
                               const Control* control = nullptr, unsigned threads = 1);

// The regularisers' values; if grad is not null their gradients are ADDED to it.
template <class S>
TeacherLossTerms teacher_regularisers(const TeacherParamsT<S>& p, const TeacherLossOptions& o, TeacherGradT<S>* grad);

// grad = the mean of per[0 .. count) (grad sized like them), summed in sample order so the result does
// not depend on the thread count; grad = 0 when count is 0.
template <class S>
void teacher_mean_gradient(const std::vector<TeacherGradT<S>>& per, std::size_t count, TeacherGradT<S>& grad);

// Loss and gradient of a whole batch: per-sample gradients in parallel (at most `threads` threads of
// the global pool, 0 = all), summed in sample order, so the result does not depend on the thread
// count. inputs [B, T, channels], targets [B, T, outputs].
template <class S>
TeacherLossTerms teacher_batch_gradient(const TeacherParamsT<S>& p, const float* inputs, const float* targets,
                                        std::size_t count, std::size_t steps, const TeacherLossOptions& o,
                                        unsigned threads, TeacherGradT<S>& grad, const Control& control);

}  // namespace mimic
