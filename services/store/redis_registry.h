#pragma once

#include <functional>
#include <memory>
#include <string>

#include "services/common/redis/connection_pool.h"
#include "services/store/registry.h"

namespace babillard::store {

// Registry on Redis. Key layout: services/store/README.md.
class RedisRegistry final : public Registry {
 public:
  // `retention` bounds the change stream, where a source that becomes
  // flagged or disabled is announced (KIND_SOURCE_FLAGGED).
  RedisRegistry(redis::ConnectionPool& pool, std::string prefix, int64_t retention = 100000)
      : pool_(pool), prefix_(std::move(prefix)), retention_(retention) {}

  absl::StatusOr<v1::Organization> PutOrganization(const v1::Organization& org,
                                                   const std::string& token_sha256,
                                                   bool create_only) override;
  absl::StatusOr<v1::Organization> GetOrganization(const std::string& slug) override;
  absl::StatusOr<std::vector<v1::Organization>> ListOrganizations() override;
  absl::StatusOr<v1::Organization> LookupToken(const std::string& token_sha256) override;
  absl::StatusOr<v1::Source> PutSource(const v1::Source& source) override;
  absl::StatusOr<v1::Source> GetSource(const std::string& id) override;
  absl::StatusOr<std::vector<v1::Source>> ListSources(const std::string& organization) override;
  absl::Status DeleteSource(const std::string& id) override;
  absl::StatusOr<v1::NamedFeed> PutNamedFeed(const v1::NamedFeed& feed, bool create_only) override;
  absl::StatusOr<v1::NamedFeed> GetNamedFeed(const std::string& name) override;
  absl::StatusOr<std::vector<v1::NamedFeed>> ListNamedFeeds() override;
  absl::Status DeleteNamedFeed(const std::string& name) override;
  absl::StatusOr<v1::Webhook> PutWebhook(const v1::Webhook& webhook, const std::string& secret,
                                         const std::string& previous,
                                         int64_t previous_until) override;
  absl::StatusOr<v1::Webhook> GetWebhook(const std::string& id) override;
  absl::StatusOr<std::vector<v1::Webhook>> ListWebhooks(const std::string& organization,
                                                        bool include_secrets) override;
  absl::Status DeleteWebhook(const std::string& id) override;
  absl::StatusOr<v1::Webhook> AdvanceWebhookCursor(const std::string& id,
                                                   const std::string& expected_cursor,
                                                   const std::string& cursor) override;
  absl::StatusOr<int> RecordDelivery(const std::string& webhook_id, const v1::Delivery& delivery,
                                     bool disable, const std::string& reason) override;
  absl::StatusOr<std::vector<v1::Delivery>> ListDeliveries(const std::string& webhook_id,
                                                           int limit) override;

 private:
  // Runs the commands in MULTI/EXEC: all or none. Returns their replies.
  absl::StatusOr<std::vector<redis::Reply>> Transaction(
      const std::vector<std::vector<std::string>>& commands);
  // Reads the value at `key`, lets `change` edit it, and writes it back only
  // if no one else wrote it meanwhile (WATCH), retrying a few times.
  absl::Status Update(
      const std::string& key,
      const std::function<absl::Status(std::string& value,
                                       std::vector<std::vector<std::string>>& extra)>& change);
  absl::StatusOr<std::string> Get(const std::string& key);
  absl::StatusOr<std::vector<std::string>> Members(const std::string& set_key);
  absl::StatusOr<std::string> NextId(const std::string& kind);

  redis::ConnectionPool& pool_;
  std::string prefix_;
  int64_t retention_;
};

}  // namespace babillard::store
