// Seeded pseudo-random numbers that give the same stream on every platform and compiler.
// std::normal_distribution and friends are implementation-defined, so they are not used.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace mimic {

// SplitMix64: used to expand one seed into independent stream states.
inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256** by Blackman and Vigna (public domain algorithm), written from its description.
class Rng {
 public:
  // A stream is identified by (seed, stream): sample i of a batch uses stream i, so results do
  // not depend on which thread draws them or in what order.
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) {
    uint64_t x = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
    for (auto& w : s_) w = splitmix64(x);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform between a and b; like numpy, a > b is allowed and gives a value between b and a.
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  // Standard normal by Box-Muller (no cached second value, so the stream stays simple to reason about).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  bool coin() { return (next() >> 63) != 0; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// A seed of its own for item `index` (an epoch, a training sample) of the stream kind `salt`, derived
// from a user's seed: the trainers draw each epoch's data, order and initial potentials this way.
inline uint64_t derive_seed(uint64_t seed, uint64_t index, uint64_t salt) {
  uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (index + 1)) ^ salt;
  return splitmix64(x);
}

// Fisher-Yates shuffle of v in place with draws from rng.
template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<std::size_t>(rng.next() % i)]);
}

}  // namespace mimic
