// The baton pattern for long native work (after sharp): arguments are validated and copied into a
// plain C++ baton on the JS thread; Execute() runs the kernel on a libuv thread and never touches
// N-API; results become typed arrays allocated in V8 on the JS thread. Progress goes through a
// queue (throttled here, so a kernel may report as often as it likes); cancel is a shared atomic
// flag the kernel checks between chunks.
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "addon_data.hpp"
#include "cancel.hpp"

namespace mimic_binding {

// Error codes shared with native/index.ts.
inline constexpr const char* kErrCancelled = "ERR_CANCELLED";
inline constexpr const char* kErrInvalidArg = "ERR_INVALID_ARG";
inline constexpr const char* kErrNative = "ERR_NATIVE";
inline constexpr const char* kErrBusy = "ERR_BUSY";

Napi::Error MakeError(Napi::Env env, const std::string& message, const char* code);

struct ProgressMessage {
  double done = 0, total = 0;
  char message[96] = {0};
  int kind = 0;                          // 0: progress; 1: an epoch record (the bytes of Baton::EpochRecord)
  alignas(8) unsigned char record[96] = {0};
};

// A baton that streams epoch records declares `using EpochRecord = R;` (trivially copyable, at most 96
// bytes), a member `std::function<void(const R&)> onEpoch` that its Execute calls after each epoch (it
// is empty when the caller passed no listener), and `static Napi::Value EpochToJs(Napi::Env, const R&)`.
template <class B, class = void>
struct StreamsEpochs : std::false_type {};
template <class B>
struct StreamsEpochs<B, std::void_t<typename B::EpochRecord>> : std::true_type {};

// At most one progress report every 50 ms, plus the last one (done >= total) and the first of each new
// message, from any kernel thread.
class ProgressThrottle {
 public:
  // Calls send() when this report is due, under the lock, so the reports sent stay in order: the last
  // one (done = total), the first of a new phase (its message differs from the last sent: a phase may
  // be long and report little more, as the reservoir's factorisation) and otherwise one per 50 ms.
  template <class Send>
  void report(double done, double total, const char* message, Send&& send) {
    const auto now = std::chrono::steady_clock::now();
    const char* m = message ? message : "";
    std::lock_guard<std::mutex> lock(mutex_);
    if (done < total && now - last_ < std::chrono::milliseconds(50) && message_ == m) return;
    last_ = now;
    message_ = m;
    send();
  }

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
  std::string message_;
};

// The code and message of the exception being handled (call inside a catch block):
//   Cancelled                        ERR_CANCELLED    "<what> was cancelled<cancelledNote>"
//   InvalidArgument                  ERR_INVALID_ARG  its own message
//   std::bad_alloc, length_error     ERR_NATIVE       "<what> ran out of memory: <outOfMemory>"
//   std::exception                   ERR_NATIVE       "<what> failed: <e.what()>"
//   anything else                    ERR_NATIVE       "<what> failed with an unknown native exception"
struct Failure {
  const char* code;
  std::string message;
};
Failure CurrentFailure(const std::string& what, const char* cancelledNote, const char* outOfMemory);

// Runs work() (on a worker thread); a failure of any kind reaches fail(code, message) (CurrentFailure).
// A job whose flag is already set when it starts is cancelled without running.
template <class Work, class Fail>
void RunKernel(const std::atomic<bool>& cancel, const std::string& what, const char* cancelledNote,
               const char* outOfMemory, Work&& work, Fail&& fail) {
  try {
    if (cancel.load()) throw mimic::Cancelled();
    mimic::JobCancelScope scope(&cancel);  // (the thread pool gives up waiting for a cancelled job)
    work();
  } catch (...) {
    Failure f = CurrentFailure(what, cancelledNote, outOfMemory);
    fail(f.code, f.message);
  }
}

// A JS-visible cancel token: `new CancelToken()`, `token.cancel()`, `token.cancelled`.
class CancelToken : public Napi::ObjectWrap<CancelToken> {
 public:
  static Napi::Function Define(Napi::Env env);
  static constexpr const char* kJsName = "CancelToken";
  static constexpr napi_type_tag kTypeTag = {0x6d696d6963616e63ULL, 0x656c746f6b656e01ULL};
  explicit CancelToken(const Napi::CallbackInfo& info);
  std::shared_ptr<std::atomic<bool>> flag() const { return flag_; }
  // Returns the token's flag, a fresh flag when value is undefined, or throws TypeError.
  static std::shared_ptr<std::atomic<bool>> FromValue(Napi::Env env, Napi::Value value, const char* name);

 private:
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value IsCancelled(const Napi::CallbackInfo& info);
  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

// Baton requirements:
//   void Execute(const mimic::Control&)        on a worker thread, plain C++ only
//   Napi::Value Result(Napi::Env)               on the JS thread, after success
// and optionally the epoch stream above: every record reaches onEpoch, in order (only progress reports
// are merged).
template <class Baton>
class AsyncJob : public Napi::AsyncProgressQueueWorker<ProgressMessage> {
 public:
  // Queues the job; returns its promise. onProgress may be undefined.
  static Napi::Promise Start(Napi::Env env, std::unique_ptr<Baton> baton, Napi::Value onProgress,
                             std::shared_ptr<std::atomic<bool>> cancel, const char* name, Napi::Value onEpoch = Napi::Value()) {
    auto* job = new AsyncJob(env, std::move(baton), onProgress, std::move(cancel), name);
    if constexpr (StreamsEpochs<Baton>::value) {
      if (!onEpoch.IsEmpty() && onEpoch.IsFunction()) job->on_epoch_ = Napi::Persistent(onEpoch.As<Napi::Function>());
    }
    auto promise = job->deferred_.Promise();
    job->Queue();
    return promise;
  }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    mimic::Control control;
    control.cancel = cancel_.get();
    if (has_progress_) {
      control.progress = [this, &progress](double done, double total, const char* message) {
        throttle_.report(done, total, message, [&] {
          ProgressMessage m;
          m.done = done;
          m.total = total;
          std::snprintf(m.message, sizeof m.message, "%s", message ? message : "");
          progress.Send(&m, 1);
        });
      };
    }
    if constexpr (StreamsEpochs<Baton>::value) {
      using Record = typename Baton::EpochRecord;
      static_assert(std::is_trivially_copyable<Record>::value && sizeof(Record) <= sizeof(ProgressMessage::record),
                    "an epoch record must be trivially copyable and fit in ProgressMessage::record");
      if (!on_epoch_.IsEmpty()) {
        baton_->onEpoch = [&progress](const Record& r) {
          ProgressMessage m;
          m.kind = 1;
          std::memcpy(m.record, &r, sizeof(Record));
          progress.Send(&m, 1);  // not throttled: every record is delivered
        };
      }
    }
    RunKernel(*cancel_, name_, "", "reduce the batch, the network or the duration", [&] { baton_->Execute(control); },
              [this](const char* code, const std::string& message) {
                code_ = code;
                SetError(message);
              });
    if constexpr (StreamsEpochs<Baton>::value) baton_->onEpoch = nullptr;  // it refers to `progress`, gone now
  }

  void OnProgress(const ProgressMessage* data, size_t count) override {
    if (count == 0) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    const ProgressMessage* newest = nullptr;  // of the progress reports, only the newest matters
    for (size_t i = 0; i < count; ++i) {
      if (data[i].kind == 0) {
        newest = &data[i];
        continue;
      }
      if constexpr (StreamsEpochs<Baton>::value) {
        typename Baton::EpochRecord r;
        std::memcpy(&r, data[i].record, sizeof r);
        try {
          on_epoch_.Value().Call({Baton::EpochToJs(env, r)});
        } catch (...) {
          // A throwing listener must not stop the job.
        }
      }
    }
    if (!has_progress_ || newest == nullptr) return;
    try {
      on_progress_.Value().Call({Napi::Number::New(env, newest->done), Napi::Number::New(env, newest->total),
                                 Napi::String::New(env, newest->message)});
    } catch (...) {
      // A throwing progress callback must not kill the job; it is reported by the caller's wrapper.
    }
  }

  // The results become JS values here; a failure (V8 out of memory for a typed array, ...) rejects.
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      deferred_.Resolve(baton_->Result(env));
    } catch (...) {
      Settle(env);
    }
  }

  void OnError(const Napi::Error& e) override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      deferred_.Reject(MakeError(env, e.Message(), code_).Value());
    } catch (...) {
      Settle(env);
    }
  }

  // Rejects with the exception being handled (call inside a catch block).
  void Settle(Napi::Env env) {
    try {
      throw;
    } catch (const Napi::Error& err) {
      deferred_.Reject(err.Value());
    } catch (...) {
      Failure f = CurrentFailure(name_, "", "the result does not fit in memory");
      deferred_.Reject(MakeError(env, f.message, f.code).Value());
    }
  }

 private:
  AsyncJob(Napi::Env env, std::unique_ptr<Baton> baton, Napi::Value onProgress,
           std::shared_ptr<std::atomic<bool>> cancel, const char* name)
      : Napi::AsyncProgressQueueWorker<ProgressMessage>(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        baton_(std::move(baton)),
        cancel_(std::move(cancel)),
        registration_(env, cancel_),
        name_(name) {
    has_progress_ = onProgress.IsFunction();
    if (has_progress_) on_progress_ = Napi::Persistent(onProgress.As<Napi::Function>());
  }

  Napi::Promise::Deferred deferred_;
  std::unique_ptr<Baton> baton_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  JobRegistration registration_;  // with this environment's registry (declared after cancel_)
  const char* name_;
  const char* code_ = kErrNative;
  bool has_progress_ = false;
  Napi::FunctionReference on_progress_, on_epoch_;
  ProgressThrottle throttle_;
};

}  // namespace mimic_binding
