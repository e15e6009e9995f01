// pool.h - a small thread pool for sharded searches. One per addon instance (per Node.js
// environment), created lazily, joined when the environment goes away.
#ifndef SIMDOT_POOL_H
#define SIMDOT_POOL_H

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace simdot {

class ThreadPool {
 public:
  // More threads than this only add scheduling overhead; a search asking for more shards runs
  // them on this many threads (results do not depend on it).
  static constexpr size_t kMaxThreads = 64;

  ThreadPool() = default;
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;
  ~ThreadPool();

  // Calls task(i) once for every i in [0, tasks), on up to `threads` threads counting the
  // caller, and returns when all are done. The caller always takes part, so a call completes
  // even while every pool thread is busy with another caller's tasks. Safe to call from several
  // threads at once (the main thread and async work, say).
  void Run(size_t tasks, size_t threads, const std::function<void(size_t)> &task);

 private:
  struct Job {
    const std::function<void(size_t)> *task = nullptr;
    size_t tasks = 0;
    size_t next = 0;        // next task index to hand out
    size_t finished = 0;    // tasks completed
    size_t helpers = 0;     // pool threads that joined
    size_t max_helpers = 0; // how many may join
    size_t inside = 0;      // pool threads still working on it
  };

  void Worker();
  // Runs tasks of `job` until none are left; called with `lock` held, returns with it held.
  void Drain(Job *job, std::unique_lock<std::mutex> &lock);

  std::mutex mu_;
  std::condition_variable work_cv_;  // a job has tasks to hand out, or stop
  std::condition_variable done_cv_;  // a job's last task finished
  std::deque<Job *> jobs_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

}  // namespace simdot

#endif
