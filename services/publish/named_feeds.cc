#include "services/publish/named_feeds.h"

#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"
#include "services/common/text_checks.h"
#include "services/publish/change_filter.h"

namespace babillard::publish {

absl::Status ValidateNamedFeed(const v1::NamedFeed& feed) {
  std::vector<FieldViolation> violations;
  if (!IsSlug(feed.name())) {
    violations.push_back({"feed.name", "must match [a-z0-9-]{1,64}"});
  } else if (feed.name() == "all" || feed.name() == "municipality" || feed.name() == "category" ||
             feed.name() == "org") {
    violations.push_back(
        {"feed.name", absl::StrCat("\"", feed.name(), "\" is a built-in feed path")});
  }
  if (feed.title().fr().empty() || feed.title().fr().size() > 200 ||
      HasControl(feed.title().fr(), false)) {
    violations.push_back({"feed.title.fr", "required, at most 200 printable characters"});
  }
  if (feed.title().en().size() > 200 || HasControl(feed.title().en(), false)) {
    violations.push_back({"feed.title.en", "at most 200 printable characters"});
  }
  if (feed.filter().from_seconds() != 0 || feed.filter().to_seconds() != 0) {
    violations.push_back(
        {"feed.filter.from_seconds", "a named feed uses the feed window (?from=, ?to=)"});
  }
  if (!violations.empty()) {
    return FieldViolationsError(violations);
  }
  return ValidateFilter(feed.filter(), "feed.filter.");
}

std::optional<v1::NamedFeed> NamedFeedDirectory::Find(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = feeds_.find(name);
  if (it == feeds_.end()) return std::nullopt;
  return it->second;
}

void NamedFeedDirectory::Put(const v1::NamedFeed& feed) {
  absl::MutexLock lock(&mu_);
  feeds_[feed.name()] = feed;
  ++generation_;
}

void NamedFeedDirectory::Remove(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (feeds_.erase(name) > 0) ++generation_;
}

void NamedFeedDirectory::ReplaceAll(const std::vector<v1::NamedFeed>& feeds) {
  absl::flat_hash_map<std::string, v1::NamedFeed> fresh;
  for (const v1::NamedFeed& f : feeds) fresh[f.name()] = f;
  absl::MutexLock lock(&mu_);
  bool same = fresh.size() == feeds_.size();
  for (const auto& [name, f] : fresh) {
    auto it = feeds_.find(name);
    same = same && it != feeds_.end() && it->second.SerializeAsString() == f.SerializeAsString();
  }
  if (same) return;
  feeds_.swap(fresh);
  ++generation_;
}

int64_t NamedFeedDirectory::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

void NamedFeedDirectory::Follow(StoreClient& store, absl::Duration refresh) {
  follower_.Start(refresh, [this, &store] {
    absl::StatusOr<internal::ListNamedFeedsResponse> list = store.Call(
        &internal::Store::StubInterface::ListNamedFeeds, internal::ListNamedFeedsRequest());
    if (list.ok()) ReplaceAll({list->feeds().begin(), list->feeds().end()});
  });
}

}  // namespace babillard::publish
