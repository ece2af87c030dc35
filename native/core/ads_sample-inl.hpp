// One training sample of network ADS (AdsLearner::train_sample in ads_train.cpp), compiled once per
// SIMD level by simd_foreach.hpp: this file lands in mimic::simd_<level>. Include only from
// ads_train.cpp. This file: the low-rank form of the online rule, the naive form and the batched rule;
// ads_events-inl.hpp: the events form. Returns true when the slow weights changed at the end of the
// sample (batched rule), so that the caller rebuilds the model.
#include "simd_vec-inl.hpp"
#include "snn_kernel-inl.hpp"
#include "ads_events-inl.hpp"

// The second half of the panels of F·u for the step published in K (AdsLearner::serve_feedback).
static void ads_feedback_half(AdsKernel& K) {
  kernel::feedback_current_range(K.ext.data(), K.fuFB, K.fuD, K.uv.data(), K.fuAll ? nullptr : K.ud.data(), K.fuUsed,
                                 K.fuHalf, K.fuPanels);
}

bool ads_train_sample(const AdsSampleJob& job, AdsLearner::SampleResult& out) {
  using namespace kernel;
  AdsKernel& K = job.K;
  const SnnModel& m = job.model;
  const AdsRule rule_ = job.rule;
  std::vector<double>& acc_ = job.acc;
  std::vector<double>& omega_ = job.omega;
  const float* input = job.input;
  const float* xhat = job.xhat;
  const std::size_t T = job.T;
  const double kGain = job.kGain, eta = job.eta;
  const Control& control = job.control;
  AdsProfile* profile = job.profile;
  AdsLearner::SpikeRecord* record = job.record;
  const float* initialV = job.initialV;
  bool changed = false;
  K.prepare(m, job.dtMs);
  const SnnVariables& vars = K.vars;
  const auto& p = m.params();
  const std::size_t N = m.neurons(), np = m.padded(), C = m.weights().channels, D = m.weights().dims;
  const bool online = rule_ == AdsRule::Online || rule_ == AdsRule::OnlineLowRank, naive = rule_ == AdsRule::OnlineNaive, batched = rule_ == AdsRule::Batched;
  const bool uniformOut = vars.uniformDecayOut;
  const bool uniformS = all_equal(p.tauSMs);
  const bool eventAcc = !naive && uniformOut;    // Ã / M through the prefix sum G
  const bool denseAcc = !naive && !uniformOut;   // Ã / M += η r eᵀ every step
  const bool lowRankZ = online && uniformS;      // slow current of Ã through F·z
  const bool lowRankRows = online && !uniformS;  // rows Ã[i,:]·Fᵀ at spikes
  const double etaAcc = batched ? 1.0 : eta;     // M has no η (applied after normalising)
  const bool refractory = std::any_of(vars.refractorySteps.begin(), vars.refractorySteps.end(), [](int32_t k) { return k > 0; });
  const float* F = m.weights().encoder.data();  // [N x D]
  const float* FT = m.encT_.data();             // [D x np]
  const double gammaS = static_cast<double>(vars.decayS[0]);  // the float factor of the I_s traces
  const float kf = static_cast<float>(kGain);
  double* acc = acc_.data();
  // F·u in two halves of its panels when it is large (a helper may take the second: serve_feedback).
  // The encoder is laid out in tiles of G panels from the first (SnnModel::encBlk_), so the halves
  // meet at a tile boundary: a multiple of G no further than the whole tiles reach.
  constexpr std::size_t kTile = simd::kFeedbackTilePanels[MIMIC_SIMD_LEVEL];
  const std::size_t wholeTiles = (np / 16) / kTile;
  const std::size_t halfPanels = std::min(wholeTiles, (np / 16 + kTile) / (2 * kTile)) * kTile;
  const bool splitFu = N * D >= AdsLearner::kFeedbackSplit && halfPanels > 0 && halfPanels < np / 16;
  if (splitFu) {  // the operands of every step's half that stay for the sample (published with its first step)
    K.fuFB = m.encBlk_[MIMIC_SIMD_LEVEL].data();
    K.fuD = D;
    K.fuHalf = halfPanels;
    K.fuPanels = np / 16;
    K.fuCompute = &ads_feedback_half;
  }

  // initial state
  if (initialV) {
    std::copy(initialV, initialV + N, K.v.begin());
  } else {
    Rng rng(job.vSeed, job.vStream);
    for (std::size_t i = 0; i < N; ++i) K.v[i] = static_cast<float>(rng.uniform(p.vReset[i], p.vTh[i]));
  }
  if (record) {
    record->steps.clear();
    record->neurons.clear();
  }

  FlushDenormals ftz;
  AdsLearner::SampleResult& res = out;
  res = AdsLearner::SampleResult{};
  int64_t w0 = 0;  // first step of the current window
  const auto tick = [&]() { return profile ? Clock::now() : Clock::time_point{}; };
  const auto lap = [&](Clock::time_point& t0, double& into) {
    if (!profile) return;
    const auto t1 = Clock::now();
    into += std::chrono::duration<double>(t1 - t0).count();
    t0 = t1;
  };
  double dSim = 0, dFb = 0, dLearn = 0;

  // Ã[i,:] += Σ_{u=a_i}^{b} η r_i(u) e(u) for the event form (G holds Σ_{v=w0}^{u} γ^(v−w0) η e(v)).
  const auto flush = [&](std::size_t i, int64_t b) {
    const int64_t a = K.since[i];
    if (K.rho[i] == 0.0 || a > b) return;
    const double s = K.rho[i] * K.ginv[static_cast<std::size_t>(a - w0)];
    const double* Gb = &K.hist[static_cast<std::size_t>(b - w0) * D];
    double* row = acc + i * D;
    if (a > w0) {
      const double* Ga = &K.hist[static_cast<std::size_t>(a - 1 - w0) * D];
      for (std::size_t d = 0; d < D; ++d) row[d] += s * (Gb[d] - Ga[d]);
    } else {
      for (std::size_t d = 0; d < D; ++d) row[d] += s * Gb[d];
    }
  };

  for (std::size_t t = 0; t < T; ++t) {
    control.check();  // a step costs at least O(N·D): the check is free, and abort stays prompt at any size
    auto t0 = tick();
    // (1) external current: input, then F·(k e(t-1) + z)
    float* ext = K.ext.data();
    if (C > 0)
      input_current(ext, m.wInT_.data(), input + t * C, C, np);
    else
      std::fill(ext, ext + np, 0.0f);
    lap(t0, dSim);
    {
      // u = k·e(t-1) (+ z), all dimensions at once; the zero terms are dropped from the product (as
      // the simulator does), which in training happens only at t = 0, so the common case keeps every
      // dimension in order and the product runs over contiguous rows.
      float* __restrict uv = K.uv.data();
      const float* __restrict err = K.err.data();
      const double* __restrict z = K.z.data();
      if (t > 0) {
        if (lowRankZ)
          for (std::size_t d = 0; d < D; ++d) uv[d] = kf * err[d] + static_cast<float>(z[d]);
        else
          for (std::size_t d = 0; d < D; ++d) uv[d] = kf * err[d];
      } else {  // no error yet: ke = +0
        if (lowRankZ)
          for (std::size_t d = 0; d < D; ++d) uv[d] = 0.0f + static_cast<float>(z[d]);
        else
          for (std::size_t d = 0; d < D; ++d) uv[d] = 0.0f;
      }
      int zeros = 0;
      for (std::size_t d = 0; d < D; ++d) zeros |= uv[d] == 0.0f;
      const bool anyZero = zeros != 0;
      std::size_t used = D;
      if (anyZero) {
        used = 0;
        for (std::size_t d = 0; d < D; ++d)
          if (uv[d] != 0.0f) {
            uv[used] = uv[d];
            K.ud[used] = static_cast<int32_t>(d);
            ++used;
          }
      }
      const float* FB = m.encBlk_[MIMIC_SIMD_LEVEL].data();
      const int32_t* dims = anyZero ? K.ud.data() : nullptr;
      if (splitFu && K.fuAttached.load(std::memory_order_relaxed)) {
        // the first half here, the second by the helper unless this thread claims it first (the same
        // operations per element either way)
        const int64_t seq = ++K.fuSeq;
        K.fuUsed = used;  // (the sample's fixed operands were set before its first step)
        K.fuAll = !anyZero;
        K.fuGo.store(seq, std::memory_order_release);
        feedback_current_range(ext, FB, D, uv, dims, used, 0, halfPanels);
        if (K.fu_claim(seq))
          feedback_current_range(ext, FB, D, uv, dims, used, halfPanels, np / 16);
        else
          while (K.fuDone.load(std::memory_order_acquire) != seq) __builtin_ia32_pause();
      } else {
        feedback_current(ext, FB, D, uv, dims, used, np);
      }
    }
    lap(t0, dFb);
    // (2-4) neurons; traces decay
    float* is = K.traces.data();
    UpdateArgs ua{K.v.data(),  is,          is + np,          K.r.data(),        K.refr.data(),
                  K.spk.data(), ext,        nullptr,          job.keep,          vars.g.data(),
                  vars.c0.data(), vars.vTh.data(), vars.vReset.data(), vars.refractorySteps.data(), vars.decayS.data(),
                  vars.decayF.data(), vars.decayOut.data(), np};
    pick_update(true, false, job.keep != nullptr, refractory)(ua);
    // (5) spikes: fixed rows, read-out traces
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
    // (5, learned part) slow current of the learned weights, as they are at this spike
    if (lowRankZ) {
      for (std::size_t d = 0; d < D; ++d) K.z[d] *= gammaS;
    }
    if (lowRankZ) {
      // Per spike j (distinct neurons, so the order of these passes does not matter): bring row j of Ã
      // up to date, add Ã[j,:]/tau_s to z (in spike order per dimension), and take the learned self-
      // weight Ã[j,:]·F[j,:] back out of I_s,j. The self-dots are sums of D products in d order; four
      // spikes' sums run side by side, so their add chains overlap instead of following each other.
      for (std::size_t s = 0; s < count; ++s)
        if (eventAcc) flush(static_cast<std::size_t>(list[s]), static_cast<int64_t>(t) - 1);
      double* __restrict z = K.z.data();
      for (std::size_t s = 0; s < count; ++s) {
        const std::size_t j = static_cast<std::size_t>(list[s]);
        const double* __restrict a = acc + j * D;
        const double c = K.invS[j];
        for (std::size_t d = 0; d < D; ++d) z[d] += a[d] * c;
      }
      for (std::size_t s0 = 0; s0 < count; s0 += 4) {
        const std::size_t q = std::min<std::size_t>(4, count - s0);
        const double* a[4];
        const float* f[4];
        for (std::size_t k = 0; k < 4; ++k) {  // missing spikes read row 0 and are not used
          const std::size_t j = static_cast<std::size_t>(list[s0 + (k < q ? k : 0)]);
          a[k] = acc + j * D;
          f[k] = F + j * D;
        }
        double self[4] = {0, 0, 0, 0};
        for (std::size_t d = 0; d < D; ++d)
          for (std::size_t k = 0; k < 4; ++k) self[k] += a[k][d] * static_cast<double>(f[k][d]);
        for (std::size_t k = 0; k < q; ++k) {
          const std::size_t j = static_cast<std::size_t>(list[s0 + k]);
          is[j] = is[j] - static_cast<float>(self[k] * K.invS[j]);
        }
      }
    } else {
      for (std::size_t s = 0; s < count; ++s) {
        const std::size_t j = static_cast<std::size_t>(list[s]);
        if (eventAcc) flush(j, static_cast<int64_t>(t) - 1);
        if (lowRankRows) {
          const double* a = acc + j * D;
          for (std::size_t i = 0; i < N; ++i) {
            if (i == j) continue;
            const float* f = F + i * D;
            double w = 0;
            for (std::size_t d = 0; d < D; ++d) w += a[d] * static_cast<double>(f[d]);
            is[i] = is[i] + static_cast<float>(w * K.invS[i]);
          }
        } else if (naive) {
          const double* row = &omega_[j * N];
          for (std::size_t i = 0; i < N; ++i)
            if (i != j) is[i] = is[i] + static_cast<float>(row[i] * K.invS[i]);
        }
      }
    }
    lap(t0, dLearn);
    // (6) x̃ and the error
    float* x = K.x.data();
    if (uniformOut) {
      scale(x, vars.decayOut[0], D);
      for (std::size_t s = 0; s < count; ++s) add_to(x, m.decScaled_.data() + static_cast<std::size_t>(list[s]) * D, D);
    } else {
      std::fill(x, x + D, 0.0f);
      for (std::size_t i = 0; i < N; ++i)
        if (r[i] != 0.0f) axpy(x, m.decT_.data() + i * D, r[i], D);
    }
    const float* xt = xhat + t * D;
    for (std::size_t d = 0; d < D; ++d) K.err[d] = xt[d] - x[d];
    K.recon.add(xt, K.err.data(), D);
    lap(t0, dSim);
    // (7) the rule at step t
    if (eventAcc) {
      const std::size_t w = t - static_cast<std::size_t>(w0);
      double* G = &K.hist[w * D];
      const double* Gp = w > 0 ? G - D : nullptr;
      const double c = etaAcc * K.gpow[w];
      for (std::size_t d = 0; d < D; ++d) G[d] = (Gp ? Gp[d] : 0.0) + c * static_cast<double>(K.err[d]);
      for (std::size_t s = 0; s < count; ++s) {
        const std::size_t j = static_cast<std::size_t>(list[s]);
        K.since[j] = static_cast<int64_t>(t);
        K.rho[j] = r[j];
        if (!K.isActive[j]) {
          K.isActive[j] = 1;
          K.active.push_back(static_cast<int32_t>(j));
        }
      }
      // window end: bring every active row up to date and re-base G
      if (w + 1 == AdsKernel::kWindow || t + 1 == T) {
        const int64_t next = static_cast<int64_t>(t) + 1;
        std::size_t keep = 0;
        for (std::size_t q = 0; q < K.active.size(); ++q) {
          const std::size_t i = static_cast<std::size_t>(K.active[q]);
          flush(i, static_cast<int64_t>(t));
          K.rho[i] *= K.gpow[static_cast<std::size_t>(next - K.since[i])];
          K.since[i] = next;
          if (K.rho[i] > 1e-37) {
            K.active[keep++] = static_cast<int32_t>(i);
          } else {
            K.rho[i] = 0.0;
            K.isActive[i] = 0;
          }
        }
        K.active.resize(keep);
        w0 = next;
      }
    } else if (denseAcc) {
      for (std::size_t i = 0; i < N; ++i) {
        if (r[i] == 0.0f) continue;
        const double c = etaAcc * static_cast<double>(r[i]);
        double* row = acc + i * D;
        for (std::size_t d = 0; d < D; ++d) row[d] += c * static_cast<double>(K.err[d]);
      }
    } else if (naive) {
      double* fe = K.fe.data();
      for (std::size_t j = 0; j < N; ++j) {
        const float* f = F + j * D;
        double s = 0;
        for (std::size_t d = 0; d < D; ++d) s += static_cast<double>(f[d]) * static_cast<double>(K.err[d]);
        fe[j] = s;
      }
      for (std::size_t i = 0; i < N; ++i) {
        if (r[i] == 0.0f) continue;
        const double c = eta * static_cast<double>(r[i]);
        double* row = &omega_[i * N];
        const double keep = row[i];
        for (std::size_t j = 0; j < N; ++j) row[j] += c * fe[j];
        row[i] = keep;
      }
    }
    lap(t0, dLearn);
  }
  res.reconstructionError = K.recon.error(T);

  if (batched) {
    auto t0 = tick();
    // ΔΩ = M Fᵀ, zero diagonal, / mean |ΔΩ| over all N² entries, × η. Row i of ΔΩ is Σ_d M[i,d]·Fᵀ[d,:],
    // contiguous float axpys over the rows of Fᵀ (vectorised; ΔΩ is normalised, so float is plenty).
    std::vector<float> delta(N * np);
    double sumAbs = 0;
    for (std::size_t i = 0; i < N; ++i) {
      control.check();  // O(N·D) per row
      float* row = &delta[i * np];
      const double* a = acc + i * D;
      for (std::size_t d = 0; d < D; ++d) {
        const float ad = static_cast<float>(a[d]);
        if (ad != 0.0f) axpy(row, FT + d * np, ad, np);
      }
      row[i] = 0.0f;
      double s = 0;
      for (std::size_t j = 0; j < N; ++j) s += std::fabs(static_cast<double>(row[j]));
      sumAbs += s;
    }
    const double meanAbs = sumAbs / static_cast<double>(N * N);
    if (meanAbs > 0 && std::isfinite(meanAbs)) {
      std::vector<float>& W = job.omegaS;
      const double scaleBy = eta / meanAbs;
      for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < N; ++j)
          W[i * N + j] = static_cast<float>(static_cast<double>(W[i * N + j]) + scaleBy * static_cast<double>(delta[i * np + j]));
      changed = true;
    }
    std::fill(acc_.begin(), acc_.end(), 0.0);
    lap(t0, dLearn);
  }
  if (profile) {
    profile->simulation += dSim;
    profile->feedback += dFb;
    profile->learning += dLearn;
    profile->steps += T;
    profile->spikes += res.spikes;
  }
  return changed;
}
