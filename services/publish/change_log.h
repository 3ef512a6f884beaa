#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "babillard/v1/event.pb.h"

namespace babillard::publish {

using ChangePtr = std::shared_ptr<const v1::Change>;

// The recent changes publish has seen, shared by every subscriber and
// webhook: each reads from its own cursor, so a change is held once however
// many follow it. Bounded; older changes are read from the store instead.
// Thread-safe.
class ChangeLog {
 public:
  explicit ChangeLog(size_t capacity = 20000) : capacity_(capacity) {}

  // After a snapshot: the log restarts empty at `cursor`.
  void Reset(const std::string& cursor);
  // A live change, in commit order; wakes the listeners.
  void Append(ChangePtr change);

  struct Slice {
    // `after` precedes what the log holds: read it from the store.
    bool too_old = false;
    // Up to `max` changes after `after`.
    std::vector<ChangePtr> changes;
    // How many changes the log holds after `after` in all.
    size_t behind = 0;
  };
  // Changes after `after` (a cursor). Before the first Reset, nothing.
  Slice Read(const std::string& after, size_t max) const;
  // The newest cursor seen ("" before the first Reset).
  std::string head() const;
  bool ready() const;
  // Commit time (ms) of the oldest change after `after` in the log; 0 if none.
  int64_t OldestAfter(const std::string& after) const;

  // Wakes the listeners without a change, so that each checks how long its
  // subscriber has left a write unread even when nothing changes.
  void Poke();
  // At shutdown: wakes the listeners one last time; closed() is then true.
  void Close();
  bool closed() const;

  // Called after each Append (on the appending thread, which must not be
  // held long). Remove before the listener dies.
  uint64_t AddListener(std::function<void()> listener);
  void RemoveListener(uint64_t id);

 private:
  size_t FirstAfter(const std::string& after) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void WakeListeners();

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<ChangePtr> changes_ ABSL_GUARDED_BY(mu_);
  std::string base_ ABSL_GUARDED_BY(mu_);  // every change after it is in changes_
  std::string head_ ABSL_GUARDED_BY(mu_);
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex listeners_mu_;
  uint64_t next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 0;
  absl::flat_hash_map<uint64_t, std::function<void()>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace babillard::publish
