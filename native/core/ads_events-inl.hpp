// One training sample of network ADS by the EVENTS form of the online rule (ads_train.hpp: rule
// 'online' with a uniform tau_out), compiled once per SIMD level: included by ads_sample-inl.hpp,
// after simd_vec-inl.hpp and snn_kernel-inl.hpp. Nothing here is fused (-ffp-contract=off): every
// level computes the same float and double operations in the same order per element.

// ---- the product P = X̂ Fᵀ, a block of rows at a time -------------------------------------------------
//
// P[t][i] = Σ_d x̂[t][d]·F[i][d], each sum from 0 over d = 0..D-1 in order (float multiply, float add),
// written to out[t][0..np). F comes in panels of 16 neurons, [np/16][D][16] (AdsEventsLayout::fpan), so
// a tile of neurons is a few contiguous streams that stay in L1 while the block's rows pass. A tile
// keeps R rows x V vectors of sums in registers: per d, V loads, R broadcasts and R·V multiplies and
// adds (SSE2 3 x 4 of its 16 registers, AVX2 3 x 4, AVX-512 4 x 6 of its 32).
#if MIMIC_SIMD_LEVEL == 0
constexpr std::size_t kPR = 3, kPV = 4;
#elif MIMIC_SIMD_LEVEL == 1
constexpr std::size_t kPR = 3, kPV = 4;
#else
constexpr std::size_t kPR = 4, kPV = 6;
#endif

template <std::size_t R, std::size_t V>
__attribute__((always_inline)) static inline void p_tile(const float* __restrict fpan, const float* __restrict x,
                                                          std::size_t D, std::size_t n0, float* __restrict out,
                                                          std::size_t np) {
  const float* base[V];
#pragma GCC unroll 8
  for (std::size_t v = 0; v < V; ++v) {
    const std::size_t n = n0 + v * kW;
    base[v] = fpan + (n / 16) * 16 * D + n % 16;
  }
  vf acc[R][V];
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; ++v) acc[r][v] = vset1(0.0f);
  for (std::size_t d = 0; d < D; ++d) {
    vf b[V];
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; ++v) b[v] = vload(base[v] + d * 16);
#pragma GCC unroll 8
    for (std::size_t r = 0; r < R; ++r) {
      const vf a = vset1(x[r * D + d]);
#pragma GCC unroll 8
      for (std::size_t v = 0; v < V; ++v) acc[r][v] = acc[r][v] + a * b[v];
    }
  }
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (std::size_t v = 0; v < V; ++v) vstore(out + r * np + n0 + v * kW, acc[r][v]);
}

template <std::size_t V>
static void p_rows(const float* fpan, const float* x, std::size_t rows, std::size_t D, std::size_t n0, float* out,
                   std::size_t np) {
  std::size_t r = 0;
  for (; r + kPR <= rows; r += kPR) p_tile<kPR, V>(fpan, x + r * D, D, n0, out + r * np, np);
  if (rows - r >= 2) {
    p_tile<2, V>(fpan, x + r * D, D, n0, out + r * np, np);
    r += 2;
  }
  if (r < rows) p_tile<1, V>(fpan, x + r * D, D, n0, out + r * np, np);
}

// rows x np of P from rows x D of x̂; np a multiple of 16 (padded neurons get P = 0 from zero panels).
static void p_block(const float* fpan, const float* x, std::size_t rows, std::size_t D, std::size_t np, float* out) {
  std::size_t n0 = 0;
  for (; n0 + kPV * kW <= np; n0 += kPV * kW) p_rows<kPV>(fpan, x, rows, D, n0, out, np);
  // the last neurons: a narrower tile (np − n0 is a multiple of 16, so of kW)
  switch ((np - n0) / kW) {
    case 0: break;
    case 1: p_rows<1>(fpan, x, rows, D, n0, out, np); break;
    case 2: p_rows<2>(fpan, x, rows, D, n0, out, np); break;
    case 3: p_rows<3>(fpan, x, rows, D, n0, out, np); break;
    case 4: p_rows<4>(fpan, x, rows, D, n0, out, np); break;
    case 5: p_rows<5>(fpan, x, rows, D, n0, out, np); break;
    default: break;  // kPV ≤ 6, so at most 5 vectors remain
  }
}

// ---- the sample -------------------------------------------------------------------------------------

// y[i] += c·x[i] for i in [0, n), double
static inline void daxpy(double* __restrict y, const double* __restrict x, double c, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = y[i] + c * x[i];
}
// y[i] = (y[i] + a·x[i]) + b·z[i]: two daxpy in one pass (the same roundings as one after the other)
static inline void daxpy2(double* __restrict y, const double* __restrict x, double a, const double* __restrict z,
                          double b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = (y[i] + a * x[i]) + b * z[i];
}

// The spike of j brings row j of Ω_s up to date and adds it to I_s: with e = (row + ce·Qe) + cur·Q (Q
// the current window's prefix sum up to the previous step; Qe the last ended window's sum when the
// row's interval began before it, else ce = 0), I_s,i += float(e_i/tau_s,i) for i ≠ j in [lo, hi), and
// the row keeps e − next·Q (the part of the new interval that Q already holds is taken out in advance).
template <bool kEnded>
static inline void spike_row(double* __restrict row, const double* __restrict Qe, double ce, const double* __restrict Q,
                             float* __restrict is, const double* __restrict invS, double cur, double next,
                             std::size_t lo, std::size_t hi) {
  for (std::size_t i = lo; i < hi; ++i) {
    const double e = (kEnded ? row[i] + ce * Qe[i] : row[i]) + cur * Q[i];
    is[i] = is[i] + static_cast<float>(e * invS[i]);
    row[i] = e - next * Q[i];
  }
}

// The end of a step: q = P(t) − H(t) (F e(t)), Q += cq·q, the next step's feedback k·q, and H decays.
__attribute__((noinline)) static void step_end(const float* __restrict P, double* __restrict H, double* __restrict Q, float* __restrict fb,
                            double cq, double k, double gamma, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double q = static_cast<double>(P[i]) - H[i];
    Q[i] = Q[i] + cq * q;
    fb[i] = static_cast<float>(k * q);
    H[i] = gamma * H[i];
  }
}

// H[i] += M[j][i] (a spike of j moves F x̃ by F·decoder[:, j]/tau_out)
__attribute__((noinline)) static void add_column(double* __restrict H, const float* __restrict col, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) H[i] = H[i] + static_cast<double>(col[i]);
}

bool ads_train_sample_events(const AdsSampleJob& job, AdsLearner::SampleResult& out) {
  using namespace kernel;
  AdsKernel& K = job.K;
  const SnnModel& m = job.model;
  const AdsEventsLayout& L = *job.layout;
  const float* input = job.input;
  const float* xhat = job.xhat;
  const std::size_t T = job.T;
  const Control& control = job.control;
  AdsProfile* profile = job.profile;
  AdsLearner::SpikeRecord* record = job.record;
  K.prepare(m, job.dtMs);
  const SnnVariables& vars = K.vars;
  const auto& p = m.params();
  const std::size_t N = m.neurons(), np = m.padded(), C = m.weights().channels, D = m.weights().dims;
  const bool refractory = std::any_of(vars.refractorySteps.begin(), vars.refractorySteps.end(), [](int32_t k) { return k > 0; });
  const std::size_t W = AdsKernel::kWindow, B = AdsKernel::kPBlock, R = AdsKernel::kPRing;
  const std::size_t windows = (T + W - 1) / W, blocks = (T + B - 1) / B;
  K.prepare_events(np, windows);
  const double gamma = static_cast<double>(vars.decayOut[0]);  // the float factor of r and x̃
  const double eta = job.eta, kGain = job.kGain;
  double* omega = job.omega.data();  // Ω_s [N x N]
  double* H = K.H.data();
  float* fb = K.fb.data();
  const double* invS = K.invS.data();
  const double* gpow = K.gpow.data();
  const double* ginv = K.ginv.data();
  const double gammaW = gpow[W];

  // initial state
  if (job.initialV) {
    std::copy(job.initialV, job.initialV + N, K.v.begin());
  } else {
    Rng rng(job.vSeed, job.vStream);
    for (std::size_t i = 0; i < N; ++i) K.v[i] = static_cast<float>(rng.uniform(p.vReset[i], p.vTh[i]));
  }
  if (record) {
    record->steps.clear();
    record->neurons.clear();
  }

  // Blocks of P: claimed in order by the training thread and the helper (the next unclaimed block, at
  // most kPRing ahead of the block the training thread is in); block c lands in ring slot c % kPRing.
  std::atomic<int64_t>& nextBlock = K.nextBlock;
  std::atomic<int64_t>& consumed = K.consumed;
  std::atomic<bool>& stop = K.stop;
  const auto claim = [&]() -> int64_t {
    int64_t c = nextBlock.load(std::memory_order_acquire);
    for (;;) {
      if (c >= static_cast<int64_t>(blocks) || c >= consumed.load(std::memory_order_acquire) + static_cast<int64_t>(R))
        return -1;
      if (nextBlock.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) return c;
    }
  };
  const auto compute = [&](int64_t c) {
    const std::size_t t0 = static_cast<std::size_t>(c) * B, rows = std::min(B, T - t0);
    p_block(L.fpan.data(), xhat + t0 * D, rows, D, np, K.pring.data() + (static_cast<std::size_t>(c) % R) * B * np);
    K.ready[static_cast<std::size_t>(c) % R].store(c, std::memory_order_release);
  };
  const auto helper = [&]() {
    FlushDenormals ftz;  // the same float environment as the training thread: a block's values must not
                         // depend on the thread that computed it
    const auto c0 = std::chrono::steady_clock::now();
    uint64_t done = 0;
    while (!stop.load(std::memory_order_acquire)) {
      const int64_t c = claim();
      if (c >= 0) {
        compute(c);
        ++done;
      } else if (nextBlock.load(std::memory_order_acquire) >= static_cast<int64_t>(blocks)) {
        break;
      } else {
        // the ring is full: the training thread is kPRing blocks behind. Sleep until it frees a slot
        // (or stops); the 1 ms bound only guards against a wake-up the ordering below already rules out
        std::unique_lock<std::mutex> lock(K.wakeMu);
        K.helperAsleep.store(true);  // seq_cst: before the check of consumed and stop in the predicate
        K.wakeCv.wait_for(lock, std::chrono::milliseconds(1), [&] {
          return stop.load() || nextBlock.load() >= static_cast<int64_t>(blocks) || nextBlock.load() < consumed.load() + static_cast<int64_t>(R);
        });
        K.helperAsleep.store(false);
      }
    }
    K.helperBlocks = done;
    K.helperSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  };

  const auto trainer = [&]() {
    FlushDenormals ftz;
    struct StopHelper {  // however the loop ends, the helper stops (woken if asleep)
      AdsKernel& k;
      ~StopHelper() {
        k.stop.store(true);
        k.wake_helper();
      }
    } stopHelper{K};
    AdsLearner::SampleResult& res = out;
    res = AdsLearner::SampleResult{};
    const auto tick = [&]() { return profile ? Clock::now() : Clock::time_point{}; };
    const auto lap = [&](Clock::time_point& t0, double& into) {
      if (!profile) return;
      const auto t1 = Clock::now();
      into += std::chrono::duration<double>(t1 - t0).count();
      t0 = t1;
    };
    double dSim = 0, dFb = 0, dLearn = 0;
    const float* P = nullptr;  // row t of P

    // The coefficients of row j's interval (a = since_j in window ka, up to the current window mw):
    // with ρ γ^(v − a) = ρ γ^(w_k − a)·γ^(v − w_k), the windows ka..mw−1 that ended contribute their
    // sums qEnd[k] (coefficient ρ γ^(−(a − w_ka)) for ka itself, ρ γ^(w_k − a) after), the current one
    // its Q. Windows before the last ended one are added to the row here; returns the current window's
    // coefficient and sets (ce, qe) to the last ended window's (ce = 0 when a is in the current window).
    const auto catch_up = [&](std::size_t j, std::size_t mw, double& ce, const double*& qe) -> double {
      ce = 0.0;
      qe = nullptr;
      const double rho = K.rho[j];
      if (rho == 0.0) return 0.0;
      const std::size_t ka = K.sinceWin[j];
      const std::size_t a = static_cast<std::size_t>(K.since[j]);
      double c = rho * ginv[a - ka * W];  // ρ γ^(−(a − w_ka))
      if (ka == mw) return c;
      double* row = omega + j * N;
      for (std::size_t k = ka; k + 1 < mw; ++k) {
        daxpy(row, &K.qEnd[k * np], c, N);
        c = k == ka ? rho * gpow[(ka + 1) * W - a] : c * gammaW;  // ρ γ^(w_{k+1} − a)
      }
      ce = c;
      qe = &K.qEnd[(mw - 1) * np];
      return mw - 1 == ka ? rho * gpow[(ka + 1) * W - a] : c * gammaW;  // ρ γ^(w_mw − a)
    };

    for (std::size_t t = 0; t < T; ++t) {
      control.check();  // a step is O(N) or more: the check is free, and abort stays prompt at any size
      auto t0 = tick();
      const std::size_t mw = t / W;  // the current window
      double* Q = &K.qEnd[mw * np];  // its prefix sum, up to step t − 1
      // (1) external current: input, then the feedback k·q(t−1) (none at step 0)
      float* ext = K.ext.data();
      if (C > 0)
        input_current(ext, m.wInT_.data(), input + t * C, C, np);
      else
        std::fill(ext, ext + np, 0.0f);
      if (t > 0) add_to(ext, fb, np);
      lap(t0, dSim);
      // (2-4) neurons; traces decay
      float* is = K.traces.data();
      UpdateArgs ua{K.v.data(),  is,          is + np,          K.r.data(),        K.refr.data(),
                    K.spk.data(), ext,        nullptr,          job.keep,          vars.g.data(),
                    vars.c0.data(), vars.vTh.data(), vars.vReset.data(), vars.refractorySteps.data(), vars.decayS.data(),
                    vars.decayF.data(), vars.decayOut.data(), np};
      pick_update(true, false, job.keep != nullptr, refractory)(ua);
      // (5) spikes: fixed rows (Ω_0 is in the learner's Ω_s, so these are the fast rows), read-out traces
      const std::size_t count = collect_spikes(K.spk.data(), np, K.list.data());
      const int32_t* list = K.list.data();
      if (m.rowStride_ > 0) {
        float* tr = is + (m.hasSlow_ ? 0 : np);
        const float** rows = K.rows.data();
        for (std::size_t s = 0; s < count; ++s) rows[s] = m.rec_.data() + static_cast<std::size_t>(list[s]) * m.rowStride_;
        add_rows(tr, rows, count, m.rowStride_);
      }
      float* r = K.r.data();
      for (std::size_t s = 0; s < count; ++s) r[list[s]] = r[list[s]] + m.invTauOut_[list[s]];
      res.spikes += count;
      if (record && count) {
        record->steps.insert(record->steps.end(), count, static_cast<int32_t>(t));
        record->neurons.insert(record->neurons.end(), list, list + count);
      }
      lap(t0, dSim);
      // (5, learned part) row j of Ω_s as it is now (updates up to step t − 1), in spike order
      for (std::size_t s = 0; s < count; ++s) {
        const std::size_t j = static_cast<std::size_t>(list[s]);
        double ce;
        const double* qe;
        const double cur = catch_up(j, mw, ce, qe);
        const double rhoNew = static_cast<double>(r[j]);
        const double next = rhoNew * ginv[t - mw * W];
        double* row = omega + j * N;
        if (qe) {
          spike_row<true>(row, qe, ce, Q, is, invS, cur, next, 0, j);
          spike_row<true>(row, qe, ce, Q, is, invS, cur, next, j + 1, N);
        } else {
          spike_row<false>(row, qe, ce, Q, is, invS, cur, next, 0, j);
          spike_row<false>(row, qe, ce, Q, is, invS, cur, next, j + 1, N);
        }
        row[j] = 0.0;  // the diagonal stays 0 (its value in the interval's bookkeeping is never used)
        if (K.rho[j] == 0.0) K.active.push_back(static_cast<int32_t>(j));
        K.rho[j] = rhoNew;
        K.since[j] = static_cast<int64_t>(t);
        K.sinceWin[j] = mw;
      }
      lap(t0, dLearn);
      // (6) x̃ and the error (event form, float), and H = F x̃ (double)
      float* x = K.x.data();
      scale(x, vars.decayOut[0], D);
      for (std::size_t s = 0; s < count; ++s) add_to(x, m.decScaled_.data() + static_cast<std::size_t>(list[s]) * D, D);
      const float* xt = xhat + t * D;
      for (std::size_t d = 0; d < D; ++d) K.err[d] = xt[d] - x[d];
      K.recon.add(xt, K.err.data(), D);
      lap(t0, dSim);
      for (std::size_t s = 0; s < count; ++s) add_column(H, L.mt.data() + static_cast<std::size_t>(list[s]) * np, N);
      // row t of P: the block, computed by the helper or here
      if (t % B == 0) {
        const int64_t b = static_cast<int64_t>(t / B);
        consumed.store(b);  // blocks before b are done with (seq_cst: before wake_helper's check)
        K.wake_helper();
        while (K.ready[static_cast<std::size_t>(b) % R].load(std::memory_order_acquire) != b) {
          const int64_t c = claim();
          if (c >= 0) {
            compute(c);
            continue;
          }
          control.check();
          std::this_thread::yield();  // the helper is computing block b
        }
        P = K.pring.data() + (static_cast<std::size_t>(b) % R) * B * np;
      } else {
        P += np;
      }
      // (7) q(t) = P(t) − H(t), the rule's prefix sum, the next feedback
      step_end(P, H, Q, fb, eta * gpow[t - mw * W], kGain, gamma, N);
      lap(t0, dFb);
    }
    res.reconstructionError = K.recon.error(T);
    // the end of the sample: every row up to date (the last window's sum is Q up to T − 1)
    auto t0 = tick();
    const std::size_t last = (T - 1) / W;
    for (int32_t j32 : K.active) {
      const std::size_t j = static_cast<std::size_t>(j32);
      control.check();  // O(N·windows) per row
      double ce;
      const double* qe;
      const double cur = catch_up(j, last, ce, qe);
      if (qe)
        daxpy2(omega + j * N, qe, ce, &K.qEnd[last * np], cur, N);
      else
        daxpy(omega + j * N, &K.qEnd[last * np], cur, N);
      omega[j * N + j] = 0.0;
    }
    lap(t0, dLearn);
    if (profile) {
      profile->simulation += dSim;
      profile->feedback += dFb;
      profile->learning += dLearn;
      profile->steps += T;
      profile->spikes += res.spikes;
      profile->blocks += blocks;
    }
  };

  // The training loop and the helper side by side on the pool when it has a second thread for this
  // job and is free (the helper's blocks are then off the training thread's path); else the training
  // thread computes every block itself. The results are the same either way.
  K.helperBlocks = 0;
  K.helperSeconds = 0;
  bool ran = false;
  if (job.threads != 1 && blocks > 1)
    ran = global_pool().try_parallel_for(
        2, [&](std::size_t item) { item == 0 ? trainer() : helper(); }, job.threads);
  if (!ran) trainer();
  out.blocks = blocks;
  out.helperBlocks = K.helperBlocks;
  if (profile) {
    profile->helperCpu += K.helperSeconds;
    profile->helperBlocks += K.helperBlocks;
  }
  return false;
}
