#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "babillard/internal/store.pb.h"
#include "services/common/client/store_client.h"
#include "services/common/group_commit.h"

namespace babillard::ingest {

// New events' create-only writes: concurrent ones reach the store in one
// call (independent writes, each checked and written on its own), and a lone
// one goes at once. Thread-safe.
class CreationBatcher {
 public:
  explicit CreationBatcher(StoreClient& store);

  // Writes `event` if its uid is new (ALREADY_EXISTS otherwise). With
  // `unique`, refused with FAILED_PRECONDITION when another organization's
  // event shares its duplicate keys (internal.PutEventRequest.unique).
  absl::StatusOr<internal::PutEventResponse> Create(const v1::Event& event, bool unique);

 private:
  struct Creation {
    const v1::Event* event;
    bool unique;
  };

  StoreClient& store_;
  GroupCommit<Creation, absl::StatusOr<internal::PutEventResponse>> group_;
};

}  // namespace babillard::ingest
