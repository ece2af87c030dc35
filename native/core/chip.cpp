// The chip emulator (chip.hpp; docs/method.md §14).
#include "chip.hpp"
#include "snn_noise.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "perturb.hpp"
#include "rng.hpp"
#include "simd.hpp"
#include "simd_config.hpp"
#include "thread_pool.hpp"

#define MIMIC_SIMD_BODY "chip_kernel-inl.hpp"
#include "simd_foreach.hpp"

namespace mimic::chip {
namespace {

constexpr double kSign[4] = {1, 1, -1, -1};
constexpr uint64_t kSaltNeuron = 0x6e6575726f6e5f31ULL;   // "neuron_1"
constexpr uint64_t kSaltSynapse = 0x73796e617073655fULL;  // "synapse_"

std::string where(const Geometry& g, uint32_t a) {
  if (a >= kInputAddressBit) return "input channel " + std::to_string(a - kInputAddressBit);
  const uint32_t npc = static_cast<uint32_t>(g.neuronsPerCore);
  const uint32_t ci = a / npc;
  return "neuron " + std::to_string(a) + " (chip " + std::to_string(ci / g.coresPerChip) + ", core " +
         std::to_string(ci % g.coresPerChip) + ", neuron " + std::to_string(a % npc) + ")";
}

std::string num(double d) {
  char b[40];
  std::snprintf(b, sizeof b, "%.10g", d);
  return b;
}

double abs_normal(double nominal, double sigma, double z) {
  const double v = std::fabs(nominal + sigma * z);
  return std::max(v, 0.01 * nominal);
}

}  // namespace

namespace {

// The analog input's two forms (Emulator::Tables) from its rows by channel: each synapse's connections
// in the order the rows reach it (channel ascending, then row order), by synapse and layered.
void analog_forms(Emulator::Tables& t) {
  const Emulator::Rows& in = t.fromInput;
  const std::size_t S = 4 * t.stride;
  // every connection with its rank among its channel's connections to the same synapse
  std::vector<int32_t> seen(S, -1), times(S, 0);
  auto eachRanked = [&](auto fn) {
    std::fill(seen.begin(), seen.end(), -1);
    for (std::size_t ch = 0; ch + 1 < in.start.size(); ++ch)
      for (int32_t e = in.start[ch]; e < in.start[ch + 1]; ++e) {
        const auto el = static_cast<std::size_t>(in.element[e]);
        if (seen[el] != static_cast<int32_t>(ch)) {
          seen[el] = static_cast<int32_t>(ch);
          times[el] = 0;
        }
        fn(ch, e, el, times[el]++);
      }
  };
  // per synapse, the connections that reach it; per channel, the most it makes to one synapse; the
  // synapse types (planes) any channel reaches
  std::vector<int32_t> count(S, 0), most(in.start.empty() ? 0 : in.start.size() - 1, 0);
  bool planeUsed[4] = {false, false, false, false};
  eachRanked([&](std::size_t ch, int32_t, std::size_t el, int32_t rank) {
    count[el]++;
    t.analogChannels = ch + 1;
    planeUsed[el / t.stride] = true;
    most[ch] = std::max(most[ch], rank + 1);
  });
  // by synapse
  std::vector<int32_t> at(S, -1);
  t.analogStart.push_back(0);
  for (std::size_t e = 0; e < S; ++e)
    if (count[e] > 0) {
      at[e] = t.analogStart.back();
      t.analogElement.push_back(static_cast<int32_t>(e));
      t.analogStart.push_back(t.analogStart.back() + count[e]);
    }
  t.analogChannel.resize(in.element.size());
  t.analogEfficacy.resize(in.element.size());
  eachRanked([&](std::size_t ch, int32_t e, std::size_t el, int32_t) {
    const int32_t slot = at[el]++;
    t.analogChannel[slot] = static_cast<int32_t>(ch);
    t.analogEfficacy[slot] = in.efficacy[e];
  });
  // layered: channel c has as many layers as the most connections it makes to one synapse
  std::vector<std::size_t> firstLayer(t.analogChannels);
  for (std::size_t ch = 0; ch < t.analogChannels; ++ch) {
    firstLayer[ch] = t.layerChannel.size();
    t.layerChannel.insert(t.layerChannel.end(), static_cast<std::size_t>(most[ch]), static_cast<int32_t>(ch));
  }
  int32_t planeIndex[4] = {-1, -1, -1, -1};
  for (int p = 0; p < 4; ++p)
    if (planeUsed[p]) {
      planeIndex[p] = static_cast<int32_t>(t.layerPlane.size());
      t.layerPlane.push_back(p);
    }
  const std::size_t L = t.layerChannel.size(), slots = t.layerPlane.size() * t.stride * L;
  if (L == 0 || slots > 12 * in.element.size()) {
    t.layerChannel.clear();
    t.layerPlane.clear();
    return;
  }
  t.layerEfficacy.assign(slots, std::numeric_limits<double>::quiet_NaN());
  eachRanked([&](std::size_t ch, int32_t e, std::size_t el, int32_t rank) {
    const auto plane = static_cast<std::size_t>(planeIndex[el / t.stride]);
    const std::size_t i = el % t.stride, layer = firstLayer[ch] + static_cast<std::size_t>(rank);
    t.layerEfficacy[plane * t.stride * L + (i / Emulator::kBlock * L + layer) * Emulator::kBlock + i % Emulator::kBlock] = in.efficacy[e];
  });
}

}  // namespace

Geometry Geometry::dynapse(int chips, WeightScheme scheme) {
  Geometry g;
  g.chips = chips;
  g.scheme = scheme;
  g.fanOut = scheme == WeightScheme::SE1 ? 3 : 4;
  return g;
}

uint64_t serial_seed(const std::string& serial) { return fnv1a64("mimic chip " + serial); }

void check_configuration(const Geometry& g, const Configuration& c) {
  if (c.scheme != g.scheme)
    throw InvalidArgument(std::string("the configuration is for ") + (c.scheme == WeightScheme::SE1 ? "SE1" : "SE2") +
                          " weights but this chip uses " + (g.scheme == WeightScheme::SE1 ? "SE1" : "SE2") +
                          " weights: map the network for this chip");
  std::map<int, int> coreNeurons;
  for (std::size_t i = 0; i < c.cores.size(); ++i) {
    const CoreConfig& k = c.cores[i];
    const std::string at = "core block " + std::to_string(i) + " (chip " + std::to_string(k.chip) + ", core " + std::to_string(k.core) + ")";
    if (k.chip < 0 || k.chip >= g.chips)
      throw InvalidArgument(at + ": chip must be 0.." + std::to_string(g.chips - 1) + " on this board of " + std::to_string(g.chips) + " chip(s)");
    if (k.core < 0 || k.core >= g.coresPerChip) throw InvalidArgument(at + ": core must be 0.." + std::to_string(g.coresPerChip - 1));
    const int key = k.chip * g.coresPerChip + k.core;
    if (coreNeurons.count(key)) throw InvalidArgument(at + ": this core is configured twice");
    if (k.neurons < 1 || k.neurons > g.neuronsPerCore)
      throw InvalidArgument(at + ": neurons must be 1.." + std::to_string(g.neuronsPerCore) + " (received " + std::to_string(k.neurons) + ")");
    const CoreParams& p = k.params;
    if (!(p.tauMemMs > 0) || !std::isfinite(p.tauMemMs)) throw InvalidArgument(at + ": tauMemMs must be > 0 (received " + num(p.tauMemMs) + ")");
    if (!(p.refractoryMs >= 0) || !std::isfinite(p.refractoryMs)) throw InvalidArgument(at + ": refractoryMs must be ≥ 0 (received " + num(p.refractoryMs) + ")");
    for (int s = 0; s < 4; ++s) {
      if (!(p.tauSynMs[s] > 0) || !std::isfinite(p.tauSynMs[s]))
        throw InvalidArgument(at + ": tauSynMs[" + std::to_string(s) + "] must be > 0 (received " + num(p.tauSynMs[s]) + ")");
      if (!(p.baseWeights[s] >= 0) || !std::isfinite(p.baseWeights[s]))
        throw InvalidArgument(at + ": baseWeights[" + std::to_string(s) + "] must be ≥ 0: the sign comes from the synapse type (received " + num(p.baseWeights[s]) + ")");
    }
    if (!std::isfinite(p.threshold) || !std::isfinite(p.resetPotential) || !std::isfinite(p.bias))
      throw InvalidArgument(at + ": threshold, resetPotential and bias must be finite numbers");
    if (!(p.resetPotential < p.threshold))
      throw InvalidArgument(at + ": resetPotential (" + num(p.resetPotential) + ") must be below threshold (" + num(p.threshold) + ")");
    coreNeurons[key] = k.neurons;
  }
  const uint64_t total = uint64_t(g.chips) * g.coresPerChip * g.neuronsPerCore;
  auto used = [&](uint32_t a) {
    if (a >= total) return false;
    auto it = coreNeurons.find(static_cast<int>(a / g.neuronsPerCore));
    return it != coreNeurons.end() && static_cast<int>(a % g.neuronsPerCore) < it->second;
  };
  const int maxWeight = g.scheme == WeightScheme::SE1 ? g.fanIn : 15;
  std::map<uint32_t, int> camIn;
  std::map<uint32_t, std::set<uint32_t>> targets;
  for (std::size_t i = 0; i < c.connections.size(); ++i) {
    const Connection& k = c.connections[i];
    const std::string at = "connection " + std::to_string(i) + " (" +
                           (k.pre >= kInputAddressBit ? "input " + std::to_string(k.pre - kInputAddressBit) : std::to_string(k.pre)) +
                           " → " + std::to_string(k.post) + ")";
    if (!used(k.post))
      throw InvalidArgument(at + ": the target " + (k.post >= kInputAddressBit ? std::string("is an input channel") : where(g, k.post) + " is not a neuron of a configured core"));
    if (k.pre >= kInputAddressBit) {
      if (k.pre - kInputAddressBit >= static_cast<uint32_t>(g.inputChannels))
        throw InvalidArgument(at + ": the source is input channel " + std::to_string(k.pre - kInputAddressBit) + " but this board has " +
                              std::to_string(g.inputChannels) + " input channels");
    } else if (!used(k.pre)) {
      throw InvalidArgument(at + ": the source " + where(g, k.pre) + " is not a neuron of a configured core");
    }
    if (k.type < 0 || k.type > 3) throw InvalidArgument(at + ": the synapse type must be 0..3 (received " + std::to_string(k.type) + ")");
    if (k.weight < 1 || k.weight > maxWeight)
      throw InvalidArgument(at + ": the weight must be " +
                            (g.scheme == WeightScheme::SE1 ? "a repeat count 1.." + std::to_string(g.fanIn) : std::string("a 4-bit mask 1..15")) +
                            " (received " + std::to_string(k.weight) + ")");
    const int entries = g.scheme == WeightScheme::SE1 ? k.weight : 1;
    const int t = (camIn[k.post] += entries);
    if (t > g.fanIn)
      throw InvalidArgument(at + ": " + where(g, k.post) + " would take " + std::to_string(t) + " CAM entries, more than its fan-in of " + std::to_string(g.fanIn));
    if (k.pre < kInputAddressBit) {
      auto& set = targets[k.pre];
      set.insert(k.post / g.neuronsPerCore);
      if (static_cast<int>(set.size()) > g.fanOut)
        throw InvalidArgument(at + ": " + where(g, k.pre) + " would reach " + std::to_string(set.size()) + " cores, more than its fan-out of " + std::to_string(g.fanOut));
    }
  }
}

Emulator::Emulator(const Geometry& g, const Configuration& c, const MismatchOptions& m, double dtUs) : dtUs_(dtUs) {
  if (!(dtUs >= 1 && dtUs <= 10000) || std::floor(dtUs) != dtUs) throw InvalidArgument("dtUs must be an integer number of µs between 1 and 10000 (received " + num(dtUs) + ")");
  if (!(m.scale >= 0 && m.scale <= 10)) throw InvalidArgument("the mismatch scale must be between 0 and 10 (received " + num(m.scale) + ")");
  check_configuration(g, c);
  const bool mm = m.enabled && m.scale > 0;
  const double sc = m.scale;
  const uint64_t seed = serial_seed(m.serial);
  const double dtMs = dtUs / 1000.0;
  for (const auto& k : c.cores) t_.n += static_cast<std::size_t>(k.neurons);
  t_.stride = (t_.n + kBlock - 1) / kBlock * kBlock;
  t_.dtMs = dtMs;
  address_.resize(t_.n);
  t_.dtOverTau.resize(t_.n);
  tauMem_.resize(t_.n);
  t_.threshold.resize(t_.n);
  t_.reset.resize(t_.n);
  t_.bias.resize(t_.n);
  t_.refractorySteps.resize(t_.n);
  t_.decay.assign(t_.stride * 4, 0.0);
  const std::size_t total = std::size_t(g.chips) * g.coresPerChip * g.neuronsPerCore;
  std::vector<int32_t> dense(total, -1);
  std::vector<int32_t> coreOf(t_.n);
  std::size_t k = 0;
  for (std::size_t ci = 0; ci < c.cores.size(); ++ci) {
    const CoreConfig& core = c.cores[ci];
    const CoreParams& p = core.params;
    const std::size_t base = (std::size_t(core.chip) * g.coresPerChip + core.core) * g.neuronsPerCore;
    for (int j = 0; j < core.neurons; ++j, ++k) {
      const uint32_t a = static_cast<uint32_t>(base + j);
      address_[k] = a;
      dense[a] = static_cast<int32_t>(k);
      coreOf[k] = static_cast<int32_t>(ci);
      double tauMem = p.tauMemMs, th = p.threshold, bias = p.bias, refr = p.refractoryMs;
      double tauSyn[4] = {p.tauSynMs[0], p.tauSynMs[1], p.tauSynMs[2], p.tauSynMs[3]};
      if (mm) {
        Rng r(derive_seed(seed, a, kSaltNeuron), 0);
        const double zTau = r.normal(), zTh = r.normal(), zBias = r.normal(), zRef = r.normal();
        tauMem = abs_normal(tauMem, sc * (Spreads::tauMemSlope * tauMem + Spreads::tauMemOffsetMs), zTau);
        const double gap = p.threshold - p.resetPotential;
        th = p.resetPotential + std::max(gap * (1 + sc * Spreads::relative * zTh), 0.01 * gap);
        bias = bias * (1 + sc * Spreads::relative * zBias);
        refr = std::max(0.0, refr * (1 + sc * Spreads::relative * zRef));
        for (int s = 0; s < 4; ++s) tauSyn[s] = abs_normal(tauSyn[s], sc * Spreads::relative * tauSyn[s], r.normal());
      }
      tauMem_[k] = tauMem;
      t_.dtOverTau[k] = dtMs / tauMem;
      t_.threshold[k] = th;
      t_.reset[k] = p.resetPotential;
      t_.bias[k] = bias;
      // whole steps (an int32 count before; every value below 2^31 is exact in a double)
      t_.refractorySteps[k] = static_cast<double>(static_cast<int32_t>(std::floor(refr / dtMs + 0.5)));
      for (int s = 0; s < 4; ++s) t_.decay[std::size_t(s) * t_.stride + k] = std::exp(-dtMs / tauSyn[s]);
    }
  }
  // connections → rows by source (a counting sort keeps configuration order within a source)
  struct Entry {
    int32_t src, target;
    uint8_t type;
    double eff;
  };
  std::vector<Entry> fromN, fromI;
  connEff_.resize(c.connections.size());
  for (std::size_t i = 0; i < c.connections.size(); ++i) {
    const Connection& cn = c.connections[i];
    const int32_t target = dense[cn.post];
    const double* w = c.cores[coreOf[target]].params.baseWeights;
    double magnitude = 0;
    const double cv = cn.type == 0 || cn.type == 2 ? Spreads::fastEfficacyCv : Spreads::slowEfficacyCv;
    uint64_t key = 0;
    if (mm) key = derive_seed(derive_seed(seed, cn.post, kSaltSynapse), cn.pre, static_cast<uint64_t>(cn.type));
    if (c.scheme == WeightScheme::SE1) {
      if (!mm) {
        magnitude = cn.weight * w[cn.type];
      } else {
        // each repeat is its own CAM entry with its own deviation
        for (int rpt = 0; rpt < cn.weight; ++rpt) {
          Rng r(key, static_cast<uint64_t>(rpt));
          magnitude += w[cn.type] * std::max(0.0, 1 + sc * cv * r.normal());
        }
      }
    } else {
      for (int b = 0; b < 4; ++b)
        if (cn.weight & (1 << b)) magnitude += w[b];
      if (mm) {
        Rng r(key, 0);
        magnitude *= std::max(0.0, 1 + sc * cv * r.normal());
      }
    }
    const double eff = kSign[cn.type] * magnitude;
    connEff_[i] = eff;
    if (cn.pre >= kInputAddressBit)
      fromI.push_back({static_cast<int32_t>(cn.pre - kInputAddressBit), target, static_cast<uint8_t>(cn.type), eff});
    else
      fromN.push_back({dense[cn.pre], target, static_cast<uint8_t>(cn.type), eff});
  }
  const std::size_t n = t_.stride;
  auto build = [n](std::size_t sources, const std::vector<Entry>& es, Rows& rows) {
    rows.start.assign(sources + 1, 0);
    for (const auto& e : es) rows.start[e.src + 1]++;
    for (std::size_t i = 0; i < sources; ++i) rows.start[i + 1] += rows.start[i];
    std::vector<int32_t> fill(rows.start.begin(), rows.start.end() - 1);
    rows.element.resize(es.size());
    rows.efficacy.resize(es.size());
    for (const auto& e : es) {
      const int32_t at = fill[e.src]++;
      rows.element[at] = static_cast<int32_t>(std::size_t(e.type) * n + std::size_t(e.target));
      rows.efficacy[at] = e.eff;
    }
  };
  build(t_.n, fromN, t_.fromNeuron);
  build(static_cast<std::size_t>(g.inputChannels), fromI, t_.fromInput);
  analog_forms(t_);
}

void Emulator::reset(State& s) const {
  s.v.assign(t_.n, 0.0);
  s.syn.assign(t_.stride * 4, 0.0);
  s.refractory.assign(t_.n, 0.0);
  s.pending.clear();
  s.spiked.clear();
  s.pending.reserve(t_.n);
  s.spiked.reserve(t_.n);
  s.scale.assign(t_.analogChannels, 0.0);
  s.layerScale.assign(t_.layerChannel.size(), 0.0);
  s.activeLayers.assign(t_.layerChannel.size(), 0);
  s.noise.assign(t_.n, 0.0);
  s.held.assign(t_.n, 0);
  s.spikes.assign(t_.n, 0);
}

void Emulator::step(State& s, const uint32_t* evChannels, std::size_t nEv, const float* x, std::size_t channels, const uint8_t* hold,
                    double noiseStd, Rng* noise) const {
  MIMIC_SIMD_PICK(chip_step)(t_, s, evChannels, nEv, x, channels, hold, noiseStd, noise);
}

void Emulator::run(const Input& in, std::size_t steps, const Decode& dec, Recording& rec, const Control& control,
                   const Perturbation* perturbation, std::size_t sample) const {
  const std::size_t n = t_.n;
  State st;
  reset(st);
  const bool noisy = perturbation != nullptr && perturbation->noiseStd > 0;
  Rng noise(noisy ? perturbation->noiseSeed : 0, sample);
  const uint8_t* silenced = perturbation != nullptr && perturbation->silenced.size() == n ? perturbation->silenced.data() : nullptr;
  std::vector<double> r;
  const std::size_t O = dec.outputs;
  const double periodUs = dec.periodUs > 0 ? dec.periodUs : dtUs_;
  const std::size_t periods = decode_periods(steps, dtUs_, periodUs);
  std::size_t period = 0;  // the decoded period being filled
  double decayOut = 0, gainOut = 0;
  if (O > 0) {
    r.assign(n, 0.0);
    decayOut = std::exp(-(periodUs / 1000.0) / dec.tauOutMs);
    gainOut = 1000.0 / dec.tauOutMs;
  }
  // the output of the period being filled, then the next period starts with r decayed; the membrane
  // potentials kept are those at the period's end (after its last step)
  const std::size_t K = rec.membrane != nullptr ? rec.membraneCount : 0;
  const bool perPeriod = O > 0 || K > 0;
  // the decoder's weights transposed, as doubles, for chip_decode
  const std::size_t oStride = (O + kBlock - 1) / kBlock * kBlock;
  std::vector<double> wT(O > 0 ? n * oStride : 0, 0.0), acc(oStride);
  for (std::size_t q = 0; q < O; ++q)
    for (std::size_t i = 0; i < n; ++i) wT[i * oStride + q] = static_cast<double>(dec.weights[q * n + i]);
  const auto decode = MIMIC_SIMD_PICK(chip_decode);
  auto emit = [&]() {
    if (O > 0) {
      float* o = rec.out + period * O;
      decode(wT.data(), oStride, n, r.data(), acc.data());
      for (std::size_t q = 0; q < O; ++q) o[q] = static_cast<float>(acc[q]);
      for (std::size_t i = 0; i < n; ++i) r[i] *= decayOut;
    }
    for (std::size_t k = 0; k < K; ++k) rec.membrane[period * K + k] = static_cast<float>(st.v[static_cast<std::size_t>(rec.membraneNeurons[k])]);
    ++period;
  };
  const auto stepKernel = MIMIC_SIMD_PICK(chip_step);  // the level active when the run starts
  std::size_t ev = 0;
  for (std::size_t k = 0; k < steps; ++k) {
    if ((k & 255) == 255) control.check();
    const double t0 = static_cast<double>(k) * dtUs_;
    const uint32_t* evCh = nullptr;
    std::size_t nEv = 0;
    const float* x = nullptr;
    if (in.eventCount > 0) {
      const double t1 = t0 + dtUs_;
      evCh = in.eventChannels + ev;
      while (ev < in.eventCount && static_cast<double>(in.eventTimes[ev]) < t1) {
        ++ev;
        ++nEv;
      }
    } else if (in.samples != nullptr && in.sampleCount > 0) {
      const std::size_t si = static_cast<std::size_t>(std::floor(t0 / in.samplePeriodUs));
      if (si < in.sampleCount) x = in.samples + si * in.channels;
    }
    if (perPeriod) {
      // the periods that ended before this step, from the state after their last step (this step's
      // spikes count in the period it starts in)
      const std::size_t p = static_cast<std::size_t>(std::floor(t0 / periodUs));
      while (period < p && period < periods) emit();
    }
    const bool holdNow = silenced != nullptr && t0 >= perturbation->silenceStartUs && t0 < perturbation->silenceEndUs;
    stepKernel(t_, st, evCh, nEv, x, in.channels, holdNow ? silenced : nullptr, noisy ? perturbation->noiseStd : 0.0, noisy ? &noise : nullptr);
    const std::vector<int32_t>& spiked = st.pending;
    if (rec.keepSpikes && rec.keptEvents != nullptr && !spiked.empty() &&
        rec.keptEvents->fetch_add(spiked.size()) + spiked.size() > rec.maxKeptEvents)
      throw InvalidArgument("the run kept more than options.maxSpikeEvents = " + std::to_string(rec.maxKeptEvents) +
                            " spike events: keep the spikes of fewer samples (options.spikesOf), emulate a shorter run or raise "
                            "maxSpikeEvents");
    for (int32_t i : spiked) {
      if (rec.counts) rec.counts[i]++;
      if (rec.keepSpikes) {
        rec.spikeSteps.push_back(static_cast<int32_t>(k));
        rec.spikeNeurons.push_back(i);
      }
    }
    if (O > 0)
      for (int32_t i : spiked) r[i] += gainOut;
  }
  if (perPeriod)
    while (period < periods) emit();
}

std::size_t decode_periods(std::size_t steps, double dtUs, double periodUs) {
  return static_cast<std::size_t>(std::ceil(static_cast<double>(steps) * dtUs / periodUs));
}

void run_batch(const Emulator& e, const BatchInput& in, const Emulator::Decode& dec, std::size_t spikesOf, unsigned threads,
               const Control& control, BatchOutput& out, std::size_t maxSpikeEvents) {
  const std::size_t B = in.batch, n = e.neurons(), O = dec.outputs;
  std::size_t steps;
  if (in.samples != nullptr) {
    steps = static_cast<std::size_t>(std::ceil(static_cast<double>(in.steps) * in.samplePeriodUs / e.dt_us()));
  } else {
    steps = static_cast<std::size_t>(std::ceil(in.durationUs / e.dt_us()));
  }
  out.steps = steps;
  const std::size_t periods = decode_periods(steps, e.dt_us(), dec.periodUs > 0 ? dec.periodUs : e.dt_us());
  out.outSteps = periods;
  out.counts.assign(B * n, 0);
  out.out.assign(B * periods * O, 0.0f);
  const std::size_t K = in.membraneNeurons.size();
  out.membrane.assign(B * periods * K, 0.0f);
  // events: where each sample's events start
  std::vector<std::size_t> evStart(B + 1, 0);
  if (in.samples == nullptr) {
    for (std::size_t i = 0; i < in.eventCount; ++i) evStart[std::size_t(in.eventSample[i]) + 1]++;
    for (std::size_t b = 0; b < B; ++b) evStart[b + 1] += evStart[b];
  }
  std::vector<Emulator::Recording> recs(B);
  std::atomic<std::size_t> done{0}, kept{0};
  global_pool().parallel_for(
      B,
      [&](std::size_t b) {
        control.check();
        Emulator::Input x;
        if (in.samples != nullptr) {
          x.samples = in.samples + b * in.steps * in.channels;
          x.sampleCount = in.steps;
          x.channels = in.channels;
          x.samplePeriodUs = in.samplePeriodUs;
        } else {
          x.eventTimes = in.eventTimes + evStart[b];
          x.eventChannels = in.eventChannels + evStart[b];
          x.eventCount = evStart[b + 1] - evStart[b];
        }
        Emulator::Recording& rec = recs[b];
        rec.keepSpikes = b < spikesOf;
        rec.keptEvents = &kept;
        rec.maxKeptEvents = maxSpikeEvents;
        rec.counts = out.counts.data() + b * n;
        rec.out = O > 0 ? out.out.data() + b * periods * O : nullptr;
        if (K > 0) {
          rec.membraneNeurons = in.membraneNeurons.data();
          rec.membraneCount = K;
          rec.membrane = out.membrane.data() + b * periods * K;
        }
        e.run(x, steps, dec, rec, control, in.perturbation, b);
        const std::size_t d = ++done;
        control.report(static_cast<double>(d), static_cast<double>(B), "emulating");
      },
      threads);
  for (std::size_t b = 0; b < std::min(B, spikesOf); ++b) {
    const auto& rec = recs[b];
    out.spikeSample.insert(out.spikeSample.end(), rec.spikeSteps.size(), static_cast<int32_t>(b));
    out.spikeStep.insert(out.spikeStep.end(), rec.spikeSteps.begin(), rec.spikeSteps.end());
    out.spikeNeuron.insert(out.spikeNeuron.end(), rec.spikeNeurons.begin(), rec.spikeNeurons.end());
  }
}

}  // namespace mimic::chip
