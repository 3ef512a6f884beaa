#pragma once

#include <deque>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "babillard/v1/event.pb.h"

namespace babillard::ingest {

// The due sources waiting for a poller thread, taken with the organizations
// in turn: an organization with a hundred slow sources delays another's
// source by one fetch per thread at most, not by a hundred. A source is in
// the queue once, waiting or being polled. Thread-safe.
class PollQueue {
 public:
  // False (and nothing added) if the source is already waiting or being polled.
  bool Add(v1::Source source);
  // The next source, blocking until there is one; nullopt once closed.
  std::optional<v1::Source> Take();
  // Its poll is over: the source may be added again.
  void Done(const std::string& id);
  // Wakes every Take with nullopt; what was waiting is dropped.
  void Close();

 private:
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::deque<v1::Source>> waiting_ ABSL_GUARDED_BY(mu_);
  // Organizations with a source waiting, the next to be served first.
  std::deque<std::string> turns_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> queued_ ABSL_GUARDED_BY(mu_);  // ids waiting or being polled
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace babillard::ingest
