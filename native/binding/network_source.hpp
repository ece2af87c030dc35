// What a Network object holds: its values (per-neuron parameters and weights, validated) and, once a
// run needs it, the prepared SnnModel. Preparing the kernel's layouts is O(N²) work with strided
// reads (2.4 s at N = 8192), so it happens on a worker thread, in the first run that needs the model
// (simulate, evaluateAds), not in the constructor or a setter on the event loop. The model keeps its
// own copy of the values, so the values are dropped once it exists.
//
// A source is immutable from JS's point of view: the setters replace the Network's source with a new
// one, and a run in flight keeps the source it started with.
#pragma once
#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "snn.hpp"

namespace mimic_binding {

// dst = src, copied in slices of 2^22 elements with a cancel check before each.
inline void CopyChecked(std::vector<float>& dst, const std::vector<float>& src, const mimic::Control& control) {
  constexpr std::size_t kSlice = std::size_t(1) << 22;
  dst.clear();
  dst.reserve(src.size());
  for (std::size_t at = 0; at < src.size(); at += kSlice) {
    control.check();
    dst.insert(dst.end(), src.begin() + at, src.begin() + std::min(src.size(), at + kSlice));
  }
}

class ModelSource {
 public:
  ModelSource(mimic::SnnParameters params, mimic::SnnWeights weights)
      : values_(std::make_shared<const Values>(Values{std::move(params), std::move(weights)})) {}

  // The prepared model, built here the first time it is asked for (on any thread; the others wait).
  // Cancelling `control` stops the build (Cancelled); the next run builds it again.
  std::shared_ptr<const mimic::SnnModel> model(const mimic::Control& control) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!model_) {
      // The model keeps its own copy of the values: copied in slices with cancel checks (a copy of
      // 2 N² floats takes ~100 ms at N = 6000), then moved in.
      const mimic::SnnWeights& w = values_->weights;
      mimic::SnnWeights copy;
      copy.neurons = w.neurons;
      copy.channels = w.channels;
      copy.dims = w.dims;
      copy.outputs = w.outputs;
      for (auto [dst, src] : {std::pair{&copy.wIn, &w.wIn}, {&copy.omegaF, &w.omegaF}, {&copy.omegaS, &w.omegaS},
                              {&copy.decoder, &w.decoder}, {&copy.readout, &w.readout}, {&copy.encoder, &w.encoder}})
        CopyChecked(*dst, *src, control);
      model_ = std::make_shared<const mimic::SnnModel>(values_->params, std::move(copy), &control);
      values_.reset();
    }
    return model_;
  }

  // The values without preparing anything: valid while the returned view lives.
  struct View {
    std::shared_ptr<const void> keep;
    const mimic::SnnParameters* params = nullptr;
    const mimic::SnnWeights* weights = nullptr;
  };
  View view() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (model_) return View{model_, &model_->params(), &model_->weights()};
    return View{values_, &values_->params, &values_->weights};
  }

 private:
  struct Values {
    mimic::SnnParameters params;
    mimic::SnnWeights weights;
  };
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Values> values_;
  mutable std::shared_ptr<const mimic::SnnModel> model_;
};

}  // namespace mimic_binding
