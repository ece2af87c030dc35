#include "thread_pool.hpp"

#include <algorithm>
#include <chrono>

#include "cancel.hpp"

namespace mimic {

unsigned ThreadPool::hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = 1;
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::drain(unsigned) {
  for (;;) {
    const std::size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= job_size_) break;
    try {
      (*job_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::worker_loop(unsigned index) {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= active_limit_) continue;  // not needed for this job
    }
    drain(index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--remaining_workers_ == 0) done_.notify_all();
    }
  }
}

void ThreadPool::parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, unsigned maxThreads) {
  if (n == 0) return;
  std::unique_lock<std::timed_mutex> run_lock(run_mutex_, std::defer_lock);
  if (!run_lock.try_lock() && t_job_cancel == nullptr) {
    // The pool is busy with a job and the caller runs none (the JS thread, building a trainer
    // synchronously): it must not wait for that job, so it does the items itself.
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  while (!run_lock.owns_lock() && !run_lock.try_lock_for(std::chrono::milliseconds(5)))
    if (t_job_cancel->load(std::memory_order_relaxed)) throw Cancelled();
  run_locked(n, fn, maxThreads);
}

bool ThreadPool::try_parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, unsigned maxThreads) {
  if (n < 2 || size() < 2 || maxThreads == 1) return false;
  std::unique_lock<std::timed_mutex> run_lock(run_mutex_, std::try_to_lock);
  if (!run_lock.owns_lock()) return false;
  run_locked(n, fn, maxThreads);
  return true;
}

void ThreadPool::run_locked(std::size_t n, const std::function<void(std::size_t)>& fn, unsigned maxThreads) {
  unsigned threads = maxThreads == 0 ? size() : std::min(maxThreads, size());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, n));
  error_ = nullptr;
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_size_ = n;
    next_.store(0);
    active_limit_ = threads;
    remaining_workers_ = threads - 1;
    ++generation_;
  }
  wake_.notify_all();
  drain(0);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return remaining_workers_ == 0; });
    job_ = nullptr;
  }
  if (error_) std::rethrow_exception(error_);
}

ThreadPool& global_pool() {
  static ThreadPool pool(ThreadPool::hardware_threads());
  return pool;
}

}  // namespace mimic
