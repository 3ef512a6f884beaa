#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace babillard {

// A fixed number of threads taking tasks in the order given, for blocking
// work that many callers may ask for at once (2,000 subscribers catching up
// from the store): however many ask, at most `threads` run and the rest
// wait their turn. Thread-safe.
class WorkQueue {
 public:
  explicit WorkQueue(int threads);
  // Runs the tasks still queued, then joins.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Submit(std::function<void()> task);
  // Tasks waiting for a thread (not those running).
  size_t queued() const;

 private:
  void Work();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace babillard
