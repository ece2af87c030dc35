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
#include <memory>
#include <mutex>
#include <string>

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
};

// At most one progress report every 50 ms, plus the last one (done >= total), from any kernel thread.
class ProgressThrottle {
 public:
  // Calls send() when this report is due, under the lock, so the reports sent stay in order.
  template <class Send>
  void report(double done, double total, Send&& send) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    if (done < total && now - last_ < std::chrono::milliseconds(50)) return;
    last_ = now;
    send();
  }

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
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
template <class Baton>
class AsyncJob : public Napi::AsyncProgressQueueWorker<ProgressMessage> {
 public:
  // Queues the job; returns its promise. onProgress may be undefined.
  static Napi::Promise Start(Napi::Env env, std::unique_ptr<Baton> baton, Napi::Value onProgress,
                             std::shared_ptr<std::atomic<bool>> cancel, const char* name) {
    auto* job = new AsyncJob(env, std::move(baton), onProgress, std::move(cancel), name);
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
        throttle_.report(done, total, [&] {
          ProgressMessage m;
          m.done = done;
          m.total = total;
          std::snprintf(m.message, sizeof m.message, "%s", message ? message : "");
          progress.Send(&m, 1);
        });
      };
    }
    RunKernel(*cancel_, name_, "", "reduce the batch, the network or the duration", [&] { baton_->Execute(control); },
              [this](const char* code, const std::string& message) {
                code_ = code;
                SetError(message);
              });
  }

  void OnProgress(const ProgressMessage* data, size_t count) override {
    if (!has_progress_ || count == 0) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    const ProgressMessage& m = data[count - 1];  // only the newest matters
    try {
      on_progress_.Value().Call({Napi::Number::New(env, m.done), Napi::Number::New(env, m.total),
                                 Napi::String::New(env, m.message)});
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
  Napi::FunctionReference on_progress_;
  ProgressThrottle throttle_;
};

}  // namespace mimic_binding
