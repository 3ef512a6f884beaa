#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/store/registry.h"

namespace babillard::testing {

// An in-memory Registry with the same contract as RedisRegistry, for unit
// tests of the layers above the store. FailNextCall() makes the next call
// return a status.
class FakeRegistry final : public store::Registry {
 public:
  void FailNextCall(absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_next_ = std::move(status);
  }
  // The token hash an organization's token currently has ("" if none).
  std::string TokenOf(const std::string& slug) {
    absl::MutexLock lock(&mu_);
    for (const auto& [sha, owner] : tokens_) {
      if (owner == slug) return sha;
    }
    return "";
  }

  absl::StatusOr<v1::Organization> PutOrganization(const v1::Organization& org,
                                                   const std::string& token_sha256,
                                                   bool create_only) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    if (org.slug().empty()) return absl::InvalidArgumentError("organization.slug: required");
    if (create_only && orgs_.contains(org.slug())) {
      return absl::AlreadyExistsError(absl::StrCat("organization ", org.slug(), " exists"));
    }
    orgs_[org.slug()] = org;
    if (!token_sha256.empty()) {
      std::erase_if(tokens_, [&](const auto& t) { return t.second == org.slug(); });
      tokens_[token_sha256] = org.slug();
    }
    return org;
  }
  absl::StatusOr<v1::Organization> GetOrganization(const std::string& slug) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    return Find(orgs_, slug);
  }
  absl::StatusOr<std::vector<v1::Organization>> ListOrganizations() override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    return Values(orgs_);
  }
  absl::StatusOr<v1::Organization> LookupToken(const std::string& token_sha256) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    auto it = tokens_.find(token_sha256);
    if (it == tokens_.end()) return absl::NotFoundError("unknown token");
    return Find(orgs_, it->second);
  }

  absl::StatusOr<v1::Source> PutSource(const v1::Source& source) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    v1::Source s = source;
    if (s.id().empty()) s.set_id(absl::StrCat("src-", ++next_id_));
    sources_[s.id()] = s;
    return s;
  }
  absl::StatusOr<v1::Source> GetSource(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    return Find(sources_, id);
  }
  absl::StatusOr<std::vector<v1::Source>> ListSources(const std::string& organization) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    std::vector<v1::Source> out = Values(sources_);
    std::erase_if(out, [&](const v1::Source& s) {
      return !organization.empty() && s.organization() != organization;
    });
    return out;
  }
  absl::Status DeleteSource(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    sources_.erase(id);
    return absl::OkStatus();
  }

  absl::StatusOr<v1::NamedFeed> PutNamedFeed(const v1::NamedFeed& feed, bool create_only) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    if (create_only && feeds_.contains(feed.name())) {
      return absl::AlreadyExistsError(absl::StrCat("feed.name: \"", feed.name(), "\" is taken"));
    }
    feeds_[feed.name()] = feed;
    return feed;
  }
  absl::StatusOr<v1::NamedFeed> GetNamedFeed(const std::string& name) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    return Find(feeds_, name);
  }
  absl::StatusOr<std::vector<v1::NamedFeed>> ListNamedFeeds() override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    return Values(feeds_);
  }
  absl::Status DeleteNamedFeed(const std::string& name) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    feeds_.erase(name);
    return absl::OkStatus();
  }

  absl::StatusOr<v1::Webhook> PutWebhook(const v1::Webhook& webhook, const std::string& secret,
                                         const std::string& previous, int64_t) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    v1::Webhook w = webhook;
    w.clear_secret();
    if (w.id().empty()) w.set_id(absl::StrCat("wh-", ++next_id_));
    webhooks_[w.id()] = w;
    if (!secret.empty()) {
      secrets_[w.id()] = secret;
      previous_secrets_[w.id()] = previous;  // kept for the overlap; the fake never expires it
    }
    return w;
  }
  absl::StatusOr<v1::Webhook> GetWebhook(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    return Find(webhooks_, id);
  }
  absl::StatusOr<std::vector<v1::Webhook>> ListWebhooks(const std::string& organization,
                                                        bool include_secrets) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    std::vector<v1::Webhook> out;
    for (const auto& [id, w] : webhooks_) {
      if (!organization.empty() && w.organization() != organization) continue;
      out.push_back(w);
      if (include_secrets && secrets_.contains(id)) {
        out.back().set_secret(secrets_[id]);
        out.back().set_previous_secret(previous_secrets_[id]);
      }
    }
    return out;
  }
  absl::Status DeleteWebhook(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    webhooks_.erase(id);
    secrets_.erase(id);
    previous_secrets_.erase(id);
    deliveries_.erase(id);
    return absl::OkStatus();
  }
  absl::StatusOr<v1::Webhook> AdvanceWebhookCursor(const std::string& id,
                                                   const std::string& expected_cursor,
                                                   const std::string& cursor) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    auto it = webhooks_.find(id);
    if (it == webhooks_.end()) return absl::NotFoundError(absl::StrCat("wh:", id, " not found"));
    if (it->second.cursor() != expected_cursor) {
      return absl::AbortedError(absl::StrCat("webhook ", id, ": cursor moved"));
    }
    it->second.set_cursor(cursor);
    it->second.set_consecutive_failures(0);
    return it->second;
  }
  absl::StatusOr<int> RecordDelivery(const std::string& webhook_id, const v1::Delivery& delivery,
                                     bool disable, const std::string& reason) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    auto it = webhooks_.find(webhook_id);
    if (it == webhooks_.end()) return absl::NotFoundError(absl::StrCat("wh:", webhook_id));
    v1::Webhook& w = it->second;
    const bool ok = delivery.http_status() >= 200 && delivery.http_status() < 300;
    w.set_consecutive_failures(ok ? 0 : w.consecutive_failures() + 1);
    if (disable) {
      w.set_enabled(false);
      w.set_disabled_reason(reason);
    }
    std::vector<v1::Delivery>& kept = deliveries_[webhook_id];
    kept.insert(kept.begin(), delivery);
    if (kept.size() > 100) kept.resize(100);
    return w.consecutive_failures();
  }
  absl::StatusOr<std::vector<v1::Delivery>> ListDeliveries(const std::string& webhook_id,
                                                           int limit) override {
    absl::MutexLock lock(&mu_);
    if (auto failure = TakeFailure()) return *failure;
    std::vector<v1::Delivery> out = deliveries_[webhook_id];
    if (limit <= 0) limit = 50;
    if (static_cast<int>(out.size()) > limit) out.resize(limit);
    return out;
  }

 private:
  template <typename Map>
  static absl::StatusOr<typename Map::mapped_type> Find(const Map& map, const std::string& key) {
    auto it = map.find(key);
    if (it == map.end()) return absl::NotFoundError(absl::StrCat(key, " not found"));
    return it->second;
  }
  template <typename Map>
  static std::vector<typename Map::mapped_type> Values(const Map& map) {
    std::vector<typename Map::mapped_type> out;
    for (const auto& [key, value] : map) out.push_back(value);
    return out;
  }
  std::optional<absl::Status> TakeFailure() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!fail_next_.has_value()) return std::nullopt;
    absl::Status s = *fail_next_;
    fail_next_.reset();
    return s;
  }

  absl::Mutex mu_;
  std::map<std::string, v1::Organization> orgs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> tokens_ ABSL_GUARDED_BY(mu_);  // sha256 -> slug
  std::map<std::string, v1::Source> sources_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::NamedFeed> feeds_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::Webhook> webhooks_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> secrets_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> previous_secrets_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<v1::Delivery>> deliveries_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> fail_next_ ABSL_GUARDED_BY(mu_);
  int next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace babillard::testing
