// Perturbations for the robustness suite: see perturb.hpp for the transforms and the streams.
// No fused multiply-add: the TypeScript reference computes each element with separate double roundings.
#pragma GCC optimize("fp-contract=off")
#include "perturb.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <numeric>

#include "rng.hpp"
#include "thread_pool.hpp"

namespace mimic {
namespace {

constexpr std::size_t kCheckEvery = std::size_t(1) << 16;  // elements between cancel checks

const char* kind_name(QuantityKind k) {
  switch (k) {
    case QuantityKind::TimeConstant: return "a time constant";
    case QuantityKind::Threshold: return "a threshold";
    case QuantityKind::Bias: return "a bias";
    case QuantityKind::Weights: return "weights";
  }
  return "?";
}

const char* form_name(MismatchForm f) {
  switch (f) {
    case MismatchForm::None: return "none";
    case MismatchForm::Relative: return "relative";
    case MismatchForm::AbsRelative: return "abs-relative";
    case MismatchForm::Threshold: return "threshold";
    case MismatchForm::Offset: return "offset";
  }
  return "?";
}

std::string fmt(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", d);
  return buf;
}

uint64_t double_bits(double d) {
  if (d == 0) d = 0;  // -0 and +0 are the same level
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

}  // namespace

void validate_quantity(const Quantity& q, std::size_t index) {
  const std::string who = "quantities[" + std::to_string(index) + "] ('" + q.name + "', " + kind_name(q.kind) + ")";
  const MismatchForm f = q.mismatch;
  bool fits = true;
  switch (q.kind) {
    case QuantityKind::TimeConstant: fits = f == MismatchForm::None || f == MismatchForm::Relative || f == MismatchForm::AbsRelative; break;
    case QuantityKind::Threshold: fits = true; break;
    case QuantityKind::Bias: fits = f == MismatchForm::None || f == MismatchForm::Relative || f == MismatchForm::Offset; break;
    case QuantityKind::Weights: fits = f == MismatchForm::None || f == MismatchForm::Relative; break;
  }
  if (!fits)
    throw InvalidArgument(who + " cannot take '" + form_name(f) +
                          "' mismatch: time constants take 'relative' or 'abs-relative', biases 'relative' or 'offset', "
                          "weights 'relative', thresholds any form");
  if (q.quantise && q.kind != QuantityKind::Weights)
    throw InvalidArgument(who + " cannot be quantised: only weights are (declare the array as kind 'weights')");
  for (std::size_t i = 0; i < q.values.size(); ++i) {
    const float v = q.values[i];
    if (q.kind == QuantityKind::TimeConstant && !(v > 0))
      throw InvalidArgument(who + ": element " + std::to_string(i) + " is " + fmt(v) + " but time constants must be > 0");
    if (f == MismatchForm::AbsRelative && v < 0)
      throw InvalidArgument(who + ": element " + std::to_string(i) + " is " + fmt(v) +
                            " but 'abs-relative' mismatch draws |N(p, (σp)²)|, which keeps p's sign only for p ≥ 0");
  }
  if (f == MismatchForm::Threshold) {
    if (q.reset.size() != 1 && q.reset.size() != q.values.size())
      throw InvalidArgument(who + ": 'threshold' mismatch needs reset as one value or one per element (" +
                            std::to_string(q.values.size()) + ") but has " + std::to_string(q.reset.size()));
  }
}

bool perturbs(const Quantity& q, PerturbationKind kind) {
  switch (kind) {
    case PerturbationKind::Mismatch: return q.mismatch != MismatchForm::None;
    case PerturbationKind::Quantisation: return q.quantise;
    case PerturbationKind::Death: return false;
  }
  return false;
}

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint64_t kind_salt(PerturbationKind kind) {
  switch (kind) {
    case PerturbationKind::Mismatch: return 0x6d69736d61746368ULL;      // "mismatch"
    case PerturbationKind::Quantisation: return 0x7175616e74697365ULL;  // "quantise"
    case PerturbationKind::Death: return 0x6e6575726f646561ULL;         // "neurodea"
  }
  return 0;
}

uint64_t draw_seed(uint64_t seed, PerturbationKind kind, double level, uint64_t draw) {
  return derive_seed(seed, draw, kind_salt(kind) ^ double_bits(level));
}

uint64_t quantity_seed(uint64_t drawSeed, const std::string& name) { return derive_seed(drawSeed, 0, fnv1a64(name)); }

void mismatch_values(const Quantity& q, double sigma, uint64_t quantitySeed, float* out, const Control& control) {
  const std::size_t n = q.values.size();
  if (sigma == 0 || q.mismatch == MismatchForm::None) {
    if (n) std::memcpy(out, q.values.data(), n * sizeof(float));
    return;
  }
  Rng rng(quantitySeed, 0);
  const bool oneReset = q.reset.size() == 1;
  for (std::size_t b = 0; b < n; b += kCheckEvery) {
    control.check();
    const std::size_t e = std::min(n, b + kCheckEvery);
    for (std::size_t i = b; i < e; ++i) {
      const double p = q.values[i];
      const double z = rng.normal();
      double v = p;
      switch (q.mismatch) {
        case MismatchForm::Relative: v = p * (1.0 + sigma * z); break;
        case MismatchForm::AbsRelative: v = std::fabs(p + (sigma * p) * z); break;
        case MismatchForm::Threshold: {
          const double r = oneReset ? q.reset[0] : q.reset[i];
          v = p + (sigma * std::fabs(p - r)) * z;
          break;
        }
        case MismatchForm::Offset: v = p + sigma * z; break;
        case MismatchForm::None: break;
      }
      out[i] = static_cast<float>(v);
    }
  }
}

double quantisation_step(const float* values, std::size_t n, int bits) {
  if (n == 0 || bits <= 0) return 0;
  const auto mm = std::minmax_element(values, values + n);
  const double lo = *mm.first, hi = *mm.second;
  return (hi - lo) / (std::ldexp(1.0, bits) - 1.0);
}

double quantise_values(const float* values, std::size_t n, int bits, float* out) {
  const double q = quantisation_step(values, n, bits);
  if (!(q > 0)) {
    if (n) std::memcpy(out, values, n * sizeof(float));
    return 0;
  }
  const double lo = *std::min_element(values, values + n);
  const double kLo = std::floor(lo / q + 0.5);
  const double kHi = kLo + (std::ldexp(1.0, bits) - 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double k = std::min(kHi, std::max(kLo, std::floor(values[i] / q + 0.5)));
    out[i] = static_cast<float>(q * k);
  }
  return q;
}

std::vector<int32_t> dead_neurons(uint64_t seed, double fraction, uint64_t draw, std::size_t neurons) {
  const std::size_t k = std::min(neurons, static_cast<std::size_t>(std::floor(fraction * static_cast<double>(neurons) + 0.5)));
  if (k == 0) return {};
  std::vector<int32_t> idx(neurons);
  std::iota(idx.begin(), idx.end(), 0);
  Rng rng(draw_seed(seed, PerturbationKind::Death, fraction, draw), 0);
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng.next() % (neurons - i));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(k);
  std::sort(idx.begin(), idx.end());
  return idx;
}

void perturb(const PerturbPlan& plan, unsigned threads, const Control& control, PerturbOutput& out) {
  if (plan.kind == PerturbationKind::Death) throw InvalidArgument("neuron death is drawn by neuron_death, not perturb");
  if (!(plan.level >= 0) || !std::isfinite(plan.level)) throw InvalidArgument("the level must be a finite number ≥ 0");
  const bool quantisation = plan.kind == PerturbationKind::Quantisation;
  if (quantisation && (plan.level != std::floor(plan.level) || plan.level > 32))
    throw InvalidArgument("the quantisation level is a number of bits, an integer from 0 (full precision) to 32");
  for (std::size_t i = 0; i < plan.quantities.size(); ++i) {
    validate_quantity(plan.quantities[i], i);
    for (std::size_t j = 0; j < i; ++j)
      if (plan.quantities[j].name == plan.quantities[i].name)
        throw InvalidArgument("quantities[" + std::to_string(i) + "] has the name '" + plan.quantities[i].name +
                              "' of quantities[" + std::to_string(j) + "]: each quantity's name keys its random stream");
  }
  out = PerturbOutput{};
  for (std::size_t i = 0; i < plan.quantities.size(); ++i)
    (perturbs(plan.quantities[i], plan.kind) ? out.changed : out.unchanged).push_back(i);
  const std::size_t D = plan.draws.size(), K = out.changed.size();
  out.steps.assign(K, 0);
  out.arrays.assign(D, std::vector<std::vector<float>>(K));
  const int bits = quantisation ? static_cast<int>(plan.level) : 0;

  // Quantisation draws no random numbers: every draw is the same, computed once per quantity.
  const std::size_t items = quantisation ? K : D * K;
  const double total = static_cast<double>(items);
  std::atomic<std::size_t> done{0};
  global_pool().parallel_for(
      items,
      [&](std::size_t item) {
        control.check();
        if (quantisation) {
          const Quantity& q = plan.quantities[out.changed[item]];
          std::vector<float>& dst = out.arrays[0][item];
          dst.resize(q.values.size());
          out.steps[item] = quantise_values(q.values.data(), q.values.size(), bits, dst.data());  // b = 0: a copy
          for (std::size_t d = 1; d < D; ++d) out.arrays[d][item] = dst;
        } else {
          const std::size_t d = item / K, k = item % K;
          const Quantity& q = plan.quantities[out.changed[k]];
          std::vector<float>& dst = out.arrays[d][k];
          dst.resize(q.values.size());
          const uint64_t s = quantity_seed(draw_seed(plan.seed, plan.kind, plan.level, plan.draws[d]), q.name);
          mismatch_values(q, plan.level, s, dst.data(), control);
        }
        const std::size_t n = done.fetch_add(1) + 1;
        control.report(static_cast<double>(n), total, "perturbing");
      },
      threads);
  control.check();
}

void neuron_death(uint64_t seed, double fraction, const std::vector<uint64_t>& draws, std::size_t neurons,
                  unsigned threads, const Control& control, std::vector<std::vector<int32_t>>& out) {
  if (!(fraction >= 0 && fraction <= 1)) throw InvalidArgument("the fraction of dead neurons must be between 0 and 1");
  out.assign(draws.size(), {});
  const double total = static_cast<double>(draws.size());
  std::atomic<std::size_t> done{0};
  global_pool().parallel_for(
      draws.size(),
      [&](std::size_t d) {
        control.check();
        out[d] = dead_neurons(seed, fraction, draws[d], neurons);
        const std::size_t n = done.fetch_add(1) + 1;
        control.report(static_cast<double>(n), total, "drawing dead neurons");
      },
      threads);
  control.check();
}

}  // namespace mimic
