#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"

namespace babillard::publish {

// An HTTP date (RFC 9110 5.6.7): "Wed, 02 Dec 2026 16:04:05 GMT".
std::string HttpDate(int64_t seconds);

// One built feed with what its responses need.
struct CachedFeed {
  int64_t version = -1;
  std::string body, gzip;
  std::string etag, gzip_etag;
  std::string last_modified;
  int64_t modified = 0;  // Last-Modified, epoch seconds
  std::string content_type;
  int64_t day = 0;  // the UTC day whose default window it covers (a page: the region's day)
  int status = 200;
  // Headers of this entry's responses besides the common ones (a page's
  // security policy and language cookie).
  std::vector<std::pair<std::string, std::string>> headers;
  size_t bytes() const { return body.size() + gzip.size(); }
};

// The built feeds, by query key, within a byte budget: the least recently
// used go first, so that many distinct windows of a large feed cannot hold
// many copies of it. One build per key at a time: a request for a feed that
// is being built waits for it instead of building it again. Thread-safe.
class FeedCache {
 public:
  explicit FeedCache(size_t budget_bytes) : budget_bytes_(budget_bytes) {}

  // The feed last served for this request target (the same subscription URL
  // polled again: no parsing), if still cached at `version` and `day`.
  std::shared_ptr<const CachedFeed> ByTarget(const std::string& target, int64_t version,
                                             int64_t day);

  // The feed for `key` at `version` (remembered for `target`) if cached;
  // null otherwise, without waiting or claiming the build.
  std::shared_ptr<const CachedFeed> Find(const std::string& key, const std::string& target,
                                         int64_t version);

  // The feed for `key` at `version` (remembered for `target`), or null when
  // the caller is to build it (it must then call Finish): waits while
  // another request builds it.
  std::shared_ptr<const CachedFeed> FindOrClaim(const std::string& key, const std::string& target,
                                                int64_t version);

  // Ends a build claimed by FindOrClaim: stores `fresh` (null: the build
  // failed) and remembers it for `target`. Keeps the older Last-Modified
  // when the bytes did not change, and moves it at least a second when they
  // did: HTTP dates have whole seconds, and a change in the same second
  // would hide behind If-Modified-Since.
  std::shared_ptr<const CachedFeed> Finish(const std::string& key, const std::string& target,
                                           std::shared_ptr<CachedFeed> fresh);

  size_t bytes() const;
  size_t entries() const;
  int64_t evictions() const;

 private:
  struct Slot {
    std::shared_ptr<const CachedFeed> feed;
    std::list<std::string>::iterator use;
  };
  struct Target {
    std::weak_ptr<const CachedFeed> feed;
    std::string key;
  };
  std::shared_ptr<const CachedFeed> Found(const std::string& key, const std::string& target,
                                          int64_t version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Touch(Slot& slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Remember(const std::string& target, const std::string& key,
                const std::shared_ptr<const CachedFeed>& feed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evict() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t budget_bytes_;
  mutable absl::Mutex mu_;
  absl::CondVar built_;
  absl::flat_hash_map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> uses_ ABSL_GUARDED_BY(mu_);  // most recent first
  absl::flat_hash_map<std::string, Target> targets_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> building_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace babillard::publish
