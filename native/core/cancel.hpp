// Cooperative cancellation and progress for long kernels. The binding owns the flag; kernels check
// it between chunks (a sample, an epoch, a block of steps) and stop by throwing Cancelled.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <stdexcept>

namespace mimic {

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

// Errors in the caller's arguments found inside a kernel (the binding checks most before).
struct InvalidArgument : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Control {
  const std::atomic<bool>* cancel = nullptr;
  // Called with (done, total, message) from kernel threads; must be cheap and thread-safe.
  std::function<void(double done, double total, const char* message)> progress;

  bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
  void check() const {
    if (cancelled()) throw Cancelled();
  }
  void report(double done, double total, const char* message = "") const {
    if (progress) progress(done, total, message);
  }
  // The same cancel flag without progress: for work nested inside a kernel that reports its own
  // progress (a sub-kernel's done/total would otherwise reach the caller as the outer kernel's).
  Control cancel_only() const {
    Control c;
    c.cancel = cancel;
    return c;
  }
  // The same cancel flag, for `span` items of this kernel's own count (one by default): a report (done,
  // total) of the nested work becomes (before + span·done/total, of, message) here (a sample of an
  // epoch, reported step by step). This Control must outlive the one returned.
  Control within(double before, double of, const char* message, double span = 1.0) const {
    Control c = cancel_only();
    if (progress)
      c.progress = [this, before, of, message, span](double done, double total, const char*) { report(before + span * done / total, of, message); };
    return c;
  }
};

// The cancel flag of the job the calling thread runs, set by the binding for the duration of the job
// (JobCancelScope): lets shared infrastructure that a job waits on (the thread pool, which runs one
// job at a time) give up waiting when that job is cancelled.
inline thread_local const std::atomic<bool>* t_job_cancel = nullptr;

class JobCancelScope {
 public:
  explicit JobCancelScope(const std::atomic<bool>* flag) : previous_(t_job_cancel) { t_job_cancel = flag; }
  ~JobCancelScope() { t_job_cancel = previous_; }
  JobCancelScope(const JobCancelScope&) = delete;
  JobCancelScope& operator=(const JobCancelScope&) = delete;

 private:
  const std::atomic<bool>* previous_;
};

// v = n copies of `value`, filled in slices of 2^22 elements with a cancel check before each: filling
// a result array of hundreds of megabytes takes a while, and an abort must not wait for it.
template <class Vec>
void assign_checked(Vec& v, std::size_t n, const typename Vec::value_type& value, const Control& control) {
  constexpr std::size_t kSlice = std::size_t(1) << 22;
  v.clear();
  v.reserve(n);
  while (v.size() < n) {
    control.check();
    v.resize(std::min(n, v.size() + kSlice), value);
  }
}

}  // namespace mimic
