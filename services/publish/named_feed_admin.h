#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "babillard/v1/publish.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/publish/named_feeds.h"

namespace babillard::publish {

// Named feeds as organizations manage them: each is its creator's (an
// admin manages all). Every call reads or writes the store by name, never
// by listing everything. Blocking (store calls); thread-safe.
class NamedFeedAdmin {
 public:
  NamedFeedAdmin(StoreClient& store, NamedFeedDirectory& directory, const Clock& clock)
      : store_(store), directory_(directory), clock_(clock) {}

  // INVALID_ARGUMENT naming the field for a bad feed; ALREADY_EXISTS for a
  // name that is taken; PERMISSION_DENIED for a publisher naming another
  // organization.
  absl::StatusOr<v1::NamedFeed> Create(const Caller& caller, v1::NamedFeed feed);
  // The caller's feeds (an admin's: all).
  absl::StatusOr<v1::ListNamedFeedsResponse> List(const Caller& caller);
  // NOT_FOUND for an unknown name; PERMISSION_DENIED for another's feed.
  absl::Status Delete(const Caller& caller, const std::string& name);

 private:
  // A count and the write it allows are one step: two creates at once in
  // this process cannot both take the last place under the quota.
  absl::Mutex create_mu_;
  StoreClient& store_;
  NamedFeedDirectory& directory_;
  const Clock& clock_;
};

}  // namespace babillard::publish
