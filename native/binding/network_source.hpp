// What a Network object holds: its values (per-neuron parameters and weights, validated) and, once a
// run needs it, the prepared SnnModel. Preparing the kernel's layouts is O(N²) work with strided
// reads (2.4 s at N = 8192), so it happens on a worker thread, in the first run that needs the model
// (simulate, evaluateAds), not in the constructor or a setter on the event loop. The model keeps its
// own copy of the values, so the values are dropped once it exists.
//
// A source is immutable from JS's point of view: the setters replace the Network's source with a new
// one, and a run in flight keeps the source it started with.
#pragma once
#include <memory>
#include <mutex>

#include "snn.hpp"

namespace mimic_binding {

class ModelSource {
 public:
  ModelSource(mimic::SnnParameters params, mimic::SnnWeights weights)
      : values_(std::make_shared<const Values>(Values{std::move(params), std::move(weights)})) {}

  // The prepared model, built here the first time it is asked for (on any thread; the others wait).
  std::shared_ptr<const mimic::SnnModel> model() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!model_) {
      model_ = std::make_shared<const mimic::SnnModel>(values_->params, values_->weights);
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
