// Exact float32 semantics on every build and SIMD level (no fused multiply-add contraction; the library
// is built with -ffp-contract=off as well): the TypeScript reference reproduces the arithmetic bit for
// bit, and neither thread counts nor the SIMD level ever matter. The simulation loop itself is in
// snn_runner-inl.hpp, compiled once per SIMD level (simd_foreach.hpp); simulate() runs the active one.
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
#include "denormals.hpp"
#include "simd.hpp"
#include "simd_config.hpp"
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
  assign_checked(encT_, weights_.encoder.empty() ? 0 : D * npad_, 0.0f, c);
  if (!weights_.encoder.empty())
    for (std::size_t i = 0; i < n; ++i) {
      if ((i & 63) == 0) c.check();  // a row writes a column of encT_ (stride Npad)
      for (std::size_t d = 0; d < D; ++d) encT_[d * npad_ + i] = weights_.encoder[i * D + d];
    }
  for (std::size_t level = 0; level < 3; ++level) {
    FloatVec& blk = encBlk_[level];
    assign_checked(blk, encT_.size(), 0.0f, c);
    if (weights_.encoder.empty()) continue;
    const std::size_t panels = npad_ / 16;
    for (std::size_t p = 0; p < panels;) {  // a tile of g panels: neurons [16p, 16(p+g)), stored [d][16g] from 16p·D
      c.check();  // a tile is at most 192 rows of the encoder
      const std::size_t g = simd::feedback_tile(panels - p, simd::kFeedbackTilePanels[level]);
      const std::size_t i0 = 16 * p, w = 16 * g;
      for (std::size_t i = i0; i < std::min(n, i0 + w); ++i)
        for (std::size_t d = 0; d < D; ++d) blk[i0 * D + d * w + (i - i0)] = weights_.encoder[i * D + d];
      p += g;
    }
  }
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

}  // namespace mimic

#define MIMIC_SIMD_BODY "snn_runner-inl.hpp"
#include "simd_foreach.hpp"

namespace mimic {

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
  switch (simd::active()) {
#if MIMIC_SIMD_MULTI
    case simd::Level::Avx512:
      simd_avx512::Runner(model, c, control, out).run();
      return;
    case simd::Level::Avx2:
      simd_avx2::Runner(model, c, control, out).run();
      return;
#endif
    default:
      simd_sse2::Runner(model, c, control, out).run();
  }
}

}  // namespace mimic
