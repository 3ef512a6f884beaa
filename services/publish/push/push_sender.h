#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/publish/push/vapid.h"
#include "services/publish/push/web_push_encryption.h"

namespace babillard::publish::push {

// A browser's push subscription: where to send, and the keys to encrypt to.
struct PushSubscription {
  std::string endpoint;  // the push service's URL for this browser (https)
  SubscriptionKeys keys;
};

struct PushMessage {
  std::string payload;  // JSON the service worker shows; at most 3 KB
  // How long the push service keeps it for an offline browser (RFC 8030 §5.2).
  absl::Duration ttl = absl::Hours(24);
  // RFC 8030 §5.3: "high" for urgent notices, else "normal".
  bool urgent = false;
  // RFC 8030 §5.4: a newer message with the same topic replaces an unread
  // one (an event's uid, hashed to the 32 base64url characters allowed).
  std::string topic;
};

// What the push service said, and what to do about it.
enum class PushOutcome {
  kDelivered,  // 2xx
  kGone,       // 404, 410: the subscription is dead, forget it
  kRetry,      // 429, 5xx or no answer: again later (retry_after when given)
  kRejected,   // another 4xx: this message will never be taken
};

struct PushResult {
  PushOutcome outcome = PushOutcome::kRetry;
  int http_status = 0;
  std::string error;
  absl::Duration retry_after;
};

// A topic from any text (an event's uid): base64url of its SHA-256's first 24 bytes.
std::string PushTopic(absl::string_view text);

struct PushSendOptions {
  // The contact push services reach the operator at (RFC 8292 `sub`).
  std::string subject = "mailto:admin@babillard.invalid";
  absl::Duration timeout = absl::Seconds(10);
  // Tests only: a push service on 127.0.0.1.
  bool allow_loopback = false;
};

// Sends one message (RFC 8030 §5): the body encrypted for the subscription
// (RFC 8291), `Content-Encoding: aes128gcm`, TTL, Urgency, Topic and the
// VAPID Authorization (RFC 8292), to the endpoint's pinned public address.
PushResult SendPush(const PushSubscription& subscription, const PushMessage& message,
                    const VapidKey& vapid, const PushSendOptions& options, absl::Time now);

}  // namespace babillard::publish::push
