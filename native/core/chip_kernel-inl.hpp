// One step of the chip emulator (chip.hpp, docs/method.md §14), compiled once per SIMD level by
// simd_foreach.hpp: this file lands in mimic::simd_<level>. Include only from chip.cpp, after chip.hpp.
//
// Same arithmetic at every level and as the loop per neuron it replaced: every synapse and membrane
// gets the same double operations in the same order, nothing is fused. The passes: the synapses'
// decay (a vector loop over the [4 × stride] planes); last step's spikes and this step's input events,
// added along their rows (scattered, in order); the analog input, synapse by synapse over the
// connections that reach it in channel order (the sum in a register instead of a store and a load per
// connection: each synapse sees the same additions in the same order as when the channels were added
// one after the other); the noise deviates, one per neuron in index order; then the membrane update
// with the refractory, held and spiking cases as selects (a vector loop), and a scalar pass that lists
// the spikes in index order.

#include "simd_vec-inl.hpp"

void chip_step(const chip::Emulator::Tables& t, chip::Emulator::State& s, const uint32_t* evChannels, std::size_t nEv, const float* x,
               std::size_t channels, const uint8_t* hold, double noiseStd, Rng* noise) {
  const std::size_t n = t.n;
  double* __restrict syn = s.syn.data();
  {
    const double* __restrict decay = t.decay.data();
    for (std::size_t e = 0; e < 4 * t.stride; ++e) syn[e] *= decay[e];
  }
  {
    const int32_t* start = t.fromNeuron.start.data();
    const int32_t* element = t.fromNeuron.element.data();
    const double* efficacy = t.fromNeuron.efficacy.data();
    for (int32_t src : s.pending)
      for (int32_t k = start[src]; k < start[src + 1]; ++k) syn[element[k]] += efficacy[k];
  }
  const int32_t* inStart = t.fromInput.start.data();
  for (std::size_t k = 0; k < nEv; ++k) {
    const uint32_t ch = evChannels[k];
    for (int32_t e = inStart[ch]; e < inStart[ch + 1]; ++e) syn[t.fromInput.element[e]] += t.fromInput.efficacy[e];
  }
  if (x != nullptr) {
    // x·dt per channel that reaches a synapse (0 for a silent channel or one beyond `channels`: such a
    // channel adds nothing)
    const std::size_t C = t.analogChannels;
    double* __restrict scale = s.scale.data();
    bool any = false;
    for (std::size_t ch = 0; ch < C; ++ch) {
      scale[ch] = ch < channels && x[ch] != 0.0f ? static_cast<double>(x[ch]) * t.dtMs : 0.0;
      any = any || scale[ch] != 0.0;
    }
    const std::size_t L = t.layerChannel.size();
    // the layered form where its slots per connection are few enough for this level's width (measured:
    // SSE2 at 2.3 slots per connection gained 1.1x over the form by synapse, at 4.3 it lost 1.4x; AVX2 and
    // AVX-512 gained 1.6-2.6x at both)
    if (any && L > 0 && 2 * t.layerEfficacy.size() <= 3 * kDW * t.fromInput.element.size()) {
      // in each block of kBlock synapses, the sums stay in registers over the layers whose channel is
      // not silent; a NaN slot (no connection) keeps its sum (the select, as the skip did)
      std::size_t active = 0;
      for (std::size_t l = 0; l < L; ++l) {
        const double sc = scale[t.layerChannel[l]];
        if (sc != 0.0) {
          s.activeLayers[active] = static_cast<int32_t>(l);
          s.layerScale[active++] = sc;
        }
      }
      constexpr std::size_t Q = chip::Emulator::kBlock / kDW;
      const int32_t* __restrict act = s.activeLayers.data();
      const double* __restrict actScale = s.layerScale.data();
      const std::size_t blocks = t.stride / chip::Emulator::kBlock;
      for (std::size_t p = 0; p < t.layerPlane.size(); ++p) {
        double* __restrict plane = syn + std::size_t(t.layerPlane[p]) * t.stride;
        const double* __restrict eff = t.layerEfficacy.data() + p * t.stride * L;
        for (std::size_t b = 0; b < blocks; ++b) {
          double* __restrict at = plane + b * chip::Emulator::kBlock;
          const double* __restrict eb = eff + b * L * chip::Emulator::kBlock;
          vd acc[Q];
          for (std::size_t q = 0; q < Q; ++q) acc[q] = vdload(at + q * kDW);
          for (std::size_t a = 0; a < active; ++a) {
            const vd sc = vdset1(actScale[a]);
            const double* __restrict e = eb + std::size_t(act[a]) * chip::Emulator::kBlock;
            for (std::size_t q = 0; q < Q; ++q) {
              const vd ev = vdload(e + q * kDW);
              acc[q] = ev == ev ? acc[q] + sc * ev : acc[q];
            }
          }
          for (std::size_t q = 0; q < Q; ++q) vdstore(at + q * kDW, acc[q]);
        }
      }
    } else if (any) {
      const int32_t* element = t.analogElement.data();
      const int32_t* start = t.analogStart.data();
      const int32_t* channel = t.analogChannel.data();
      const double* efficacy = t.analogEfficacy.data();
      const std::size_t E = t.analogElement.size();
      for (std::size_t j = 0; j < E; ++j) {
        double acc = syn[element[j]];
        for (int32_t k = start[j]; k < start[j + 1]; ++k) {
          const double sc = scale[channel[k]];
          if (sc != 0.0) acc += sc * efficacy[k];
        }
        syn[element[j]] = acc;
      }
    }
  }
  // one deviate per neuron, in index order, whether the neuron integrates or not
  double* __restrict z = s.noise.data();
  if (noise != nullptr) {
    const ZigguratNormal& normal = ZigguratNormal::instance();
    for (std::size_t i = 0; i < n; ++i) z[i] = normal(*noise);
  }
  int64_t* __restrict heldMask = s.held.data();
  if (hold != nullptr)
    for (std::size_t i = 0; i < n; ++i) heldMask[i] = hold[i] != 0 ? -1 : 0;
  double* __restrict v = s.v.data();
  double* __restrict refr = s.refractory.data();
  int64_t* __restrict spk = s.spikes.data();
  const double* __restrict s0 = syn;
  const double* __restrict s1 = syn + t.stride;
  const double* __restrict s2 = syn + 2 * t.stride;
  const double* __restrict s3 = syn + 3 * t.stride;
  const double* __restrict bias = t.bias.data();
  const double* __restrict dtOverTau = t.dtOverTau.data();
  const double* __restrict threshold = t.threshold.data();
  const double* __restrict reset = t.reset.data();
  const double* __restrict refractorySteps = t.refractorySteps.data();
  // refractory: V held at the reset potential, counting down; otherwise V integrates (plus the noise);
  // held (silenced): V at the reset potential after integrating, no spike; a spike at the threshold:
  // V at the reset potential, refractory for its steps
  const auto update = [&](auto withNoise, auto withHold) {
    std::size_t i = 0;
    const vd zero = vdset1(0.0), one = vdset1(1.0), sigma = vdset1(noiseStd);
    for (; i + kDW <= n; i += kDW) {
      const vd rf = vdload(refr + i), vOld = vdload(v + i), vres = vdload(reset + i);
      const vdm inRefractory = rf > zero;
      const vd current = vdload(s0 + i) + vdload(s1 + i) + vdload(s2 + i) + vdload(s3 + i) + vdload(bias + i);
      vd vn = vOld + vdload(dtOverTau + i) * (current - vOld);
      if (withNoise) vn = vn + sigma * vdload(z + i);
      vdm held = inRefractory;
      if (withHold) held = held | vdmload(heldMask + i);
      const vdm spikes = ~held & (vn >= vdload(threshold + i));
      vdstore(v + i, (held | spikes) ? vres : vn);
      vdstore(refr + i, inRefractory ? rf - one : spikes ? vdload(refractorySteps + i) : rf);
      vdmstore(spk + i, spikes);
    }
    for (; i < n; ++i) {
      const bool inRefractory = refr[i] > 0;
      const double current = s0[i] + s1[i] + s2[i] + s3[i] + bias[i];
      double vn = v[i] + dtOverTau[i] * (current - v[i]);
      if (withNoise) vn = vn + noiseStd * z[i];
      const bool held = inRefractory || (withHold && heldMask[i] != 0);
      const bool spikes = !held && vn >= threshold[i];
      v[i] = held || spikes ? reset[i] : vn;
      refr[i] = inRefractory ? refr[i] - 1.0 : spikes ? refractorySteps[i] : refr[i];
      spk[i] = spikes ? -1 : 0;
    }
  };
  using Yes = std::true_type;
  using No = std::false_type;
  if (noise != nullptr) {
    if (hold != nullptr) update(Yes{}, Yes{});
    else update(Yes{}, No{});
  } else {
    if (hold != nullptr) update(No{}, Yes{});
    else update(No{}, No{});
  }
  set_indices(spk, n, s.spiked);  // the spikes in index order
  s.pending.swap(s.spiked);
}

// The decoded outputs at a period's end: out_o = Σ_i w[o, i]·r_i, each a sum in neuron order from 0
// (the same additions as the loop per output it replaced), kBlock outputs side by side in the lanes.
// wT: the weights as doubles (exactly the floats' values), [n × stride] with stride a multiple of
// kBlock (zero beyond the outputs); acc: [stride].
void chip_decode(const double* wT, std::size_t stride, std::size_t n, const double* r, double* acc) {
  constexpr std::size_t Q = chip::Emulator::kBlock / kDW;
  for (std::size_t o = 0; o < stride; o += chip::Emulator::kBlock) {
    vd a[Q];
    for (std::size_t q = 0; q < Q; ++q) a[q] = vdset1(0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const vd ri = vdset1(r[i]);
      const double* __restrict w = wT + i * stride + o;
      for (std::size_t q = 0; q < Q; ++q) a[q] = a[q] + vdload(w + q * kDW) * ri;
    }
    for (std::size_t q = 0; q < Q; ++q) vdstore(acc + o + q * kDW, a[q]);
  }
}
