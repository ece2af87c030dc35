// Perturbations of a trained network for the robustness suite (docs/method.md §10):
// pure, seeded transforms of named arrays. An architecture says which of its arrays are perturbed and
// how (a Quantity each); this file knows nothing of architectures.
//
// Device mismatch at relative level σ, one standard normal z per element, in element order, from the
// quantity's own stream (see "Streams"); p is the element as a double, the result is rounded to float:
//   Relative      p·(1 + σ·z)                    weight matrices (W_in, Ω_s, decoders, ...)
//   AbsRelative   |p + (σ·p)·z|   = |N(p, (σp)²)|  time constants, ADS thresholds (values must be ≥ 0)
//   Threshold     p + (σ·|p − r|)·z               a threshold spread by σ·|V_th − V_reset| (FORCE-like),
//                                                 r = the quantity's reset (one value or one per element)
//   Offset        p + σ·z         = p + N(0, σ²)   an absolute offset (the bias of BPTT-like models)
// Quantisation to b bits (per quantity, every matrix it is asked for, fast weights included):
//   q = (max W − min W) / (2^b − 1),  w ↦ q·k,  k = ⌊w/q + ½⌋ (round half up), no clipping.
//   Round half up (numpy's round is half to even; they differ only on exact ties) keeps the levels
//   q·k consecutive, so a matrix takes at most 2^b distinct values: k lies in [k_lo, k_lo + 2^b − 1]
//   with k_lo = ⌊min W/q + ½⌋, and k is clamped to that range, which only absorbs a floating-point
//   tie at max W (then the error is q/2 plus a rounding). A constant matrix (q = 0) is unchanged.
// Neuron death: a subset of round(fraction·N) of the N neurons (half up), uniformly without
// replacement (partial Fisher-Yates), returned sorted; the simulator's `silence` clamps them.
//
// Level 0 (σ = 0, b = 0, fraction = 0) returns every input bit for bit (copies, no arithmetic).
//
// Streams: a draw is a frozen virtual chip. Its randomness depends only on the network's seed
// material `seed`, the perturbation kind, the level and the draw index, and each quantity has its
// own stream, keyed by its name (so adding or removing another quantity changes nothing else):
//   draw_seed     = derive_seed(seed, draw, kind_salt ^ bits(level))      bits = the IEEE-754 double
//   quantity_seed = derive_seed(draw_seed, 0, fnv1a64(name))
//   z             = Rng(quantity_seed, 0).normal(), one per element in order
//   death         = Rng(draw_seed, 0): for i < k, swap(idx[i], idx[i + next() mod (N − i)])
// The level is part of the key, so draws at different levels are independent samples (the
// Mann-Whitney comparisons between levels assume independence), not the same chip scaled.
// Work items are (draw, quantity) pairs; each writes only its own output, so the results do not
// depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cancel.hpp"

namespace mimic {

enum class QuantityKind { TimeConstant, Threshold, Bias, Weights };
enum class MismatchForm { None, Relative, AbsRelative, Threshold, Offset };
enum class PerturbationKind { Mismatch, Quantisation, Death };

struct Quantity {
  std::string name;              // unique within a plan; keys the quantity's random stream
  QuantityKind kind = QuantityKind::Weights;
  std::vector<float> values;     // any shape, row-major; transforms are elementwise or per array
  MismatchForm mismatch = MismatchForm::None;  // None: left unperturbed by mismatch
  bool quantise = false;         // false: left unquantised
  std::vector<float> reset;      // Threshold form: r, one value for all elements or one per element
};

// Throws InvalidArgument naming the quantity when the form does not fit its kind:
//   time constant: relative or abs-relative, values > 0;  threshold: any form;
//   bias: relative or offset;  weights: relative (and quantise; only weights are quantised);
//   abs-relative: values ≥ 0;  threshold form: reset of size 1 or of the values' size.
void validate_quantity(const Quantity& q, std::size_t index);

// Does the perturbation change this quantity (at a nonzero level)?
bool perturbs(const Quantity& q, PerturbationKind kind);

// The seeds of the streams (see "Streams" above).
uint64_t fnv1a64(const std::string& s);
uint64_t kind_salt(PerturbationKind kind);
uint64_t draw_seed(uint64_t seed, PerturbationKind kind, double level, uint64_t draw);
uint64_t quantity_seed(uint64_t drawSeed, const std::string& name);

// One quantity's mismatch with its stream: out[i] for every element (out has values.size() elements).
void mismatch_values(const Quantity& q, double sigma, uint64_t quantitySeed, float* out, const Control& control);

// The step q of b-bit quantisation of these values (0 for a constant array).
double quantisation_step(const float* values, std::size_t n, int bits);
// b-bit quantisation of values into out (the same size); returns the step q.
double quantise_values(const float* values, std::size_t n, int bits, float* out);

// The dead neurons of one draw: round(fraction·neurons) indices in [0, neurons), ascending.
std::vector<int32_t> dead_neurons(uint64_t seed, double fraction, uint64_t draw, std::size_t neurons);

struct PerturbPlan {
  uint64_t seed = 0;  // the network's seed material (the caller's: e.g. the run's seed and the network)
  PerturbationKind kind = PerturbationKind::Mismatch;  // Mismatch or Quantisation
  double level = 0;   // σ, or the bits b (an integer; 0 = full precision)
  std::vector<uint64_t> draws;
  std::vector<Quantity> quantities;
};

struct PerturbOutput {
  std::vector<std::size_t> changed;          // indices of the quantities the perturbation changes
  std::vector<std::size_t> unchanged;        // the others (not copied)
  std::vector<double> steps;                 // quantisation: q of each changed quantity
  std::vector<std::vector<std::vector<float>>> arrays;  // [draw][k]: changed[k]'s perturbed values
};

// Every draw of the plan on the pool (at most `threads`, 0 = all); cancellable between blocks.
void perturb(const PerturbPlan& plan, unsigned threads, const Control& control, PerturbOutput& out);

// The dead neurons of every draw, on the pool.
void neuron_death(uint64_t seed, double fraction, const std::vector<uint64_t>& draws, std::size_t neurons,
                  unsigned threads, const Control& control, std::vector<std::vector<int32_t>>& out);

}  // namespace mimic
