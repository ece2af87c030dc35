// Per-environment data of the addon (one per Node environment / worker thread).
#pragma once
#include <napi.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace mimic {
class SnnModel;
struct SnnParameters;
struct SnnWeights;
template <class S>
struct TeacherParamsT;
}

namespace mimic_binding {

// The cancel flags of the native jobs started from one environment. When that environment goes
// away (process exit, worker thread terminated) its clean-up hook cancels these jobs and no others.
// Jobs hold the registry by shared_ptr, so it outlives the environment's AddonData if they do.
class JobRegistry {
 public:
  void add(const std::shared_ptr<std::atomic<bool>>& flag) {
    std::lock_guard<std::mutex> lock(mutex_);
    flags_.insert(flag);
  }
  void remove(const std::shared_ptr<std::atomic<bool>>& flag) {
    std::lock_guard<std::mutex> lock(mutex_);
    flags_.erase(flag);
  }
  void cancel_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& f : flags_) f->store(true);
  }
  std::size_t running() {
    std::lock_guard<std::mutex> lock(mutex_);
    return flags_.size();
  }

 private:
  std::mutex mutex_;
  std::set<std::shared_ptr<std::atomic<bool>>> flags_;
};

struct AddonData {
  Napi::FunctionReference cancelToken;
  // Constructors of further wrapped classes are added here as the binding grows.
  Napi::FunctionReference network;  // snn.cpp
  Napi::FunctionReference adsTrainer, teacherTrainer;  // ads.cpp, teacher.cpp (their create() makes instances)
  std::shared_ptr<JobRegistry> jobs = std::make_shared<JobRegistry>();
};

inline AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

// Registers a job's cancel flag with its environment's registry for the lifetime of this object.
class JobRegistration {
 public:
  JobRegistration(Napi::Env env, std::shared_ptr<std::atomic<bool>> flag)
      : registry_(Data(env).jobs), flag_(std::move(flag)) {
    registry_->add(flag_);
  }
  ~JobRegistration() { registry_->remove(flag_); }
  JobRegistration(const JobRegistration&) = delete;
  JobRegistration& operator=(const JobRegistration&) = delete;

 private:
  std::shared_ptr<JobRegistry> registry_;
  std::shared_ptr<std::atomic<bool>> flag_;
};

// Registration functions of each binding file; addon.cpp calls them all.
void InitTasks(Napi::Env env, Napi::Object exports);
void InitSnn(Napi::Env env, Napi::Object exports);
void InitTeacher(Napi::Env env, Napi::Object exports);
void InitBaseline(Napi::Env env, Napi::Object exports);
void InitAds(Napi::Env env, Napi::Object exports);
void InitMemory(Napi::Env env, Napi::Object exports);
void InitAudio(Napi::Env env, Napi::Object exports);

class ModelSource;  // network_source.hpp
// The values (and, once prepared, the model) behind a Network object (snn.cpp); throws a TypeError
// naming `name` when `value` is not one.
std::shared_ptr<const ModelSource> NetworkSource(Napi::Env env, Napi::Value value, const std::string& name);
// Per-neuron parameters as `new Network` reads them (undefined = the paper's defaults), messages naming `name`.key.
mimic::SnnParameters ReadNeuronParams(Napi::Env env, Napi::Value value, std::size_t neurons, const std::string& name);
// Per-neuron parameters as network.getParams() returns them (snn.cpp).
Napi::Object SnnParamsToJs(Napi::Env env, const mimic::SnnParameters& params);
// Weights as network.getWeights() returns them: wIn, omegaF, omegaS, decoder, readout, encoder if any (snn.cpp).
Napi::Object SnnWeightsToJs(Napi::Env env, const mimic::SnnWeights& weights);
// Float32Array teacher params {units, channels, outputs, dtMs?, wIn, wRec, wOut, bias, tauMs} from the object `o`,
// messages naming `name`.key (teacher.cpp; the caller checks the keys).
mimic::TeacherParamsT<float> ReadTeacherParams(Napi::Env env, Napi::Object o, const std::string& name);

}  // namespace mimic_binding
