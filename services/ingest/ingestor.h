#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "babillard/v1/ingest.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/ingest/creations.h"
#include "services/ingest/event_input.h"
#include "services/ingest/event_result.h"
#include "services/ingest/merges.h"

namespace babillard::ingest {

// One organization's events, one at a time: submit, update, cancel, delete,
// read. Each event is normalized (event_input.h), gets its stored UID,
// provenance and stamps (stamping.h), and is written to the store in one
// atomic step; a new one that is another organization's event too is merged
// (merges.h). Blocking (store calls); thread-safe.
class Ingestor {
 public:
  Ingestor(StoreClient& store, const EventInput& input, DuplicateMerger& merger, const Clock& clock)
      : store_(store), input_(input), merger_(merger), clock_(clock), creations_(store) {}

  absl::StatusOr<EventResult> Submit(const Caller& caller, const v1::SubmitEventRequest& request);
  // ABORTED when `expected_version` is set and stale.
  absl::StatusOr<EventResult> Update(const Caller& caller, const v1::UpdateEventRequest& request);
  // STATUS:CANCELLED and SEQUENCE + 1; the event stays in feeds as cancelled.
  // With `occurrence`, only that instance of a series (occurrences.h).
  absl::StatusOr<EventResult> Cancel(const Caller& caller, const std::string& uid,
                                     const std::string& reason, const std::string& occurrence = "");
  absl::Status Delete(const Caller& caller, const std::string& uid);
  // NOT_FOUND also for another organization's private event.
  absl::StatusOr<internal::StoredEvent> Get(const Caller& caller, const std::string& uid);

 private:
  // A submit whose event exists already: the stored one when it says the
  // same (a retry), else ALREADY_EXISTS.
  absl::StatusOr<EventResult> Resubmitted(const v1::Event& e, bool keyed);

  StoreClient& store_;
  const EventInput& input_;
  DuplicateMerger& merger_;
  const Clock& clock_;
  // Concurrent submits reach the store in one call.
  CreationBatcher creations_;
};

}  // namespace babillard::ingest
