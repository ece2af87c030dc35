#include "baseline.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <string>

#include "rng.hpp"
#include "simd.hpp"
#include "simd_config.hpp"
#include "snn.hpp"
#include "snn_noise.hpp"
#include "thread_pool.hpp"

namespace mimic {

void LifNet::validate() const {
  const std::size_t N = neurons, C = channels, O = outputs;
  auto need = [](const std::vector<float>& v, std::size_t n, const char* name) {
    if (v.size() != n)
      throw InvalidArgument(std::string(name) + " has " + std::to_string(v.size()) + " elements but the sizes give " + std::to_string(n));
  };
  if (N == 0) throw InvalidArgument("neurons must be at least 1");
  need(wIn, N * C, "wIn");
  need(wRec, N * N, "wRec");
  need(wOut, O * N, "wOut");
  need(outBias, O, "outBias");
  if (!encoders.empty()) need(encoders, N * O, "encoders");
  need(tauMemMs, N, "tauMemMs");
  need(tauSynMs, N, "tauSynMs");
  need(vTh, N, "vTh");
  need(vReset, N, "vReset");
  need(bias, N, "bias");
  need(refractoryMs, N, "refractoryMs");
  for (std::size_t n = 0; n < N; ++n) {
    if (!(tauMemMs[n] > 0)) throw InvalidArgument("tauMemMs[" + std::to_string(n) + "] must be positive");
    if (!(tauSynMs[n] > 0)) throw InvalidArgument("tauSynMs[" + std::to_string(n) + "] must be positive");
    if (!(refractoryMs[n] >= 0)) throw InvalidArgument("refractoryMs[" + std::to_string(n) + "] must not be negative");
  }
  if (!(tauOutMs > 0)) throw InvalidArgument("tauOutMs must be positive");
}

void LifPerturbation::validate(std::size_t neurons) const {
  if (!(noiseStd >= 0) || !std::isfinite(noiseStd)) throw InvalidArgument("noiseStd must be a finite number >= 0");
  for (int32_t j : silenced)
    if (j < 0 || std::size_t(j) >= neurons)
      throw InvalidArgument("silenced neuron " + std::to_string(j) + " is out of range [0, " + std::to_string(neurons) + ")");
  if (silenceStart > silenceEnd)
    throw InvalidArgument("the silencing window [" + std::to_string(silenceStart) + ", " + std::to_string(silenceEnd) + ") ends before it starts");
}

struct LifState;
using LifStepFn = void (*)(const LifNet&, LifState&, const LifPerturbation*, double, const float*, float*);

struct LifState {
  std::vector<double> v, s, r, refr, aMem, aSyn, yPrev, noise;
  std::vector<double> current;  // [N] the step's input current
  std::vector<int64_t> spiked;  // [N] −1 = spiked in the step, else 0
  // the neurons' constants as doubles (exactly the floats' values): V_th, V_reset, the refractory
  // period, and the drop of a subtractive reset (the float vTh − vReset)
  std::vector<double> vThD, vResetD, refractoryD, resetDropD;
  std::vector<int64_t> silencedMask;  // [N] −1 = held silent in the window (empty: nobody)
  std::vector<float> wInT, encodersT;  // wIn [C x N] and encoders [O x N], transposed at construction
  std::vector<uint32_t> fired;
  std::vector<int32_t> counts;
  double aOut = 0, gainOut = 0;
  std::size_t spikes = 0, t = 0;
  Rng rng;
  LifStepFn step = nullptr;  // the kernel of the SIMD level active when the simulator was made
};

}  // namespace mimic

#define MIMIC_SIMD_BODY "lif_kernel-inl.hpp"
#include "simd_foreach.hpp"

namespace mimic {

LifSimulator::LifSimulator(const LifNet& net, double dtMs, const LifPerturbation* perturbation)
    : net_(net), dtMs_(dtMs), perturbation_(perturbation), s_(new LifState) {
  const std::size_t N = net.neurons;
  auto& s = *s_;
  s.v.assign(N, 0);
  s.s.assign(N, 0);
  s.r.assign(N, 0);
  s.refr.assign(N, 0);
  s.aMem.resize(N);
  s.aSyn.resize(N);
  s.noise.resize(N);
  for (std::size_t n = 0; n < N; ++n) {
    s.aMem[n] = std::exp(-dtMs / net.tauMemMs[n]);
    s.aSyn[n] = std::exp(-dtMs / net.tauSynMs[n]);
  }
  s.aOut = std::exp(-dtMs / net.tauOutMs);
  s.gainOut = 1000.0 / net.tauOutMs;
  s.yPrev.assign(net.outputs, 0);
  s.fired.reserve(N);
  s.counts.assign(N, 0);
  s.current.assign(N, 0);
  s.spiked.assign(N, 0);
  s.vThD.resize(N);
  s.vResetD.resize(N);
  s.refractoryD.resize(N);
  s.resetDropD.resize(N);
  for (std::size_t n = 0; n < N; ++n) {
    s.vThD[n] = net.vTh[n];
    s.vResetD[n] = net.vReset[n];
    s.refractoryD[n] = net.refractoryMs[n];
    s.resetDropD[n] = net.vTh[n] - net.vReset[n];  // the float difference, as the step used it
  }
  // the input and feedback weights transposed (the simulator keeps a reference to net: they must not
  // change while it lives; FORCE changes only wOut, which the step reads from net)
  const std::size_t C = net.channels, O = net.outputs;
  s.wInT.resize(C * N);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c) s.wInT[c * N + n] = net.wIn[n * C + c];
  if (!net.encoders.empty()) {
    s.encodersT.resize(O * N);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t o = 0; o < O; ++o) s.encodersT[o * N + n] = net.encoders[n * O + o];
  }
  s.step = MIMIC_SIMD_PICK(lif_step);
  if (perturbation_) {
    perturbation_->validate(N);
    if (!perturbation_->silenced.empty() && perturbation_->silenceStart < perturbation_->silenceEnd) {
      s.silencedMask.assign(N, 0);
      for (int32_t j : perturbation_->silenced) s.silencedMask[std::size_t(j)] = -1;
    }
  }
}

LifSimulator::~LifSimulator() = default;

void LifSimulator::reset(uint64_t seed, uint64_t stream) {
  auto& s = *s_;
  s.rng = Rng(seed, stream);
  for (std::size_t n = 0; n < net_.neurons; ++n) {
    s.v[n] = s.rng.uniform(net_.vReset[n], net_.vTh[n]);
    s.s[n] = 0;
    s.r[n] = 0;
    s.refr[n] = 0;
  }
  std::fill(s.yPrev.begin(), s.yPrev.end(), 0.0);
  std::fill(s.counts.begin(), s.counts.end(), 0);
  s.spikes = 0;
  s.t = 0;
}

void LifSimulator::step(const float* x, float* y) { s_->step(net_, *s_, perturbation_, dtMs_, x, y); }

const std::vector<double>& LifSimulator::traces() const { return s_->r; }
std::size_t LifSimulator::spikes() const { return s_->spikes; }
const std::vector<int32_t>& LifSimulator::spikeCounts() const { return s_->counts; }
const std::vector<uint32_t>& LifSimulator::fired() const { return s_->fired; }
const std::vector<double>& LifSimulator::potentials() const { return s_->v; }

void lif_run(const LifNet& net, const float* inputs, std::size_t count, std::size_t steps, double dtMs, uint64_t seed,
             unsigned threads, LifRunStats& out, const Control& control, const LifPerturbation& perturbation) {
  net.validate();
  perturbation.validate(net.neurons);
  const std::size_t N = net.neurons, C = net.channels, O = net.outputs;
  out.outputs.assign(count * steps * O, 0.0f);
  out.spikeCounts.assign(count * N, 0);
  const std::size_t recorded = std::min(out.recordSamples, count);
  out.spikeSteps.assign(recorded, {});
  out.spikeNeurons.assign(recorded, {});
  // the binding checks these with the option names; kept here too, so that no other caller can divide by
  // zero below or read past the potentials
  if (out.decimate < 1) throw InvalidArgument("decimate must be at least 1");
  for (int32_t n : out.membraneNeurons)
    if (n < 0 || std::size_t(n) >= N) throw InvalidArgument("membraneNeurons names neuron " + std::to_string(n) + " but the network has neurons 0.." + std::to_string(N - 1));
  const std::size_t K = out.membraneNeurons.size(), Tr = recorded_steps(steps, out.decimate);
  out.recordedSteps = Tr;
  out.membrane.assign(K > 0 ? count * Tr * K : 0, 0.0f);
  std::atomic<std::size_t> done{0};
  global_pool().parallel_for(
      count,
      [&](std::size_t b) {
        if (control.cancelled()) return;
        LifSimulator sim(net, dtMs, &perturbation);
        sim.reset(seed, b);
        std::vector<int32_t>* recSteps = b < recorded ? &out.spikeSteps[b] : nullptr;
        std::vector<int32_t>* recNeurons = b < recorded ? &out.spikeNeurons[b] : nullptr;
        for (std::size_t t = 0; t < steps; ++t) {
          sim.step(&inputs[(b * steps + t) * C], &out.outputs[(b * steps + t) * O]);
          if (recSteps) {
            for (uint32_t n : sim.fired()) {
              recSteps->push_back(static_cast<int32_t>(t));
              recNeurons->push_back(static_cast<int32_t>(n));
            }
          }
          if (K > 0 && t % out.decimate == 0) {
            float* row = &out.membrane[(b * Tr + t / out.decimate) * K];
            for (std::size_t k = 0; k < K; ++k) row[k] = static_cast<float>(sim.potentials()[std::size_t(out.membraneNeurons[k])]);
          }
          if ((t & 31) == 0 && control.cancelled()) return;  // (a step is ~0.5 ms at N = 4096)
        }
        std::copy(sim.spikeCounts().begin(), sim.spikeCounts().end(), &out.spikeCounts[b * N]);
        control.report(double(done.fetch_add(1) + 1), double(count), "running");
      },
      threads);
  control.check();
  double total = 0;
  for (int32_t c : out.spikeCounts) total += c;
  out.totalSpikes = total;
  const double seconds = double(steps) * dtMs / 1000.0;
  out.meanRateHz = count > 0 && steps > 0 ? total / (double(count) * double(N) * seconds) : 0.0;
}

// ---- reservoir ------------------------------------------------------------------------------------

LifNet reservoir_build(const ReservoirOptions& o) {
  if (o.neurons < 1 || o.pools < 1 || o.pools > o.neurons) throw InvalidArgument("pools must be between 1 and neurons");
  if (!(o.tauMinMs > 0) || !(o.tauMaxMs >= o.tauMinMs)) throw InvalidArgument("tauMinMs must be positive and at most tauMaxMs");
  const std::size_t N = o.neurons, C = o.channels, O = o.outputs;
  LifNet net;
  net.neurons = N;
  net.channels = C;
  net.outputs = O;
  net.tauOutMs = o.tauOutMs;
  Rng rng(o.seed, 0x5E5E);
  net.wIn.resize(N * C);
  for (auto& w : net.wIn) w = static_cast<float>(o.inputScale * rng.normal());
  net.wRec.assign(N * N, 0.0f);
  const std::size_t every = static_cast<std::size_t>(std::max(1.0, o.inhibitoryEvery));
  // Pools are contiguous blocks of neurons (block-diagonal wRec); a pre neuron m is inhibitory when
  // (m + 1) is a multiple of `every`.
  for (std::size_t m = 0; m < N; ++m) {
    const std::size_t pool = m * o.pools / N;
    const std::size_t lo = (pool * N + o.pools - 1) / o.pools, hi = ((pool + 1) * N + o.pools - 1) / o.pools;
    const bool inhibitory = (m + 1) % every == 0;
    const double w = inhibitory ? -o.inhibitoryGain * o.weight : o.weight;
    for (std::size_t n = lo; n < hi; ++n)
      if (n != m && rng.uniform() < o.connectivity) net.wRec[m * N + n] = static_cast<float>(w);
  }
  net.wOut.assign(O * N, 0.0f);
  net.outBias.assign(O, 0.0f);
  const double llo = std::log(o.tauMinMs), lhi = std::log(o.tauMaxMs);
  net.tauMemMs.resize(N);
  net.tauSynMs.resize(N);
  net.bias.resize(N);
  for (std::size_t n = 0; n < N; ++n) {
    net.tauMemMs[n] = static_cast<float>(std::exp(rng.uniform(llo, lhi)));
    net.tauSynMs[n] = static_cast<float>(std::exp(rng.uniform(llo, lhi)));
    net.bias[n] = static_cast<float>(rng.uniform(o.biasLo, o.biasHi));
  }
  net.vTh.assign(N, 1.0f);
  net.vReset.assign(N, 0.0f);
  net.refractoryMs.assign(N, static_cast<float>(o.refractoryMs));
  return net;
}

std::size_t reservoir_block_samples() { return 4 * std::max<std::size_t>(1, global_pool().size()); }

namespace {

// Eigen blocks its matrix products (the Gram matrices' rank updates above all) by the CPU's cache sizes
// as CPUID reports them, so the order of the sums, and so the last bits of a read-out fit, would depend
// on the machine (an Intel Xeon with 48 KB of L1d and 2 MB of L2 gave a training MSE 2·10⁻¹⁵ away from
// the AMD EPYC's). Fixed sizes make a fit the same on every machine: those of the AMD EPYC VMs the
// stored results were made on (32 KB L1d, 1 MB L2, 32 MB L3). Set when the addon loads, before any fit.
const struct FixedEigenBlocking {
  FixedEigenBlocking() { Eigen::setCpuCacheSizes(32 * 1024, 1024 * 1024, 32 * 1024 * 1024); }
} fixedEigenBlocking;

constexpr std::size_t kCholeskyBlock = 128;

// The work of A = L·Lᵀ's first c columns of n, in multiply-adds: n³/3 − (n − c)³/3.
double cholesky_work(double n, double c) { return (n * n * n - (n - c) * (n - c) * (n - c)) / 3; }

// A = L·Lᵀ in place, L in A's lower triangle (the strict upper triangle is not read and is left with
// partial sums), right-looking in blocks of kCholeskyBlock columns: the block's diagonal by Eigen's LLT,
// the panel under it by a triangular solve, the trailing lower triangle by A22 −= A21·A21ᵀ in column
// strips of kCholeskyBlock spread over the pool. Every strip is the same operations whatever the thread
// count, so the factor does not depend on it. The cancel is checked per strip (at most n·128² multiply-
// adds: a few ms) and progress(columns done) called per block (every ~0.1 s at N = 8192). False when a
// pivot is not positive (A is not definite).
bool cholesky_blocked(Eigen::MatrixXd& A, unsigned threads, const Control& control, const std::function<void(std::size_t)>& progress) {
  const std::size_t n = static_cast<std::size_t>(A.rows());
  for (std::size_t k = 0; k < n; k += kCholeskyBlock) {
    control.check();
    const std::size_t b = std::min(kCholeskyBlock, n - k), m = n - k - b;
    Eigen::Ref<Eigen::MatrixXd> a11 = A.block(k, k, b, b);
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(a11);
    if (llt.info() != Eigen::Success) return false;
    if (m > 0) {
      auto a21 = A.block(k + b, k, m, b);
      a11.triangularView<Eigen::Lower>().transpose().solveInPlace<Eigen::OnTheRight>(a21);
      const std::size_t strips = (m + kCholeskyBlock - 1) / kCholeskyBlock;
      global_pool().parallel_for(
          strips,
          [&](std::size_t s) {
            if (control.cancelled()) return;
            const std::size_t c0 = s * kCholeskyBlock, w = std::min(kCholeskyBlock, m - c0);
            A.block(k + b + c0, k + b + c0, m - c0, w).noalias() -= a21.bottomRows(m - c0) * a21.middleRows(c0, w).transpose();
          },
          threads);
    }
    progress(k + b);
  }
  control.check();
  return true;
}

}  // namespace

ReadoutFit reservoir_fit(LifNet& net, const float* inputs, const float* targets, std::size_t count, std::size_t steps,
                         double dtMs, double ridge, std::size_t stride, uint64_t seed, unsigned threads,
                         const Control& control) {
  net.validate();
  if (stride < 1) throw InvalidArgument("stride must be at least 1");
  const std::size_t N = net.neurons, C = net.channels, O = net.outputs, F = N + 1;
  // Each sample's Gram matrix RᵀR (features: traces and a constant) and RᵀY, summed in sample order
  // after the parallel part so the result does not depend on the thread count. Samples go in blocks
  // of a few per thread, each block's matrices added to the sums in sample order before the next
  // block starts: the same additions in the same order as one block of all the samples, with memory
  // for a block's matrices only (at N = 768, 4.7 MB per sample, 4.7 GB for 1000 samples at once).
  using Mat = Eigen::MatrixXd;
  const std::size_t rows = (steps + stride - 1) / stride;
  const std::size_t block = std::min(count, reservoir_block_samples());
  std::vector<Mat> gram(block), cross(block);
  std::vector<std::size_t> spikes(block, 0);
  std::atomic<std::size_t> doneRows{0};
  // rows per Gram update: about 5·10⁸ multiply-adds at most, a power of two from 16 to 1024 (1024 at N = 768,
  // 128 at 2048, 32 at 4096, 16 at 8192; smaller updates cost up to 10 % in the matrix products)
  const std::size_t chunk = std::size_t(1) << std::clamp(int(std::floor(std::log2(1e9 / (double(F) * double(F))))), 4, 10);
  // Progress in units of work: a sample's Gram update (rows·F²/2 multiply-adds, with its simulation),
  // then the factorisation (F³/3), reported per block of columns. The factorisation runs at about 3x the
  // rate of the Gram phase (two threads, N = 4096: 2.6·10¹⁰ against 8·10⁹ per second; 8192: 2.9·10¹⁰
  // against 7.7·10⁹), so a third of its multiply-adds are its units.
  const double perRow = double(F) * double(F) / 2, perSample = double(rows) * perRow,
               work = double(count) * perSample + cholesky_work(double(F), double(F)) / 3;
  Mat G = Mat::Zero(F, F), XY = Mat::Zero(F, O);
  double total = 0;
  for (std::size_t b0 = 0; b0 < count; b0 += block) {
    const std::size_t n = std::min(block, count - b0);
    global_pool().parallel_for(
        n,
        [&](std::size_t k) {
          if (control.cancelled()) return;
          const std::size_t b = b0 + k;
          LifSimulator sim(net, dtMs);
          sim.reset(seed, b);
          // The sample's rows enter its Gram matrix a chunk at a time (the cancel looked at and the
          // progress reported per chunk: one update of a whole long sample was minutes at N = 4096)
          Mat R(std::min(rows, chunk), F), Y(std::min(rows, chunk), O);
          gram[k] = Mat::Zero(F, F);
          cross[k] = Mat::Zero(F, O);
          std::vector<float> y(O);
          std::size_t row = 0;
          const auto flush = [&]() {
            if (row == 0) return;
            gram[k].selfadjointView<Eigen::Lower>().rankUpdate(R.topRows(row).transpose());
            cross[k].noalias() += R.topRows(row).transpose() * Y.topRows(row);
            control.report(double(doneRows.fetch_add(row) + row) * perRow, work, "collecting reservoir states");
            row = 0;
          };
          for (std::size_t t = 0; t < steps; ++t) {
            sim.step(&inputs[(b * steps + t) * C], y.data());
            if (t % stride != 0) continue;
            const auto& r = sim.traces();
            for (std::size_t n2 = 0; n2 < N; ++n2) R(row, n2) = r[n2];
            R(row, N) = 1.0;
            for (std::size_t o = 0; o < O; ++o) Y(row, o) = targets[(b * steps + t) * O + o];
            if (++row == chunk) {
              flush();
              if (control.cancelled()) return;
            }
          }
          flush();
          spikes[k] = sim.spikes();
        },
        threads);
    control.check();
    for (std::size_t k = 0; k < n; ++k) {
      G += gram[k];
      XY += cross[k];
      total += double(spikes[k]);
    }
  }
  const char* fitting = "fitting the read-out (ridge regression)";
  control.report(double(count) * perSample, work, fitting);
  Mat A = G;  // its lower triangle becomes the system's Cholesky factor
  for (std::size_t n = 0; n < N; ++n) A(n, n) += ridge;
  A(N, N) += 1e-9 * (1.0 + A(N, N));  // the constant is not penalised (a tiny jitter keeps A definite)
  const bool definite = cholesky_blocked(A, threads, control, [&](std::size_t columns) {
    control.report(double(count) * perSample + cholesky_work(double(F), double(columns)) / 3, work, fitting);
  });
  if (!definite) throw std::runtime_error("the ridge system could not be factorised (raise ridge)");
  Mat W = XY;
  A.triangularView<Eigen::Lower>().solveInPlace(W);
  A.triangularView<Eigen::Lower>().transpose().solveInPlace(W);
  if (!W.allFinite()) throw std::runtime_error("the ridge read-out is not finite (raise ridge)");
  for (std::size_t o = 0; o < O; ++o) {
    for (std::size_t n = 0; n < N; ++n) net.wOut[o * N + n] = static_cast<float>(W(n, o));
    net.outBias[o] = static_cast<float>(W(N, o));
  }
  // Training MSE from the normal equations: (‖Y‖² − 2 wᵀRᵀY + wᵀGw) / (rows·count·O); needs ‖Y‖².
  double yy = 0;
  for (std::size_t b = 0; b < count; ++b)
    for (std::size_t t = 0; t < steps; t += stride)
      for (std::size_t o = 0; o < O; ++o) yy += double(targets[(b * steps + t) * O + o]) * targets[(b * steps + t) * O + o];
  const Mat GW = G.selfadjointView<Eigen::Lower>() * W;
  const double sse = yy - 2.0 * (W.transpose() * XY).trace() + (W.transpose() * GW).trace();
  ReadoutFit fit;
  fit.trainMse = std::max(0.0, sse) / (double(rows) * double(count) * double(O));
  fit.meanRateHz = total / (double(count) * double(N) * double(steps) * dtMs / 1000.0);
  return fit;
}

// ---- FORCE ----------------------------------------------------------------------------------------

LifNet force_build(const ForceOptions& o) {
  const std::size_t N = o.neurons, C = o.channels, O = o.outputs;
  if (!(o.sparsity > 0 && o.sparsity <= 1)) throw InvalidArgument("sparsity must be in (0, 1]");
  LifNet net;
  net.neurons = N;
  net.channels = C;
  net.outputs = O;
  net.tauOutMs = o.tauSynMs;
  Rng rng(o.seed, 0xF0CE);
  net.wRec.assign(N * N, 0.0f);
  const double scale = o.g / (std::sqrt(double(N)) * o.sparsity);
  // Rows of the paper's matrix are postsynaptic: each neuron's incoming weights are made zero-mean
  // over its connections (stored transposed: wRec[m*N + n] from m to n).
  std::vector<double> col(N);
  std::vector<char> mask(N);
  for (std::size_t n = 0; n < N; ++n) {
    double sum = 0;
    std::size_t k = 0;
    for (std::size_t m = 0; m < N; ++m) {
      mask[m] = rng.uniform() < o.sparsity;
      col[m] = mask[m] ? scale * rng.normal() : 0.0;
      if (mask[m]) sum += col[m], ++k;
    }
    const double mean = k > 0 ? sum / double(k) : 0.0;
    for (std::size_t m = 0; m < N; ++m)
      if (mask[m]) net.wRec[m * N + n] = static_cast<float>(col[m] - mean);
  }
  net.encoders.resize(N * O);
  for (auto& e : net.encoders) e = static_cast<float>(rng.uniform(-o.encoderScale, o.encoderScale));
  net.wIn.resize(N * C);
  for (auto& w : net.wIn) w = static_cast<float>(rng.uniform(-o.inputScale, o.inputScale));
  net.wOut.assign(O * N, 0.0f);
  net.outBias.assign(O, 0.0f);
  net.tauMemMs.assign(N, static_cast<float>(o.tauMemMs));
  net.tauSynMs.assign(N, static_cast<float>(o.tauSynMs));
  net.vTh.assign(N, static_cast<float>(o.vPeak));
  net.vReset.assign(N, static_cast<float>(o.vReset));
  net.bias.assign(N, static_cast<float>(o.bias));
  net.refractoryMs.assign(N, static_cast<float>(o.refractoryMs));
  return net;
}

ForceRls::ForceRls(std::size_t neurons, double p0) : n_(neurons), p_(neurons * (neurons + 1) / 2, 0.0), k_(neurons) {
  for (std::size_t i = 0; i < n_; ++i) p_[i * n_ - i * (i - 1) / 2] = p0;
}

double ForceRls::train_sample(LifNet& net, const float* x, const float* target, std::size_t steps, double dtMs,
                              std::size_t every, uint64_t seed, uint64_t stream, const Control& control) {
  const std::size_t N = n_, C = net.channels, O = net.outputs;
  LifSimulator sim(net, dtMs);
  sim.reset(seed, stream);
  std::vector<float> y(O);
  double sse = 0;
  for (std::size_t t = 0; t < steps; ++t) {
    sim.step(&x[t * C], y.data());
    for (std::size_t o = 0; o < O; ++o) {
      const double e = double(y[o]) - target[t * O + o];
      sse += e * e;
    }
    if (every > 1 && t % every != 0) continue;
    const auto& r = sim.traces();
    // k = P r from the upper triangle: row i holds P(i, j ≥ i); P(j, i) = P(i, j).
    std::fill(k_.begin(), k_.end(), 0.0);
    for (std::size_t i = 0; i < N; ++i) {
      const double* row = &p_[i * N - i * (i - 1) / 2];
      double acc = row[0] * r[i];
      const double ri = r[i];
      for (std::size_t j = i + 1; j < N; ++j) {
        acc += row[j - i] * r[j];
        k_[j] += row[j - i] * ri;
      }
      k_[i] += acc;
    }
    double rk = 0;
    for (std::size_t i = 0; i < N; ++i) rk += r[i] * k_[i];
    const double c = 1.0 / (1.0 + rk);
    for (std::size_t i = 0; i < N; ++i) {
      double* row = &p_[i * N - i * (i - 1) / 2];
      const double cki = c * k_[i];
      for (std::size_t j = i; j < N; ++j) row[j - i] -= cki * k_[j];
    }
    // the read-out error after this step's output, with the old weights (as FORCE does)
    for (std::size_t o = 0; o < O; ++o) {
      const double e = double(y[o]) - target[t * O + o];
      float* w = &net.wOut[o * N];
      for (std::size_t i = 0; i < N; ++i) w[i] = static_cast<float>(w[i] - e * c * k_[i]);
    }
    // every step: at N = 8192 a step of RLS is ~50 ms (a cancel waited 7 s when this was every 128th)
    control.check();
    if ((t & 31) == 31) control.report(double(t + 1), double(steps));
  }
  return sse;
}

}  // namespace mimic
