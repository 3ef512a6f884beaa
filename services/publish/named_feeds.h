#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/client/store_client.h"
#include "services/common/periodic.h"

namespace babillard::publish {

// INVALID_ARGUMENT naming the field: a name that is a slug and no built-in
// path, a French title (English optional), a filter feeds can apply.
absl::Status ValidateNamedFeed(const v1::NamedFeed& feed);

// The named feeds, as the HTTP side looks them up: kept in memory, re-read
// from the store every `refresh` (so every publish replica learns of a feed
// created through another) and updated at once by this replica's own calls.
// Thread-safe.
class NamedFeedDirectory {
 public:
  std::optional<v1::NamedFeed> Find(const std::string& name) const;
  void Put(const v1::NamedFeed& feed);
  void Remove(const std::string& name);
  void ReplaceAll(const std::vector<v1::NamedFeed>& feeds);
  // Moves on every change, so cached feeds of a changed definition go stale.
  int64_t generation() const;

  // Follows the store until Stop().
  void Follow(StoreClient& store, absl::Duration refresh);
  void Stop() { follower_.Stop(); }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, v1::NamedFeed> feeds_ ABSL_GUARDED_BY(mu_);
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  Periodic follower_;  // last: stops before the map goes
};

}  // namespace babillard::publish
