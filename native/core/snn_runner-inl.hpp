// The simulation loop (simulate() in snn.cpp), compiled once per SIMD level by simd_foreach.hpp: this
// file lands in mimic::simd_<level>. Include only from snn.cpp.
#include "simd_vec-inl.hpp"
#include "snn_kernel-inl.hpp"

using namespace kernel;

namespace {


// One sample's working set.
struct Lane {
  std::size_t sample = 0;
  SnnState st;
  FloatVec ext, noise;
  std::vector<uint8_t> spk;
  IntVec list;
  std::vector<const float*> rows;  // the weight rows of this step's spikes
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
    L.rows.assign(np, nullptr);
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
      // used == D: every dimension in order (dims is the identity)
      feedback_current(ext, m_.encBlk_[MIMIC_SIMD_LEVEL].data(), D_, L.keUsed.data(), used == D_ ? nullptr : L.dUsed.data(), used, np);
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
      const float** rows = L.rows.data();
      for (std::size_t s = 0; s < count; ++s) rows[s] = rec + static_cast<std::size_t>(list[s]) * m_.rowStride_;
      add_rows(tr, rows, count, m_.rowStride_);
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
