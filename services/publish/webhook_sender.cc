#include "services/publish/webhook_sender.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/client/pinned_post.h"

namespace babillard::publish {
namespace {

const char* TypeOf(v1::Change::Kind kind) {
  switch (kind) {
    case v1::Change::KIND_CREATED:
      return "event.created";
    case v1::Change::KIND_UPDATED:
      return "event.updated";
    case v1::Change::KIND_CANCELLED:
      return "event.cancelled";
    case v1::Change::KIND_DELETED:
      return "event.deleted";
    case v1::Change::KIND_SOURCE_FLAGGED:
      return "source.flagged";
    default:
      return "change";
  }
}

}  // namespace

absl::StatusOr<std::string> SignWebhook(const std::string& secret, const std::string& id,
                                        int64_t timestamp, const std::string& body) {
  std::string key;
  if (!absl::StartsWith(secret, "whsec_") || !absl::Base64Unescape(secret.substr(6), &key) ||
      key.empty()) {
    return absl::InvalidArgumentError("webhook secret: expected whsec_<base64>");
  }
  const std::string signed_content = absl::StrCat(id, ".", timestamp, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(),
           mac, &mac_size) == nullptr) {
    return absl::InternalError("HMAC-SHA256 failed");
  }
  return absl::StrCat(
      "v1,", absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(mac), mac_size)));
}

std::string WebhookBody(const v1::Change& change) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(change, &json, options);
  const std::string timestamp = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(change.committed_at_ms()), absl::UTCTimeZone());
  return absl::StrCat(R"({"type":")", TypeOf(change.kind()), R"(","timestamp":")", timestamp,
                      R"(","data":)", json, "}");
}

WebhookPostResult PostWebhook(const std::string& url, const std::vector<std::string>& secrets,
                              const std::string& message_id, const std::string& body,
                              const WebhookPostOptions& options) {
  WebhookPostResult result;
  const absl::Time start = absl::Now();
  const int64_t timestamp = absl::ToUnixSeconds(start);
  std::vector<std::string> signatures;
  for (const std::string& secret : secrets) {
    absl::StatusOr<std::string> signature = SignWebhook(secret, message_id, timestamp, body);
    if (!signature.ok()) {
      result.error = std::string(signature.status().message());
      return result;
    }
    signatures.push_back(*std::move(signature));
  }
  const PinnedPostResult post =
      PostPinned(url,
                 {"Content-Type: application/json", "webhook-id: " + message_id,
                  absl::StrCat("webhook-timestamp: ", timestamp),
                  "webhook-signature: " + absl::StrJoin(signatures, " ")},
                 body, options.timeout, options.allow_loopback, "babillard-webhooks/1.0");
  WebhookPostResult answered = post;
  answered.duration = absl::Now() - start;  // signing included
  return answered;
}

}  // namespace babillard::publish
