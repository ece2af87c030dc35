// Exact float32 semantics on every build (no fused multiply-add contraction, also with -march=native):
// the TypeScript reference reproduces the arithmetic bit for bit, and thread counts never matter.
// no-trapping-math (results unchanged: FP exceptions are never trapped) lets GCC if-convert selects.
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include "snn.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif
#ifndef MIMIC_HUGE_PAGES_ENABLED
#define MIMIC_HUGE_PAGES_ENABLED 1
#endif

#include "rng.hpp"
#include "snn_kernel.hpp"
#include "snn_noise.hpp"
#include "thread_pool.hpp"

namespace mimic {

// Large arrays (the weight rows: 33 MB at N = 2048) are aligned to 2 MiB and offered to the kernel
// as transparent huge pages: spike rows land anywhere in the matrix, and with 4 KiB pages nearly
// every row costs TLB misses.
template <class T>
T* AlignedAllocator<T>::allocate(std::size_t n) {
  if (n > (std::numeric_limits<std::size_t>::max() - (std::size_t(4) << 20)) / sizeof(T)) throw std::bad_alloc();
  constexpr std::size_t kHuge = std::size_t(2) << 20;
  const std::size_t raw = n * sizeof(T);
  const bool huge = raw >= 2 * kHuge && MIMIC_HUGE_PAGES_ENABLED;
  const std::size_t align = huge ? kHuge : 64;
  const std::size_t bytes = raw == 0 ? 64 : (raw + align - 1) / align * align;
  void* p = std::aligned_alloc(align, bytes);
  if (!p) throw std::bad_alloc();
#if defined(__linux__)
  if (huge) madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure changes nothing but speed
#endif
  return static_cast<T*>(p);
}
template <class T>
void AlignedAllocator<T>::deallocate(T* p, std::size_t) noexcept {
  std::free(p);
}
template struct AlignedAllocator<float>;
template struct AlignedAllocator<int32_t>;

namespace {

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::size_t round_up16(std::size_t n) { return (n + 15) / 16 * 16; }

void check_size(const std::vector<float>& v, std::size_t expected, const char* name, const char* shape) {
  if (v.size() != expected)
    throw InvalidArgument(std::string(name) + " has " + std::to_string(v.size()) + " elements but " + shape + " = " +
                          std::to_string(expected));
}

// Blocks of 2^16 checked branch-free on the exponent bits (vectorised; std::isfinite per element took
// ~5 ns), with a cancel check between blocks when a control is given.
void check_finite(const std::vector<float>& v, const char* name, const Control* control = nullptr) {
  constexpr std::size_t kBlock = std::size_t(1) << 16;
  for (std::size_t b = 0; b < v.size(); b += kBlock) {
    if (control) control->check();
    const std::size_t e = std::min(v.size(), b + kBlock);
    uint32_t bad = 0;
    for (std::size_t i = b; i < e; ++i) {
      uint32_t u;
      std::memcpy(&u, &v[i], sizeof u);
      bad |= static_cast<uint32_t>((u & 0x7f800000u) == 0x7f800000u);
    }
    if (bad)
      for (std::size_t i = b; i < e; ++i)
        if (!std::isfinite(v[i]))
          throw InvalidArgument(std::string(name) + " must hold finite numbers but element " + std::to_string(i) + " is " +
                                num(v[i]));
  }
}

}  // namespace

SnnParameters SnnParameters::uniform(std::size_t n, float tauMemMs, float tauSMs, float tauFMs, float tauOutMs,
                                     float vTh, float vRest, float vReset, float bias, float refractoryMs) {
  SnnParameters p;
  p.neurons = n;
  p.tauMemMs.assign(n, tauMemMs);
  p.tauSMs.assign(n, tauSMs);
  p.tauFMs.assign(n, tauFMs);
  p.tauOutMs.assign(n, tauOutMs);
  p.vTh.assign(n, vTh);
  p.vRest.assign(n, vRest);
  p.vReset.assign(n, vReset);
  p.bias.assign(n, bias);
  p.refractoryMs.assign(n, refractoryMs);
  return p;
}

void SnnParameters::validate() const {
  if (neurons == 0) throw InvalidArgument("The network must have at least one neuron.");
  const std::pair<const std::vector<float>*, const char*> all[] = {
      {&tauMemMs, "tauMemMs"}, {&tauSMs, "tauSMs"}, {&tauFMs, "tauFMs"}, {&tauOutMs, "tauOutMs"},
      {&vTh, "vTh"},           {&vRest, "vRest"},   {&vReset, "vReset"}, {&bias, "bias"},
      {&refractoryMs, "refractoryMs"}};
  for (const auto& [v, name] : all) {
    check_size(*v, neurons, name, "neurons");
    check_finite(*v, name);
  }
  const std::pair<const std::vector<float>*, const char*> taus[] = {
      {&tauMemMs, "tauMemMs"}, {&tauSMs, "tauSMs"}, {&tauFMs, "tauFMs"}, {&tauOutMs, "tauOutMs"}};
  for (const auto& [v, name] : taus)
    for (std::size_t i = 0; i < neurons; ++i)
      if (!((*v)[i] > 0))
        throw InvalidArgument(std::string("Time constant ") + name + " must be strictly positive but is " +
                              num((*v)[i]) + " for neuron " + std::to_string(i) + ".");
  for (std::size_t i = 0; i < neurons; ++i) {
    if (refractoryMs[i] < 0)
      throw InvalidArgument("The refractory period refractoryMs must not be negative but is " + num(refractoryMs[i]) +
                            " for neuron " + std::to_string(i) + ".");
    if (!(vTh[i] > vReset[i]))
      throw InvalidArgument("The threshold vTh must be above the reset potential vReset, but neuron " +
                            std::to_string(i) + " has vTh = " + num(vTh[i]) + " and vReset = " + num(vReset[i]) + ".");
  }
}

void SnnWeights::validate(const Control* control) const {
  if (neurons == 0) throw InvalidArgument("The network must have at least one neuron.");
  check_size(wIn, neurons * channels, "wIn", "neurons*channels");
  check_size(omegaF, neurons * neurons, "omegaF", "neurons*neurons");
  check_size(omegaS, neurons * neurons, "omegaS", "neurons*neurons");
  check_size(decoder, dims * neurons, "decoder", "dims*neurons");
  check_size(readout, outputs * dims, "readout", "outputs*dims");
  if (!encoder.empty()) check_size(encoder, neurons * dims, "encoder", "neurons*dims");
  check_finite(wIn, "wIn", control);
  check_finite(omegaF, "omegaF", control);
  check_finite(omegaS, "omegaS", control);
  check_finite(decoder, "decoder", control);
  check_finite(readout, "readout", control);
  check_finite(encoder, "encoder", control);
}

SnnModel::SnnModel(SnnParameters params, SnnWeights weights, const Control* control)
    : params_(std::move(params)), weights_(std::move(weights)) {
  params_.validate();
  weights_.validate(control);
  if (params_.neurons != weights_.neurons)
    throw InvalidArgument("The parameters describe " + std::to_string(params_.neurons) + " neurons but the weights " +
                          std::to_string(weights_.neurons));
  prepare(control);
}

void SnnModel::prepare(const Control* control) {
  const Control none;
  const Control& c = control ? *control : none;
  const std::size_t n = params_.neurons, C = weights_.channels, D = weights_.dims;
  n_ = n;
  npad_ = round_up16(n);
  std::vector<float> invS(n), invF(n);
  invTauOut_.assign(npad_, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    invS[i] = static_cast<float>(1000.0 / static_cast<double>(params_.tauSMs[i]));
    invF[i] = static_cast<float>(1000.0 / static_cast<double>(params_.tauFMs[i]));
    invTauOut_[i] = static_cast<float>(1000.0 / static_cast<double>(params_.tauOutMs[i]));
  }
  const auto nonzero = [](const std::vector<float>& w) {
    return std::any_of(w.begin(), w.end(), [](float x) { return x != 0.0f; });
  };
  hasSlow_ = nonzero(weights_.omegaS);
  hasFast_ = nonzero(weights_.omegaF);
  rowStride_ = (hasSlow_ ? npad_ : 0) + (hasFast_ ? npad_ : 0);
  fastOffset_ = hasSlow_ ? npad_ : 0;
  assign_checked(rec_, n * rowStride_, 0.0f, c);
  for (std::size_t j = 0; j < n; ++j) {
    if ((j & 15) == 0) c.check();  // a row reads a column of omegaF (stride N)
    float* row = rec_.data() + j * rowStride_;
    if (hasSlow_)
      for (std::size_t i = 0; i < n; ++i) row[i] = weights_.omegaS[j * n + i] * invS[i];
    if (hasFast_)
      for (std::size_t i = 0; i < n; ++i) row[fastOffset_ + i] = weights_.omegaF[i * n + j] * invF[i];
  }
  wInT_.assign(C * npad_, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < C; ++c) wInT_[c * npad_ + i] = weights_.wIn[i * C + c];
  encT_.assign(weights_.encoder.empty() ? 0 : D * npad_, 0.0f);
  if (!weights_.encoder.empty())
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t d = 0; d < D; ++d) encT_[d * npad_ + i] = weights_.encoder[i * D + d];
  decT_.assign(n * D, 0.0f);
  decScaled_.assign(n * D, 0.0f);
  for (std::size_t d = 0; d < D; ++d)
    for (std::size_t j = 0; j < n; ++j) {
      decT_[j * D + d] = weights_.decoder[d * n + j];
      decScaled_[j * D + d] = weights_.decoder[d * n + j] * invTauOut_[j];
    }
}

SnnVariables SnnModel::variables(double dtMs) const {
  SnnVariables v;
  v.dtMs = dtMs;
  const std::size_t n = n_, np = npad_;
  v.g.assign(np, 0.0f);
  v.c0.assign(np, 0.0f);
  v.decayS.assign(np, 0.0f);
  v.decayF.assign(np, 0.0f);
  v.decayOut.assign(np, 0.0f);
  v.vTh.assign(np, std::numeric_limits<float>::infinity());  // padding neurons never spike
  v.vReset.assign(np, 0.0f);
  v.refractorySteps.assign(np, 0);
  const auto& p = params_;
  for (std::size_t i = 0; i < n; ++i) {
    v.g[i] = static_cast<float>(dtMs / static_cast<double>(p.tauMemMs[i]));
    v.c0[i] = p.vRest[i] + p.bias[i];
    v.decayS[i] = static_cast<float>(std::exp(-dtMs / static_cast<double>(p.tauSMs[i])));
    v.decayF[i] = static_cast<float>(std::exp(-dtMs / static_cast<double>(p.tauFMs[i])));
    v.decayOut[i] = static_cast<float>(std::exp(-dtMs / static_cast<double>(p.tauOutMs[i])));
    v.vTh[i] = p.vTh[i];
    v.vReset[i] = p.vReset[i];
    v.refractorySteps[i] = static_cast<int32_t>(std::llround(static_cast<double>(p.refractoryMs[i]) / dtMs));
  }
  v.uniformDecayOut = true;
  for (std::size_t i = 1; i < n; ++i)
    if (p.tauOutMs[i] != p.tauOutMs[0]) v.uniformDecayOut = false;
  return v;
}

std::size_t recorded_steps(std::size_t steps, std::size_t decimate) {
  return decimate == 0 ? 0 : (steps + decimate - 1) / decimate;
}

namespace {

using namespace kernel;

// One sample's working set.
struct Lane {
  std::size_t sample = 0;
  SnnState st;
  FloatVec ext, noise;
  std::vector<uint8_t> spk;
  IntVec list;
  FloatVec err;  // x̂(t-1) - x̃(t-1)
  FloatVec keUsed;  // the non-zero k·e_d of this step and their dimensions
  IntVec dUsed;
  Rng rng;
  int32_t* counts = nullptr;
  std::vector<int32_t>* evSteps = nullptr;
  std::vector<int32_t>* evNeurons = nullptr;
  std::size_t reported = 0;  // events already counted against maxSpikeEvents
  float* decoded = nullptr;
  float* output = nullptr;
  float* membrane = nullptr;
};

class Runner {
 public:
  Runner(const SnnModel& m, const SnnRunConfig& c, const Control& control, SnnRunOutput& out)
      : m_(m), c_(c), control_(control), out_(out), vars_(m.variables(c.dtMs)) {
    const std::size_t np = m.npad_;
    C_ = m.weights().channels;
    D_ = m.weights().dims;
    O_ = m.weights().outputs;
    feedback_ = c.target != nullptr;
    silence_ = !c.silenced.empty() && c.silenceStart < c.silenceEnd;
    if (silence_) {
      keep_.assign(np, 1.0f);
      for (int32_t j : c.silenced) keep_[static_cast<std::size_t>(j)] = 0.0f;
    }
    const bool traces = c.recordDecoded || c.recordOutput;
    eventX_ = vars_.uniformDecayOut && D_ > 0 && (feedback_ || traces);
    // x̃ is carried every step in the event form, or computed densely when needed.
    denseEveryStep_ = !vars_.uniformDecayOut && feedback_;
    refractory_ = std::any_of(vars_.refractorySteps.begin(), vars_.refractorySteps.end(), [](int32_t k) { return k > 0; });
  }

  void run() {
    const std::size_t B = c_.batch, T = c_.steps;
    const unsigned poolThreads = global_pool().size();
    unsigned threads = c_.threads == 0 ? poolThreads : std::min(c_.threads, poolThreads);
    if (threads == 0) threads = 1;
    std::size_t block = c_.block;
    // Automatic: one sample at a time per thread. Lock-step blocks share a weight row only when two of
    // their samples fire the same neuron in one step (1-2 % of spikes at a few Hz), while 16 samples'
    // state (16 x 18 KB at N = 768) no longer fits L1: measured on one thread, batch 16, blocks of
    // 1 / 4 / 16 run at 1.00 / 0.98 / 0.97 (N = 320), 1.02 / 1.00 / 0.99 (768), 1.08 / 1.10 / 0.99 (2048)
    // of the batch-1 throughput (bench/README.md, "Batches").
    if (block == 0) block = 1;
    block = std::max<std::size_t>(1, std::min(block, B));
    const std::size_t blocks = (B + block - 1) / block;
    out_.recordedSteps = recorded_steps(T, c_.decimate);
    const std::size_t Tr = out_.recordedSteps;
    assign_checked(out_.spikeCounts, B * m_.n_, 0, control_);
    out_.spikeSteps.assign(c_.recordSpikes ? B : 0, {});
    out_.spikeNeurons.assign(c_.recordSpikes ? B : 0, {});
    if (c_.recordDecoded) assign_checked(out_.decoded, B * Tr * D_, 0.0f, control_);
    if (c_.recordOutput) assign_checked(out_.output, B * Tr * O_, 0.0f, control_);
    assign_checked(out_.membrane, B * Tr * c_.membraneNeurons.size(), 0.0f, control_);
    total_ = static_cast<double>(B) * static_cast<double>(T);
    global_pool().parallel_for(
        blocks,
        [&](std::size_t k) {
          const std::size_t first = k * block, last = std::min(B, first + block);
          run_block(first, last);
        },
        threads);
    control_.check();
    uint64_t total = 0;
    for (int32_t cnt : out_.spikeCounts) total += static_cast<uint64_t>(cnt);
    out_.totalSpikes = total;
  }

 private:
  void init_lane(Lane& L, std::size_t b) {
    const std::size_t N = m_.n_, np = m_.npad_;
    L.sample = b;
    L.rng = Rng(c_.seed, b);
    L.st.v.assign(np, 0.0f);
    L.st.traces.assign(2 * np, 0.0f);
    L.st.r.assign(np, 0.0f);
    L.st.refractory.assign(np, 0);
    L.st.xHat.assign(D_, 0.0f);
    L.err.assign(D_, 0.0f);
    L.st.ke.assign(D_, 0.0f);
    L.keUsed.assign(D_, 0.0f);
    L.dUsed.assign(D_, 0);
    L.ext.assign(np, 0.0f);
    L.noise.assign(c_.noiseStd > 0 ? np : 0, 0.0f);
    L.spk.assign(np, 0);
    L.list.assign(np, 0);
    const auto& p = m_.params();
    switch (c_.initialV) {
      case InitialV::Uniform:
        for (std::size_t i = 0; i < N; ++i)
          L.st.v[i] = static_cast<float>(L.rng.uniform(p.vReset[i], p.vTh[i]));
        break;
      case InitialV::Rest:
        for (std::size_t i = 0; i < N; ++i) L.st.v[i] = p.vRest[i];
        break;
      case InitialV::Reset:
        for (std::size_t i = 0; i < N; ++i) L.st.v[i] = p.vReset[i];
        break;
      case InitialV::Given: {
        const float* src = c_.initialValues.data() + (c_.initialValues.size() == N ? 0 : b * N);
        std::copy(src, src + N, L.st.v.begin());
        break;
      }
    }
    const std::size_t Tr = out_.recordedSteps;
    L.counts = out_.spikeCounts.data() + b * N;
    if (c_.recordSpikes) {
      L.evSteps = &out_.spikeSteps[b];
      L.evNeurons = &out_.spikeNeurons[b];
    }
    L.decoded = c_.recordDecoded ? out_.decoded.data() + b * Tr * D_ : nullptr;
    L.output = c_.recordOutput ? out_.output.data() + b * Tr * O_ : nullptr;
    L.membrane = c_.membraneNeurons.empty() ? nullptr : out_.membrane.data() + b * Tr * c_.membraneNeurons.size();
  }

  // x̃ = Σ_i decoder[:, i] r_i, in increasing i.
  void dense_decode(Lane& L) const {
    float* __restrict x = L.st.xHat.data();
    std::fill(x, x + D_, 0.0f);
    const float* r = L.st.r.data();
    for (std::size_t i = 0; i < m_.n_; ++i)
      if (r[i] != 0.0f) axpy(x, m_.decT_.data() + i * D_, r[i], D_);
  }

  void step(Lane& L, std::size_t t) {
    const std::size_t np = m_.npad_, N = m_.n_, b = L.sample;
    const bool hasExt = C_ > 0 || feedback_;
    float* __restrict ext = L.ext.data();
    if (C_ > 0) {
      const float* x = c_.inputs + (b * c_.steps + t) * C_;
      input_current(ext, m_.wInT_.data(), x, C_, np);
    } else if (feedback_) {
      std::fill(ext, ext + np, 0.0f);
    }
    if (feedback_ && t > 0) {
      const float k = c_.gainPerStep.empty() ? c_.gain : c_.gainPerStep[t];
      // ke_d = k·e_d; the zero terms are dropped (adding F·0 changes nothing), the rest kept in order.
      std::size_t used = 0;
      for (std::size_t d = 0; d < D_; ++d) {
        const float ke = k * L.err[d];
        L.st.ke[d] = ke;
        if (ke != 0.0f) {
          L.keUsed[used] = ke;
          L.dUsed[used] = static_cast<int32_t>(d);
          ++used;
        }
      }
      feedback_current(ext, m_.encT_.data(), L.keUsed.data(), L.dUsed.data(), used, np);
    }
    if (c_.noiseStd > 0) {
      const ZigguratNormal& z = ZigguratNormal::instance();
      for (std::size_t i = 0; i < N; ++i) L.noise[i] = c_.noiseStd * static_cast<float>(z(L.rng));
    }
    const bool silenceNow = silence_ && t >= c_.silenceStart && t < c_.silenceEnd;
    UpdateArgs a{L.st.v.data(),
                 L.st.traces.data(),
                 L.st.traces.data() + np,
                 L.st.r.data(),
                 L.st.refractory.data(),
                 L.spk.data(),
                 ext,
                 L.noise.data(),
                 keep_.data(),
                 vars_.g.data(),
                 vars_.c0.data(),
                 vars_.vTh.data(),
                 vars_.vReset.data(),
                 vars_.refractorySteps.data(),
                 vars_.decayS.data(),
                 vars_.decayF.data(),
                 vars_.decayOut.data(),
                 np};
    pick_update(hasExt, c_.noiseStd > 0, silenceNow, refractory_)(a);

    // Event-driven recurrence: one contiguous row per spiking neuron.
    const std::size_t count = collect_spikes(L.spk.data(), np, L.list.data());
    const int32_t* list = L.list.data();
    if (m_.rowStride_ > 0) {
      float* tr = L.st.traces.data() + (m_.hasSlow_ ? 0 : np);
      const float* rec = m_.rec_.data();
      for (std::size_t s = 0; s < count; ++s)
        add_row(tr, rec + static_cast<std::size_t>(list[s]) * m_.rowStride_, m_.rowStride_);
    }
    float* r = L.st.r.data();
    for (std::size_t s = 0; s < count; ++s) {
      const int32_t j = list[s];
      r[j] = r[j] + m_.invTauOut_[j];
      L.counts[j] += 1;
    }
    if (L.evSteps && count) {
      L.evSteps->insert(L.evSteps->end(), count, static_cast<int32_t>(t));
      L.evNeurons->insert(L.evNeurons->end(), list, list + count);
    }
    // Decoded x̃ (6).
    if (eventX_) {
      float* x = L.st.xHat.data();
      scale(x, vars_.decayOut[0], D_);
      for (std::size_t s = 0; s < count; ++s) add_to(x, m_.decScaled_.data() + static_cast<std::size_t>(list[s]) * D_, D_);
    } else if (denseEveryStep_) {
      dense_decode(L);
    }
    if (feedback_) {
      const float* xt = c_.target + (b * c_.steps + t) * D_;
      for (std::size_t d = 0; d < D_; ++d) L.err[d] = xt[d] - L.st.xHat[d];
    }
    if (t % c_.decimate == 0) record(L, t / c_.decimate);
  }

  void record(Lane& L, std::size_t tr) {
    if (L.decoded || L.output) {
      if (!eventX_ && !denseEveryStep_) dense_decode(L);
      const float* x = L.st.xHat.data();
      if (L.decoded) std::copy(x, x + D_, L.decoded + tr * D_);
      if (L.output) {
        const float* R = m_.weights().readout.data();
        for (std::size_t o = 0; o < O_; ++o) {
          float acc = 0.0f;
          for (std::size_t d = 0; d < D_; ++d) acc = acc + R[o * D_ + d] * x[d];
          L.output[tr * O_ + o] = acc;
        }
      }
    }
    if (L.membrane) {
      const std::size_t K = c_.membraneNeurons.size();
      for (std::size_t k = 0; k < K; ++k) L.membrane[tr * K + k] = L.st.v[static_cast<std::size_t>(c_.membraneNeurons[k])];
    }
  }

  void run_block(std::size_t first, std::size_t last) {
    if (stop_.load(std::memory_order_relaxed) || control_.cancelled()) return;
    FlushDenormals ftz;
    std::vector<Lane> lanes(last - first);
    for (std::size_t b = first; b < last; ++b) init_lane(lanes[b - first], b);
    const std::size_t T = c_.steps;
    constexpr std::size_t kChunk = 64;  // steps between cancel checks and progress reports
    for (std::size_t t0 = 0; t0 < T; t0 += kChunk) {
      if (stop_.load(std::memory_order_relaxed) || control_.cancelled()) return;
      const std::size_t t1 = std::min(T, t0 + kChunk);
      for (std::size_t t = t0; t < t1; ++t) {
        if (control_.cancelled()) return;  // every step: a runaway step of a large network takes milliseconds
        for (auto& L : lanes) step(L, t);
      }
      if (c_.recordSpikes) {
        uint64_t growth = 0;
        for (auto& L : lanes) {
          growth += L.evNeurons->size() - L.reported;
          L.reported = L.evNeurons->size();
        }
        if (events_.fetch_add(growth) + growth > c_.maxSpikeEvents) {
          stop_.store(true);
          throw InvalidArgument("The run produced more than maxSpikeEvents = " + std::to_string(c_.maxSpikeEvents) +
                                " spike events to record: record fewer (record.spikes = false, a shorter or smaller "
                                "batch) or raise maxSpikeEvents");
        }
      }
      const uint64_t stepsDone = lanes.size() * (t1 - t0);
      const uint64_t done = done_.fetch_add(stepsDone) + stepsDone;
      control_.report(static_cast<double>(done), total_, "simulating");
    }
  }

  const SnnModel& m_;
  const SnnRunConfig& c_;
  const Control& control_;
  SnnRunOutput& out_;
  SnnVariables vars_;
  std::size_t C_ = 0, D_ = 0, O_ = 0;
  bool feedback_ = false, silence_ = false, eventX_ = false, denseEveryStep_ = false, refractory_ = false;
  FloatVec keep_;
  double total_ = 0;
  std::atomic<uint64_t> done_{0}, events_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace

void simulate(const SnnModel& model, const SnnRunConfig& c, const Control& control, SnnRunOutput& out) {
  const std::size_t N = model.neurons();
  const auto& w = model.weights();
  if (c.batch == 0) throw InvalidArgument("batch must be at least 1");
  if (c.steps == 0) throw InvalidArgument("steps must be at least 1");
  if (!(c.dtMs > 0) || !std::isfinite(c.dtMs)) throw InvalidArgument("dtMs must be a positive finite number");
  if (w.channels > 0 && c.inputs == nullptr) throw InvalidArgument("inputs are missing");
  if (c.initialV == InitialV::Given && c.initialValues.size() != N && c.initialValues.size() != c.batch * N)
    throw InvalidArgument("initialV has " + std::to_string(c.initialValues.size()) + " elements but neurons = " +
                          std::to_string(N) + " or batch*neurons = " + std::to_string(c.batch * N));
  if (!(c.noiseStd >= 0) || !std::isfinite(c.noiseStd)) throw InvalidArgument("noiseStd must be a finite number >= 0");
  for (int32_t j : c.silenced)
    if (j < 0 || static_cast<std::size_t>(j) >= N)
      throw InvalidArgument("silenced neuron " + std::to_string(j) + " is out of range [0, " + std::to_string(N) + ")");
  if (c.silenceStart > c.silenceEnd || c.silenceEnd > c.steps)
    throw InvalidArgument("the silencing window [" + std::to_string(c.silenceStart) + ", " +
                          std::to_string(c.silenceEnd) + ") must lie within [0, " + std::to_string(c.steps) + "]");
  if (c.target) {
    if (w.encoder.empty() || w.dims == 0)
      throw InvalidArgument("feedback needs the network's encoder (weights.encoder, neurons x dims)");
    if (!c.gainPerStep.empty() && c.gainPerStep.size() != c.steps)
      throw InvalidArgument("feedback gain has " + std::to_string(c.gainPerStep.size()) + " elements but steps = " +
                            std::to_string(c.steps));
  }
  if (c.recordOutput && w.outputs == 0) throw InvalidArgument("record.output needs a readout matrix");
  for (int32_t j : c.membraneNeurons)
    if (j < 0 || static_cast<std::size_t>(j) >= N)
      throw InvalidArgument("membrane neuron " + std::to_string(j) + " is out of range [0, " + std::to_string(N) + ")");
  if (c.decimate == 0) throw InvalidArgument("decimate must be at least 1");
  Runner(model, c, control, out).run();
}

}  // namespace mimic
