#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "babillard/v1/event.pb.h"

namespace babillard::store {

// Everything persistent that is not an event: organizations with their token
// hashes (never tokens), federated sources and their polling state, named
// feeds, webhooks with their secrets, delivery cursors and recent deliveries.
// Thread-safe; each write is atomic. UNAVAILABLE when Redis is unreachable.
class Registry {
 public:
  virtual ~Registry() = default;

  // Creates or replaces; ALREADY_EXISTS when `create_only` and the slug
  // exists. A non-empty `token_sha256` replaces the organization's token.
  virtual absl::StatusOr<v1::Organization> PutOrganization(const v1::Organization& org,
                                                           const std::string& token_sha256,
                                                           bool create_only) = 0;
  virtual absl::StatusOr<v1::Organization> GetOrganization(const std::string& slug) = 0;
  virtual absl::StatusOr<std::vector<v1::Organization>> ListOrganizations() = 0;
  // NOT_FOUND for an unknown token hash.
  virtual absl::StatusOr<v1::Organization> LookupToken(const std::string& token_sha256) = 0;

  // An empty id creates the source with a new id.
  virtual absl::StatusOr<v1::Source> PutSource(const v1::Source& source) = 0;
  virtual absl::StatusOr<v1::Source> GetSource(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::Source>> ListSources(const std::string& organization) = 0;
  virtual absl::Status DeleteSource(const std::string& id) = 0;

  // ALREADY_EXISTS when `create_only` and the name is taken.
  virtual absl::StatusOr<v1::NamedFeed> PutNamedFeed(const v1::NamedFeed& feed,
                                                     bool create_only) = 0;
  // NOT_FOUND for an unknown name.
  virtual absl::StatusOr<v1::NamedFeed> GetNamedFeed(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<v1::NamedFeed>> ListNamedFeeds() = 0;
  virtual absl::Status DeleteNamedFeed(const std::string& name) = 0;

  // An empty id creates the webhook; a non-empty `secret` is stored with it,
  // and with it `previous` (a rotation's old secret) until `previous_until`
  // (epoch seconds), or no previous one when empty.
  virtual absl::StatusOr<v1::Webhook> PutWebhook(const v1::Webhook& webhook,
                                                 const std::string& secret,
                                                 const std::string& previous,
                                                 int64_t previous_until) = 0;
  // NOT_FOUND for an unknown id; never with its secret.
  virtual absl::StatusOr<v1::Webhook> GetWebhook(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::Webhook>> ListWebhooks(const std::string& organization,
                                                                bool include_secrets) = 0;
  virtual absl::Status DeleteWebhook(const std::string& id) = 0;
  // Moves the delivery cursor; ABORTED if it is not `expected_cursor`.
  virtual absl::StatusOr<v1::Webhook> AdvanceWebhookCursor(const std::string& id,
                                                           const std::string& expected_cursor,
                                                           const std::string& cursor) = 0;
  // Appends to the recent deliveries (newest 100 kept); returns failures in a
  // row. `disable` turns the webhook off with `reason`.
  virtual absl::StatusOr<int> RecordDelivery(const std::string& webhook_id,
                                             const v1::Delivery& delivery, bool disable,
                                             const std::string& reason) = 0;
  virtual absl::StatusOr<std::vector<v1::Delivery>> ListDeliveries(const std::string& webhook_id,
                                                                   int limit) = 0;
};

using RegistryPtr = std::unique_ptr<Registry>;

}  // namespace babillard::store
