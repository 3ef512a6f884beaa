#include "services/publish/push/push_sender.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/common/client/pinned_post.h"

namespace babillard::publish::push {

std::string PushTopic(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  // 24 bytes are 32 base64url characters, the most RFC 8030 allows.
  return absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<char*>(digest), 24));
}

PushResult SendPush(const PushSubscription& subscription, const PushMessage& message,
                    const VapidKey& vapid, const PushSendOptions& options, absl::Time now) {
  PushResult result;
  absl::StatusOr<std::string> body = EncryptWebPush(message.payload, subscription.keys);
  absl::StatusOr<std::string> authorization =
      vapid.Authorization(subscription.endpoint, options.subject, now);
  for (const absl::Status& s : {body.status(), authorization.status()}) {
    if (!s.ok()) {
      result.outcome = PushOutcome::kRejected;
      result.error = std::string(s.message());
      return result;
    }
  }
  std::vector<std::string> headers = {
      "Content-Type: application/octet-stream",
      "Content-Encoding: aes128gcm",
      absl::StrCat("TTL: ", absl::ToInt64Seconds(message.ttl)),
      absl::StrCat("Urgency: ", message.urgent ? "high" : "normal"),
      "Authorization: " + *authorization,
  };
  if (!message.topic.empty()) headers.push_back("Topic: " + message.topic);
  const PinnedPostResult post = PostPinned(subscription.endpoint, headers, *body, options.timeout,
                                           options.allow_loopback, "babillard-push/1.0");
  result.http_status = post.http_status;
  result.error = post.error;
  result.retry_after = post.retry_after;
  const int s = post.http_status;
  if (s >= 200 && s < 300) {
    result.outcome = PushOutcome::kDelivered;
  } else if (s == 404 || s == 410) {
    result.outcome = PushOutcome::kGone;
  } else if (s == 0 || s == 429 || s >= 500) {
    result.outcome = PushOutcome::kRetry;
  } else {
    result.outcome = PushOutcome::kRejected;
  }
  return result;
}

}  // namespace babillard::publish::push
