#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/openssl_owners.h"

namespace babillard::publish::push {

// The application server's identity towards push services (RFC 8292): a
// P-256 key kept like babillard's other secrets, made on first start, and
// the ES256 token each push request carries.
class VapidKey {
 public:
  // The key in `path` (PEM, PKCS#8), made there (mode 0600) when missing.
  // An unreadable or foreign file stops the caller with a message naming it.
  static absl::StatusOr<VapidKey> LoadOrCreate(const std::string& path);
  // A key from its 32-byte private scalar (tests).
  static absl::StatusOr<VapidKey> FromPrivate(absl::string_view scalar);

  // The 65-byte public point; browsers take it base64url-encoded as
  // applicationServerKey.
  const std::string& public_key() const { return public_key_; }

  // `Authorization: vapid t=JWT, k=KEY` for a request to `endpoint`: the
  // JWT's audience is the endpoint's origin, it expires 12 hours after
  // `now` (RFC 8292 §2: at most 24), its subject is `subject` (a mailto: or
  // https: contact), and its signature the raw 64-byte R||S (JWS ES256).
  absl::StatusOr<std::string> Authorization(absl::string_view endpoint, absl::string_view subject,
                                            absl::Time now) const;

 private:
  explicit VapidKey(Pkey key, std::string public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  // A shared owner: the key is immutable, copies are cheap.
  std::shared_ptr<EVP_PKEY> key_;
  std::string public_key_;
};

// The origin of an https (or http, for tests) URL: "https://push.example.net".
absl::StatusOr<std::string> OriginOf(absl::string_view url);

}  // namespace babillard::publish::push
