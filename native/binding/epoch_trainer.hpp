// A trainer object that keeps its training state between calls of its asynchronous runEpochs(n) and
// streams one record per epoch: ads.cpp's AdsTrainer and teacher.cpp's TeacherTrainer.
//
//   new Name(options)                                          options read (Traits::Read) and the trainer
//                                                              built (Traits::Construct) synchronously, when
//                                                              that is small work (Traits::SyncWork)
//   Name.create(options, onProgress?, cancelToken?) -> Promise<Name>   the same, built on a worker thread
//   trainer.runEpochs(n, onEpoch?, onProgress?, cancelToken?) -> Promise<record[]>
//   trainer.<getModel>(), trainer.<getBestModel>()             (the best: null until there is one)
//   trainer.epoch, .busy, .bestEpoch, .<counter>, .samplesPerEpoch
//
// One run at a time: while one is going, runEpochs, the getters and the counters (all but busy and
// samplesPerEpoch) throw ERR_BUSY. Every epoch record reaches onEpoch (the queue does not merge them);
// progress is throttled to one report per 50 ms plus the last. The core's run_epochs rolls an
// interrupted epoch back, so a cancelled or failed run leaves the state of its last completed epoch.
//
// Traits:
//   using Core = ...;     Core::run_epochs(n, control, onEpoch), epochs_done(), best_epoch(), samples_per_epoch()
//   using Record = ...;   the epoch record that run_epochs passes to onEpoch
//   static constexpr const char* kName;          the class name, also in messages ("AdsTrainer")
//   static constexpr const char* kOutOfMemory;   what to do when a run runs out of memory
//   static constexpr const char *kGetModel, *kGetBestModel, *kCounter;   the names of the other members
//   static constexpr const char* kCreateName;    "<kName>.create", the name of the creating job
//   static constexpr napi_type_tag kTag;         tags the prepared trainer that create() hands to the constructor
//   struct Plan;                                 the options read and the arrays copied, nothing built
//   static std::unique_ptr<Plan> Read(Napi::Env, Napi::Value options);   validates, checks the memory budget
//   static double SyncWork(const Plan&);         operations Construct does (about 1 ns each)
//   static std::unique_ptr<Core> Construct(Plan&, const mimic::Control&);   builds the trainer (cancellable)
//   static Napi::FunctionReference& Constructor(AddonData&);               where the class is kept
//   static Napi::Value Model(Napi::Env, const Core&), BestModel(Napi::Env, const Core&);
//   static double Counter(const Core&);
//   static RecordWriter<Record> Writer(const Core&);   on the JS thread when a run starts
#pragma once
#include <napi.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "addon_data.hpp"
#include "args.hpp"
#include "async_job.hpp"
#include "cancel.hpp"
#include "guard.hpp"
#include "options.hpp"

namespace mimic_binding {

// The most work a trainer's constructor does on the event loop: 2^26 operations, about 70 ms (the
// default ADS trainer on the first task, N = 320 with 200 validation samples, measured 72 ms). Larger
// trainers are built by Name.create() on a worker thread.
inline constexpr double kMaxSyncConstructWork = double(1 << 26);

// An epoch record as JS sees it.
template <class Record>
using RecordWriter = std::function<Napi::Object(Napi::Env, const Record&)>;

template <class Core>
struct EpochTrainerState {
  std::unique_ptr<Core> trainer;
  bool busy = false;  // touched on the JS thread only
};

template <class Record>
struct EpochEvent {
  int kind = 0;  // 0 progress, 1 epoch record
  double done = 0, total = 0;
  char message[32] = {};  // the phase of the epoch ("training", "validating"), cut to 31 bytes
  Record record;
};

// One runEpochs(n): the worker runs the epochs; records and progress come back through the queue.
template <class Traits>
class EpochTrainJob : public Napi::AsyncProgressQueueWorker<EpochEvent<typename Traits::Record>> {
  using Core = typename Traits::Core;
  using Record = typename Traits::Record;
  using Event = EpochEvent<Record>;
  using Base = Napi::AsyncProgressQueueWorker<Event>;

 public:
  EpochTrainJob(Napi::Env env, std::shared_ptr<EpochTrainerState<Core>> state, size_t epochs, Napi::Value onEpoch,
                Napi::Value onProgress, std::shared_ptr<std::atomic<bool>> cancel)
      : Base(env, (std::string(Traits::kName) + ".runEpochs").c_str()),  // copied into the async resource
        deferred_(Napi::Promise::Deferred::New(env)),
        state_(std::move(state)),
        epochs_(epochs),
        cancel_(std::move(cancel)),
        registration_(env, cancel_),
        to_js_(Traits::Writer(*state_->trainer)) {
    if (onEpoch.IsFunction()) on_epoch_ = Napi::Persistent(onEpoch.As<Napi::Function>());
    if (onProgress.IsFunction()) on_progress_ = Napi::Persistent(onProgress.As<Napi::Function>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute(const typename Base::ExecutionProgress& progress) override {
    mimic::Control control;
    control.cancel = cancel_.get();
    if (!on_progress_.IsEmpty()) {
      control.progress = [this, &progress](double done, double total, const char* message) {
        throttle_.report(done, total, message, [&] {
          Event ev;
          ev.kind = 0;
          ev.done = done;
          ev.total = total;
          std::strncpy(ev.message, message ? message : "", sizeof ev.message - 1);
          progress.Send(&ev, 1);
        });
      };
    }
    RunKernel(
        *cancel_, std::string(Traits::kName) + ".runEpochs",
        " (the trainer keeps the state of its last completed epoch)", Traits::kOutOfMemory,
        [&] {
          state_->trainer->run_epochs(epochs_, control, [&](const Record& r) {
            records_.push_back(r);
            Event ev;
            ev.kind = 1;
            ev.record = r;
            progress.Send(&ev, 1);  // every epoch record is delivered (the queue does not merge them)
          });
        },
        [this](const char* code, const std::string& message) {
          code_ = code;
          this->SetError(message);
        });
  }

  void OnProgress(const Event* data, size_t count) override {
    Napi::Env env = this->Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      const Event& ev = data[i];
      try {
        if (ev.kind == 1 && !on_epoch_.IsEmpty())
          on_epoch_.Value().Call({to_js_(env, ev.record)});
        else if (ev.kind == 0 && !on_progress_.IsEmpty())
          on_progress_.Value().Call({Napi::Number::New(env, ev.done), Napi::Number::New(env, ev.total),
                                     Napi::String::New(env, ev.message[0] ? ev.message : "training")});
      } catch (...) {
        // A throwing listener must not stop the training.
      }
    }
  }

  void OnOK() override {
    Napi::Env env = this->Env();
    Napi::HandleScope scope(env);
    state_->busy = false;
    try {
      auto arr = Napi::Array::New(env, records_.size());
      for (size_t i = 0; i < records_.size(); ++i) arr.Set(static_cast<uint32_t>(i), to_js_(env, records_[i]));
      deferred_.Resolve(arr);
    } catch (...) {
      deferred_.Reject(CurrentError(env, std::string(Traits::kName) + ".runEpochs").Value());
    }
  }

  void OnError(const Napi::Error& e) override {
    Napi::Env env = this->Env();
    Napi::HandleScope scope(env);
    state_->busy = false;
    try {
      deferred_.Reject(MakeError(env, e.Message(), code_).Value());
    } catch (...) {
      deferred_.Reject(CurrentError(env, std::string(Traits::kName) + ".runEpochs").Value());
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<EpochTrainerState<Core>> state_;
  size_t epochs_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  JobRegistration registration_;  // with this environment's job registry (declared after cancel_)
  RecordWriter<Record> to_js_;
  Napi::FunctionReference on_epoch_, on_progress_;
  std::vector<Record> records_;
  const char* code_ = kErrNative;
  ProgressThrottle throttle_;
};

// What Name.create() hands to the constructor: the trainer built on a worker thread.
template <class Core>
struct PreparedTrainer {
  std::unique_ptr<Core> core;
};

// Name.create(options): reads the options on the JS thread, builds the trainer on a worker thread,
// then makes the JS object from it.
template <class Traits>
struct CreateBaton {
  std::unique_ptr<typename Traits::Plan> plan;
  std::unique_ptr<typename Traits::Core> core;
  void Execute(const mimic::Control& control) {
    core = Traits::Construct(*plan, control);
    plan.reset();
  }
  Napi::Value Result(Napi::Env env) {
    using Prepared = PreparedTrainer<typename Traits::Core>;
    auto ext = Napi::External<Prepared>::New(env, new Prepared{std::move(core)}, [](Napi::Env, Prepared* p) { delete p; });
    if (napi_type_tag_object(env, ext, &Traits::kTag) != napi_ok) throw Napi::Error::New(env, "cannot tag the prepared trainer");
    return Traits::Constructor(Data(env)).New({ext});
  }
};

// The JS object; its state is shared with the run in flight, so it may be collected during a run.
template <class Traits>
class EpochTrainer : public Napi::ObjectWrap<EpochTrainer<Traits>> {
  using Core = typename Traits::Core;
  using Base = Napi::ObjectWrap<EpochTrainer>;

 public:
  static Napi::Function Define(Napi::Env env) {
    return Base::DefineClass(
        env, Traits::kName,
        {Base::template StaticMethod<&EpochTrainer::Create>("create"),
         Method<EpochTrainer, &EpochTrainer::RunEpochs>("runEpochs"),
         Method<EpochTrainer, &EpochTrainer::GetModel>(Traits::kGetModel),
         Method<EpochTrainer, &EpochTrainer::GetBestModel>(Traits::kGetBestModel),
         Getter<EpochTrainer, &EpochTrainer::Epoch>("epoch"),
         Getter<EpochTrainer, &EpochTrainer::Busy>("busy"),
         Getter<EpochTrainer, &EpochTrainer::BestEpoch>("bestEpoch"),
         Getter<EpochTrainer, &EpochTrainer::Counter>(Traits::kCounter),
         Getter<EpochTrainer, &EpochTrainer::SamplesPerEpoch>("samplesPerEpoch")});
  }
  static constexpr const char* kJsName = Traits::kName;
  // (the prepared trainer's External carries Traits::kTag; the objects carry this one)
  static constexpr napi_type_tag kTypeTag = {Traits::kTag.lower, Traits::kTag.upper ^ 0x0100000000000000ULL};

  explicit EpochTrainer(const Napi::CallbackInfo& info) : Base(info) {
    Napi::Env env = info.Env();
    TagObject<EpochTrainer>(env, info.This().As<Napi::Object>());
    Guard(env, Traits::kName, [&] {
      if (!info.IsConstructCall()) ThrowType(env, "a call with new", Traits::kName, info.This());
      if (info[0].IsExternal()) {
        // from create(): the trainer is built already
        bool tagged = false;
        if (napi_check_object_type_tag(env, info[0], &Traits::kTag, &tagged) != napi_ok || !tagged)
          ThrowType(env, "an object", "options", info[0]);
        auto* prepared = info[0].As<Napi::External<PreparedTrainer<Core>>>().Data();
        if (!prepared->core) ThrowType(env, "an object", "options", info[0]);
        state_->trainer = std::move(prepared->core);
        return;
      }
      auto plan = Traits::Read(env, info[0]);
      const double work = Traits::SyncWork(*plan);
      if (work > kMaxSyncConstructWork)
        ThrowRange(env, std::string("options: building this ") + Traits::kName + " takes about " + Fmt(work) +
                            " operations, more than the " + Fmt(kMaxSyncConstructWork) +
                            " a constructor does on the event loop (about 70 ms): create it with await " + Traits::kName +
                            ".create(options), which builds it on a worker thread");
      state_->trainer = Traits::Construct(*plan, mimic::Control());
    });
  }

 private:
  // Name.create(options, onProgress?, cancelToken?) -> Promise<Name>
  static Napi::Value Create(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guard(env, Traits::kCreateName, [&]() -> Napi::Value {
      auto baton = std::make_unique<CreateBaton<Traits>>();
      baton->plan = Traits::Read(env, info[0]);
      CheckCallback(env, info[1], "onProgress");
      auto cancel = CancelToken::FromValue(env, info[2], "cancelToken");
      return AsyncJob<CreateBaton<Traits>>::Start(env, std::move(baton), info[1], cancel, Traits::kCreateName);
    });
  }

  void ThrowIfBusy(Napi::Env env, const std::string& what) {
    if (state_->busy)
      throw MakeError(env, std::string("This ") + Traits::kName +
                               " is busy running epochs: wait for runEpochs() to settle before calling " + what,
                      kErrBusy);
  }

  // runEpochs(n, onEpoch?, onProgress?, cancelToken?) -> Promise<EpochRecord[]>
  Napi::Value RunEpochs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ThrowIfBusy(env, "runEpochs()");
    if (!info[0].IsNumber()) ThrowType(env, "an integer", "epochs", info[0]);
    const double n = info[0].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(n) || std::floor(n) != n) ThrowType(env, "an integer", "epochs", info[0]);
    if (n < 1 || n > 1e6) ThrowRange(env, "epochs must be between 1 and 1000000 but is " + Fmt(n));
    CheckCallback(env, info[1], "onEpoch");
    CheckCallback(env, info[2], "onProgress");
    auto cancel = CancelToken::FromValue(env, info[3], "cancelToken");
    auto* job = new EpochTrainJob<Traits>(env, state_, static_cast<size_t>(n), info[1], info[2], cancel);
    auto promise = job->Promise();
    state_->busy = true;
    job->Queue();
    return promise;
  }

  Napi::Value GetModel(const Napi::CallbackInfo& info) {
    ThrowIfBusy(info.Env(), std::string(Traits::kGetModel) + "()");
    return Traits::Model(info.Env(), *state_->trainer);
  }
  Napi::Value GetBestModel(const Napi::CallbackInfo& info) {
    ThrowIfBusy(info.Env(), std::string(Traits::kGetBestModel) + "()");
    return Traits::BestModel(info.Env(), *state_->trainer);
  }
  // The counters are read on the JS thread; while a run is going they show the state before it.
  Napi::Value Epoch(const Napi::CallbackInfo& info) {
    ThrowIfBusy(info.Env(), "epoch");
    return Napi::Number::New(info.Env(), static_cast<double>(state_->trainer->epochs_done()));
  }
  Napi::Value Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_->busy); }
  Napi::Value BestEpoch(const Napi::CallbackInfo& info) {
    ThrowIfBusy(info.Env(), "bestEpoch");
    return Napi::Number::New(info.Env(), static_cast<double>(state_->trainer->best_epoch()));
  }
  Napi::Value Counter(const Napi::CallbackInfo& info) {
    ThrowIfBusy(info.Env(), Traits::kCounter);
    return Napi::Number::New(info.Env(), Traits::Counter(*state_->trainer));
  }
  Napi::Value SamplesPerEpoch(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(state_->trainer->samples_per_epoch()));
  }

  std::shared_ptr<EpochTrainerState<Core>> state_ = std::make_shared<EpochTrainerState<Core>>();
};

}  // namespace mimic_binding
