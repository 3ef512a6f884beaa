// Sends one Web Push message the way babillard-publish does (SendPush:
// RFC 8291 encryption, RFC 8292 VAPID, RFC 8030 headers), so that a test's
// own push service, written on implementations babillard does not contain,
// can read it. Prints {"outcome": ..., "status": ..., "vapid_key": ...}.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "services/publish/push/push_sender.h"

ABSL_FLAG(std::string, endpoint, "", "the push service URL");
ABSL_FLAG(std::string, p256dh, "", "the subscription's keys.p256dh (base64url)");
ABSL_FLAG(std::string, auth, "", "the subscription's keys.auth (base64url)");
ABSL_FLAG(std::string, payload, "", "the message");
ABSL_FLAG(std::string, vapid_key, "", "the VAPID key file (made when missing)");
ABSL_FLAG(std::string, subject, "mailto:admin@babillard.example", "the VAPID subject");
ABSL_FLAG(std::string, topic_of, "", "the text (an event's uid) the Topic is made from");
ABSL_FLAG(bool, urgent, false, "Urgency: high");
ABSL_FLAG(int, ttl, 3600, "TTL in seconds");

namespace push = babillard::publish::push;

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  push::PushSubscription subscription;
  subscription.endpoint = absl::GetFlag(FLAGS_endpoint);
  if (!absl::WebSafeBase64Unescape(absl::GetFlag(FLAGS_p256dh), &subscription.keys.p256dh) ||
      !absl::WebSafeBase64Unescape(absl::GetFlag(FLAGS_auth), &subscription.keys.auth)) {
    std::fprintf(stderr, "push_probe: --p256dh and --auth are base64url\n");
    return 2;
  }
  absl::StatusOr<push::VapidKey> vapid =
      push::VapidKey::LoadOrCreate(absl::GetFlag(FLAGS_vapid_key));
  if (!vapid.ok()) {
    std::fprintf(stderr, "push_probe: %s\n", std::string(vapid.status().message()).c_str());
    return 1;
  }
  push::PushMessage message;
  message.payload = absl::GetFlag(FLAGS_payload);
  message.urgent = absl::GetFlag(FLAGS_urgent);
  message.ttl = absl::Seconds(absl::GetFlag(FLAGS_ttl));
  if (!absl::GetFlag(FLAGS_topic_of).empty())
    message.topic = push::PushTopic(absl::GetFlag(FLAGS_topic_of));
  push::PushSendOptions options;
  options.subject = absl::GetFlag(FLAGS_subject);
  options.allow_loopback = true;
  const push::PushResult r = push::SendPush(subscription, message, *vapid, options, absl::Now());
  const char* outcome = r.outcome == push::PushOutcome::kDelivered ? "delivered"
                        : r.outcome == push::PushOutcome::kGone    ? "gone"
                        : r.outcome == push::PushOutcome::kRetry   ? "retry"
                                                                   : "rejected";
  std::printf(
      "{\"outcome\":\"%s\",\"status\":%d,\"retry_after\":%lld,\"vapid_key\":\"%s\",\"topic\":\"%"
      "s\"}\n",
      outcome, r.http_status, static_cast<long long>(absl::ToInt64Seconds(r.retry_after)),
      absl::WebSafeBase64Escape(vapid->public_key()).c_str(), message.topic.c_str());
  return 0;
}
