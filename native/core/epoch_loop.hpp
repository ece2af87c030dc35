// The epoch loop of the trainers (teacher_train.cpp, ads_train.cpp): run_epochs(n) with the roll-back
// of an interrupted epoch, so n epochs in one call or in several, cancelled or not, give the same state.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <tuple>

namespace mimic {

// Runs n epochs: runEpoch(samplesDoneBefore, totalSamples) returns the epoch's record, then `epoch` is
// incremented and onEpoch (if set) gets the record. When an epoch throws (Cancelled or a failure), the
// trainer's `state` members get back their values from before that epoch, and the exception propagates.
template <class Record, class RunEpoch, class... State>
void run_epochs_rolling_back(std::size_t n, std::size_t samplesPerEpoch, uint64_t& epoch, RunEpoch&& runEpoch,
                             const std::function<void(const Record&)>& onEpoch, State&... state) {
  const std::size_t total = n * samplesPerEpoch;
  for (std::size_t e = 0; e < n; ++e) {
    const std::tuple<State...> saved(state...);  // snapshot for the roll-back
    Record rec;
    try {
      rec = runEpoch(e * samplesPerEpoch, total);
    } catch (...) {
      std::tie(state...) = saved;
      throw;
    }
    ++epoch;
    if (onEpoch) onEpoch(rec);
  }
}

}  // namespace mimic
