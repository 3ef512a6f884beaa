#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "babillard/v1/publish.pb.h"
#include "services/common/client/authenticator.h"
#include "services/common/client/store_client.h"
#include "services/common/clock.h"
#include "services/publish/change_reader.h"
#include "services/publish/webhook_dispatcher.h"

namespace babillard::publish {

struct WebhookAdminOptions {
  // Tests only: webhooks to 127.0.0.1 / ::1 are accepted. Off by default.
  bool allow_loopback_webhooks = false;
};

// Webhooks as organizations manage them: each is its creator's (an admin
// manages all); another organization's webhook is NOT_FOUND to a caller.
// Lookups are by id, never by listing everything. Blocking (store calls,
// DNS for the URL check); thread-safe.
class WebhookAdmin {
 public:
  WebhookAdmin(StoreClient& store, ChangeReader& reader, WebhookDispatcher& dispatcher,
               const Clock& clock, WebhookAdminOptions options)
      : store_(store), reader_(reader), dispatcher_(dispatcher), clock_(clock), options_(options) {}

  // A webhook that receives the changes from now on; the answer carries its
  // signing secret, shown this once. INVALID_ARGUMENT naming the field for a
  // bad URL or filter; PERMISSION_DENIED for a loopback, private or
  // link-local target.
  absl::StatusOr<v1::Webhook> Create(const Caller& caller, v1::Webhook webhook);
  // An admin names an organization or none (all); a publisher sees its own.
  absl::StatusOr<v1::ListWebhooksResponse> List(const Caller& caller,
                                                const std::string& organization);
  absl::Status Delete(const Caller& caller, const std::string& id);
  // A new signing secret, shown this once. The old one keeps signing beside
  // it for `overlap_seconds` (0: 24 h; at most 7 days; negative: none), so a
  // receiver that knows either accepts every delivery meanwhile.
  absl::StatusOr<v1::Webhook> RotateSecret(const Caller& caller, const std::string& id,
                                           int64_t overlap_seconds);
  absl::StatusOr<v1::ListDeliveriesResponse> ListDeliveries(
      const Caller& caller, const v1::ListDeliveriesRequest& request);

 private:
  // A count and the write it allows are one step: two creates at once in
  // this process cannot both take the last place under the quota.
  absl::Mutex create_mu_;
  // The webhook `id` if `caller` may see it; NOT_FOUND otherwise.
  absl::StatusOr<v1::Webhook> Owned(const Caller& caller, const std::string& id);
  // The newest cursor: where a new webhook starts.
  absl::StatusOr<std::string> HeadCursor();

  StoreClient& store_;
  ChangeReader& reader_;
  WebhookDispatcher& dispatcher_;
  const Clock& clock_;
  const WebhookAdminOptions options_;
};

}  // namespace babillard::publish
