// One step of the LIF baselines' simulator (LifSimulator, baseline.hpp), compiled once per SIMD level by
// simd_foreach.hpp: this file lands in mimic::simd_<level>. Include only from baseline.cpp, after
// LifState.
//
// Same arithmetic at every level and as the loop per neuron it replaced: every value gets the same
// double operations in the same order, nothing is fused. The step runs in passes over the neurons that
// the compiler turns into vector loops: the input current (bias + synapses, then the input channels
// and the read-out feedback one after the other, over the transposed weights), the membrane update with
// the refractory, silenced and spiking cases as selects, then a scalar pass that lists the spikes in
// index order; the synapse and trace decays and the spiking neurons' rows; the read-out (one sum per
// output, in neuron order: a chain, as before).

#include "simd_vec-inl.hpp"

void lif_step(const LifNet& net, LifState& s, const LifPerturbation* perturbation, double dtMs, const float* x, float* y) {
  const std::size_t N = net.neurons, C = net.channels, O = net.outputs;
  const bool feedback = !net.encoders.empty();
  const double noiseStd = perturbation ? perturbation->noiseStd : 0.0;
  // Noise: one deviate per neuron and step from the sample's stream, drawn before the neurons are
  // updated (so the stream does not depend on which neurons are refractory or silenced).
  if (noiseStd > 0) {
    const ZigguratNormal& z = ZigguratNormal::instance();
    for (std::size_t n = 0; n < N; ++n) s.noise[n] = noiseStd * z(s.rng);
  }
  const bool silenceNow = !s.silencedMask.empty() && s.t >= perturbation->silenceStart && s.t < perturbation->silenceEnd;
  double* __restrict I = s.current.data();
  double* __restrict v = s.v.data();
  double* __restrict refr = s.refr.data();
  double* __restrict sy = s.s.data();  // the synaptic currents: read here, decayed and added to below
  const float* __restrict bias = net.bias.data();
  for (std::size_t n = 0; n < N; ++n) I[n] = bias[n] + sy[n];
  for (std::size_t c = 0; c < C; ++c) {
    const float* __restrict w = &s.wInT[c * N];
    const float xc = x[c];
    for (std::size_t n = 0; n < N; ++n) I[n] += double(w[n]) * xc;
  }
  if (feedback)
    for (std::size_t o = 0; o < O; ++o) {
      const float* __restrict e = &s.encodersT[o * N];
      const double yo = s.yPrev[o];
      for (std::size_t n = 0; n < N; ++n) I[n] += double(e[n]) * yo;
    }
  // refractory: count down, held at V_reset; silenced: held at V_reset, cannot spike; else integrate
  // (and the noise), spike at V_th with its reset and refractory period. The neurons' constants as
  // doubles (LifState, made from the floats at construction: the same values).
  const double* __restrict vTh = s.vThD.data();
  const double* __restrict vReset = s.vResetD.data();
  const double* __restrict refractoryMs = s.refractoryD.data();
  const double* __restrict afterDrop = s.resetDropD.data();  // double(vTh − vReset), the float difference
  const double* __restrict aMem = s.aMem.data();
  const double* __restrict noise = s.noise.data();
  const int64_t* __restrict silenced = silenceNow ? s.silencedMask.data() : nullptr;
  int64_t* __restrict spk = s.spiked.data();
  const bool subtract = net.subtractReset;
  const auto update = [&](auto withNoise, auto withSilence) {
    std::size_t n = 0;
    const vd zero = vdset1(0.0), dt = vdset1(dtMs);
    for (; n + kDW <= N; n += kDW) {
      const vd In = vdload(I + n), rf = vdload(refr + n), vres = vdload(vReset + n);
      const vdm inRefractory = rf > zero;
      vdm held = inRefractory;
      if (withSilence) held = held | vdmload(silenced + n);
      vd vn = In + (vdload(v + n) - In) * vdload(aMem + n);
      if (withNoise) vn = vn + vdload(noise + n);
      const vdm spikes = ~held & (vn >= vdload(vTh + n));
      const vd afterSpike = subtract ? vn - vdload(afterDrop + n) : vres;
      vdstore(v + n, held ? vres : spikes ? afterSpike : vn);
      vdstore(refr + n, inRefractory ? rf - dt : spikes ? vdload(refractoryMs + n) : rf);
      vdmstore(spk + n, spikes);
    }
    for (; n < N; ++n) {
      const bool inRefractory = refr[n] > 0;
      const bool held = inRefractory || (withSilence && silenced[n] != 0);
      double vn = I[n] + (v[n] - I[n]) * aMem[n];
      if (withNoise) vn += noise[n];
      const bool spikes = !held && vn >= vTh[n];
      const double afterSpike = subtract ? vn - afterDrop[n] : vReset[n];
      v[n] = held ? vReset[n] : spikes ? afterSpike : vn;
      refr[n] = inRefractory ? refr[n] - dtMs : spikes ? refractoryMs[n] : refr[n];
      spk[n] = spikes ? -1 : 0;
    }
  };
  using Yes = std::true_type;
  using No = std::false_type;
  if (noiseStd > 0) {
    if (silenced) update(Yes{}, Yes{});
    else update(Yes{}, No{});
  } else {
    if (silenced) update(No{}, Yes{});
    else update(No{}, No{});
  }
  set_indices(spk, N, s.fired);  // the spikes in index order
  double* __restrict r = s.r.data();
  const double* __restrict aSyn = s.aSyn.data();
  const double aOut = s.aOut;
  for (std::size_t n = 0; n < N; ++n) {
    sy[n] *= aSyn[n];
    r[n] *= aOut;
  }
  for (uint32_t m : s.fired) {
    const float* __restrict row = &net.wRec[std::size_t(m) * N];
    for (std::size_t n = 0; n < N; ++n) sy[n] += row[n];
    r[m] += s.gainOut;
    ++s.counts[m];
  }
  s.spikes += s.fired.size();
  for (std::size_t o = 0; o < O; ++o) {
    const float* w = &net.wOut[o * N];
    double acc = net.outBias[o];
    for (std::size_t n = 0; n < N; ++n) acc += double(w[n]) * r[n];
    s.yPrev[o] = acc;
    y[o] = static_cast<float>(acc);
  }
  ++s.t;
}
