// pool.cc - see pool.h. Tasks are coarse (one shard of a search: milliseconds), so a mutex
// around the hand-out is cheaper than it looks and keeps the code obviously correct.
#include "pool.h"

#include <algorithm>
#include <exception>

namespace simdot {

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread &t : workers_) t.join();
}

void ThreadPool::Drain(Job *job, std::unique_lock<std::mutex> &lock) {
  while (job->next < job->tasks) {
    const size_t i = job->next++;
    lock.unlock();
    (*job->task)(i);
    lock.lock();
    if (++job->finished == job->tasks) done_cv_.notify_all();
  }
  // Nothing left to hand out: later workers must not pick this job up.
  auto it = std::find(jobs_.begin(), jobs_.end(), job);
  if (it != jobs_.end()) jobs_.erase(it);
}

void ThreadPool::Run(size_t tasks, size_t threads, const std::function<void(size_t)> &task) {
  if (tasks == 0) return;
  threads = std::min({threads, tasks, kMaxThreads});
  if (threads <= 1) {
    for (size_t i = 0; i < tasks; i++) task(i);
    return;
  }
  Job job;
  job.task = &task;
  job.tasks = tasks;
  job.max_helpers = threads - 1;
  std::unique_lock<std::mutex> lock(mu_);
  while (workers_.size() < job.max_helpers) {
    try {
      workers_.emplace_back([this] { Worker(); });
    } catch (const std::exception &) {
      // No thread could be started (address space or a thread limit): the threads there are
      // take the tasks, down to the caller alone, which changes only the speed.
      job.max_helpers = workers_.size();
      break;
    }
  }
  if (job.max_helpers == 0) {
    lock.unlock();
    for (size_t i = 0; i < tasks; i++) task(i);
    return;
  }
  jobs_.push_back(&job);
  work_cv_.notify_all();
  Drain(&job, lock);
  // `job` lives on this stack: wait until no pool thread can touch it any more.
  done_cv_.wait(lock, [&] { return job.finished == job.tasks && job.inside == 0; });
}

void ThreadPool::Worker() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    Job *job = nullptr;
    work_cv_.wait(lock, [&] {
      if (stop_) return true;
      for (Job *j : jobs_) {
        if (j->helpers < j->max_helpers && j->next < j->tasks) {
          job = j;
          return true;
        }
      }
      return false;
    });
    if (!job) return;  // stop_
    job->helpers++;
    job->inside++;
    Drain(job, lock);
    if (--job->inside == 0) done_cv_.notify_all();
  }
}

}  // namespace simdot
