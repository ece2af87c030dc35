// Same float32 rules as the simulator (snn.cpp): no FMA contraction, so the neuron update, the input
// and the feedback current round exactly as there.
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

#include "ads_train.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>

#include "ebn.hpp"
#include "epoch_loop.hpp"
#include "rng.hpp"
#include "simd.hpp"
#include "simd_config.hpp"
#include "denormals.hpp"
#include "thread_pool.hpp"

namespace mimic {

namespace {

// Sets a flag when it goes out of scope, however the scope ends: the training thread's "this sample /
// chunk is trained", which ends the helper serving its F·u (AdsLearner::serve_feedback).
struct SetWhenDone {
  std::atomic<bool>& flag;
  ~SetWhenDone() { flag.store(true, std::memory_order_release); }
};

using Clock = std::chrono::steady_clock;

// Salts of the independent streams derived from the trainer's seed (derive_seed).
constexpr uint64_t kSaltInitialV = 0x41445356ULL;   // initial V of training sample t
constexpr uint64_t kSaltValidation = 0x56414cULL;   // the validation samples and their initial V
constexpr uint64_t kSaltDeath = 0x44454144ULL;       // the neurons silenced in training sample t (trainDeath)

bool all_equal(const std::vector<float>& v) {
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] != v[0]) return false;
  return true;
}

double mean(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

// Σ_d Var(x̂_d − x̃_d) / Σ_d Var(x̂_d) from running sums over T steps.
struct ReconSums {
  std::vector<double> se, see, sx, sxx;
  void reset(std::size_t D) {
    se.assign(D, 0.0);
    see.assign(D, 0.0);
    sx.assign(D, 0.0);
    sxx.assign(D, 0.0);
  }
  void add(const float* xhat, const float* err, std::size_t D) {
    for (std::size_t d = 0; d < D; ++d) {
      const double e = err[d], x = xhat[d];
      se[d] += e;
      see[d] += e * e;
      sx[d] += x;
      sxx[d] += x * x;
    }
  }
  double error(std::size_t T) const {
    const double n = static_cast<double>(T);
    double num = 0, den = 0;
    for (std::size_t d = 0; d < se.size(); ++d) {
      num += see[d] / n - (se[d] / n) * (se[d] / n);
      den += sxx[d] / n - (sx[d] / n) * (sx[d] / n);
    }
    if (den > 0) return num / den;
    return num > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
};

double reconstruction_error(const float* xhat, const float* xtilde, std::size_t T, std::size_t D) {
  ReconSums s;
  s.reset(D);
  std::vector<float> err(D);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t d = 0; d < D; ++d) err[d] = xhat[t * D + d] - xtilde[t * D + d];
    s.add(xhat + t * D, err.data(), D);
  }
  return s.error(T);
}

}  // namespace

const char* ads_rule_name(AdsRule rule) {
  switch (rule) {
    case AdsRule::Online: return "online";
    case AdsRule::OnlineLowRank: return "online-lowrank";
    case AdsRule::OnlineNaive: return "online-naive";
    case AdsRule::Batched: return "batched";
  }
  return "online";
}

// ---- network ----------------------------------------------------------------------------------------

AdsNetwork build_ads_network(const TeacherParams& teacher, const AdsBuildOptions& o, const Control& control) {
  const std::size_t N = o.neurons, D = teacher.units, C = teacher.channels, O = teacher.outputs;
  if (N == 0) throw InvalidArgument("The network must have at least one neuron.");
  if (D == 0) throw InvalidArgument("The teacher must have at least one unit.");
  AdsNetwork net;
  net.params = o.params.neurons == 0 ? SnnParameters::uniform(N) : o.params;
  if (net.params.neurons != N)
    throw InvalidArgument("The neuron parameters describe " + std::to_string(net.params.neurons) + " neurons but neurons = " +
                          std::to_string(N));
  net.params.validate();
  EbnOptions e;
  e.neurons = N;
  e.dims = D;
  e.seed = o.seed;
  e.mu = o.mu;
  e.nu = o.nu;
  e.tauMemMs = mean(net.params.tauMemMs);
  e.vTh = mean(net.params.vTh);
  e.vRest = mean(net.params.vRest);
  e.g = o.g;
  e.noEbn = !o.ebn;
  e.threads = 1;  // the calling thread only (3 ms at 768 x 128): the job's cores are not known here
  EbnWeights w = build_ebn(e, control);
  auto& W = net.weights;
  W.neurons = N;
  W.channels = C;
  W.dims = D;
  W.outputs = O;
  W.wIn = ebn_input_weights(w.encoder, teacher.wIn, N, D, C, o.inputGain, control);
  W.omegaF = std::move(w.omegaF);
  W.omegaS.assign(N * N, 0.0f);
  W.decoder = std::move(w.decoder);
  W.readout = teacher.wOut;
  W.encoder = std::move(w.encoder);
  W.validate();
  return net;
}

// ---- schedules --------------------------------------------------------------------------------------

double AdsSchedule::k_at(uint64_t sample) const {
  if (!kStaircase || kTotalSamples == 0 || kBlocks == 0) return k;
  const double step = k / static_cast<double>(kBlocks);
  const double block = static_cast<double>(kTotalSamples) / static_cast<double>(kBlocks);
  const double index = std::floor(static_cast<double>(sample) / block);
  return std::max(step, k - index * step);
}

double AdsSchedule::eta_at(uint64_t sample) const {
  if (!etaExponential) return eta;
  return eta * std::exp(-static_cast<double>(sample) / etaDecaySamples) + etaFloor;
}

// ---- teacher trajectories ---------------------------------------------------------------------------

void teacher_trajectories(const TeacherParams& teacher, const float* inputs, const std::size_t* indices,
                          std::size_t first, std::size_t count, std::size_t T, unsigned threads,
                          const Control& control, float* out) {
  const std::size_t C = teacher.channels, D = teacher.units;
  global_pool().parallel_for(
      count,
      [&](std::size_t i) {
        if (control.cancelled()) return;
        thread_local TeacherWorkspace<float> ws;
        const std::size_t s = indices ? indices[first + i] : first + i;
        teacher_forward_sample(teacher, inputs + s * T * C, T, nullptr, out + i * T * D, ws, &control);
      },
      threads);
  control.check();
}

void teacher_trajectories(const TeacherParams& teacher, const float* inputs, std::size_t first, std::size_t count,
                          std::size_t T, unsigned threads, const Control& control, float* out) {
  teacher_trajectories(teacher, inputs, nullptr, first, count, T, threads, control, out);
}

// ---- the training kernel ----------------------------------------------------------------------------

// What the events form needs of a network besides its model (ads_train.hpp), made once per learner
// and shared by its copies.
struct AdsEventsLayout {
  std::size_t np = 0;
  // M[:, j] = F·decoder[:, j]/tau_out,j as row j: [N][np] (float; the sum over d in double). A spike of
  // j moves H = F x̃ by it, as it moves x̃ by decoder[:, j]/tau_out,j (SnnModel::decScaled_).
  FloatVec mt;
  // F in panels of 16 neurons, [np/16][D][16] (zero for padded neurons): the product P (ads_events-inl.hpp).
  FloatVec fpan;

  AdsEventsLayout(const SnnModel& m, const Control& control) {
    const std::size_t N = m.neurons(), D = m.weights().dims;
    np = m.padded();
    const float* F = m.weights().encoder.data();
    fpan.assign(np * D, 0.0f);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t d = 0; d < D; ++d) fpan[(i / 16) * 16 * D + d * 16 + i % 16] = F[i * D + d];
    // row j = Σ_d decScaled[j][d]·F[:, d], accumulated over d in double (contiguous over the neurons)
    std::vector<double> ft(D * N), acc(N);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t d = 0; d < D; ++d) ft[d * N + i] = F[i * D + d];
    mt.assign(N * np, 0.0f);
    for (std::size_t j = 0; j < N; ++j) {
      control.check();  // O(N·D) per row
      std::fill(acc.begin(), acc.end(), 0.0);
      const float* dj = m.decScaled_.data() + j * D;
      for (std::size_t d = 0; d < D; ++d) {
        const double c = dj[d];
        const double* f = &ft[d * N];
        for (std::size_t i = 0; i < N; ++i) acc[i] += c * f[i];
      }
      for (std::size_t i = 0; i < N; ++i) mt[j * np + i] = static_cast<float>(acc[i]);
    }
  }
};

// Per-sample scratch, sized for one network.
class AdsKernel {
 public:
  static constexpr std::size_t kWindow = 256;  // steps between re-basings of the prefix sum G (Q)
  static constexpr std::size_t kPBlock = 32;   // events: steps per block of P
  static constexpr std::size_t kPRing = 8;     // events: blocks of P held at once (the helper's lead)

  FloatVec v, traces, r, ext, x, err, uv;
  IntVec refr, list, ud;
  std::vector<uint8_t> spk;
  std::vector<const float*> rows;  // the weight rows of this step's spikes
  std::vector<double> z, hist, rho, gpow, ginv, fe;
  std::vector<int64_t> since;   // a_i: the step from which r_i = rho_i·γ^(t − a_i)
  std::vector<int32_t> active;  // neurons with rho_i != 0
  std::vector<uint8_t> isActive;
  ReconSums recon;
  SnnVariables vars;
  std::vector<double> invS;  // 1/tau_s in 1/s, double
  // events form
  std::vector<double> H, qEnd;           // F x̃ [np]; each window's prefix sum Q [windows][np]
  FloatVec fb, pring;                    // k·q(t−1) [np]; blocks of P [kPRing][kPBlock][np]
  std::vector<std::size_t> sinceWin;     // the window of since[i]
  std::atomic<int64_t> ready[kPRing];    // the block each ring slot holds (−1: none)
  std::atomic<int64_t> nextBlock{0}, consumed{0};
  std::atomic<bool> stop{false};
  // events: the helper sleeps while the ring is full (it is kPRing blocks ahead) instead of spinning on
  // a core the machine may want for something else; the training thread wakes it when it frees a slot
  std::mutex wakeMu;
  std::condition_variable wakeCv;
  std::atomic<bool> helperAsleep{false};
  void wake_helper() {
    if (!helperAsleep.load()) return;  // (seq_cst: ordered after the store that freed a slot or stopped it)
    std::lock_guard<std::mutex> lock(wakeMu);
    wakeCv.notify_one();
  }
  uint64_t helperBlocks = 0;
  double helperSeconds = 0;
  // the other forms: the second half of the panels of F·u on a helper thread (AdsLearner::serve_feedback).
  // Step seq is published in fuGo with its operands; its second half is claimed (fuClaim: the last
  // step claimed) by the helper or by the training thread, whichever comes first; the helper's is
  // done when fuDone holds seq.
  std::atomic<bool> fuAttached{false};
  std::atomic<int64_t> fuGo{-1}, fuClaim{-1}, fuDone{-1};
  int64_t fuSeq = -1;
  const float* fuFB = nullptr;
  std::size_t fuD = 0, fuUsed = 0, fuHalf = 0, fuPanels = 0;
  bool fuAll = true;
  void (*fuCompute)(AdsKernel&) = nullptr;  // the SIMD level's half (set with the operands)
  // Claims step seq's second half for the calling thread; false when the other thread has it.
  bool fu_claim(int64_t seq) {
    int64_t c = fuClaim.load();
    while (c < seq)
      if (fuClaim.compare_exchange_weak(c, seq)) return true;
    return false;
  }

  void prepare_events(std::size_t np, std::size_t windows) {
    H.assign(np, 0.0);
    qEnd.assign(windows * np, 0.0);
    fb.assign(np, 0.0f);
    pring.resize(kPRing * kPBlock * np);
    sinceWin.assign(rho.size(), 0);
    for (auto& r : ready) r.store(-1);
    nextBlock.store(0);
    consumed.store(0);
    stop.store(false);
    helperAsleep.store(false);
  }

  void prepare(const SnnModel& m, double dtMs) {
    const std::size_t N = m.neurons(), np = m.padded(), D = m.weights().dims;
    vars = m.variables(dtMs);  // O(N); recomputed per sample so a rebuilt model can never see stale values
    invS.resize(N);
    for (std::size_t i = 0; i < N; ++i) invS[i] = 1000.0 / static_cast<double>(m.params().tauSMs[i]);
    v.assign(np, 0.0f);
    traces.assign(2 * np, 0.0f);
    r.assign(np, 0.0f);
    ext.assign(np, 0.0f);
    x.assign(D, 0.0f);
    err.assign(D, 0.0f);
    uv.assign(D, 0.0f);
    ud.assign(D, 0);
    refr.assign(np, 0);
    list.assign(np, 0);
    spk.assign(np, 0);
    rows.assign(np, nullptr);
    z.assign(D, 0.0);
    hist.assign(kWindow * D, 0.0);
    rho.assign(N, 0.0);
    since.assign(N, 0);
    active.clear();
    isActive.assign(N, 0);
    fe.assign(N, 0.0);
    recon.reset(D);
    const double gamma = static_cast<double>(vars.decayOut[0]);
    gpow.resize(kWindow + 1);
    ginv.resize(kWindow + 1);
    for (std::size_t k = 0; k <= kWindow; ++k) {
      gpow[k] = std::pow(gamma, static_cast<double>(k));
      ginv[k] = 1.0 / gpow[k];
    }
  }
};

// The arguments of one training sample, for the per-level loop (ads_sample-inl.hpp).
struct AdsSampleJob {
  AdsRule rule;
  double dtMs;
  const SnnModel& model;
  AdsKernel& K;
  std::vector<double>& acc;    // Ã (low-rank) or M (batched)
  std::vector<double>& omega;  // events and online-naive: Ω_s
  std::vector<float>& omegaS;  // batched: the network's Ω_s, updated at the end of the sample
  const float* input;
  const float* xhat;
  std::size_t T;
  double kGain, eta;
  uint64_t vSeed, vStream;
  const Control& control;
  AdsProfile* profile;
  const float* initialV;
  AdsLearner::SpikeRecord* record;
  const AdsEventsLayout* layout;  // events
  unsigned threads;               // events: threads of the pool for P (0 = all)
  const float* keep;              // [padded N] 0 = silenced for the sample, 1 = alive; null: none silenced
};

}  // namespace mimic

#define MIMIC_SIMD_BODY "ads_sample-inl.hpp"
#include "simd_foreach.hpp"

namespace mimic {

AdsLearner::AdsLearner(const AdsNetwork& net, AdsRule rule, double dtMs) : rule_(rule), dtMs_(dtMs), net_(net) {
  if (!(dtMs > 0) || !std::isfinite(dtMs)) throw InvalidArgument("dtMs must be a positive finite number");
  net_.params.validate();
  net_.weights.validate();
  const std::size_t N = net_.weights.neurons, D = net_.weights.dims;
  if (D == 0 || net_.weights.encoder.size() != N * D)
    throw InvalidArgument("The network needs dims > 0 and an encoder F (neurons x dims) for the learning rule");
  for (std::size_t i = 0; i < N; ++i)
    if (net_.weights.omegaS[i * N + i] != 0.0f)
      throw InvalidArgument("The slow weights must have a zero diagonal (omegaS[" + std::to_string(i) + ", " +
                            std::to_string(i) + "] is not 0)");
  // the events form needs one decay factor for r and x̃ (SnnVariables::uniformDecayOut)
  events_ = rule_ == AdsRule::Online && all_equal(net_.params.tauOutMs);
  if (!events_) acc_.assign(N * D, 0.0);
  if (rule_ == AdsRule::OnlineNaive || events_) omega_.assign(net_.weights.omegaS.begin(), net_.weights.omegaS.end());
  rebuild_model();
}

void AdsLearner::prepare(const Control& control) {
  if (events_ && !layout_) layout_ = std::make_shared<const AdsEventsLayout>(*model_, control);  // O(N²·D), once
}

const char* AdsLearner::variant() const {
  if (events_) return "online-events";
  return rule_ == AdsRule::Online ? "online-lowrank" : ads_rule_name(rule_);
}

AdsLearner::~AdsLearner() = default;

AdsLearner::AdsLearner(const AdsLearner& o)
    : rule_(o.rule_),
      dtMs_(o.dtMs_),
      net_(o.net_),
      model_(o.model_),
      events_(o.events_),
      threads_(o.threads_),
      acc_(o.acc_),
      omega_(o.omega_),
      layout_(o.layout_) {}

AdsLearner& AdsLearner::operator=(const AdsLearner& o) {
  if (this != &o) {
    rule_ = o.rule_;
    dtMs_ = o.dtMs_;
    net_ = o.net_;
    model_ = o.model_;
    events_ = o.events_;
    threads_ = o.threads_;
    acc_ = o.acc_;
    omega_ = o.omega_;
    layout_ = o.layout_;
    kernel_.reset();
  }
  return *this;
}

void AdsLearner::rebuild_model() {
  SnnWeights w = net_.weights;
  if (rule_ == AdsRule::OnlineNaive || events_) w.omegaS.assign(w.neurons * w.neurons, 0.0f);  // the kernel adds Ω_s itself
  model_ = std::make_shared<const SnnModel>(net_.params, std::move(w));
}

std::vector<float> AdsLearner::slow_weights(const Control& control) const {
  const std::size_t N = net_.weights.neurons, D = net_.weights.dims;
  std::vector<float> out(N * N, 0.0f);
  if (rule_ == AdsRule::Batched) return net_.weights.omegaS;
  if (rule_ == AdsRule::OnlineNaive || events_) {
    for (std::size_t i = 0; i < N; ++i) {
      control.check();  // O(N) per row
      for (std::size_t j = 0; j < N; ++j) out[i * N + j] = static_cast<float>(omega_[i * N + j]);
    }
  } else {
    const float* F = net_.weights.encoder.data();
    const float* O0 = net_.weights.omegaS.data();
    for (std::size_t i = 0; i < N; ++i) {
      control.check();  // O(N·D) per row
      const double* a = &acc_[i * D];
      for (std::size_t j = 0; j < N; ++j) {
        double s = O0[i * N + j];
        const float* f = F + j * D;
        for (std::size_t d = 0; d < D; ++d) s += a[d] * static_cast<double>(f[d]);
        out[i * N + j] = static_cast<float>(s);
      }
    }
  }
  for (std::size_t i = 0; i < N; ++i) out[i * N + i] = 0.0f;
  return out;
}

AdsNetwork AdsLearner::network(const Control& control) const {
  AdsNetwork n = net_;
  n.weights.omegaS = slow_weights(control);
  return n;
}

AdsLearner::SampleResult AdsLearner::train_sample(const float* input, const float* xhat, std::size_t T, double kGain,
                                                  double eta, uint64_t vSeed, uint64_t vStream,
                                                  const Control& control,
                                                  AdsProfile* profile, const float* initialV,
                                                  SpikeRecord* record, const float* keep) {
  if (T == 0) throw InvalidArgument("a training sample needs at least one step");
  if (!kernel_) kernel_ = std::make_unique<AdsKernel>();
  prepare(control);
  const float* keepPadded = nullptr;
  if (keep) {  // the update kernel reads the padded width
    keepPad_.assign(model_->padded(), 1.0f);
    std::copy(keep, keep + net_.weights.neurons, keepPad_.begin());
    keepPadded = keepPad_.data();
  }
  AdsSampleJob job{rule_, dtMs_, *model_, *kernel_, acc_, omega_, net_.weights.omegaS, input, xhat, T, kGain, eta,
                   vSeed, vStream, control, profile, initialV, record, layout_.get(), threads_, keepPadded};
  SampleResult res;
  bool changed = false;
  // the SIMD level's kernel of the form in use
  const auto kernelFn = events_ ? MIMIC_SIMD_PICK(ads_train_sample_events) : MIMIC_SIMD_PICK(ads_train_sample);
  if (events_) {
    kernelFn(job, res);
    return res;
  }
  const auto sample = [&]() { changed = kernelFn(job, res); };
  // F·u on two threads when the product is large and the pool has a second thread free (a job's
  // epoch loop holds the pool and attaches its own helper: serve_feedback)
  std::atomic<bool> done{false};
  const bool split = threads_ != 1 && net_.weights.neurons * net_.weights.dims >= kFeedbackSplit &&
                     !kernel_->fuAttached.load() &&
                     global_pool().try_parallel_for(
                         2,
                         [&](std::size_t item) {
                           if (item == 1) return serve_feedback(done);
                           const SetWhenDone mark{done};
                           sample();
                         },
                         threads_);
  if (!split) sample();
  if (changed) rebuild_model();  // batched: Ω_s moved at the end of the sample
  return res;
}

void AdsLearner::serve_feedback(const std::atomic<bool>& done) {
  if (!kernel_) kernel_ = std::make_unique<AdsKernel>();
  AdsKernel& K = *kernel_;
  FlushDenormals ftz;  // the training thread's float environment: a half's values must not depend on the thread
  K.fuAttached.store(true);
  int64_t seen = K.fuGo.load(std::memory_order_acquire);
  while (!done.load(std::memory_order_acquire)) {
    const int64_t g = K.fuGo.load(std::memory_order_acquire);
    if (g == seen) {
      __builtin_ia32_pause();
      continue;
    }
    seen = g;
    // claim step g's half unless the training thread did (it then moved on: a later step is published)
    if (!K.fu_claim(g)) continue;
    K.fuCompute(K);
    K.fuDone.store(g, std::memory_order_release);
  }
  K.fuAttached.store(false);
}

// ---- evaluation -------------------------------------------------------------------------------------

void ads_evaluate(const SnnModel& model, const float* inputs, std::size_t B, std::size_t T,
                  const AdsTargetProvider* xhat, const float* targets, const int8_t* labels,
                  const AdsEvalOptions& o, const Control& control, AdsEvalResult& out) {
  const std::size_t N = model.neurons(), C = model.weights().channels, D = model.weights().dims,
                    O = model.weights().outputs;
  if (B == 0 || T == 0) throw InvalidArgument("evaluation needs at least one sample of at least one step");
  if (xhat && D == 0) throw InvalidArgument("the reconstruction error needs a network with dims > 0");
  const bool haveTargets = targets || labels;
  const DecisionRule* rule = O > 0 ? o.decision.get() : nullptr;
  const bool accuracy = rule && haveTargets;
  if (o.recordSmoothed && !(rule && rule->has_smoothed()))
    throw InvalidArgument("recording the smoothed outputs needs a decision rule that smooths them");
  out = AdsEvalResult{};
  out.count = B;
  out.steps = T;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.reconstructionError.assign(B, nan);
  out.outputMse.assign(B, nan);
  out.rateHz.assign(B, 0.0);
  out.predictions.assign(rule ? B * O : 0, 0);
  if (accuracy) out.labels.assign(B * O, 0);
  if (o.recordDecoded) assign_checked(out.decoded, B * T * D, 0.0f, control);
  if (o.recordOutput) assign_checked(out.output, B * T * O, 0.0f, control);
  if (o.recordSmoothed) assign_checked(out.smoothed, B * T * O, 0.0f, control);
  const std::size_t nSpk = std::min(o.recordSpikeSamples, B);
  out.spikeOffsets.assign(nSpk + 1, 0);
  const auto& p = model.params();
  const double seconds = static_cast<double>(T) * o.dtMs / 1000.0;
  // Samples per simulator call: o.chunk, or as many as keep the chunk's recordings (x̃ and ỹ) near 64 MB.
  std::size_t chunk = o.chunk;
  if (chunk == 0) {
    const double perSample = static_cast<double>(T) * static_cast<double>(D + O + 1) * 4.0;
    chunk = static_cast<std::size_t>(std::clamp(64.0e6 / perSample, 8.0, 256.0));
  }
  std::vector<float> xbuf;
  std::size_t correct = 0, decided = 0;
  std::size_t b0 = 0;
  while (b0 < B) {
    control.check();
    // samples with recorded spikes get chunks of their own
    const std::size_t limit = b0 < nSpk ? nSpk : B;
    const std::size_t nb = std::min(chunk, limit - b0);
    SnnRunConfig c;
    c.batch = nb;
    c.steps = T;
    c.dtMs = o.dtMs;
    c.inputs = C > 0 ? inputs + b0 * T * C : nullptr;
    c.threads = o.threads;
    c.block = 4;  // small blocks spread over the pool dynamically: samples differ in cost, 2 big blocks idle a thread
    c.initialV = InitialV::Given;
    c.initialValues.resize(nb * N);
    for (std::size_t b = 0; b < nb; ++b) {
      Rng rng(o.seed, b0 + b);
      for (std::size_t i = 0; i < N; ++i)
        c.initialValues[b * N + i] = static_cast<float>(rng.uniform(p.vReset[i], p.vTh[i]));
    }
    c.recordSpikes = b0 < nSpk;
    c.recordDecoded = D > 0 && (xhat != nullptr || o.recordDecoded);
    c.recordOutput = O > 0;
    c.maxSpikeEvents = std::size_t(1) << 26;  // only the first samples record spikes; a bound against runaway networks
    SnnRunOutput r;
    // the simulation's own reports (steps of this chunk) as this chunk's share of all B samples
    simulate(model, c, control.within(static_cast<double>(b0), static_cast<double>(B), "evaluating", static_cast<double>(nb)), r);
    if (xhat) {
      xbuf.resize(nb * T * D);
      (*xhat)(b0, nb, xbuf.data());
      for (std::size_t b = 0; b < nb; ++b)
        out.reconstructionError[b0 + b] = reconstruction_error(&xbuf[b * T * D], &r.decoded[b * T * D], T, D);
    }
    for (std::size_t b = 0; b < nb; ++b) {
      const std::size_t g = b0 + b;
      uint64_t spikes = 0;
      for (std::size_t i = 0; i < N; ++i) spikes += static_cast<uint64_t>(r.spikeCounts[b * N + i]);
      out.totalSpikes += spikes;
      out.rateHz[g] = static_cast<double>(spikes) / (static_cast<double>(N) * seconds);
      const float* y = O > 0 ? &r.output[b * T * O] : nullptr;
      for (std::size_t k = 0; rule && k < O; ++k) {
        out.predictions[g * O + k] = rule->decide(y + k, T, O, o.fitted);
        if (accuracy) {
          const int8_t label = labels ? labels[g * O + k] : rule->label(targets + g * T * O + k, T, O);
          out.labels[g * O + k] = label;
          correct += out.predictions[g * O + k] == label ? 1 : 0;
          ++decided;
        }
      }
      if (targets && O > 0) {
        double s = 0;
        const float* tg = targets + g * T * O;
        for (std::size_t k = 0; k < T * O; ++k) {
          const double e = static_cast<double>(y[k]) - static_cast<double>(tg[k]);
          s += e * e;
        }
        out.outputMse[g] = s / static_cast<double>(T * O);
      }
      if (o.recordDecoded && D > 0) std::copy(&r.decoded[b * T * D], &r.decoded[(b + 1) * T * D], &out.decoded[g * T * D]);
      if (o.recordOutput && O > 0) std::copy(y, y + T * O, &out.output[g * T * O]);
      if (o.recordSmoothed && O > 0)
        for (std::size_t k = 0; k < O; ++k) rule->smoothed(y + k, T, O, &out.smoothed[g * T * O + k]);
      if (g < nSpk) {
        out.spikeSteps.insert(out.spikeSteps.end(), r.spikeSteps[b].begin(), r.spikeSteps[b].end());
        out.spikeNeurons.insert(out.spikeNeurons.end(), r.spikeNeurons[b].begin(), r.spikeNeurons[b].end());
        out.spikeOffsets[g + 1] = static_cast<int32_t>(out.spikeSteps.size());
      }
    }
    b0 += nb;
    control.report(static_cast<double>(b0), static_cast<double>(B), "evaluating");
  }
  double sr = 0, sm = 0, rate = 0;
  for (std::size_t b = 0; b < B; ++b) {
    sr += out.reconstructionError[b];
    sm += out.outputMse[b];
    rate += out.rateHz[b];
  }
  out.meanReconstructionError = xhat ? sr / static_cast<double>(B) : -1.0;
  out.meanOutputMse = targets && O > 0 ? sm / static_cast<double>(B) : -1.0;
  out.meanRateHz = rate / static_cast<double>(B);
  out.accuracy = accuracy && decided ? static_cast<double>(correct) / static_cast<double>(decided) : -1.0;
}

// ---- the trainer ------------------------------------------------------------------------------------

AdsTrainer::AdsTrainer(TeacherParams teacher, AdsNetwork network, AdsTrainOptions options,
                       std::shared_ptr<const AdsDataset> train, std::shared_ptr<const AdsDataset> validation)
    : teacher_(std::move(teacher)),
      o_(std::move(options)),
      train_(std::move(train)),
      validation_(std::move(validation)),
      learner_(network, o_.rule, o_.dtMs) {
  learner_.set_threads(o_.threads);  // the events form's product P may use a second thread of the pool
  const auto& w = network.weights;
  if (w.dims != teacher_.units)
    throw InvalidArgument("The network decodes " + std::to_string(w.dims) + " dimensions but the teacher has " +
                          std::to_string(teacher_.units) + " units");
  if (w.channels != teacher_.channels)
    throw InvalidArgument("The network has " + std::to_string(w.channels) + " input channels but the teacher " +
                          std::to_string(teacher_.channels));
  if (!o_.source && (!train_ || train_->count == 0)) throw InvalidArgument("training data is empty");
  if (o_.source && o_.samplesPerEpoch == 0) throw InvalidArgument("samplesPerEpoch must be at least 1");
  current_ = std::make_shared<const AdsNetwork>(std::move(network));  // Ã = 0: the network as given
}

std::shared_ptr<AdsDataset> AdsTrainer::validation_set(const SampleSource& source, std::size_t count, uint64_t seed,
                                                       unsigned threads, const Control& control) {
  TaskBatch xb;
  source.draw(derive_seed(seed, 0, kSaltValidation), count, threads, control, xb);
  auto d = std::make_shared<AdsDataset>();
  d->count = xb.count;
  d->steps = xb.steps;
  d->inputs = std::move(xb.inputs);
  d->targets = std::move(xb.targets);
  d->labels = std::move(xb.labels);
  return d;
}

std::size_t AdsTrainer::samples_per_epoch() const {
  return o_.source ? o_.samplesPerEpoch : o_.epochSamples > 0 ? std::min(o_.epochSamples, train_->count) : train_->count;
}

// Validation's share of an epoch's progress, in training samples: a validation sample (the teacher and
// the network forward, no learning) measured 0.27-0.49 of a training sample's time (N/D = 768/128 and
// 320/64, two threads), so three count as one. The bar moves while an epoch validates (at the wake
// phrase's N = 768, 200 validation samples take seconds), and the time left counts it.
std::size_t AdsTrainer::validation_work() const {
  return validation_ && validation_->count > 0 ? (validation_->count + 2) / 3 : 0;
}

void AdsTrainer::validate(const AdsNetwork& net, AdsEvalResult& out, const Control& control) const {
  const AdsDataset& v = *validation_;
  SnnModel model(net.params, net.weights, &control);
  AdsEvalOptions e;
  e.seed = derive_seed(o_.seed, 0, kSaltValidation ^ 0x5600ULL);
  e.threads = o_.threads;
  e.dtMs = o_.dtMs;
  e.decision = o_.decision;
  e.fitted = o_.fitted;
  const TeacherParams& teacher = teacher_;
  const unsigned threads = o_.threads;
  AdsTargetProvider provider = [&](std::size_t first, std::size_t count, float* dst) {
    teacher_trajectories(teacher, v.inputs.data(), first, count, v.steps, threads, control, dst);
  };
  // With a rule, the outputs are kept so that a rule with fitted settings (a decision boundary) fits
  // them on these outputs and the accuracy is the one with the fitted values (docs/method.md §5).
  e.recordOutput = e.recordOutput || (o_.decision != nullptr);
  ads_evaluate(model, v.inputs.data(), v.count, v.steps, &provider, v.targets.empty() ? nullptr : v.targets.data(),
               v.labels.empty() ? nullptr : v.labels.data(), e, control, out);
  if (o_.decision && !out.labels.empty() && !out.output.empty()) {
    const std::size_t O = teacher_.outputs;
    const TaskValues fitted = refit(*o_.decision, o_.fitted, out.output.data(), out.labels.data(), v.count, v.steps, O, control);
    TaskScore score;
    score_outputs(*o_.decision, fitted, out.output.data(), v.count, v.steps, O, nullptr, out.labels.data(), score, nullptr, &control);
    out.predictions = score.decisions;
    out.accuracy = score.accuracy();
  }
}

AdsEpochRecord AdsTrainer::run_epoch(const Control& control, std::size_t doneBefore, std::size_t total) {
  const auto start = Clock::now();
  AdsEpochRecord rec;
  rec.epoch = epoch_ + 1;
  const std::size_t C = teacher_.channels, D = teacher_.units;
  TaskBatch xb;
  const float* inputs;
  std::size_t S, T;
  std::vector<std::size_t> order;
  if (o_.source) {
    const Control quiet = control.cancel_only();
    o_.source->draw(training_draw_seed(o_.seed, epoch_), o_.samplesPerEpoch, o_.threads, quiet, xb);
    inputs = xb.inputs.data();
    S = xb.count;
    T = xb.steps;
  } else {
    inputs = train_->inputs.data();
    S = train_->count;
    T = train_->steps;
  }
  if (o_.source) {
    order.resize(S);
    std::iota(order.begin(), order.end(), std::size_t(0));
  } else {
    order = dataset_epoch_order(S, o_.epochSamples, o_.shuffle, o_.seed, epoch_);
    S = order.size();
  }
  // The teacher's trajectories of the samples come in chunks of 16. The first chunk is computed on the
  // whole pool; after it, while the training thread trains chunk c, the pool's second thread computes
  // chunk c + 1 into the other half of the buffer (the training kernel, one sample after the other, is
  // the longer of the two: at N = 320 about 2.7 µs per step against the teacher's 0.5), so the
  // trajectories leave the training's path. Not with the events form, whose product P wants that
  // second thread, nor when the pool is busy or has one thread: then each chunk is computed before it is
  // trained, on the pool, as before. The trajectories are the same either way (teacher_forward_sample
  // per sample), and so is the training.
  constexpr std::size_t kChunk = 16;
  const std::size_t chunkFloats = std::min(kChunk, S) * T * D;
  std::vector<float> xbuf((S > kChunk ? 2 : 1) * chunkFloats);  // the second half only when there is a next chunk
  const bool overlap = o_.threads != 1 && global_pool().size() >= 2 && S > kChunk && std::strcmp(learner_.variant(), "online-events") != 0;
  double reconSum = 0;
  uint64_t spikes = 0;
  std::vector<float> keepBuf;
  const auto trainChunk = [&](std::size_t c0, std::size_t nc, const float* xb) {
    for (std::size_t i = 0; i < nc; ++i) {
      const std::size_t s = order[c0 + i];
      const uint64_t t = samplesDone_;
      rec.k = o_.schedule.k_at(t);
      rec.eta = o_.schedule.eta_at(t);
      const float* keep = nullptr;
      if (o_.trainDeath > 0) {
        // round(trainDeath·N) neurons without replacement, from this sample's own stream
        const std::size_t N = learner_.neurons();
        const std::size_t dead = static_cast<std::size_t>(std::llround(o_.trainDeath * static_cast<double>(N)));
        std::vector<std::size_t> idx(N);
        std::iota(idx.begin(), idx.end(), std::size_t(0));
        Rng drng(derive_seed(o_.seed, t, kSaltDeath), 0);
        shuffle(idx, drng);
        keepBuf.assign(N, 1.0f);
        for (std::size_t q = 0; q < dead; ++q) keepBuf[idx[q]] = 0.0f;
        keep = keepBuf.data();
      }
      const auto r = learner_.train_sample(inputs + s * T * C, xb + i * T * D, T, rec.k, rec.eta,
                                           derive_seed(o_.seed, t, kSaltInitialV), 0, control, nullptr, nullptr,
                                           nullptr, keep);
      if (std::isnan(r.reconstructionError))
        throw std::runtime_error("training diverged: the reconstruction error is not a number in epoch " +
                                 std::to_string(rec.epoch) + " (lower eta)");
      reconSum += r.reconstructionError;
      spikes += r.spikes;
      ++samplesDone_;
      control.report(static_cast<double>(doneBefore + c0 + i + 1), static_cast<double>(total), "training");
    }
  };
  // One thread's trajectories of a chunk (no parallel_for: this runs as an item of the pool's own).
  const auto chunkTrajectories = [&](std::size_t c0, std::size_t nc, float* dst) {
    thread_local TeacherWorkspace<float> ws;
    for (std::size_t i = 0; i < nc; ++i) {
      control.check();
      teacher_forward_sample(teacher_, inputs + order[c0 + i] * T * C, T, nullptr, dst + i * T * D, ws, &control);
    }
  };
  teacher_trajectories(teacher_, inputs, order.data(), 0, std::min(kChunk, S), T, o_.threads, control, xbuf.data());
  for (std::size_t c0 = 0, half = 0; c0 < S; c0 += kChunk, half ^= 1) {
    control.check();
    const std::size_t nc = std::min(kChunk, S - c0), next = c0 + kChunk;
    const std::size_t nn = next < S ? std::min(kChunk, S - next) : 0;
    float* cur = xbuf.data() + half * chunkFloats;
    float* nxt = nn > 0 ? xbuf.data() + (half ^ 1) * chunkFloats : nullptr;
    // the second thread: the next chunk's trajectories, then (at a large N·D) half of each step's F·u
    // until this chunk is trained (AdsLearner::serve_feedback; the results do not depend on it)
    std::atomic<bool> chunkDone{false};
    const bool serve = learner_.neurons() * learner_.dims() >= AdsLearner::kFeedbackSplit;
    if (nn > 0 && overlap &&
        global_pool().try_parallel_for(
            2,
            [&](std::size_t item) {
              if (item == 0) {
                const SetWhenDone mark{chunkDone};
                trainChunk(c0, nc, cur);
              } else {
                chunkTrajectories(next, nn, nxt);
                if (serve) learner_.serve_feedback(chunkDone);
              }
            },
            2))
      continue;
    trainChunk(c0, nc, cur);
    if (nn > 0) teacher_trajectories(teacher_, inputs, order.data(), next, nn, T, o_.threads, control, nxt);
  }
  rec.samples = S;
  rec.trainReconstructionError = reconSum / static_cast<double>(S);
  rec.trainMeanRateHz = static_cast<double>(spikes) / (static_cast<double>(learner_.neurons()) * static_cast<double>(S) *
                                                      static_cast<double>(T) * o_.dtMs / 1000.0);
  // the epoch's weights (the low-rank form's Ω_s = Ã·Fᵀ is N²·D: 1.6 s at 4096 x 128)
  control.report(static_cast<double>(doneBefore + S), static_cast<double>(total), "forming the weights");
  auto net = std::make_shared<const AdsNetwork>(learner_.network(control.cancel_only()));
  if (validation_ && validation_->count > 0) {
    rec.hasValidation = true;
    AdsEvalResult ev;
    // Validation reports as its share of this epoch (validation_work), not with the evaluator's own
    // done/total (which made the fraction jump to 1 and fall back at the next epoch).
    control.report(static_cast<double>(doneBefore + S), static_cast<double>(total), "validating");
    validate(*net, ev, control.within(static_cast<double>(doneBefore + S), static_cast<double>(total), "validating", static_cast<double>(validation_work())));
    control.report(static_cast<double>(doneBefore + S + validation_work()), static_cast<double>(total), "validating");
    rec.valReconstructionError = ev.meanReconstructionError;
    rec.valAccuracy = ev.accuracy;
    rec.valOutputMse = ev.meanOutputMse;
    rec.valMeanRateHz = ev.meanRateHz;
    bool better;
    if (!best_) {
      better = true;
    } else if (o_.selection == AdsSelection::Reconstruction) {
      better = rec.valReconstructionError < bestRecon_ ||
               (rec.valReconstructionError == bestRecon_ && rec.valAccuracy > bestAcc_);
    } else {
      better = rec.valAccuracy > bestAcc_ || (rec.valAccuracy == bestAcc_ && rec.valReconstructionError < bestRecon_);
    }
    if (better) {
      best_ = net;
      bestEpoch_ = rec.epoch;
      bestRecon_ = rec.valReconstructionError;
      bestAcc_ = rec.valAccuracy;
      rec.best = true;
    }
  }
  current_ = std::move(net);
  rec.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return rec;
}

void AdsTrainer::run_epochs(std::size_t n, const Control& control,
                            const std::function<void(const AdsEpochRecord&)>& onEpoch) {
  run_epochs_rolling_back(
      n, samples_per_epoch() + validation_work(), epoch_,
      [&](std::size_t doneBefore, std::size_t total) { return run_epoch(control, doneBefore, total); }, onEpoch,
      learner_, samplesDone_, current_, best_, bestEpoch_, bestRecon_, bestAcc_);
}

}  // namespace mimic
