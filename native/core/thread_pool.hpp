// A small persistent thread pool: parallel_for over an index range, the calling thread works too.
// Work items are independent (one sample of a batch each), so results never depend on the
// thread count as long as each item only writes its own outputs.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mimic {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // Runs fn(i) for i in [0, n) using at most `maxThreads` threads (0 = all). Blocks until done.
  // Exceptions thrown by fn are rethrown (the first one) after all items finished. While another
  // parallel_for has the pool, waits for it, or throws Cancelled if the calling thread's job is
  // cancelled meanwhile (t_job_cancel, cancel.hpp); a caller that runs no job (the JS thread) does not
  // wait: it runs the items itself.
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, unsigned maxThreads = 0);

  // The same without waiting: when the pool is free and at least two of its threads may be used, runs
  // fn(i) for i in [0, n) as parallel_for does and returns true; otherwise runs nothing and returns
  // false (the caller does the work its own way). For work that only gains from a second thread.
  bool try_parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, unsigned maxThreads = 0);

  static unsigned hardware_threads();

 private:
  void run_locked(std::size_t n, const std::function<void(std::size_t)>& fn, unsigned maxThreads);
  void worker_loop(unsigned index);
  void drain(unsigned index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::timed_mutex run_mutex_;  // one parallel_for at a time per pool
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t job_size_ = 0;
  unsigned active_limit_ = 0;
  std::atomic<std::size_t> next_{0};
  std::size_t remaining_workers_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::mutex error_mutex_;
};

// The process-wide pool used by the simulation kernels (created on first use).
ThreadPool& global_pool();

}  // namespace mimic
