#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/ingest/event_result.h"

namespace babillard::ingest {

// The same real-world event published by two organizations is one event in
// the regional calendar: the first one stored is canonical and lists every
// provenance; the others point at it (duplicate_of) and feeds show them only
// in their own organization's feed. The rule that says two events are the
// same is in duplicates.h; this is what happens to a merge over time.
// Blocking (store calls); thread-safe.
class DuplicateMerger {
 public:
  DuplicateMerger(StoreClient& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Marks each new event that duplicates another organization's and returns
  // the canonical events, with the new provenances added and the version
  // they were read at, to write in the same step (StoreClient::PutBatch).
  absl::StatusOr<std::vector<internal::StoredEvent>> Merge(std::vector<v1::Event*> fresh);
  // After `gone` (as it was before) is cancelled or deleted by its
  // organization: if it was the canonical event of merged copies, the first
  // copy still on becomes canonical (the regional calendar keeps showing the
  // event another organization still holds); if it was a copy, its
  // organization leaves the canonical event's provenances. `cancelled`: it
  // was cancelled (it is still stored), not deleted.
  absl::Status Unmerge(const v1::Event& gone, bool cancelled);
  // Admin: splits a duplicate from the event it was merged into (`uid` is
  // the duplicate's, or the merged event's with `provenance` naming which);
  // they are never merged again.
  absl::StatusOr<EventResult> Split(const Caller& caller, const std::string& uid,
                                    const v1::Provenance& provenance);

 private:
  // One attempt of each, from a fresh read (RetryOnConflict).
  absl::Status UnmergeOnce(const v1::Event& gone, bool cancelled);
  absl::StatusOr<EventResult> SplitOnce(const Caller& caller, const std::string& uid,
                                        const v1::Provenance& provenance);

  StoreClient& store_;
  const Clock& clock_;
};

}  // namespace babillard::ingest
