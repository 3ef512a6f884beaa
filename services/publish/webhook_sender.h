#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "babillard/v1/event.pb.h"
#include "services/common/client/pinned_post.h"

namespace babillard::publish {

// The Standard Webhooks signature of one message: "v1,<base64 HMAC-SHA256
// of id.timestamp.body>", keyed with the base64 part of "whsec_<base64>".
// INVALID_ARGUMENT for a secret that is not in that form.
absl::StatusOr<std::string> SignWebhook(const std::string& secret, const std::string& id,
                                        int64_t timestamp, const std::string& body);

// The JSON body for a change: {"type": "event.updated", "timestamp": ...,
// "data": <the Change, proto3 JSON>}.
std::string WebhookBody(const v1::Change& change);

struct WebhookPostOptions {
  absl::Duration timeout = absl::Seconds(10);
  // Tests only: lets receivers on 127.0.0.1 / ::1 be called. Off by default.
  bool allow_loopback = false;
};

// The receiver's answer (status, or why none; its Retry-After).
using WebhookPostResult = PinnedPostResult;

// POSTs one message signed with each of `secrets` (Standard Webhooks: the
// signatures space-separated in webhook-signature; two during a rotation). Redirects are not
// followed (a 3xx is a failed attempt); the receiver's address is checked and pinned as for sources
// (PERMISSION_DENIED for loopback, private or link-local targets).
WebhookPostResult PostWebhook(const std::string& url, const std::vector<std::string>& secrets,
                              const std::string& message_id, const std::string& body,
                              const WebhookPostOptions& options);

// The seam between delivery and the network: one signed POST. Tests give the
// dispatcher a fake receiver; production uses CurlWebhookPoster.
class WebhookPoster {
 public:
  virtual ~WebhookPoster() = default;
  virtual WebhookPostResult Post(const std::string& url, const std::vector<std::string>& secrets,
                                 const std::string& message_id, const std::string& body) = 0;
};

// PostWebhook with fixed options.
class CurlWebhookPoster final : public WebhookPoster {
 public:
  explicit CurlWebhookPoster(WebhookPostOptions options) : options_(options) {}
  WebhookPostResult Post(const std::string& url, const std::vector<std::string>& secrets,
                         const std::string& message_id, const std::string& body) override {
    return PostWebhook(url, secrets, message_id, body, options_);
  }

 private:
  const WebhookPostOptions options_;
};

}  // namespace babillard::publish
