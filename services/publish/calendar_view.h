#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "babillard/v1/event.pb.h"
#include "services/publish/served_event.h"

namespace babillard::publish {

// The calendar as publish serves it: every current event, fed by Store.Watch.
// Thread-safe. Feeds read a consistent copy (Events()) and cache by version().
class CalendarView {
 public:
  // Replaces everything (after a snapshot); the view becomes ready.
  void Reset(std::vector<EventPtr> events, const std::string& cursor);
  // Applies one change after the snapshot: `served` is its event, rendered
  // (null for a deletion or a change without an event).
  void Apply(const v1::Change& change, EventPtr served);
  // The event with this uid; null when none.
  EventPtr Find(const std::string& uid) const;
  // Every event, in no particular order.
  std::vector<EventPtr> Events() const;
  // Bumped by every Reset and Apply; feeds are rebuilt when it moves.
  int64_t version() const;
  // False until the first snapshot arrived: feeds answer 503 until then.
  bool ready() const;
  std::string cursor() const;
  // Keeps the events but drops the cursor, so the next watch takes a snapshot.
  void ForgetCursor();
  size_t size() const;
  // True while some event of the organization is in the view: its feed is
  // known before the organization list is next read.
  bool HasOrganization(const std::string& slug) const;

 private:
  // One event of its organization fewer.
  void Forget(const ServedEvent& e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, EventPtr> events_ ABSL_GUARDED_BY(mu_);
  // Events per organization.
  absl::flat_hash_map<std::string, int> organizations_ ABSL_GUARDED_BY(mu_);
  int64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  bool ready_ ABSL_GUARDED_BY(mu_) = false;
  std::string cursor_ ABSL_GUARDED_BY(mu_);
};

}  // namespace babillard::publish
