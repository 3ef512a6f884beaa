#include "services/publish/feed_cache.h"

#include <algorithm>
#include <utility>

#include "absl/time/time.h"

namespace babillard::publish {
namespace {

// Request targets remembered; past it the map starts over (a miss costs a parse).
constexpr size_t kMaxTargets = 10000;

}  // namespace

std::string HttpDate(int64_t seconds) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

std::shared_ptr<const CachedFeed> FeedCache::ByTarget(const std::string& target, int64_t version,
                                                      int64_t day) {
  absl::MutexLock lock(&mu_);
  auto it = targets_.find(target);
  if (it == targets_.end()) return nullptr;
  std::shared_ptr<const CachedFeed> feed = it->second.feed.lock();
  if (feed == nullptr || feed->version != version || feed->day != day) return nullptr;
  auto slot = slots_.find(it->second.key);
  if (slot != slots_.end() && slot->second.feed == feed) Touch(slot->second);
  return feed;
}

std::shared_ptr<const CachedFeed> FeedCache::Found(const std::string& key,
                                                   const std::string& target, int64_t version) {
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second.feed->version != version) return nullptr;
  Touch(it->second);
  Remember(target, key, it->second.feed);
  return it->second.feed;
}

std::shared_ptr<const CachedFeed> FeedCache::Find(const std::string& key, const std::string& target,
                                                  int64_t version) {
  absl::MutexLock lock(&mu_);
  return Found(key, target, version);
}

std::shared_ptr<const CachedFeed> FeedCache::FindOrClaim(const std::string& key,
                                                         const std::string& target,
                                                         int64_t version) {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (std::shared_ptr<const CachedFeed> found = Found(key, target, version)) return found;
    if (!building_.contains(key)) break;
    built_.Wait(&mu_);
  }
  building_.insert(key);
  return nullptr;
}

std::shared_ptr<const CachedFeed> FeedCache::Finish(const std::string& key,
                                                    const std::string& target,
                                                    std::shared_ptr<CachedFeed> fresh) {
  absl::MutexLock lock(&mu_);
  building_.erase(key);
  built_.SignalAll();
  if (fresh == nullptr) return nullptr;
  auto it = slots_.find(key);
  if (it != slots_.end()) {
    const CachedFeed& older = *it->second.feed;
    fresh->modified =
        older.etag == fresh->etag ? older.modified : std::max(fresh->modified, older.modified + 1);
    bytes_ -= older.bytes();
    uses_.erase(it->second.use);
    slots_.erase(it);
  }
  fresh->last_modified = HttpDate(fresh->modified);
  std::shared_ptr<const CachedFeed> stored = std::move(fresh);
  uses_.push_front(key);
  slots_[key] = Slot{stored, uses_.begin()};
  bytes_ += stored->bytes();
  Evict();
  Remember(target, key, stored);
  return stored;
}

void FeedCache::Remember(const std::string& target, const std::string& key,
                         const std::shared_ptr<const CachedFeed>& feed) {
  if (targets_.size() >= kMaxTargets && !targets_.contains(target)) targets_.clear();
  targets_[target] = Target{feed, key};
}

void FeedCache::Touch(Slot& slot) { uses_.splice(uses_.begin(), uses_, slot.use); }

void FeedCache::Evict() {
  // The newest stays even alone over the budget: it is being answered.
  while (bytes_ > budget_bytes_ && uses_.size() > 1) {
    auto it = slots_.find(uses_.back());
    bytes_ -= it->second.feed->bytes();
    slots_.erase(it);
    uses_.pop_back();
    ++evictions_;
  }
}

size_t FeedCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

size_t FeedCache::entries() const {
  absl::MutexLock lock(&mu_);
  return slots_.size();
}

int64_t FeedCache::evictions() const {
  absl::MutexLock lock(&mu_);
  return evictions_;
}

}  // namespace babillard::publish
