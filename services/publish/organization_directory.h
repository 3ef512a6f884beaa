#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/client/store_client.h"
#include "services/common/periodic.h"

namespace babillard::publish {

// Which organizations exist, as feed URLs name them, with their display
// names for the residents' pages (nothing else is kept): re-read from the store every `refresh`, so
// an organization created through ingest has its feed within that time. Thread-safe.
class OrganizationDirectory {
 public:
  bool Contains(const std::string& slug) const;
  // The organization's display name; its slug when it has none or is unknown.
  std::string Name(const std::string& slug) const;
  // Every organization as (slug, name), by name.
  std::vector<std::pair<std::string, std::string>> All() const;
  // Moves when an organization or a name comes or goes: pages that show
  // names are rebuilt then.
  int64_t generation() const;
  void ReplaceAll(const std::vector<v1::Organization>& organizations);
  // False until the first list arrived: until then every slug is taken as
  // known rather than answered 404.
  bool loaded() const;

  void Follow(StoreClient& store, absl::Duration refresh);
  void Stop() { follower_.Stop(); }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> names_ ABSL_GUARDED_BY(mu_);  // by slug
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  Periodic follower_;  // last: stops before the map goes
};

}  // namespace babillard::publish
